#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/lsn.h"

namespace walrelay::pg {

// pgoutput protocol version 1 messages, as documented in PostgreSQL's "Logical Replication
// Message Formats". Timestamps are microseconds since 2000-01-01 (PostgreSQL epoch).
struct BeginMessage {
  Lsn final_lsn;
  int64_t commit_time = 0;
  uint32_t xid = 0;
};
struct CommitMessage {
  uint8_t flags = 0;
  Lsn commit_lsn;
  Lsn end_lsn;
  int64_t commit_time = 0;
};
struct OriginMessage {
  Lsn commit_lsn;
  std::string name;
};
struct RelationColumn {
  bool key = false;  // part of the replica identity
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
};
struct RelationMessage {
  uint32_t relation_id = 0;
  std::string namespace_name;
  std::string relation_name;
  char replica_identity = 'd';  // d default, n nothing, f full, i index
  std::vector<RelationColumn> columns;
};
struct TypeMessage {
  uint32_t type_oid = 0;
  std::string namespace_name;
  std::string type_name;
};
enum class TupleValueKind : char { kNull = 'n', kUnchangedToast = 'u', kText = 't', kBinary = 'b' };
struct TupleValue {
  TupleValueKind kind = TupleValueKind::kNull;
  std::string data;  // text (or binary) form; empty for null / unchanged toast
};
using TupleData = std::vector<TupleValue>;
struct InsertMessage {
  uint32_t relation_id = 0;
  TupleData new_tuple;
};
struct UpdateMessage {
  uint32_t relation_id = 0;
  char old_kind = 0;  // 'K' (key columns only), 'O' (whole old row), 0 (none sent)
  TupleData old_tuple;
  TupleData new_tuple;
};
struct DeleteMessage {
  uint32_t relation_id = 0;
  char old_kind = 'K';  // 'K' or 'O'
  TupleData old_tuple;
};
struct TruncateMessage {
  uint8_t options = 0;  // bit 1: CASCADE, bit 2: RESTART IDENTITY
  std::vector<uint32_t> relation_ids;
};
struct LogicalMessage {  // pg_logical_emit_message
  bool transactional = false;
  Lsn lsn;
  std::string prefix;
  std::string content;
};

using PgoutputMessage =
    std::variant<BeginMessage, CommitMessage, OriginMessage, RelationMessage, TypeMessage,
                 InsertMessage, UpdateMessage, DeleteMessage, TruncateMessage, LogicalMessage>;

}  // namespace walrelay::pg
