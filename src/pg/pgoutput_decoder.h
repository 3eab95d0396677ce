#pragma once

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "common/status.h"
#include "pg/pgoutput_messages.h"

namespace walrelay::pg {

// Decodes pgoutput protocol version 1 messages (the payload of one XLogData message) into
// PgoutputMessage values. Pure: no I/O, no clock. It keeps the relation cache that the protocol
// requires (row messages carry only a relation id, described by an earlier Relation message), so
// one decoder belongs to one replication stream and is used by one thread at a time. After a
// reconnect the server resends Relation messages, so a fresh decoder per stream is fine.
class PgoutputDecoder {
 public:
  // Decodes one message. Fails with kDataError naming the message type and byte offset for a
  // truncated frame, an unknown message type or tuple value kind, a row message for a relation
  // that no Relation message described, a tuple whose column count differs from its relation's,
  // trailing bytes, and protocol version 2+ streaming messages (S, E, c, A). Never reads outside
  // `bytes`. A Relation message is cached (replacing an earlier one with the same id) only when it
  // decodes completely. Namespace names sent empty (pg_catalog, as pgoutput abbreviates it) are
  // returned as "pg_catalog".
  Result<PgoutputMessage> Decode(std::string_view bytes);

  // The last Relation message seen for `relation_id`, or nullptr. The pointer stays valid for the
  // decoder's lifetime; a later Relation message with the same id replaces what it points to.
  const RelationMessage* FindRelation(uint32_t relation_id) const;

 private:
  std::unordered_map<uint32_t, RelationMessage> relations_;
};

}  // namespace walrelay::pg
