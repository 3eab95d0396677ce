#include "pg/pgoutput_decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace walrelay::pg {
namespace {

// Builds pgoutput messages byte by byte, big-endian, as PostgreSQL's proto.c writes them.
class Bytes {
 public:
  explicit Bytes(char type) { s_.push_back(type); }
  Bytes& U8(uint8_t v) { return Int(v); }
  Bytes& I16(uint16_t v) { return Int(v); }
  Bytes& I32(uint32_t v) { return Int(v); }
  Bytes& I64(uint64_t v) { return Int(v); }
  Bytes& Str(const std::string& v) {
    s_ += v;
    s_.push_back('\0');
    return *this;
  }
  Bytes& Raw(const std::string& v) {
    s_ += v;
    return *this;
  }
  Bytes& Text(const std::string& v) { return U8('t').I32(static_cast<uint32_t>(v.size())).Raw(v); }
  Bytes& Null() { return U8('n'); }
  const std::string& str() const { return s_; }
  operator std::string_view() const { return s_; }  // NOLINT: lets tests pass a builder to Decode

 private:
  template <typename T>
  Bytes& Int(T v) {
    for (size_t i = sizeof(T); i > 0; --i)
      s_.push_back(static_cast<char>((v >> ((i - 1) * 8)) & 0xff));
    return *this;
  }
  std::string s_;
};

constexpr uint32_t kRel = 16384;

// public.items (id int4 key, name text, note text), replica identity default.
Bytes RelationBytes(uint32_t id = kRel, const std::string& name = "items") {
  Bytes b('R');
  b.I32(id).Str("public").Str(name).U8('d').I16(3);
  b.U8(1).Str("id").I32(23).I32(0xffffffff);
  b.U8(0).Str("name").I32(25).I32(0xffffffff);
  b.U8(0).Str("note").I32(1043).I32(36);  // varchar(32): typmod 32 + 4
  return b;
}

Bytes InsertBytes() {
  Bytes b('I');
  b.I32(kRel).U8('N').I16(3).Text("1").Text("widget").Null();
  return b;
}

Bytes UpdateBytes(char old_kind) {
  Bytes b('U');
  b.I32(kRel);
  if (old_kind != 0) b.U8(old_kind).I16(3).Text("1").Null().Null();
  b.U8('N').I16(3).Text("2").U8('u').U8('b').I32(2).Raw(std::string("\x00\x01", 2));
  return b;
}

Bytes DeleteBytes(char kind) {
  Bytes b('D');
  b.I32(kRel).U8(kind).I16(3).Text("1").Null().Null();
  return b;
}

// Every valid message used by the table-driven tests below, in stream order.
std::vector<std::string> ValidMessages() {
  return {
      Bytes('B').I64(0x16B374D848).I64(700000000000000).I32(742).str(),
      RelationBytes().str(),
      Bytes('Y').I32(90000).Str("").Str("mood").str(),
      Bytes('O').I64(0x1000).Str("origin1").str(),
      InsertBytes().str(),
      UpdateBytes(0).str(),
      UpdateBytes('K').str(),
      UpdateBytes('O').str(),
      DeleteBytes('K').str(),
      DeleteBytes('O').str(),
      Bytes('T').I32(2).U8(3).I32(kRel).I32(16390).str(),
      Bytes('M').U8(1).I64(0x2000).Str("walrelay").I32(5).Raw("hello").str(),
      Bytes('C').U8(0).I64(0x16B374D848).I64(0x16B374D900).I64(700000000000000).str(),
  };
}

// Decodes RelationBytes() so row messages have a relation to refer to.
PgoutputDecoder DecoderWithRelation() {
  PgoutputDecoder d;
  EXPECT_TRUE(d.Decode(RelationBytes()).ok());
  return d;
}

template <typename T>
const T& As(const Result<PgoutputMessage>& r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(std::holds_alternative<T>(*r));
  return std::get<T>(*r);
}

void ExpectDataError(const Result<PgoutputMessage>& r, const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kDataError) << r.status().ToString();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos)
      << "'" << r.status().message() << "' lacks '" << fragment << "'";
}

TEST(PgoutputDecoderTest, Begin) {
  PgoutputDecoder d;
  auto r = d.Decode(Bytes('B').I64(0x16B374D848).I64(700000000000000).I32(742));
  const auto& m = As<BeginMessage>(r);
  EXPECT_EQ(m.final_lsn.ToString(), "16/B374D848");
  EXPECT_EQ(m.commit_time, 700000000000000);
  EXPECT_EQ(m.xid, 742u);
}

TEST(PgoutputDecoderTest, Commit) {
  PgoutputDecoder d;
  auto r = d.Decode(Bytes('C').U8(0).I64(0x100).I64(0x1A0).I64(-5));
  const auto& m = As<CommitMessage>(r);
  EXPECT_EQ(m.flags, 0);
  EXPECT_EQ(m.commit_lsn, Lsn(0x100));
  EXPECT_EQ(m.end_lsn, Lsn(0x1A0));
  EXPECT_EQ(m.commit_time, -5);  // before 2000-01-01: timestamps are signed
}

TEST(PgoutputDecoderTest, Origin) {
  PgoutputDecoder d;
  auto r = d.Decode(Bytes('O').I64(0x1000).Str("origin1"));
  const auto& m = As<OriginMessage>(r);
  EXPECT_EQ(m.commit_lsn, Lsn(0x1000));
  EXPECT_EQ(m.name, "origin1");
}

TEST(PgoutputDecoderTest, RelationIsDecodedAndCached) {
  PgoutputDecoder d;
  EXPECT_EQ(d.FindRelation(kRel), nullptr);
  auto r = d.Decode(RelationBytes());
  const auto& m = As<RelationMessage>(r);
  EXPECT_EQ(m.relation_id, kRel);
  EXPECT_EQ(m.namespace_name, "public");
  EXPECT_EQ(m.relation_name, "items");
  EXPECT_EQ(m.replica_identity, 'd');
  ASSERT_EQ(m.columns.size(), 3u);
  EXPECT_TRUE(m.columns[0].key);
  EXPECT_EQ(m.columns[0].name, "id");
  EXPECT_EQ(m.columns[0].type_oid, 23u);
  EXPECT_EQ(m.columns[0].type_modifier, -1);
  EXPECT_FALSE(m.columns[1].key);
  EXPECT_EQ(m.columns[2].type_oid, 1043u);
  EXPECT_EQ(m.columns[2].type_modifier, 36);
  const RelationMessage* cached = d.FindRelation(kRel);
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->relation_name, "items");
}

TEST(PgoutputDecoderTest, RelationReplacesEarlierOneWithSameId) {
  PgoutputDecoder d = DecoderWithRelation();
  // After ALTER TABLE ... RENAME and DROP COLUMN the server resends the relation.
  Bytes renamed('R');
  renamed.I32(kRel).Str("public").Str("things").U8('f').I16(1).U8(1).Str("id").I32(20).I32(
      0xffffffff);
  ASSERT_TRUE(d.Decode(renamed).ok());
  const RelationMessage* cached = d.FindRelation(kRel);
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->relation_name, "things");
  EXPECT_EQ(cached->replica_identity, 'f');
  ASSERT_EQ(cached->columns.size(), 1u);
  // Rows are now checked against the new shape.
  ExpectDataError(d.Decode(InsertBytes()), "has 3 columns but relation public.things");
  EXPECT_TRUE(d.Decode(Bytes('I').I32(kRel).U8('N').I16(1).Text("7")).ok());
}

TEST(PgoutputDecoderTest, EmptyNamespaceMeansPgCatalog) {
  PgoutputDecoder d;
  Bytes rel('R');
  rel.I32(1).Str("").Str("pg_thing").U8('n').I16(0);
  EXPECT_EQ(As<RelationMessage>(d.Decode(rel)).namespace_name, "pg_catalog");
  auto t = d.Decode(Bytes('Y').I32(90000).Str("").Str("mood"));
  EXPECT_EQ(As<TypeMessage>(t).namespace_name, "pg_catalog");
}

TEST(PgoutputDecoderTest, Type) {
  PgoutputDecoder d;
  auto r = d.Decode(Bytes('Y').I32(90000).Str("app").Str("mood"));
  const auto& m = As<TypeMessage>(r);
  EXPECT_EQ(m.type_oid, 90000u);
  EXPECT_EQ(m.namespace_name, "app");
  EXPECT_EQ(m.type_name, "mood");
}

TEST(PgoutputDecoderTest, Insert) {
  PgoutputDecoder d = DecoderWithRelation();
  auto r = d.Decode(InsertBytes());
  const auto& m = As<InsertMessage>(r);
  EXPECT_EQ(m.relation_id, kRel);
  ASSERT_EQ(m.new_tuple.size(), 3u);
  EXPECT_EQ(m.new_tuple[0].kind, TupleValueKind::kText);
  EXPECT_EQ(m.new_tuple[0].data, "1");
  EXPECT_EQ(m.new_tuple[1].data, "widget");
  EXPECT_EQ(m.new_tuple[2].kind, TupleValueKind::kNull);
  EXPECT_EQ(m.new_tuple[2].data, "");
}

TEST(PgoutputDecoderTest, InsertWithEmptyTextValue) {
  PgoutputDecoder d = DecoderWithRelation();
  auto r = d.Decode(Bytes('I').I32(kRel).U8('N').I16(3).Text("").Text("").Text(""));
  const auto& m = As<InsertMessage>(r);
  EXPECT_EQ(m.new_tuple[1].kind, TupleValueKind::kText);  // '' is not NULL
}

TEST(PgoutputDecoderTest, UpdateWithoutOldTuple) {
  PgoutputDecoder d = DecoderWithRelation();
  auto r = d.Decode(UpdateBytes(0));
  const auto& m = As<UpdateMessage>(r);
  EXPECT_EQ(m.old_kind, 0);
  EXPECT_TRUE(m.old_tuple.empty());
  ASSERT_EQ(m.new_tuple.size(), 3u);
  EXPECT_EQ(m.new_tuple[0].data, "2");
  EXPECT_EQ(m.new_tuple[1].kind, TupleValueKind::kUnchangedToast);
  EXPECT_EQ(m.new_tuple[2].kind, TupleValueKind::kBinary);
  EXPECT_EQ(m.new_tuple[2].data, std::string("\x00\x01", 2));
}

TEST(PgoutputDecoderTest, UpdateWithOldKeyOrOldRow) {
  for (char kind : {'K', 'O'}) {
    PgoutputDecoder d = DecoderWithRelation();
    auto r = d.Decode(UpdateBytes(kind));
    const auto& m = As<UpdateMessage>(r);
    EXPECT_EQ(m.old_kind, kind);
    ASSERT_EQ(m.old_tuple.size(), 3u);
    EXPECT_EQ(m.old_tuple[0].data, "1");
    EXPECT_EQ(m.old_tuple[1].kind, TupleValueKind::kNull);
    EXPECT_EQ(m.new_tuple[0].data, "2");
  }
}

TEST(PgoutputDecoderTest, Delete) {
  for (char kind : {'K', 'O'}) {
    PgoutputDecoder d = DecoderWithRelation();
    auto r = d.Decode(DeleteBytes(kind));
    const auto& m = As<DeleteMessage>(r);
    EXPECT_EQ(m.relation_id, kRel);
    EXPECT_EQ(m.old_kind, kind);
    ASSERT_EQ(m.old_tuple.size(), 3u);
    EXPECT_EQ(m.old_tuple[0].data, "1");
  }
}

TEST(PgoutputDecoderTest, Truncate) {
  PgoutputDecoder d;
  auto r = d.Decode(Bytes('T').I32(2).U8(3).I32(kRel).I32(16390));
  const auto& m = As<TruncateMessage>(r);
  EXPECT_EQ(m.options, 3);
  EXPECT_EQ(m.relation_ids, (std::vector<uint32_t>{kRel, 16390}));
}

TEST(PgoutputDecoderTest, LogicalMessage) {
  PgoutputDecoder d;
  auto r =
      d.Decode(Bytes('M').U8(1).I64(0x2000).Str("walrelay").I32(6).Raw(std::string("he\0llo", 6)));
  const auto& m = As<LogicalMessage>(r);
  EXPECT_TRUE(m.transactional);
  EXPECT_EQ(m.lsn, Lsn(0x2000));
  EXPECT_EQ(m.prefix, "walrelay");
  EXPECT_EQ(m.content, std::string("he\0llo", 6));
  auto nt = d.Decode(Bytes('M').U8(0).I64(0x2000).Str("p").I32(0));
  EXPECT_FALSE(As<LogicalMessage>(nt).transactional);
  EXPECT_EQ(As<LogicalMessage>(nt).content, "");
}

// pg_logical_emit_message(false, 'audit', 'x') and (true, ...) as PostgreSQL 15's pgoutput sends
// them with messages 'true' (protocol version 1: no xid field).
TEST(PgoutputDecoderTest, LogicalMessageFixtures) {
  PgoutputDecoder d;
  const std::string nontx = std::string("M\x00", 2) + std::string("\0\0\0\0\x01\x5a\x3b\x28", 8) +
                            std::string("audit\0", 6) + std::string("\0\0\0\x01", 4) + "x";
  const auto decoded = d.Decode(nontx);  // As<> returns a reference into it
  const auto& n = As<LogicalMessage>(decoded);
  EXPECT_FALSE(n.transactional);
  EXPECT_EQ(n.lsn.ToString(), "0/15A3B28");
  EXPECT_EQ(n.prefix, "audit");
  EXPECT_EQ(n.content, "x");
  std::string tx = nontx;
  tx[1] = '\x01';
  EXPECT_TRUE(As<LogicalMessage>(d.Decode(tx)).transactional);
  // Binary content, and an empty prefix.
  auto bin = d.Decode(Bytes('M').U8(1).I64(7).Str("").I32(3).Raw(std::string("\xff\0\x80", 3)));
  EXPECT_EQ(As<LogicalMessage>(bin).prefix, "");
  EXPECT_EQ(As<LogicalMessage>(bin).content, std::string("\xff\0\x80", 3));
}

TEST(PgoutputDecoderTest, LogicalMessageMalformed) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(Bytes('M')), "Message message ('M'): truncated reading flags");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I32(1)),
                  "Message message ('M'): truncated reading message LSN (need 8 bytes, 4 left)");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I64(1).Raw("pre")),
                  "truncated reading prefix (no terminating NUL in 3 bytes left) at byte 10");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I64(1).Str("p").I16(0)),
                  "truncated reading content length (need 4 bytes, 2 left) at byte 12");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I64(1).Str("p").I32(0xffffffff)),
                  "Message message ('M'): negative content length -1 at byte 12");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I64(1).Str("p").I32(1).Raw("xy")),
                  "Message message ('M'): 1 trailing bytes after the message at byte 17");
  // Every prefix of a valid message fails cleanly.
  const std::string whole = Bytes('M').U8(1).I64(9).Str("pre").I32(4).Raw("data").str();
  for (size_t n = 1; n < whole.size(); ++n) {
    auto r = d.Decode(std::string_view(whole).substr(0, n));
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST(PgoutputDecoderTest, EmptyInput) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(""), "empty message at byte 0");
}

TEST(PgoutputDecoderTest, UnknownMessageType) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(Bytes('Z').I32(1)), "unknown message type 'Z' at byte 0");
  ExpectDataError(d.Decode(std::string(1, '\x01')), "unknown message type 0x01 at byte 0");
}

TEST(PgoutputDecoderTest, StreamingMessagesAreUnsupported) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(Bytes('S').I32(742).U8(1)),
                  "Stream Start message ('S'): unsupported in protocol version 1");
  ExpectDataError(d.Decode(Bytes('E')), "Stream Stop message ('E'): unsupported");
  ExpectDataError(d.Decode(Bytes('c').I32(742)), "Stream Commit message ('c'): unsupported");
  ExpectDataError(d.Decode(Bytes('A').I32(742).I32(743)),
                  "Stream Abort message ('A'): unsupported");
}

TEST(PgoutputDecoderTest, TruncatedFramesNameTypeFieldAndOffset) {
  PgoutputDecoder d = DecoderWithRelation();
  ExpectDataError(d.Decode(Bytes('B').I64(1).I64(2)),
                  "Begin message ('B'): truncated reading xid (need 4 bytes, 0 left) at byte 17");
  ExpectDataError(d.Decode(Bytes('C').U8(0).I32(0)),
                  "Commit message ('C'): truncated reading commit LSN");
  ExpectDataError(d.Decode(Bytes('O').I64(1).Raw("abc")),
                  "Origin message ('O'): truncated reading origin name (no terminating NUL");
  ExpectDataError(
      d.Decode(Bytes('I').I32(kRel).U8('N').I16(3).Text("1").U8('t').I32(10).Raw("abc")),
      "Insert message ('I'): truncated reading new tuple value (need 10 bytes, 3 left) at byte 19");
  ExpectDataError(
      d.Decode(Bytes('T').I32(1000).U8(0).I32(1)),
      "Truncate message ('T'): truncated: 1000 relation ids need 4000 bytes, 4 left at byte 1");
  ExpectDataError(d.Decode(Bytes('M').U8(0).I64(1).Str("p").I32(100).Raw("x")),
                  "Message message ('M'): truncated reading content");
}

TEST(PgoutputDecoderTest, UnknownTupleValueKind) {
  PgoutputDecoder d = DecoderWithRelation();
  ExpectDataError(d.Decode(Bytes('I').I32(kRel).U8('N').I16(3).Text("1").U8('x').Null()),
                  "unknown tuple value kind 'x' in new tuple column 1 at byte 14");
}

TEST(PgoutputDecoderTest, NegativeValueLength) {
  PgoutputDecoder d = DecoderWithRelation();
  ExpectDataError(d.Decode(Bytes('I').I32(kRel).U8('N').I16(3).U8('t').I32(0xfffffffe)),
                  "negative new tuple value length -2 at byte 9");
}

TEST(PgoutputDecoderTest, RowsForUnknownRelation) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(InsertBytes()), "Insert message ('I'): unknown relation id 16384");
  ExpectDataError(d.Decode(UpdateBytes('K')), "Update message ('U'): unknown relation id 16384");
  ExpectDataError(
      d.Decode(DeleteBytes('K')),
      "Delete message ('D'): unknown relation id 16384 (no Relation message seen) at byte 1");
}

TEST(PgoutputDecoderTest, ColumnCountMismatch) {
  PgoutputDecoder d = DecoderWithRelation();
  ExpectDataError(d.Decode(Bytes('I').I32(kRel).U8('N').I16(2).Text("1").Text("2")),
                  "new tuple has 2 columns but relation public.items (id 16384) has 3 at byte 6");
  ExpectDataError(d.Decode(Bytes('D').I32(kRel).U8('K').I16(4).Null().Null().Null().Null()),
                  "old tuple has 4 columns");
  ExpectDataError(
      d.Decode(Bytes('U').I32(kRel).U8('O').I16(1).Null().U8('N').I16(3).Null().Null().Null()),
      "old tuple has 1 columns");
}

TEST(PgoutputDecoderTest, BadTupleMarkers) {
  PgoutputDecoder d = DecoderWithRelation();
  ExpectDataError(d.Decode(Bytes('I').I32(kRel).U8('K').I16(3).Null().Null().Null()),
                  "expected new tuple 'N' but got 'K' at byte 5");
  ExpectDataError(d.Decode(Bytes('U').I32(kRel).U8('X')), "expected 'K', 'O' or 'N' but got 'X'");
  ExpectDataError(d.Decode(Bytes('U').I32(kRel).U8('K').I16(3).Null().Null().Null().U8('K')),
                  "expected new tuple 'N' but got 'K' at byte 11");
  ExpectDataError(d.Decode(Bytes('D').I32(kRel).U8('N').I16(3).Null().Null().Null()),
                  "expected 'K' or 'O' but got 'N'");
}

TEST(PgoutputDecoderTest, UnknownReplicaIdentity) {
  PgoutputDecoder d;
  ExpectDataError(d.Decode(Bytes('R').I32(1).Str("s").Str("t").U8('z').I16(0)),
                  "unknown replica identity 'z'");
}

TEST(PgoutputDecoderTest, TrailingGarbage) {
  for (const std::string& valid : ValidMessages()) {
    PgoutputDecoder d = DecoderWithRelation();
    auto r = d.Decode(valid + "xy");
    ExpectDataError(r,
                    "2 trailing bytes after the message at byte " + std::to_string(valid.size()));
  }
}

TEST(PgoutputDecoderTest, FailedRelationIsNotCached) {
  PgoutputDecoder d;
  ASSERT_FALSE(d.Decode(RelationBytes().str() + "!").ok());
  EXPECT_EQ(d.FindRelation(kRel), nullptr);
}

TEST(PgoutputDecoderTest, EveryProperPrefixOfAValidMessageFailsCleanly) {
  for (const std::string& valid : ValidMessages()) {
    PgoutputDecoder d = DecoderWithRelation();
    ASSERT_TRUE(d.Decode(valid).ok()) << valid;
    for (size_t len = 0; len < valid.size(); ++len) {
      // Copy into an exactly-sized heap buffer so AddressSanitizer catches any over-read.
      std::unique_ptr<char[]> buf(new char[len == 0 ? 1 : len]);
      std::copy(valid.begin(), valid.begin() + len, buf.get());
      auto r = d.Decode(std::string_view(buf.get(), len));
      ASSERT_FALSE(r.ok()) << "prefix " << len << " of message '" << valid[0] << "'";
      EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
    }
  }
}

TEST(PgoutputDecoderTest, RandomBytesNeverCrash) {
  std::mt19937 rng(12345);
  const std::vector<std::string> valid = ValidMessages();
  const std::string types = "BCORYIUDTMSEcAZ";
  PgoutputDecoder d = DecoderWithRelation();
  for (int i = 0; i < 20000; ++i) {
    std::string msg;
    if (i % 2 == 0) {
      // Mutate a valid message: flipped bytes hit the length and count fields.
      msg = valid[rng() % valid.size()];
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) msg[rng() % msg.size()] = static_cast<char>(rng());
    } else {
      msg.push_back(types[rng() % types.size()]);
      const size_t len = rng() % 64;
      for (size_t j = 0; j < len; ++j) msg.push_back(static_cast<char>(rng() % 8 == 0 ? 0 : rng()));
    }
    auto r = d.Decode(msg);
    if (!r.ok()) {
      EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
    }
  }
}

}  // namespace
}  // namespace walrelay::pg
