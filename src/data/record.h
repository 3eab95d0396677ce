#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/lsn.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::data {

struct Header {
  std::string key;
  SchemaPtr schema;  // may be null for an untyped header
  Value value;
};

// Where a source record came from, in the source's terms. For PostgreSQL: the change's own LSN,
// its transaction's commit LSN (pgoutput Begin.final_lsn, known before the first change) and, on
// the transaction's last record, the commit's end LSN, which is what may be confirmed to the slot.
struct SourcePosition {
  Lsn lsn;     // the change's own LSN (Debezium's source.lsn)
  Lsn tx_lsn;  // commit LSN of the record's transaction; 0 for snapshot/heartbeat
  // Set on the transaction's last record only; on a record outside any transaction (a
  // non-transactional logical decoding message, tx_lsn 0, last_in_transaction set) its own LSN.
  Lsn commit_end_lsn;
  uint32_t txid = 0;
  uint64_t event_index = 0;  // position of the record within its transaction (0-based)
  bool last_in_transaction = false;
  bool snapshot = false;
  int64_t commit_ts_ms = 0;  // the transaction's commit time (for lag), 0 when unknown
};

// A Kafka Connect record: what flows from a source through transforms into a sink or converter.
struct Record {
  std::string topic;
  std::optional<int32_t> partition;
  SchemaPtr key_schema;
  Value key;
  SchemaPtr value_schema;  // null together with a null value for a tombstone
  Value value;
  int64_t timestamp_ms = 0;
  std::vector<Header> headers;
  SourcePosition position;

  bool is_tombstone() const { return value.is_null(); }
};

}  // namespace walrelay::data
