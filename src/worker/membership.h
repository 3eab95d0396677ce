#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/stop.h"

namespace walrelay::worker {

// A worker's membership in its cluster (the workers sharing a group.id), through Kafka's group
// coordinator. librdkafka has no API for Kafka Connect's own "connect" group protocol, so the
// workers join group.id as ordinary consumers of the one-partition config topic with the eager
// range assignor: the member the coordinator gives partition 0 is the leader. Every rebalance
// (a worker joins, leaves with LeaveGroup at once, or misses session.timeout.ms) revokes and
// reassigns that partition, so the leader hears of every membership change and asks the
// coordinator for the members (DescribeConsumerGroups), identified by their client.id, the worker
// id. The leader decides the assignment; see worker/assignment.h and docs/distributed.md.
// The partition is never read through the group (it is paused): every worker reads the config
// topic with a reader of its own.
//
// One thread: Poll often (heartbeats and rebalances are served from it); Leave at the end.
class Membership {
 public:
  struct Options {
    std::string group_id;
    std::string topic;      // the config topic (one partition)
    std::string worker_id;  // becomes the member's client.id
    // librdkafka properties (bootstrap.servers, security, session.timeout.ms,
    // heartbeat.interval.ms, max.poll.interval.ms ...).
    std::map<std::string, std::string> client;
  };
  enum class Event {
    kNone,
    kRebalanced,  // a new generation: leadership may have changed (see leader())
    kLost,        // the group expelled this member (it missed its session): it owns nothing
  };

  // What the rebalance callback saw since Poll last returned, handed out in the order the worker
  // must act on it: a loss and the rejoin that follows it can happen within one poll, and the
  // loss (stop everything) must not be hidden by the rejoin. Pure logic.
  class PendingEvents {
   public:
    void Assigned() { rebalanced_ = true; }
    // The generation it was in, and any assignment of it not yet handed out, are gone.
    void Lost() {
      lost_ = true;
      rebalanced_ = false;
    }
    // kLost first, then kRebalanced (a later call), then kNone.
    Event Take() {
      if (lost_) {
        lost_ = false;
        return Event::kLost;
      }
      if (rebalanced_) {
        rebalanced_ = false;
        return Event::kRebalanced;
      }
      return Event::kNone;
    }

   private:
    bool lost_ = false;
    bool rebalanced_ = false;
  };

  // Creates the consumer and subscribes. kInvalidArgument for a bad client property.
  static Result<std::unique_ptr<Membership>> Join(const Options& options);
  ~Membership();
  Membership(const Membership&) = delete;
  Membership& operator=(const Membership&) = delete;

  // Serves the group for up to `timeout`; returns what happened (kNone on a quiet poll), a loss
  // before the rejoin that followed it (PendingEvents). Errors
  // from the group coordinator that librdkafka will retry by itself are logged, not returned;
  // fatal ones (authentication, authorization) are returned.
  Result<Event> Poll(std::chrono::milliseconds timeout);
  // Whether this member holds partition 0 in the current generation.
  bool leader() const { return leader_; }
  // Whether a generation is current (assigned and not revoked or lost since).
  bool in_group() const { return in_group_; }
  // The worker ids (client.id) of the group's current members, sorted. Asks the coordinator;
  // kRetry when the group is rebalancing.
  Result<std::vector<std::string>> Members(std::chrono::milliseconds timeout,
                                           const StopSource* stop);
  // Leaves the group at once (LeaveGroup), so the others rebalance without waiting for the
  // session to expire.
  void Leave();

 private:
  explicit Membership(Options options) : options_(std::move(options)) {}
  static void OnRebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque);
  void OnRebalance(int err, rd_kafka_topic_partition_list_t* parts);

  Options options_;
  rd_kafka_t* rk_ = nullptr;
  bool leader_ = false;
  bool in_group_ = false;
  PendingEvents pending_;
};

}  // namespace walrelay::worker
