// libFuzzer target for PgoutputDecoder (scripts/fuzz, built with WALRELAY_FUZZ=ON). An input is a
// stream of pgoutput messages, each framed by a 2-byte big-endian length (a short last frame takes
// what is left), decoded in order by one decoder so that row messages meet the relations that
// earlier Relation messages described. Each message is copied into an allocation of its own size,
// so AddressSanitizer sees any read past its end. Beyond crashes it checks the decoder's contract:
// a decoded Relation is the one FindRelation returns, and a decoded row message's tuples have
// their relation's column count.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>
#include <variant>

#include "pg/pgoutput_decoder.h"

namespace walrelay::pg {
namespace {

// Aborts (a finding) when `cond` is false, printing which check failed.
void Check(bool cond, const char* what) {
  if (cond) return;
  std::fprintf(stderr, "consistency check failed: %s\n", what);
  std::abort();
}

void CheckColumns(const PgoutputDecoder& decoder, uint32_t relation_id, const TupleData& tuple) {
  const RelationMessage* rel = decoder.FindRelation(relation_id);
  Check(rel != nullptr && rel->columns.size() == tuple.size(),
        "a row message's tuple has its relation's column count");
}

void CheckMessage(const PgoutputDecoder& decoder, const PgoutputMessage& message) {
  if (const auto* r = std::get_if<RelationMessage>(&message)) {
    const RelationMessage* cached = decoder.FindRelation(r->relation_id);
    Check(cached != nullptr && cached->relation_name == r->relation_name &&
              cached->columns.size() == r->columns.size(),
          "a decoded Relation is the one FindRelation returns");
  } else if (const auto* i = std::get_if<InsertMessage>(&message)) {
    CheckColumns(decoder, i->relation_id, i->new_tuple);
  } else if (const auto* u = std::get_if<UpdateMessage>(&message)) {
    CheckColumns(decoder, u->relation_id, u->new_tuple);
    if (u->old_kind != 0) CheckColumns(decoder, u->relation_id, u->old_tuple);
  } else if (const auto* d = std::get_if<DeleteMessage>(&message)) {
    CheckColumns(decoder, d->relation_id, d->old_tuple);
  }
}

}  // namespace
}  // namespace walrelay::pg

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  walrelay::pg::PgoutputDecoder decoder;
  while (size > 0) {
    size_t len = size;
    if (size >= 2) {
      len = std::min<size_t>((size_t{data[0]} << 8 | data[1]), size - 2);
      data += 2;
      size -= 2;
    }
    auto frame = std::make_unique<char[]>(len);
    if (len > 0) std::memcpy(frame.get(), data, len);
    auto message = decoder.Decode(std::string_view(frame.get(), len));
    if (message.ok()) walrelay::pg::CheckMessage(decoder, *message);
    data += len;
    size -= len;
  }
  return 0;
}
