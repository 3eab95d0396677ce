#include "cli/dsn.h"

#include <gtest/gtest.h>

namespace walrelay::cli {
namespace {

std::string Convert(std::string_view dsn) {
  auto c = ToConninfo(dsn);
  EXPECT_TRUE(c.ok()) << dsn << ": " << c.status().ToString();
  return c.ok() ? *c : "";
}

std::string ErrorOf(std::string_view dsn) {
  auto c = ToConninfo(dsn);
  EXPECT_FALSE(c.ok()) << dsn << " converted to " << (c.ok() ? *c : "");
  EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument);
  return c.status().message();
}

TEST(DsnTest, PassesLibpqFormsThrough) {
  EXPECT_EQ(Convert("host=h port=1 dbname=d"), "host=h port=1 dbname=d");
  EXPECT_EQ(Convert("  dbname=d  "), "dbname=d");
  EXPECT_EQ(Convert("postgresql://u:p@h:5/d"), "postgresql://u:p@h:5/d");
  EXPECT_EQ(Convert("postgres://h/d?sslmode=disable"), "postgres://h/d?sslmode=disable");
  // A ';' inside a quoted libpq value does not make it ADO.NET.
  EXPECT_EQ(Convert("host=h password='a;b'"), "host=h password='a;b'");
}

TEST(DsnTest, ConvertsTheSeedsAdoNetForm) {
  EXPECT_EQ(Convert("Server=haproxy;Port=5000;Database=source_db;User Id=postgres;"
                    "Password=postgres;"),
            "host='haproxy' port='5000' dbname='source_db' user='postgres' password='postgres' "
            "connect_timeout='15'");
}

TEST(DsnTest, AdoNetKeysAreCaseAndSpaceInsensitiveWithSynonyms) {
  EXPECT_EQ(Convert("host=a;username=b;pwd=c"),
            "host='a' user='b' password='c' connect_timeout='15'");
  EXPECT_EQ(Convert("HOST=a;USER=b"), "host='a' user='b' connect_timeout='15'");
  EXPECT_EQ(Convert("Server=a;Uid=b;Psw=c;DB=d"),
            "host='a' dbname='d' user='b' password='c' connect_timeout='15'");
  EXPECT_EQ(Convert(" server = a ; userid = b "), "host='a' user='b' connect_timeout='15'");
  EXPECT_EQ(Convert("Server=a;User Name=b"), "host='a' user='b' connect_timeout='15'");
  // A single key without ';' is not a libpq keyword ("Server"), so it is ADO.NET.
  EXPECT_EQ(Convert("Server=a"), "host='a' connect_timeout='15'");
  // Later keys win.
  EXPECT_EQ(Convert("Server=a;Host=b"), "host='b' connect_timeout='15'");
}

TEST(DsnTest, AdoNetQuotedValuesAndEscapes) {
  EXPECT_EQ(Convert("Server=a;Password=\"x;y\"\"z\""),
            "host='a' password='x;y\"z' connect_timeout='15'");
  EXPECT_EQ(Convert("Server=a;Password='it''s'"),
            "host='a' password='it\\'s' connect_timeout='15'");
  EXPECT_EQ(Convert("Server=a;Password=p=q"), "host='a' password='p=q' connect_timeout='15'");
}

TEST(DsnTest, AdoNetOptionalSettings) {
  EXPECT_EQ(Convert("Server=a;Timeout=3;SSL Mode=VerifyFull;Application Name=w;"
                    "Target Session Attributes=Read-Write;Pooling=false;Maximum Pool Size=5;"
                    "Include Error Detail=true"),
            "host='a' connect_timeout='3' sslmode='verify-full' application_name='w' "
            "target_session_attrs='read-write'");
  EXPECT_EQ(Convert("Server=a;SslMode=Disable"), "host='a' connect_timeout='15' sslmode='disable'");
}

TEST(DsnTest, AdoNetHostListWithPorts) {
  EXPECT_EQ(Convert("Host=h1:5433,h2;Port=6000"),
            "host='h1,h2' port='5433,6000' connect_timeout='15'");
  EXPECT_EQ(Convert("Host=h1:1,h2:2"), "host='h1,h2' port='1,2' connect_timeout='15'");
  EXPECT_EQ(Convert("Host=h1,h2"), "host='h1,h2' connect_timeout='15'");
  EXPECT_EQ(Convert("Host=::1;Port=7"), "host='::1' port='7' connect_timeout='15'");
}

TEST(DsnTest, NamesUnknownKeys) {
  std::string m = ErrorOf("Server=a;Flavour=b");
  EXPECT_NE(m.find("'Flavour'"), std::string::npos) << m;
  EXPECT_NE(m.find("known: Server"), std::string::npos) << m;
  // A mistyped libpq keyword: both readings are reported.
  m = ErrorOf("hots=a dbname=b");
  EXPECT_NE(m.find("'hots'"), std::string::npos) << m;
  EXPECT_NE(m.find("libpq"), std::string::npos) << m;
}

TEST(DsnTest, RejectsMalformedStrings) {
  ErrorOf("");
  ErrorOf("   ");
  ErrorOf(";;");
  // A password cut at an unquoted ';': the message must not quote the password's tail.
  std::string m = ErrorOf("Server=a;Password=x;secrettail");
  EXPECT_NE(m.find("part 3"), std::string::npos) << m;
  EXPECT_EQ(m.find("secrettail"), std::string::npos) << m;
  EXPECT_NE(ErrorOf("Server=a;Password=\"open").find("unterminated quote"), std::string::npos);
  EXPECT_NE(ErrorOf("Server=a;Password=\"x\"y").find("after the quoted value"), std::string::npos);
  EXPECT_NE(ErrorOf("Server=a;=b").find("no key"), std::string::npos);
  EXPECT_NE(ErrorOf("Server=a;Port=five").find("port number"), std::string::npos);
  EXPECT_NE(ErrorOf("Server=a;Timeout=-1").find("whole seconds"), std::string::npos);
  EXPECT_NE(ErrorOf("Server=a;SSL Mode=maybe").find("allowed: Disable"), std::string::npos);
}

TEST(DsnTest, ResolvesFlagBeforeEnvironment) {
  EXPECT_EQ(*ResolveConninfo("dbname=flag", "dbname=env"), "dbname=flag");
  EXPECT_EQ(*ResolveConninfo("", "dbname=env"), "dbname=env");
  EXPECT_EQ(*ResolveConninfo("", "Server=e;Database=d"),
            "host='e' dbname='d' connect_timeout='15'");
  auto none = ResolveConninfo("", nullptr);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("CONNECTION_STRING"), std::string::npos);
  EXPECT_FALSE(ResolveConninfo("", "  ").ok());
  auto bad_env = ResolveConninfo("", "Server=a;Colour=b");
  ASSERT_FALSE(bad_env.ok());
  EXPECT_EQ(bad_env.status().message().rfind("CONNECTION_STRING: ", 0), 0u)
      << bad_env.status().message();
  auto bad_flag = ResolveConninfo("Server=a;Colour=b", "dbname=env");
  ASSERT_FALSE(bad_flag.ok());
  EXPECT_EQ(bad_flag.status().message().rfind("--dsn: ", 0), 0u) << bad_flag.status().message();
}

}  // namespace
}  // namespace walrelay::cli
