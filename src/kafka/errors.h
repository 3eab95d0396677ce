#pragma once

#include <librdkafka/rdkafka.h>

#include <string_view>

#include "common/status.h"

namespace walrelay::kafka {

// librdkafka's error codes mapped to what a caller can do, the way pg/connection.h maps SQLSTATEs:
//  - kFenced: a newer owner took over: a producer fenced by a newer instance of its
//    transactional.id (PRODUCER_FENCED, INVALID_PRODUCER_EPOCH, _FENCED), or a consumer whose
//    group generation or membership is gone (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
//    FENCED_INSTANCE_ID). Never retried as the same owner.
//  - kInvalidArgument: authentication and authorization failures, SSL setup, and values the
//    broker or client refuses (invalid config, replication factor, partitions, topic name). Fix
//    the configuration; retrying will not help.
//  - kReconnect: the brokers are unreachable (_TRANSPORT, _ALL_BROKERS_DOWN, _RESOLVE, ...).
//  - kRetry: transient broker states (not leader, not enough replicas, coordinator loading,
//    rebalance in progress, timeouts, a full local queue).
//  - kNotFound: unknown topic, partition or group.
//  - kDataError: a record the broker will never accept (too large, invalid or corrupt record).
//  - kFatal: anything else, including a fatal producer error that is not a fencing.
ErrorKind ErrorKindForCode(rd_kafka_resp_err_t err);

// A Status for `err` naming the operation and what librdkafka or the broker said:
// "<what>: <detail or librdkafka's description> [<ERROR_NAME>]". Ok for NO_ERROR. `detail` is the
// broker's or librdkafka's own message when the call returned one (an rd_kafka_error_t, an admin
// result); empty means librdkafka's generic description of the code.
Status StatusFromCode(rd_kafka_resp_err_t err, std::string_view what, std::string_view detail = {});

// A Status for an rd_kafka_error_t (transactional and some admin calls), which does not take
// ownership of `error`. Beyond the code: a fatal error whose code is not a fencing is kFatal, a
// retriable one kRetry. Ok for null.
Status StatusFromError(const rd_kafka_error_t* error, std::string_view what);

// The fatal error a client handle has raised (rd_kafka_fatal_error), as a Status naming `what`,
// or ok when there is none. A fatal error makes the handle unusable: the owner must create a
// new one (a fenced producer: never as the same transactional.id owner).
Status FatalStatus(rd_kafka_t* rk, std::string_view what);

}  // namespace walrelay::kafka
