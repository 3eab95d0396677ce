#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/stop.h"
#include "kafka/admin.h"
#include "kafka/types.h"
#include "rest/herder.h"
#include "sink/jdbc_sink.h"
#include "sink/kafka_position.h"

namespace walrelay::worker {

// KIP-875's offsets endpoints for a sink connector, walrelay's way.
//
// In Kafka Connect a sink's offsets are its consumer group's (`connect-<name>`) committed offsets.
// A walrelay sink task resumes from the position stored in the destination with the rows
// (sink/kafka_position.h), per topic-partition; the group's committed offsets are only a hint,
// used for a partition the destination holds no position for. So:
//  - GET reports where the sink would resume: the destination's position of each partition it
//    knows, and the group's committed offset of every other partition.
//  - PATCH and DELETE change both: the group's offsets first (Kafka refuses that while a task is
//    still a member of the group, which proves the tasks are gone), then the destination's
//    positions, so that a resumed sink really starts where the operator said. A partition set
//    to an earlier offset has its records after that offset applied again.
//
// Kafka Connect's texts throughout: the REST messages, the 400s for malformed offsets, and the
// 500 for tasks that are still running.

// The changes a PATCH asks for: a partition's next offset to read, or nullopt to reset it (the
// group's auto.offset.reset, `earliest` for sink tasks, decides where it starts). Pure; Kafka
// Connect's SinkUtils.parseSinkConnectorOffsets: a 400 naming the problem for a partition
// without `kafka_topic` and `kafka_partition`, a null topic or partition, an offset object
// without `kafka_offset`, a partition or offset that is not an integer (a number or a string of
// one, as Java's parseInt / parseLong read it); and, where Kafka Connect fails later with a 500,
// a negative partition or offset. A partition named twice takes its last offset.
using SinkOffsetChanges = std::map<sink::KafkaTopicPartition, std::optional<int64_t>>;
rest::HerderResult<SinkOffsetChanges> ParseSinkConnectorOffsets(
    const rest::ConnectorOffsets& offsets);

// What GET reports, from the destination's positions (partition text -> position text, as
// JdbcSink::ReadPositions returns them) and the group's committed offsets: one entry per
// topic-partition, `{"kafka_topic", "kafka_partition"}` -> `{"kafka_offset"}`, the destination's
// position where it has one, sorted by topic and partition. Destination rows that are not Kafka
// positions (a standalone source's, under the same connector name) are left out. Pure.
rest::ConnectorOffsets SinkConnectorOffsetsView(
    const std::map<std::string, std::string>& destination,
    const std::vector<kafka::TopicPartitionOffset>& group);

// The three operations over the connector's consumer group (through `admin`) and its destination
// (`destination`, opened by the caller). Each call blocks up to `timeout` per Kafka request, and
// reports failures as Kafka Connect does: 500 with a message naming the connector and the cause.
// The caller checks that the connector exists, is a sink and, for Alter and Reset, is STOPPED.
class SinkOffsets {
 public:
  SinkOffsets(std::string connector, kafka::Admin* admin, sink::JdbcSink* destination,
              std::chrono::milliseconds timeout, const StopSource* stop)
      : connector_(std::move(connector)),
        group_("connect-" + connector_),
        admin_(admin),
        destination_(destination),
        timeout_(timeout),
        stop_(stop) {}

  rest::HerderResult<rest::ConnectorOffsets> Get();
  // PATCH: `offsets` as the REST body held them (validated here).
  rest::HerderResult<std::string> Alter(const rest::ConnectorOffsets& offsets);
  // DELETE: deletes the consumer group and every destination position of the connector.
  rest::HerderResult<std::string> Reset();

 private:
  // A 500 when the group still has members (tasks not stopped yet, or zombies), with Kafka
  // Connect's text for `what` ("alter" or "reset"); nullopt when it has none.
  std::optional<rest::HerderError> ActiveMembers(const std::string& what);
  rest::HerderError StillRunning(const std::string& what) const;

  std::string connector_;
  std::string group_;
  kafka::Admin* admin_;
  sink::JdbcSink* destination_;
  std::chrono::milliseconds timeout_;
  const StopSource* stop_;
};

}  // namespace walrelay::worker
