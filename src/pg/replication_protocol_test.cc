#include "pg/replication_protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace walrelay::pg {
namespace {

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    out.push_back(kDigits[(static_cast<unsigned char>(c) >> 4) & 0xf]);
    out.push_back(kDigits[static_cast<unsigned char>(c) & 0xf]);
  }
  return out;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(ReplicationProtocolTest, ParsesXLogData) {
  // 'w', wal_start 16/B374D848, wal_end 16/B374D900, send_time 0x0002_9A1F_0000_0001, "Bxyz".
  const std::string bytes = Unhex(
      "77"
      "00000016b374d848"
      "00000016b374d900"
      "00029a1f00000001"
      "4278797a");
  auto r = ParseCopyData(bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(std::holds_alternative<XLogData>(*r));
  const auto& x = std::get<XLogData>(*r);
  EXPECT_EQ(x.wal_start.ToString(), "16/B374D848");
  EXPECT_EQ(x.wal_end.ToString(), "16/B374D900");
  EXPECT_EQ(x.send_time, 0x00029A1F00000001);
  EXPECT_EQ(x.payload, "Bxyz");
  EXPECT_EQ(x.payload.data(), bytes.data() + 25);  // aliases the input, no copy
}

TEST(ReplicationProtocolTest, ParsesXLogDataWithEmptyPayload) {
  auto r = ParseCopyData(Unhex("77" + std::string(48, '0')));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(std::get<XLogData>(*r).payload.empty());
}

TEST(ReplicationProtocolTest, ParsesKeepalive) {
  auto r =
      ParseCopyData(Unhex("6b"
                          "0000000100000010"
                          "fffffffffffffffe"
                          "01"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& k = std::get<Keepalive>(*r);
  EXPECT_EQ(k.wal_end.ToString(), "1/10");
  EXPECT_EQ(k.send_time, -2);
  EXPECT_TRUE(k.reply_requested);
  auto r2 =
      ParseCopyData(Unhex("6b"
                          "0000000100000010"
                          "0000000000000000"
                          "00"));
  ASSERT_TRUE(r2.ok());
  EXPECT_FALSE(std::get<Keepalive>(*r2).reply_requested);
}

TEST(ReplicationProtocolTest, RejectsMalformedFrames) {
  auto expect_error = [](const std::string& bytes, const std::string& fragment) {
    auto r = ParseCopyData(bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
    EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  };
  expect_error("", "empty");
  expect_error(Unhex("77"
                     "0000000000000000"),
               "XLogData ('w'): truncated header: 9 bytes");
  expect_error(Unhex("6b"
                     "0000000000000000"
                     "0000000000000000"),
               "keepalive ('k'): 17 bytes");
  expect_error(Unhex("6b"
                     "0000000000000000"
                     "0000000000000000"
                     "0000"),
               "19 bytes, expected 18");
  expect_error("q123", "unknown message type 113 ('q')");
  // Every prefix of valid frames fails without reading past the end.
  const std::string keepalive = Unhex(
      "6b"
      "0000000100000010"
      "0000000000000000"
      "01");
  for (size_t len = 0; len < keepalive.size(); ++len)
    EXPECT_FALSE(ParseCopyData(keepalive.substr(0, len)).ok());
  const std::string xlog = Unhex("77" + std::string(48, '1'));
  for (size_t len = 0; len < xlog.size(); ++len)
    EXPECT_FALSE(ParseCopyData(xlog.substr(0, len)).ok());
}

TEST(ReplicationProtocolTest, BuildsStandbyStatus) {
  const std::string msg =
      BuildStandbyStatus(Lsn(0x16B374D848), Lsn(0x16B374D800), Lsn(0x10), 0x00029A1F00000001, true);
  EXPECT_EQ(Hex(msg),
            "72"
            "00000016b374d848"
            "00000016b374d800"
            "0000000000000010"
            "00029a1f00000001"
            "01");
  EXPECT_EQ(Hex(BuildStandbyStatus(Lsn(), Lsn(), Lsn(), -1, false)), "72" + std::string(48, '0') +
                                                                         "ffffffffffffffff"
                                                                         "00");
}

TEST(ReplicationProtocolTest, ConvertsBetweenUnixAndPgEpochs) {
  // 2000-01-01T00:00:00Z is Unix second 946684800 and PostgreSQL microsecond 0.
  EXPECT_EQ(UnixMicrosToPgMicros(946684800000000), 0);
  EXPECT_EQ(UnixMillisToPgMicros(946684800000), 0);
  EXPECT_EQ(PgMicrosToUnixMicros(0), 946684800000000);
  // 2024-01-01T00:00:00.123456Z.
  const int64_t unix_us = int64_t{1704067200} * 1000000 + 123456;
  const int64_t pg_us = UnixMicrosToPgMicros(unix_us);
  EXPECT_EQ(pg_us, int64_t{757382400} * 1000000 + 123456);
  EXPECT_EQ(PgMicrosToUnixMicros(pg_us), unix_us);
  EXPECT_EQ(PgMicrosToUnixMillis(pg_us), int64_t{1704067200123});
  // Before the Unix epoch milliseconds round down, not towards zero.
  EXPECT_EQ(PgMicrosToUnixMillis(UnixMicrosToPgMicros(-1)), -1);
  EXPECT_EQ(PgMicrosToUnixMillis(UnixMicrosToPgMicros(-1000)), -1);
  EXPECT_EQ(PgMicrosToUnixMillis(UnixMicrosToPgMicros(-1001)), -2);
}

}  // namespace
}  // namespace walrelay::pg
