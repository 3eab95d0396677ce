#pragma once

// Fakes of the sink task's Kafka side (runtime/sink_task.h) for tests: a consumer over
// per-partition logs driven by a script, and a dead letter queue that keeps what it is sent.
// Test support only; header-only, so unit tests use it without linking walrelay_testing.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/stop.h"
#include "runtime/sink_task.h"

namespace walrelay::testing {

using runtime::AssignmentEvent;
using runtime::ConsumedMessage;
using runtime::DeadLetterContext;
using runtime::KafkaTopicPartition;
using runtime::SinkInputItem;

// A message at `offset` of `tp` with `value`, key {"id":<offset>}, one header and a timestamp.
inline ConsumedMessage Msg(const KafkaTopicPartition& tp, int64_t offset, std::string value) {
  ConsumedMessage m;
  m.topic = tp.topic;
  m.partition = tp.partition;
  m.offset = offset;
  m.key = "{\"id\":" + std::to_string(offset) + "}";
  m.value = std::move(value);
  m.headers = {{"h", std::string("v")}};
  m.timestamp_ms = 1000 + offset;
  return m;
}

// A row's JSON value naming it: {"name":"<name>"}.
inline std::string Row(const std::string& name) { return "{\"name\":\"" + name + "\"}"; }

// A consumer over per-partition logs, driven by a script of steps, one per Poll. When the script
// is done it requests the stop, so Run returns.
class FakeInput : public runtime::SinkInput {
 public:
  explicit FakeInput(StopSource* stop) : stop_(stop) {}

  std::map<KafkaTopicPartition, std::vector<std::string>> logs;  // values by offset
  std::map<KafkaTopicPartition, int64_t> committed;              // the group's offsets
  std::vector<std::pair<KafkaTopicPartition, int64_t>> seeks;
  std::vector<std::map<KafkaTopicPartition, int64_t>> hints;
  std::deque<std::function<void(std::vector<SinkInputItem>*)>> script;

  // Steps.
  void Assign(std::vector<KafkaTopicPartition> tps) {
    script.push_back([this, tps](std::vector<SinkInputItem>* out) {
      for (const auto& tp : tps) {
        auto c = committed.find(tp);
        position_[tp] = c == committed.end() ? 0 : c->second;
      }
      out->push_back(AssignmentEvent{AssignmentEvent::Kind::kAssigned, tps});
    });
  }
  void Revoke(std::vector<KafkaTopicPartition> tps, bool lost = false) {
    script.push_back([this, tps, lost](std::vector<SinkInputItem>* out) {
      for (const auto& tp : tps) position_.erase(tp);
      out->push_back(AssignmentEvent{
          lost ? AssignmentEvent::Kind::kLost : AssignmentEvent::Kind::kRevoked, tps});
    });
  }
  // Up to `n` messages from each assigned partition's position.
  void Fetch(int n = 100) {
    script.push_back([this, n](std::vector<SinkInputItem>* out) {
      for (auto& [tp, pos] : position_) {
        const auto& log = logs[tp];
        for (int i = 0; i < n && pos < static_cast<int64_t>(log.size()); ++i, ++pos) {
          out->push_back(Msg(tp, pos, log[static_cast<size_t>(pos)]));
        }
      }
    });
  }
  void Raw(std::vector<ConsumedMessage> messages) {
    script.push_back([messages](std::vector<SinkInputItem>* out) {
      for (const auto& m : messages) out->push_back(m);
    });
  }
  void Idle() {
    script.push_back([](std::vector<SinkInputItem>*) {});
  }
  // A poll that waits its whole timeout, unless stopped.
  void Block() {
    script.push_back([this](std::vector<SinkInputItem>*) { stop_->WaitFor(timeout_); });
  }

  Status Poll(std::chrono::milliseconds timeout, const StopSource* stop,
              std::vector<SinkInputItem>* out) override {
    ++polls;
    timeout_ = timeout;
    if (script.empty()) {
      stop_->RequestStop();
      return Status::Ok();
    }
    auto step = std::move(script.front());
    script.pop_front();
    step(out);
    if (out->empty() && stop != nullptr) stop->WaitFor(std::min(timeout, kIdleWait));
    return Status::Ok();
  }
  Status Seek(const KafkaTopicPartition& tp, int64_t offset) override {
    seeks.emplace_back(tp, offset);
    if (!position_.count(tp)) return InvalidArgument("seek of an unassigned partition");
    position_[tp] = offset;
    return Status::Ok();
  }
  void CommitHint(const std::map<KafkaTopicPartition, int64_t>& next) override {
    hints.push_back(next);
    for (const auto& [tp, o] : next) committed[tp] = o;
  }

  int polls = 0;

 private:
  static constexpr std::chrono::milliseconds kIdleWait{5};
  StopSource* stop_;
  std::chrono::milliseconds timeout_{0};
  std::map<KafkaTopicPartition, int64_t> position_;
};

class FakeDlq : public runtime::DeadLetterQueue {
 public:
  std::vector<std::pair<ConsumedMessage, DeadLetterContext>> sent;
  Status Send(const ConsumedMessage& original, const DeadLetterContext& context) override {
    sent.emplace_back(original, context);
    return Status::Ok();
  }
};

}  // namespace walrelay::testing
