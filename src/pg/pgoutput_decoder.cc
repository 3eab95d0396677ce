#include "pg/pgoutput_decoder.h"

#include <cstdio>
#include <string>
#include <utility>

#include "pg/wire.h"

namespace walrelay::pg {
namespace {

const char* MessageName(char type) {
  switch (type) {
    case 'B':
      return "Begin";
    case 'C':
      return "Commit";
    case 'O':
      return "Origin";
    case 'R':
      return "Relation";
    case 'Y':
      return "Type";
    case 'I':
      return "Insert";
    case 'U':
      return "Update";
    case 'D':
      return "Delete";
    case 'T':
      return "Truncate";
    case 'M':
      return "Message";
    case 'S':
      return "Stream Start";
    case 'E':
      return "Stream Stop";
    case 'c':
      return "Stream Commit";
    case 'A':
      return "Stream Abort";
  }
  return nullptr;
}

// 'K' for printable bytes, 0x4b otherwise: malformed input is often not text.
std::string DescribeByte(uint8_t b) {
  char buf[16];
  if (b >= 0x20 && b < 0x7f) {
    std::snprintf(buf, sizeof(buf), "'%c'", static_cast<char>(b));
  } else {
    std::snprintf(buf, sizeof(buf), "0x%02x", b);
  }
  return buf;
}

// Bounds-checked cursor over one message. Every read either succeeds completely or returns a
// kDataError naming the message, the field and the byte offset where the read started.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes), pos_(1) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return bytes_.size() - pos_; }

  // The message description is built only here, on the error path: decoding runs per WAL record.
  Status Error(std::string_view what, size_t at) const {
    return DataError(std::string("pgoutput ") + MessageName(bytes_[0]) + " message (" +
                     DescribeByte(static_cast<uint8_t>(bytes_[0])) + "): " + std::string(what) +
                     " at byte " + std::to_string(at));
  }

  // A field is named by `field` + `suffix` (e.g. "new tuple" + " value kind"), joined only when
  // an error needs the name.
  template <typename T>
  Result<T> Int(std::string_view field, std::string_view suffix = {}) {
    if (remaining() < sizeof(T)) return Truncated(field, suffix, sizeof(T));
    T v = wire::LoadBigEndian<T>(bytes_.data() + pos_);
    pos_ += sizeof(T);
    return v;
  }

  Result<std::string> CString(std::string_view field) {
    size_t end = bytes_.find('\0', pos_);
    if (end == std::string_view::npos) {
      return Error("truncated reading " + std::string(field) + " (no terminating NUL in " +
                       std::to_string(remaining()) + " bytes left)",
                   pos_);
    }
    std::string s(bytes_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }

  Result<std::string> Bytes(size_t n, std::string_view field) {
    std::string s;
    WR_RETURN_IF_ERROR(BytesInto(n, field, {}, &s));
    return s;
  }

  // Reads n bytes into *out (reusing its storage).
  Status BytesInto(size_t n, std::string_view field, std::string_view suffix, std::string* out) {
    if (remaining() < n) return Truncated(field, suffix, n);
    out->assign(bytes_.data() + pos_, n);
    pos_ += n;
    return Status::Ok();
  }

  Status ExpectEnd() const {
    if (remaining() == 0) return Status::Ok();
    return Error(std::to_string(remaining()) + " trailing bytes after the message", pos_);
  }

 private:
  Status Truncated(std::string_view field, std::string_view suffix, size_t need) const {
    return Error("truncated reading " + std::string(field) + std::string(suffix) + " (need " +
                     std::to_string(need) + " bytes, " + std::to_string(remaining()) + " left)",
                 pos_);
  }

  std::string_view bytes_;
  size_t pos_;
};

using RelationCache = std::unordered_map<uint32_t, RelationMessage>;

// pgoutput abbreviates pg_catalog as the empty string to save space; undo that so callers never
// see an empty schema name.
std::string Namespace(std::string name) { return name.empty() ? "pg_catalog" : std::move(name); }

Result<Lsn> ReadLsn(Reader& r, std::string_view field) {
  WR_ASSIGN_OR_RETURN(uint64_t v, r.Int<uint64_t>(field));
  return Lsn(v);
}

Result<const RelationMessage*> ReadRelationId(Reader& r, const RelationCache& relations) {
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint32_t id, r.Int<uint32_t>("relation id"));
  auto it = relations.find(id);
  if (it == relations.end()) {
    return r.Error("unknown relation id " + std::to_string(id) + " (no Relation message seen)", at);
  }
  return &it->second;
}

Result<TupleData> ReadTuple(Reader& r, const RelationMessage& rel, std::string_view which) {
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint16_t count, r.Int<uint16_t>(which, " column count"));
  if (count != rel.columns.size()) {
    return r.Error(std::string(which) + " has " + std::to_string(count) + " columns but relation " +
                       rel.namespace_name + "." + rel.relation_name + " (id " +
                       std::to_string(rel.relation_id) + ") has " +
                       std::to_string(rel.columns.size()),
                   at);
  }
  TupleData tuple(count);
  for (uint16_t i = 0; i < count; ++i) {
    size_t kind_at = r.offset();
    WR_ASSIGN_OR_RETURN(uint8_t kind, r.Int<uint8_t>(which, " value kind"));
    TupleValue& value = tuple[i];
    switch (kind) {
      case 'n':
        value.kind = TupleValueKind::kNull;
        break;
      case 'u':
        value.kind = TupleValueKind::kUnchangedToast;
        break;
      case 't':
      case 'b': {
        value.kind = kind == 't' ? TupleValueKind::kText : TupleValueKind::kBinary;
        size_t len_at = r.offset();
        WR_ASSIGN_OR_RETURN(int32_t len, r.Int<int32_t>(which, " value length"));
        if (len < 0) {
          return r.Error("negative " + std::string(which) + " value length " + std::to_string(len),
                         len_at);
        }
        WR_RETURN_IF_ERROR(r.BytesInto(static_cast<size_t>(len), which, " value", &value.data));
        break;
      }
      default:
        return r.Error("unknown tuple value kind " + DescribeByte(kind) + " in " +
                           std::string(which) + " column " + std::to_string(i),
                       kind_at);
    }
  }
  return tuple;
}

Result<PgoutputMessage> ReadBegin(Reader& r) {
  BeginMessage m;
  WR_ASSIGN_OR_RETURN(m.final_lsn, ReadLsn(r, "final LSN"));
  WR_ASSIGN_OR_RETURN(m.commit_time, r.Int<int64_t>("commit timestamp"));
  WR_ASSIGN_OR_RETURN(m.xid, r.Int<uint32_t>("xid"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadCommit(Reader& r) {
  CommitMessage m;
  WR_ASSIGN_OR_RETURN(m.flags, r.Int<uint8_t>("flags"));
  WR_ASSIGN_OR_RETURN(m.commit_lsn, ReadLsn(r, "commit LSN"));
  WR_ASSIGN_OR_RETURN(m.end_lsn, ReadLsn(r, "end LSN"));
  WR_ASSIGN_OR_RETURN(m.commit_time, r.Int<int64_t>("commit timestamp"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadOrigin(Reader& r) {
  OriginMessage m;
  WR_ASSIGN_OR_RETURN(m.commit_lsn, ReadLsn(r, "origin commit LSN"));
  WR_ASSIGN_OR_RETURN(m.name, r.CString("origin name"));
  return PgoutputMessage(std::move(m));
}

Result<RelationMessage> ReadRelation(Reader& r) {
  RelationMessage m;
  WR_ASSIGN_OR_RETURN(m.relation_id, r.Int<uint32_t>("relation id"));
  WR_ASSIGN_OR_RETURN(std::string ns, r.CString("namespace"));
  m.namespace_name = Namespace(std::move(ns));
  WR_ASSIGN_OR_RETURN(m.relation_name, r.CString("relation name"));
  size_t ident_at = r.offset();
  WR_ASSIGN_OR_RETURN(uint8_t ident, r.Int<uint8_t>("replica identity"));
  if (ident != 'd' && ident != 'n' && ident != 'f' && ident != 'i') {
    return r.Error("unknown replica identity " + DescribeByte(ident), ident_at);
  }
  m.replica_identity = static_cast<char>(ident);
  WR_ASSIGN_OR_RETURN(uint16_t count, r.Int<uint16_t>("column count"));
  for (uint16_t i = 0; i < count; ++i) {
    RelationColumn c;
    WR_ASSIGN_OR_RETURN(uint8_t flags, r.Int<uint8_t>("column flags"));
    c.key = (flags & 1) != 0;  // the only flag defined: part of the replica identity
    WR_ASSIGN_OR_RETURN(c.name, r.CString("column name"));
    WR_ASSIGN_OR_RETURN(c.type_oid, r.Int<uint32_t>("column type oid"));
    WR_ASSIGN_OR_RETURN(c.type_modifier, r.Int<int32_t>("column type modifier"));
    m.columns.push_back(std::move(c));
  }
  return m;
}

Result<PgoutputMessage> ReadType(Reader& r) {
  TypeMessage m;
  WR_ASSIGN_OR_RETURN(m.type_oid, r.Int<uint32_t>("type oid"));
  WR_ASSIGN_OR_RETURN(std::string ns, r.CString("namespace"));
  m.namespace_name = Namespace(std::move(ns));
  WR_ASSIGN_OR_RETURN(m.type_name, r.CString("type name"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadInsert(Reader& r, const RelationCache& relations) {
  InsertMessage m;
  WR_ASSIGN_OR_RETURN(const RelationMessage* rel, ReadRelationId(r, relations));
  m.relation_id = rel->relation_id;
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint8_t marker, r.Int<uint8_t>("new tuple marker"));
  if (marker != 'N') return r.Error("expected new tuple 'N' but got " + DescribeByte(marker), at);
  WR_ASSIGN_OR_RETURN(m.new_tuple, ReadTuple(r, *rel, "new tuple"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadUpdate(Reader& r, const RelationCache& relations) {
  UpdateMessage m;
  WR_ASSIGN_OR_RETURN(const RelationMessage* rel, ReadRelationId(r, relations));
  m.relation_id = rel->relation_id;
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint8_t marker, r.Int<uint8_t>("tuple marker"));
  if (marker == 'K' || marker == 'O') {
    m.old_kind = static_cast<char>(marker);
    WR_ASSIGN_OR_RETURN(m.old_tuple, ReadTuple(r, *rel, "old tuple"));
    at = r.offset();
    WR_ASSIGN_OR_RETURN(marker, r.Int<uint8_t>("new tuple marker"));
    if (marker != 'N') return r.Error("expected new tuple 'N' but got " + DescribeByte(marker), at);
  } else if (marker != 'N') {
    return r.Error("expected 'K', 'O' or 'N' but got " + DescribeByte(marker), at);
  }
  WR_ASSIGN_OR_RETURN(m.new_tuple, ReadTuple(r, *rel, "new tuple"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadDelete(Reader& r, const RelationCache& relations) {
  DeleteMessage m;
  WR_ASSIGN_OR_RETURN(const RelationMessage* rel, ReadRelationId(r, relations));
  m.relation_id = rel->relation_id;
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint8_t marker, r.Int<uint8_t>("old tuple marker"));
  if (marker != 'K' && marker != 'O') {
    return r.Error("expected 'K' or 'O' but got " + DescribeByte(marker), at);
  }
  m.old_kind = static_cast<char>(marker);
  WR_ASSIGN_OR_RETURN(m.old_tuple, ReadTuple(r, *rel, "old tuple"));
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadTruncate(Reader& r) {
  TruncateMessage m;
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(uint32_t count, r.Int<uint32_t>("relation count"));
  WR_ASSIGN_OR_RETURN(m.options, r.Int<uint8_t>("options"));
  // Checked up front so a corrupt count cannot make us reserve gigabytes.
  if (count > r.remaining() / 4) {
    return r.Error("truncated: " + std::to_string(count) + " relation ids need " +
                       std::to_string(uint64_t{count} * 4) + " bytes, " +
                       std::to_string(r.remaining()) + " left",
                   at);
  }
  m.relation_ids.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    WR_ASSIGN_OR_RETURN(uint32_t id, r.Int<uint32_t>("relation id"));
    m.relation_ids.push_back(id);
  }
  return PgoutputMessage(std::move(m));
}

Result<PgoutputMessage> ReadLogicalMessage(Reader& r) {
  LogicalMessage m;
  WR_ASSIGN_OR_RETURN(uint8_t flags, r.Int<uint8_t>("flags"));
  m.transactional = (flags & 1) != 0;
  WR_ASSIGN_OR_RETURN(m.lsn, ReadLsn(r, "message LSN"));
  WR_ASSIGN_OR_RETURN(m.prefix, r.CString("prefix"));
  size_t at = r.offset();
  WR_ASSIGN_OR_RETURN(int32_t len, r.Int<int32_t>("content length"));
  if (len < 0) return r.Error("negative content length " + std::to_string(len), at);
  WR_ASSIGN_OR_RETURN(m.content, r.Bytes(static_cast<size_t>(len), "content"));
  return PgoutputMessage(std::move(m));
}

// Finishes a decode: a message must use every byte, or the framing is not what we think it is.
Result<PgoutputMessage> Finish(const Reader& r, Result<PgoutputMessage> result) {
  if (!result.ok()) return result;
  WR_RETURN_IF_ERROR(r.ExpectEnd());
  return result;
}

}  // namespace

Result<PgoutputMessage> PgoutputDecoder::Decode(std::string_view bytes) {
  if (bytes.empty()) return DataError("pgoutput: empty message at byte 0");
  const char type = bytes[0];
  if (MessageName(type) == nullptr) {
    return DataError("pgoutput: unknown message type " + DescribeByte(static_cast<uint8_t>(type)) +
                     " at byte 0");
  }
  Reader r(bytes);
  switch (type) {
    case 'B':
      return Finish(r, ReadBegin(r));
    case 'C':
      return Finish(r, ReadCommit(r));
    case 'O':
      return Finish(r, ReadOrigin(r));
    case 'Y':
      return Finish(r, ReadType(r));
    case 'I':
      return Finish(r, ReadInsert(r, relations_));
    case 'U':
      return Finish(r, ReadUpdate(r, relations_));
    case 'D':
      return Finish(r, ReadDelete(r, relations_));
    case 'T':
      return Finish(r, ReadTruncate(r));
    case 'M':
      return Finish(r, ReadLogicalMessage(r));
    case 'R': {
      WR_ASSIGN_OR_RETURN(RelationMessage rel, ReadRelation(r));
      WR_RETURN_IF_ERROR(r.ExpectEnd());
      relations_[rel.relation_id] = rel;
      return PgoutputMessage(std::move(rel));
    }
    default:
      // S, E, c and A: streamed in-progress transactions, only sent with proto_version >= 2 and
      // streaming on, which we never request.
      return r.Error("unsupported in protocol version 1", 0);
  }
}

const RelationMessage* PgoutputDecoder::FindRelation(uint32_t relation_id) const {
  auto it = relations_.find(relation_id);
  return it == relations_.end() ? nullptr : &it->second;
}

}  // namespace walrelay::pg
