#include "runtime/plugins.h"

#include <gtest/gtest.h>

namespace walrelay::runtime {
namespace {

TEST(PluginsTest, FindsByClassNameAndUniqueAlias) {
  auto p = FindPlugin("io.debezium.connector.postgresql.PostgresConnector");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)->type, ConnectorType::kSource);
  EXPECT_EQ((*FindPlugin("PostgresConnector"))->class_name, (*p)->class_name);
  EXPECT_EQ((*FindPlugin("Postgres"))->class_name, (*p)->class_name);
  // Two JDBC sinks share the simple name: the alias is ambiguous.
  auto ambiguous = FindPlugin("JdbcSinkConnector");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find("More than one connector matches alias"),
            std::string::npos);
  auto unknown = FindPlugin("com.example.NoSuchConnector");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("com.example.NoSuchConnector"), std::string::npos);
}

TEST(PluginsTest, SourceRunsOneTaskAndSinksTasksMax) {
  auto source =
      TaskConfigs({{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                   {"tasks.max", "4"},
                   {"slot.name", "s"}});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_EQ(source->size(), 1u);
  EXPECT_EQ(source->at(0).at("task.class"),
            "io.debezium.connector.postgresql.PostgresConnectorTask");
  EXPECT_EQ(source->at(0).at("slot.name"), "s");

  auto sink = TaskConfigs(
      {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"}, {"tasks.max", "3"}});
  ASSERT_TRUE(sink.ok());
  ASSERT_EQ(sink->size(), 3u);
  EXPECT_EQ(sink->at(2).at("task.class"), "io.confluent.connect.jdbc.sink.JdbcSinkTask");

  EXPECT_FALSE(TaskConfigs({{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                            {"tasks.max", "0"}})
                   .ok());
  EXPECT_FALSE(TaskConfigs({{"tasks.max", "1"}}).ok());
}

}  // namespace
}  // namespace walrelay::runtime
