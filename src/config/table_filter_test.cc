#include "config/table_filter.h"

#include <gtest/gtest.h>

namespace walrelay::config {
namespace {

ConnectorConfig Make(std::map<std::string, std::string> props) {
  ConnectorConfig c;
  c.name = "c";
  c.file = "c.json";
  c.props = std::move(props);
  return c;
}

TableFilter Filter(std::map<std::string, std::string> props) {
  auto f = TableFilter::Create(Make(std::move(props)));
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return std::move(f).value();
}

TEST(TableFilterTest, NoListsIncludesAllButSystemSchemas) {
  TableFilter f = Filter({});
  EXPECT_TRUE(f.IncludeTable("public", "t"));
  EXPECT_TRUE(f.IncludeTable("inventory", "customers"));
  EXPECT_FALSE(f.IncludeTable("pg_catalog", "pg_class"));
  EXPECT_FALSE(f.IncludeTable("information_schema", "tables"));
  EXPECT_FALSE(f.IncludeTable("pg_toast", "pg_toast_1234"));
  EXPECT_FALSE(f.IncludeTable("pg_temp_3", "t"));
  EXPECT_TRUE(f.IncludeColumn("public", "t", "c"));
}

TEST(TableFilterTest, SystemSchemasExcludedEvenWhenIncluded) {
  TableFilter f = Filter({{"schema.include.list", "pg_catalog,public"}});
  EXPECT_FALSE(f.IncludeTable("pg_catalog", "pg_class"));
  EXPECT_TRUE(f.IncludeTable("public", "t"));
}

TEST(TableFilterTest, SchemaIncludeList) {
  TableFilter f = Filter({{"schema.include.list", "public, inv.*"}});
  EXPECT_TRUE(f.IncludeSchema("public"));
  EXPECT_TRUE(f.IncludeTable("public", "x"));
  EXPECT_TRUE(f.IncludeTable("inventory", "x"));
  EXPECT_FALSE(f.IncludeTable("public2", "x"));  // anchored
  EXPECT_FALSE(f.IncludeTable("xpublic", "x"));
  EXPECT_FALSE(f.IncludeTable("other", "x"));
  EXPECT_TRUE(f.IncludeTable("PUBLIC", "x"));  // Debezium matches case-insensitively
}

TEST(TableFilterTest, SchemaExcludeList) {
  TableFilter f = Filter({{"schema.exclude.list", "audit"}});
  EXPECT_FALSE(f.IncludeTable("audit", "log"));
  EXPECT_TRUE(f.IncludeTable("audit2", "log"));
  EXPECT_TRUE(f.IncludeTable("public", "t"));
}

TEST(TableFilterTest, TableIncludeListIsAnchored) {
  TableFilter f =
      Filter({{"schema.include.list", "public"},
              {"table.include.list",
               "public.debezium_table,public.debezium_signal,public.debezium_heartbeat"}});
  EXPECT_TRUE(f.IncludeTable("public", "debezium_table"));
  EXPECT_TRUE(f.IncludeTable("public", "debezium_signal"));
  EXPECT_FALSE(f.IncludeTable("public", "debezium_table2"));
  EXPECT_FALSE(f.IncludeTable("public", "xdebezium_table"));
  EXPECT_FALSE(f.IncludeTable("public", "other"));
}

TEST(TableFilterTest, TableListNeedsSchemaToPass) {
  TableFilter f = Filter({{"schema.include.list", "public"}, {"table.include.list", "other\\.t"}});
  EXPECT_FALSE(f.IncludeTable("other", "t"));  // schema filter excludes it
}

TEST(TableFilterTest, TableExcludeList) {
  TableFilter f = Filter({{"table.exclude.list", "public\\.tmp_.*, .*\\.audit"}});
  EXPECT_FALSE(f.IncludeTable("public", "tmp_1"));
  EXPECT_FALSE(f.IncludeTable("sales", "audit"));
  EXPECT_TRUE(f.IncludeTable("sales", "audit_2"));
  EXPECT_TRUE(f.IncludeTable("public", "t"));
}

TEST(TableFilterTest, RegexWithEscapedComma) {
  TableFilter f = Filter({{"table.include.list", "public\\.a{1\\,2}"}});
  EXPECT_TRUE(f.IncludeTable("public", "a"));
  EXPECT_TRUE(f.IncludeTable("public", "aa"));
  EXPECT_FALSE(f.IncludeTable("public", "aaa"));
}

TEST(TableFilterTest, ColumnLists) {
  TableFilter inc = Filter({{"column.include.list", "public\\.t\\.(id|name)"}});
  EXPECT_TRUE(inc.IncludeColumn("public", "t", "id"));
  EXPECT_TRUE(inc.IncludeColumn("public", "t", "name"));
  EXPECT_FALSE(inc.IncludeColumn("public", "t", "name2"));
  EXPECT_FALSE(inc.IncludeColumn("public", "t", "secret"));
  EXPECT_FALSE(inc.IncludeColumn("public", "u", "id"));
  TableFilter exc = Filter({{"column.exclude.list", ".*\\.password,public\\.t\\.ssn"}});
  EXPECT_FALSE(exc.IncludeColumn("public", "users", "password"));
  EXPECT_FALSE(exc.IncludeColumn("public", "t", "ssn"));
  EXPECT_TRUE(exc.IncludeColumn("public", "t", "ssn_hash"));
  EXPECT_TRUE(exc.IncludeColumn("public", "t", "id"));
}

TEST(TableFilterTest, BlankListsAreUnset) {
  TableFilter f = Filter({{"table.include.list", " "}, {"table.exclude.list", ""}});
  EXPECT_TRUE(f.IncludeTable("public", "t"));
}

TEST(TableFilterTest, InvalidRegex) {
  auto f = TableFilter::Create(Make({{"table.include.list", "public.ok,public.(bad"}}));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(f.status().message().rfind(
                "c.json: property 'table.include.list' has invalid value 'public.ok,public.(bad': "
                "must be a comma-separated list of regular expressions; 'public.(bad' is not "
                "valid (",
                0),
            0u)
      << f.status().message();
}

TEST(TableFilterTest, ExclusiveLists) {
  for (const char* kind : {"schema", "table", "column"}) {
    std::string inc = std::string(kind) + ".include.list";
    std::string exc = std::string(kind) + ".exclude.list";
    auto f = TableFilter::Create(Make({{inc, "a"}, {exc, "b"}}));
    ASSERT_FALSE(f.ok()) << kind;
    EXPECT_EQ(f.status().message(), "c.json: property '" + exc + "' has invalid value 'b': \"" +
                                        inc + "\" is already specified; set either " + inc +
                                        " or " + exc);
    EXPECT_TRUE(TableFilter::Create(Make({{inc, "a"}, {exc, " "}})).ok());
  }
}

TEST(MessageKeyColumnsTest, Parses) {
  auto r = ParseMessageKeyColumns("inventory.customers:pk1,pk2;(.*).purchaseorders:pk3,pk4");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].first, "inventory.customers");
  EXPECT_EQ((*r)[0].second, (std::vector<std::string>{"pk1", "pk2"}));
  EXPECT_EQ((*r)[1].first, "(.*).purchaseorders");
  EXPECT_EQ((*r)[1].second, (std::vector<std::string>{"pk3", "pk4"}));
}

TEST(MessageKeyColumnsTest, SpacesEmptyEntriesAndColonsInRegex) {
  auto r = ParseMessageKeyColumns(" s.t : a , b ;; (?:x|y)\\.z:c ;");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].first, "s.t");
  EXPECT_EQ((*r)[0].second, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ((*r)[1].first, "(?:x|y)\\.z");
  EXPECT_EQ((*r)[1].second, (std::vector<std::string>{"c"}));
  auto empty = ParseMessageKeyColumns("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(MessageKeyColumnsTest, Errors) {
  const std::string form =
      "entries must look like <schema>.<table>:<column>[,<column>...], separated by ';'";
  auto no_colon = ParseMessageKeyColumns("s.t");
  ASSERT_FALSE(no_colon.ok());
  EXPECT_EQ(no_colon.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(
      no_colon.status().message(),
      "property 'message.key.columns' has invalid value 's.t': " + form + "; 's.t' has no ':'");
  auto no_cols = ParseMessageKeyColumns("a.b:x;s.t:");
  ASSERT_FALSE(no_cols.ok());
  EXPECT_EQ(
      no_cols.status().message(),
      "property 'message.key.columns' has invalid value 'a.b:x;s.t:': " + form + "; got 's.t:'");
  auto no_table = ParseMessageKeyColumns(":a");
  ASSERT_FALSE(no_table.ok());
  EXPECT_EQ(no_table.status().message(),
            "property 'message.key.columns' has invalid value ':a': " + form + "; got ':a'");
  auto bad_regex = ParseMessageKeyColumns("s.(t:a");
  ASSERT_FALSE(bad_regex.ok());
  EXPECT_EQ(bad_regex.status().message().rfind(
                "property 'message.key.columns' has invalid value 's.(t:a': 's.(t' is not a "
                "valid regular expression (",
                0),
            0u);
}

}  // namespace
}  // namespace walrelay::config
