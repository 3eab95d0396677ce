#include "pg/connection.h"

#include <gtest/gtest.h>

#include "pg/replication_stream.h"

namespace walrelay::pg {
namespace {

TEST(ConnectionTest, MapsSqlStates) {
  EXPECT_EQ(ErrorKindForSqlState("08006"), ErrorKind::kReconnect);  // connection_failure
  EXPECT_EQ(ErrorKindForSqlState("08P01"), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForSqlState("57P01"), ErrorKind::kReconnect);  // admin_shutdown
  EXPECT_EQ(ErrorKindForSqlState("57P02"), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForSqlState("57P03"), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForSqlState("57014"), ErrorKind::kFatal);  // query_canceled: not in the list
  EXPECT_EQ(ErrorKindForSqlState("40001"), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForSqlState("40P01"), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForSqlState("53300"), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForSqlState("42P01"), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForSqlState("42704"), ErrorKind::kNotFound);  // also missing slot/publication
  EXPECT_EQ(ErrorKindForSqlState("42883"), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForSqlState("23505"), ErrorKind::kDataError);
  EXPECT_EQ(ErrorKindForSqlState("22P02"), ErrorKind::kDataError);
  EXPECT_EQ(ErrorKindForSqlState("28P01"), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForSqlState("28000"), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForSqlState("3D000"), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForSqlState("42601"), ErrorKind::kFatal);  // syntax error
  EXPECT_EQ(ErrorKindForSqlState(""), ErrorKind::kFatal);
}

TEST(ConnectionTest, MissingWalRecordMeansReconnect) {
  const char* kSender =
      "could not find record while sending logically-decoded data: missing contrecord at "
      "0/3000028";
  EXPECT_TRUE(IsMissingWalRecord("XX000", kSender));
  EXPECT_EQ(ErrorKindForServerError("XX000", kSender), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForServerError("XX000",
                                    "could not find record while sending logically-decoded data: "
                                    "invalid record length at 0/1E4A8D8: wanted 24, got 0"),
            ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForServerError("XX000",
                                    "could not find record for logical decoding: unexpected "
                                    "pageaddr 0/2000000 in log segment 000000010000000000000003"),
            ErrorKind::kReconnect);
  // Other internal errors, and the same text under another SQLSTATE, stay as they were.
  EXPECT_FALSE(IsMissingWalRecord("XX001", kSender));
  EXPECT_EQ(ErrorKindForServerError("XX000", "cache lookup failed for relation 16384"),
            ErrorKind::kFatal);
  EXPECT_EQ(ErrorKindForServerError("XX000", "could not find"), ErrorKind::kFatal);
  EXPECT_EQ(ErrorKindForServerError("58P01", kSender), ErrorKind::kFatal);
  EXPECT_EQ(ErrorKindForServerError("57P01", "terminating connection"), ErrorKind::kReconnect);
}

TEST(ConnectionTest, ClassifiesConnectFailures) {
  EXPECT_EQ(ErrorKindForConnectFailure(
                "connection to server at \"db\" (10.0.0.1), port 5432 failed: FATAL:  password "
                "authentication failed for user \"app\""),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForConnectFailure("FATAL:  database \"nope\" does not exist"),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForConnectFailure("FATAL:  role \"nobody\" does not exist"),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForConnectFailure(
                "FATAL:  no pg_hba.conf entry for replication connection from host \"10.0.0.2\""),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForConnectFailure("invalid connection option \"hots\""),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForConnectFailure(
                "connection to server at \"127.0.0.1\", port 1 failed: Connection refused"),
            ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForConnectFailure("FATAL:  the database system is starting up"),
            ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForConnectFailure("FATAL:  sorry, too many clients already"),
            ErrorKind::kReconnect);
}

TEST(ConnectionTest, UnreachableServerMeansReconnect) {
  // Port 1 on loopback: refused at once, no server needed.
  auto c = Connection::Connect("host=127.0.0.1 port=1 dbname=shop user=app connect_timeout=2");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), ErrorKind::kReconnect) << c.status().ToString();
  EXPECT_NE(c.status().message().find("host 127.0.0.1 port 1 database shop"), std::string::npos)
      << c.status().message();
  auto s = ReplicationStream::Open("postgresql://app@127.0.0.1:1/shop");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().kind(), ErrorKind::kReconnect) << s.status().ToString();
}

TEST(ConnectionTest, MalformedConninfoIsInvalidArgument) {
  auto c = Connection::Connect("host=127.0.0.1 hots=x");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument) << c.status().ToString();
  EXPECT_NE(c.status().message().find("hots"), std::string::npos);
}

TEST(ConnectionTest, StatusFromResultWithoutServer) {
  // No connection at all: whatever failed, the caller has to reconnect.
  EXPECT_EQ(StatusFromResult(nullptr, nullptr, "q").kind(), ErrorKind::kReconnect);
  PgResult ok(PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK));
  EXPECT_TRUE(StatusFromResult(nullptr, ok.get(), "q").ok());
  PgResult bad(PQmakeEmptyPGresult(nullptr, PGRES_FATAL_ERROR));
  Status s = StatusFromResult(nullptr, bad.get(), "select things");
  EXPECT_EQ(s.kind(), ErrorKind::kReconnect);
  EXPECT_EQ(s.message().rfind("select things: ", 0), 0u) << s.message();
}

TEST(ConnectionTest, BuildsConninfo) {
  EXPECT_EQ(BuildConninfo({{"host", "db.example"}, {"port", "5432"}}),
            "host='db.example' port='5432'");
  EXPECT_EQ(BuildConninfo({{"password", "it's a \\secret"}, {"user", ""}}),
            "password='it\\'s a \\\\secret' user=''");
  EXPECT_EQ(BuildConninfo({}), "");
}

TEST(ConnectionTest, BuiltConninfoRoundTripsThroughLibpq) {
  const std::string tricky = "p a'ss\\word=";
  const std::string conninfo = BuildConninfo({{"host", "h"}, {"password", tricky}});
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  ASSERT_NE(opts, nullptr) << (err != nullptr ? err : "");
  std::string password;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "password" && o->val != nullptr) password = o->val;
  }
  PQconninfoFree(opts);
  EXPECT_EQ(password, tricky);
}

TEST(ConnectionTest, QuotesIdentifiersAndLiterals) {
  EXPECT_EQ(QuoteIdent("orders"), "\"orders\"");
  EXPECT_EQ(QuoteIdent("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(QuoteLiteral("it's"), "'it''s'");
  EXPECT_EQ(QuoteLiteral(""), "''");
  EXPECT_EQ(QuoteLiteral("a\\b'c"), "E'a\\\\b''c'");
  EXPECT_EQ(PublicationNamesOption({"pub", "we\"ird"}), "\"pub\",\"we\"\"ird\"");
}

}  // namespace
}  // namespace walrelay::pg
