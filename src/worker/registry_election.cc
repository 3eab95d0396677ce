#include "worker/registry_election.h"

#include <utility>

#include "common/log.h"

namespace walrelay::worker {
namespace {

constexpr const char* kLog = "registry-election";
// How often an instance that does not lead asks who does (and how stale a follower's idea of
// the leader can be after a change it did not take part in).
constexpr std::chrono::milliseconds kRefreshInterval{1000};

}  // namespace

std::string RegistryElection::MemberClientId(std::chrono::system_clock::time_point joined,
                                             const std::string& url) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(joined.time_since_epoch()).count();
  std::string stamp = std::to_string(ms);
  if (stamp.size() < kJoinStampDigits) stamp.insert(0, kJoinStampDigits - stamp.size(), '0');
  return stamp + "-" + url;
}

std::optional<std::string> RegistryElection::UrlOfMember(const std::string& client_id) {
  const size_t dash = client_id.find('-');
  if (dash != kJoinStampDigits) return std::nullopt;
  for (size_t i = 0; i < dash; ++i) {
    if (client_id[i] < '0' || client_id[i] > '9') return std::nullopt;
  }
  return client_id.substr(dash + 1);
}

Result<std::unique_ptr<RegistryElection>> RegistryElection::Start(const Options& options,
                                                                  KafkaSchemaStore* store) {
  std::unique_ptr<RegistryElection> e(new RegistryElection(options, store));
  kafka::ClientConfig admin_config;
  for (const auto& [k, v] : options.client) {
    // Group-member settings mean nothing to an admin client (librdkafka warns about them).
    if (k == "session.timeout.ms" || k == "heartbeat.interval.ms" || k == "max.poll.interval.ms") {
      continue;
    }
    admin_config.Set(k, v);
  }
  admin_config.Set("client.id", "walrelay-schema-registry-admin");
  WR_ASSIGN_OR_RETURN(kafka::Admin admin, kafka::Admin::Create(admin_config));
  e->admin_.emplace(std::move(admin));
  if (options.leader_eligible) {
    Membership::Options m;
    m.group_id = options.group_id;
    m.topic = options.topic;
    m.worker_id = MemberClientId(std::chrono::system_clock::now(), options.advertised_url);
    m.client = options.client;
    WR_ASSIGN_OR_RETURN(e->membership_, Membership::Join(m));
    LogInfo(kLog, options.advertised_url + " joining schema registry group " + options.group_id);
  } else {
    LogInfo(kLog, options.advertised_url +
                      " is not eligible to lead (leader.eligibility=false); "
                      "following group " +
                      options.group_id);
  }
  RegistryElection* self = e.get();
  e->thread_ = std::thread([self] { self->Run(); });
  return e;
}

RegistryElection::~RegistryElection() { Stop(); }

void RegistryElection::Stop() {
  stop_.RequestStop();
  if (thread_.joinable()) thread_.join();
}

bool RegistryElection::IsLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_;
}

std::optional<std::string> RegistryElection::LeaderUrl() const {
  std::lock_guard<std::mutex> lock(mu_);
  return leader_ ? std::nullopt : leader_url_;
}

void RegistryElection::Run() {
  auto next_refresh = std::chrono::steady_clock::now();
  std::string last_error;
  while (!stop_.stop_requested()) {
    if (membership_ != nullptr) {
      Result<Membership::Event> event = membership_->Poll(std::chrono::milliseconds(100));
      if (!event.ok()) {
        if (event.status().message() != last_error) {
          LogWarn(kLog, "group " + options_.group_id + ": " + event.status().message());
        }
        last_error = event.status().message();
        Follow(false);
        stop_.WaitFor(std::chrono::milliseconds(500));
        continue;
      }
      last_error.clear();
      if (*event == Membership::Event::kLost) {
        LogWarn(kLog, "left schema registry group " + options_.group_id +
                          " (session expired): not leading");
        Follow(false);
        next_refresh = std::chrono::steady_clock::now();
      } else if (*event == Membership::Event::kRebalanced) {
        next_refresh = std::chrono::steady_clock::now();
      }
      // Acted on once a generation is current; also retried on quiet polls, as taking the writer
      // may have failed the last time. While the group rebalances (eager: partition 0 is
      // revoked from everyone first) the leader keeps its writer and goes on serving writes: if
      // another member gets the partition, its BecomeLeader fences this writer before it takes
      // a write and reads every record this one committed, so nothing is lost or given twice,
      // and writes do not pause at every join. A loss (kLost, above) drops the writer at once.
      if (membership_->in_group()) Follow(membership_->leader());
    } else {
      stop_.WaitFor(std::chrono::milliseconds(100));
    }
    if (!IsLeader() && std::chrono::steady_clock::now() >= next_refresh) {
      RefreshLeaderUrl();
      next_refresh = std::chrono::steady_clock::now() + kRefreshInterval;
    }
  }
  Follow(false);
  if (membership_ != nullptr) membership_->Leave();
}

void RegistryElection::Follow(bool hold_partition) {
  if (IsLeader() && !store_->writer_open()) {
    // The store dropped a writer another one fenced: not leading until it takes the writer again
    // (below, if this member still holds the partition in the current generation).
    std::lock_guard<std::mutex> lock(mu_);
    leader_ = false;
    leader_url_.reset();
  }
  const bool leading = IsLeader();
  if (hold_partition && !leading) {
    Status s = store_->BecomeLeader();
    if (!s.ok()) {
      // Retried at every poll; logged once per distinct failure.
      if (s.message() != last_take_error_) {
        LogWarn(kLog, "elected, but cannot take the writer of " + options_.topic +
                          " yet: " + s.message());
      }
      last_take_error_ = s.message();
      return;
    }
    last_take_error_.clear();
    {
      std::lock_guard<std::mutex> lock(mu_);
      leader_ = true;
      leader_url_ = options_.advertised_url;
    }
    LogInfo(kLog, options_.advertised_url + " leads schema registry group " + options_.group_id);
  } else if (!hold_partition && (leading || store_->writer_open())) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      leader_ = false;
      leader_url_.reset();
    }
    store_->ResignLeader();
    if (leading) {
      LogInfo(kLog, options_.advertised_url + " no longer leads group " + options_.group_id);
    }
  }
}

void RegistryElection::RefreshLeaderUrl() {
  auto group =
      admin_->DescribeConsumerGroup(options_.group_id, std::chrono::milliseconds(2000), &stop_);
  if (!group.ok()) return;  // asked again at the next refresh
  // Mid-rebalance nobody holds the partition; the last leader known is the best guess until the
  // group is stable again (it keeps its writer meanwhile, see Run).
  if (group->state == "PreparingRebalance" || group->state == "CompletingRebalance") return;
  std::optional<std::string> url;
  for (const kafka::GroupMember& member : group->members) {
    for (const kafka::TopicPartition& tp : member.assignment) {
      if (tp.topic == options_.topic && tp.partition == 0) url = UrlOfMember(member.client_id);
    }
  }
  // This member holding the partition without having taken the writer yet is no leader to
  // forward to.
  if (url == options_.advertised_url) url.reset();
  std::lock_guard<std::mutex> lock(mu_);
  if (leader_) return;
  if (url != leader_url_) {
    LogInfo(kLog, "schema registry leader: " + url.value_or("(none)"));
    leader_url_ = url;
  }
}

}  // namespace walrelay::worker
