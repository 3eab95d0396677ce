#include "sink/sink_config.h"

#include <gtest/gtest.h>

#include "sink/table_id.h"

namespace walrelay::sink {
namespace {

using Props = std::map<std::string, std::string>;

Props Base(Props extra = {}) {
  Props p = {{"connection.url", "jdbc:postgresql://db.example:5433/shop"}, {"topics", "t1"}};
  for (auto& [k, v] : extra) p[k] = v;
  return p;
}

TEST(JdbcUrlTest, HostPortDatabaseAndParams) {
  auto url = ParseJdbcUrl(
      "jdbc:postgresql://db.example:5433/my%20db?user=al%40ice&password=p%26w+d&sslmode=require");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_EQ(url->hosts.size(), 1u);
  EXPECT_EQ(url->hosts[0].first, "db.example");
  EXPECT_EQ(url->hosts[0].second, "5433");
  EXPECT_EQ(url->database, "my db");
  EXPECT_EQ(url->params["user"], "al@ice");
  EXPECT_EQ(url->params["password"], "p&w d");
  EXPECT_EQ(url->params["sslmode"], "require");
}

TEST(JdbcUrlTest, DefaultPortIpv6AndMultiHost) {
  auto url = ParseJdbcUrl("jdbc:postgresql://[::1],h2:6000,[fe80::1]:7000/db");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  ASSERT_EQ(url->hosts.size(), 3u);
  EXPECT_EQ(url->hosts[0], std::make_pair(std::string("::1"), std::string("5432")));
  EXPECT_EQ(url->hosts[1], std::make_pair(std::string("h2"), std::string("6000")));
  EXPECT_EQ(url->hosts[2], std::make_pair(std::string("fe80::1"), std::string("7000")));
}

TEST(JdbcUrlTest, ShortForms) {
  auto url = ParseJdbcUrl("jdbc:postgresql:mydb");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->database, "mydb");
  EXPECT_EQ(url->hosts[0].first, "localhost");
  url = ParseJdbcUrl("jdbc:postgresql://host/");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->database, "");
  EXPECT_EQ(url->hosts[0].second, "5432");
}

TEST(JdbcUrlTest, Errors) {
  auto bad = ParseJdbcUrl("jdbc:mysql://h/db");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("connection.url"), std::string::npos);
  EXPECT_NE(bad.status().message().find("jdbc:postgresql://"), std::string::npos);
  bad = ParseJdbcUrl("jdbc:postgresql://h:99999/db?password=secret");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("99999"), std::string::npos);
  EXPECT_EQ(bad.status().message().find("secret"), std::string::npos) << "password leaked";
  EXPECT_FALSE(ParseJdbcUrl("jdbc:postgresql://[::1/db").ok());
  EXPECT_FALSE(ParseJdbcUrl("jdbc:postgresql://h/db?x=%zz").ok());
}

TEST(SinkConfigTest, ConfluentDefaultsAndConninfo) {
  auto c = SinkConfig::Parse(
      SinkFlavor::kConfluent,
      Base({{"connection.url",
             "jdbc:postgresql://h:5433/shop?user=u&password=x&currentSchema=sales,public"},
            {"connection.user", "override"},
            {"connection.password", "it's"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->conninfo, "host='h' port='5433' dbname='shop' user='override' password='it\\'s'");
  EXPECT_EQ(c->default_schema, "sales");
  EXPECT_EQ(c->insert_mode, InsertMode::kInsert);
  EXPECT_EQ(c->pk_mode, PkMode::kNone);
  EXPECT_EQ(c->batch_size, 3000);
  EXPECT_EQ(c->max_retries, 10);
  EXPECT_EQ(c->retry_backoff_ms, 3000);
  EXPECT_FALSE(c->auto_create);
  EXPECT_EQ(c->table_name_format, "${topic}");
  EXPECT_EQ(c->offsets_table, "walrelay_offsets");
  EXPECT_EQ(c->unavailable_placeholder, "__debezium_unavailable_value");
}

TEST(SinkConfigTest, ConfluentFullConfig) {
  auto c = SinkConfig::Parse(SinkFlavor::kConfluent,
                             Base({{"insert.mode", "UPSERT"},
                                   {"pk.mode", "record_key"},
                                   {"pk.fields", " id , tenant "},
                                   {"delete.enabled", "true"},
                                   {"auto.create", "true"},
                                   {"auto.evolve", "true"},
                                   {"table.name.format", "archive.${topic}"},
                                   {"fields.whitelist", "a,b"},
                                   {"batch.size", "100"},
                                   {"walrelay.offsets.table", "my_offsets"},
                                   {"walrelay.unavailable.value.placeholder", "??"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->insert_mode, InsertMode::kUpsert);
  EXPECT_EQ(c->pk_mode, PkMode::kRecordKey);
  EXPECT_EQ(c->pk_fields, (std::vector<std::string>{"id", "tenant"}));
  EXPECT_TRUE(c->delete_enabled && c->auto_create && c->auto_evolve);
  EXPECT_EQ(c->batch_size, 100);
  EXPECT_EQ(c->offsets_table, "my_offsets");
  EXPECT_EQ(c->unavailable_placeholder, "??");
  EXPECT_TRUE(c->IncludesField("t1", "a"));
  EXPECT_FALSE(c->IncludesField("t1", "c"));
}

TEST(SinkConfigTest, DebeziumNamesAndDefaults) {
  auto c = SinkConfig::Parse(SinkFlavor::kDebezium,
                             Base({{"connection.username", "dbz"},
                                   {"connection.password", "pw"},
                                   {"insert.mode", "upsert"},
                                   {"primary.key.mode", "record_value"},
                                   {"primary.key.fields", "id"},
                                   {"schema.evolution", "basic"},
                                   {"truncate.enabled", "true"},
                                   {"collection.name.format", "dst.${topic}"},
                                   {"field.exclude.list", "t1:secret,internal"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_NE(c->conninfo.find("user='dbz'"), std::string::npos);
  EXPECT_EQ(c->pk_mode, PkMode::kRecordValue);
  EXPECT_TRUE(c->auto_create && c->auto_evolve && c->truncate_enabled);
  EXPECT_EQ(c->table_name_format, "dst.${topic}");
  EXPECT_EQ(c->batch_size, 3000);  // not Debezium's 500 (config::kDebeziumSinkBatchSize)
  EXPECT_FALSE(c->IncludesField("t1", "secret"));
  EXPECT_TRUE(c->IncludesField("t2", "secret"));
  EXPECT_FALSE(c->IncludesField("t2", "internal"));
  EXPECT_TRUE(c->IncludesField("t1", "name"));
}

TEST(SinkConfigTest, ErrorsNamePropertyValueAndAllowed) {
  struct Case {
    Props props;
    SinkFlavor flavor;
    std::vector<std::string> expected;
  };
  std::vector<Case> cases = {
      {Base({{"insert.mode", "merge"}}),
       SinkFlavor::kConfluent,
       {"insert.mode", "merge", "insert, upsert, update"}},
      {Base({{"pk.mode", "key"}}), SinkFlavor::kConfluent, {"pk.mode", "'key'", "record_key"}},
      {Base({{"primary.key.mode", "record_header"}}),
       SinkFlavor::kDebezium,
       {"primary.key.mode", "record_header", "record_value"}},
      {Base({{"delete.enabled", "true"}, {"pk.mode", "record_value"}}),
       SinkFlavor::kConfluent,
       {"delete.enabled", "record_key", "record_value"}},
      {Base({{"delete.enabled", "yes"}}),
       SinkFlavor::kConfluent,
       {"delete.enabled", "yes", "true or false"}},
      {Base({{"batch.size", "0"}}), SinkFlavor::kConfluent, {"batch.size", "'0'"}},
      {Base({{"insert.mode", "upsert"}}), SinkFlavor::kConfluent, {"upsert", "pk.mode=none"}},
      {Base({{"schema.evolution", "advanced"}}),
       SinkFlavor::kDebezium,
       {"schema.evolution", "advanced", "none, basic"}},
      {Base({{"topics.regex", "x.*"}}), SinkFlavor::kConfluent, {"topics", "topics.regex"}},
      {Props{{"connection.url", "jdbc:postgresql://h/db"}},
       SinkFlavor::kConfluent,
       {"topics", "topics.regex"}},
      {Props{{"topics", "a"}}, SinkFlavor::kConfluent, {"connection.url"}},
      {Props{{"topics.regex", "(a"}, {"connection.url", "jdbc:postgresql://h/db"}},
       SinkFlavor::kConfluent,
       {"topics.regex", "(a"}},
      {Base({{"pk.mode", "kafka"}, {"pk.fields", "a,b"}}),
       SinkFlavor::kConfluent,
       {"pk.fields", "a,b", "exactly 3"}},
      {Base({{"connection.url", "jdbc:postgresql://h/db?sslmode=sometimes"}}),
       SinkFlavor::kConfluent,
       {"sslmode", "sometimes", "verify-full"}},
      {Base({{"field.include.list", "a"}, {"field.exclude.list", "b"}}),
       SinkFlavor::kDebezium,
       {"field.include.list", "field.exclude.list"}},
  };
  for (const auto& c : cases) {
    auto r = SinkConfig::Parse(c.flavor, c.props);
    ASSERT_FALSE(r.ok()) << c.expected[0];
    EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidArgument);
    for (const auto& e : c.expected) {
      EXPECT_NE(r.status().message().find(e), std::string::npos)
          << "'" << e << "' missing from: " << r.status().message();
    }
  }
}

TEST(SinkConfigTest, MatchesTopicsOrWholeRegex) {
  auto c = SinkConfig::Parse(SinkFlavor::kConfluent, Base({{"topics", "a, b"}}));
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->Matches("a"));
  EXPECT_TRUE(c->Matches("b"));
  EXPECT_FALSE(c->Matches("ab"));
  Props p = Base();
  p.erase("topics");
  p["topics.regex"] = "server\\.public\\..*";
  c = SinkConfig::Parse(SinkFlavor::kConfluent, p);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(c->Matches("server.public.orders"));
  EXPECT_FALSE(c->Matches("xserver.public.orders"));
  EXPECT_FALSE(c->Matches("server.other.orders"));
}

TEST(SinkConfigTest, FlavorFromClass) {
  EXPECT_EQ(*FlavorFromClass("io.confluent.connect.jdbc.JdbcSinkConnector"),
            SinkFlavor::kConfluent);
  EXPECT_EQ(*FlavorFromClass("io.debezium.connector.jdbc.JdbcSinkConnector"),
            SinkFlavor::kDebezium);
  auto bad = FlavorFromClass("com.example.Sink");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("com.example.Sink"), std::string::npos);
}

TEST(TableIdTest, ParseAndQuote) {
  TableId t = ParseTableName("orders", "public");
  EXPECT_EQ(t.schema, "public");
  EXPECT_EQ(t.table, "orders");
  t = ParseTableName("sales.Orders", "public");
  EXPECT_EQ(t.schema, "sales");
  EXPECT_EQ(t.table, "Orders");
  EXPECT_EQ(t.Quoted(), "\"sales\".\"Orders\"");
  t = ParseTableName("\"my.schema\".\"ta\"\"ble\"", "public");
  EXPECT_EQ(t.schema, "my.schema");
  EXPECT_EQ(t.table, "ta\"ble");
  EXPECT_EQ(t.Quoted(), "\"my.schema\".\"ta\"\"ble\"");
  t = ParseTableName("a.b.c", "public");  // first dot only
  EXPECT_EQ(t.schema, "a");
  EXPECT_EQ(t.table, "b.c");
}

TEST(TableIdTest, ExpandFormat) {
  EXPECT_EQ(ExpandTableFormat("${topic}", "srv.public.orders", false), "srv.public.orders");
  EXPECT_EQ(ExpandTableFormat("${topic}", "srv.public.orders", true), "srv_public_orders");
  EXPECT_EQ(ExpandTableFormat("dst.${topic}_v${topic}", "t", false), "dst.t_vt");
}

}  // namespace
}  // namespace walrelay::sink
