#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/stop.h"
#include "kafka/admin.h"
#include "registry/schema_registry.h"
#include "worker/membership.h"
#include "worker/schema_store.h"

namespace walrelay::worker {

// Which schema registry instance of a group writes (Confluent's KafkaGroupLeaderElector), as a
// registry::LeaderView.
//
// Eligible instances (leader.eligibility=true) join the registry group (schema.registry.group.id)
// through Kafka's group coordinator as members of the one-partition `_schemas` topic
// (Membership): the member the coordinator gives partition 0 leads. The range assignor gives it
// to the member whose id sorts first, and Kafka's member ids start with the client.id, so the
// client.id is "<join time in ms, 16 digits>-<advertised URL>" (MemberClientId): the instance
// that joined first leads, and an instance joining later, or coming back after a crash, does
// not take the leadership over (no writer handover at every join).
// On gaining it the instance takes the store's writer (KafkaSchemaStore::BecomeLeader, which
// fences the previous leader's producer and reads the log up to a NOOP of its own) and only then
// reports itself leader. It keeps the writer through a rebalance until the new generation gives
// the partition to another member, and drops it at once when its session expired (the writer's
// transactional fencing makes the overlap safe: see Run). A leader that dies without leaving is
// replaced once its session times out (session.timeout.ms). Every instance, ineligible ones too
// (they never join), learns the leader's URL by describing the group: the client.id of the member
// holding partition 0.
//
// Lifecycle: Start runs one thread that polls the group; Stop leaves the group (so another
// instance takes over at once) and joins it. IsLeader / LeaderUrl are thread-safe.
class RegistryElection : public registry::LeaderView {
 public:
  struct Options {
    std::string group_id = "schema-registry";
    std::string topic = "_schemas";
    std::string advertised_url;  // this instance's URL, the member's client.id
    bool leader_eligible = true;
    // librdkafka properties of the group member and of the admin client that describes the
    // group (bootstrap.servers, security, session.timeout.ms, heartbeat.interval.ms ...).
    std::map<std::string, std::string> client;
  };

  static Result<std::unique_ptr<RegistryElection>> Start(const Options& options,
                                                         KafkaSchemaStore* store);
  ~RegistryElection() override;
  RegistryElection(const RegistryElection&) = delete;
  RegistryElection& operator=(const RegistryElection&) = delete;

  // The member's client.id, and the URL in one (nullopt for a client.id of another form). Pure.
  static std::string MemberClientId(std::chrono::system_clock::time_point joined,
                                    const std::string& url);
  static std::optional<std::string> UrlOfMember(const std::string& client_id);
  static constexpr size_t kJoinStampDigits = 16;

  bool IsLeader() const override;
  std::optional<std::string> LeaderUrl() const override;
  // Leaves the group and stops the thread (dropping the writer). Idempotent.
  void Stop();

 private:
  RegistryElection(Options options, KafkaSchemaStore* store)
      : options_(std::move(options)), store_(store) {}
  void Run();
  // Acts on this member holding partition 0 or not.
  void Follow(bool hold_partition);
  // Asks the coordinator who holds partition 0 and records its URL.
  void RefreshLeaderUrl();

  Options options_;
  KafkaSchemaStore* store_;
  std::unique_ptr<Membership> membership_;  // the thread's; null when not eligible
  std::optional<kafka::Admin> admin_;       // the thread's
  std::thread thread_;
  StopSource stop_;
  std::string last_take_error_;  // the thread's: the last BecomeLeader failure logged

  mutable std::mutex mu_;
  bool leader_ = false;                    // guarded by mu_
  std::optional<std::string> leader_url_;  // guarded by mu_
};

}  // namespace walrelay::worker
