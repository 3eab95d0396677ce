#include "config/connector_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "config/test_seed.h"

namespace walrelay::config {
namespace {

// A scratch file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/walrelay_config_test_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

ConnectorConfig Make(std::map<std::string, std::string> props) {
  ConnectorConfig c;
  c.name = "c";
  c.file = "c.json";
  c.props = std::move(props);
  return c;
}

TEST(ConnectorConfigTest, LoadsSeedSourceConfigWithNumberValue) {
  auto c = LoadConnectorFile(SeedPath("register-postgres.json"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "source-connector");
  EXPECT_EQ(c->file, SeedPath("register-postgres.json"));
  EXPECT_EQ(c->Get("connector.class", ""), "io.debezium.connector.postgresql.PostgresConnector");
  EXPECT_EQ(c->Get("heartbeat.interval.ms", ""), "15000");  // a JSON number in the file
  EXPECT_EQ(c->Get("name", ""), "source-connector");        // Kafka Connect adds it
  EXPECT_EQ(c->Get("database.dbname", ""), "source_db");
  EXPECT_EQ(*c->GetInt("heartbeat.interval.ms", 0), 15000);
}

TEST(ConnectorConfigTest, LoadsOtherSeeds) {
  auto outbox = LoadConnectorFile(SeedPath("register-outbox.json"));
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  EXPECT_EQ(outbox->Get("transforms.outbox.route.topic.replacement", ""),
            "${routedByValue}.events");
  EXPECT_EQ(*outbox->GetBool("tombstones.on.delete", true), false);
  auto sink = LoadConnectorFile(SeedPath("register-sink.json"));
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  EXPECT_EQ(sink->name, "sink-connector");
  EXPECT_EQ(sink->Get("transforms.route.regex", ""), "([^.]+)\\.([^.]+)\\.([^.]+)");
  EXPECT_EQ(sink->GetList("fields.whitelist"), (std::vector<std::string>{"id", "current_value"}));
}

TEST(ConnectorConfigTest, ValueKinds) {
  auto c = ParseConnectorJson(
      R"({"name": "n", "config": {"s": "x", "i": 15000, "neg": -3, "big": 18446744073709551615,
          "f": 1.5, "t": true, "b": false, "e": ""}})",
      "src");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Get("s", ""), "x");
  EXPECT_EQ(c->Get("i", ""), "15000");
  EXPECT_EQ(c->Get("neg", ""), "-3");
  EXPECT_EQ(c->Get("big", ""), "18446744073709551615");
  EXPECT_EQ(c->Get("f", ""), "1.5");
  EXPECT_EQ(c->Get("t", ""), "true");
  EXPECT_EQ(c->Get("b", ""), "false");
  EXPECT_TRUE(c->Has("e"));
  EXPECT_EQ(c->Get("e", "dflt"), "");
  EXPECT_FALSE(c->Has("missing"));
  EXPECT_EQ(c->Get("missing", "dflt"), "dflt");
  EXPECT_EQ(c->file, "src");
}

TEST(ConnectorConfigTest, FlatForm) {
  auto c = ParseConnectorJson(R"({"name": "flat", "connector.class": "X", "tasks.max": 1})", "f");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "flat");
  EXPECT_EQ(c->Get("connector.class", ""), "X");
  EXPECT_EQ(c->Get("tasks.max", ""), "1");
  EXPECT_EQ(c->Get("name", ""), "flat");
}

TEST(ConnectorConfigTest, IgnoresGetConnectorAnswerFields) {
  auto c = ParseConnectorJson(
      R"({"name": "n", "config": {"a": "1"}, "tasks": [{"connector": "n", "task": 0}],
          "type": "source", "initial_state": "RUNNING"})",
      "f");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Get("a", ""), "1");
}

TEST(ConnectorConfigTest, NameInsideConfigMustMatch) {
  auto same = ParseConnectorJson(R"({"name": "n", "config": {"name": "n"}})", "f");
  EXPECT_TRUE(same.ok());
  auto c = ParseConnectorJson(R"({"name": "n", "config": {"name": "m"}})", "f");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.status().message(), "f: \"config\" has name 'm' but \"name\" is 'n'");
}

void ExpectError(std::string_view json, const std::string& message) {
  auto c = ParseConnectorJson(json, "conf/x.json");
  ASSERT_FALSE(c.ok()) << json;
  EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument) << json;
  EXPECT_EQ(c.status().message(), message) << json;
}

TEST(ConnectorConfigTest, Errors) {
  ExpectError("{\"name\": \"n\",\n \"config\": {\"a\": }}",
              "conf/x.json: not valid JSON: parse error at line 2, column 18: syntax error while "
              "parsing value - unexpected '}'; expected '[', '{', or a literal");
  ExpectError("",
              "conf/x.json: not valid JSON: parse error at line 1, column 1: syntax error "
              "while parsing value - unexpected end of input; expected '[', '{', or a literal");
  ExpectError("[1]",
              "conf/x.json: expected a JSON object {\"name\": ..., \"config\": {...}}, got array");
  ExpectError(R"({"config": {"a": "b"}})", "conf/x.json: missing \"name\"");
  ExpectError(R"({"name": 5, "config": {}})", "conf/x.json: \"name\" must be a string, got number");
  ExpectError(R"({"name": " ", "config": {}})", "conf/x.json: \"name\" must not be empty");
  ExpectError(R"({"name": "n"})",
              "conf/x.json: missing \"config\" (expected {\"name\": ..., \"config\": {...}}, or a "
              "flat property object with \"name\" and \"connector.class\")");
  ExpectError(R"({"name": "n", "confg": {"connector.class": "x"}})",
              "conf/x.json: missing \"config\" (expected {\"name\": ..., \"config\": {...}}, or a "
              "flat property object with \"name\" and \"connector.class\")");
  ExpectError(R"({"connector.class": "x"})", "conf/x.json: missing \"name\"");
  ExpectError(R"({"name": "n", "config": []})",
              "conf/x.json: \"config\" must be an object, got array");
  ExpectError(R"({"name": "n", "config": {}, "tasks.max": "1"})",
              "conf/x.json: unexpected top-level key 'tasks.max' (connector properties belong "
              "inside \"config\")");
  ExpectError(R"({"name": "n", "config": {"a": {"b": 1}}})",
              "conf/x.json: property 'a' must be a string, number or boolean, got object");
  ExpectError(R"({"name": "n", "config": {"a": [1]}})",
              "conf/x.json: property 'a' must be a string, number or boolean, got array");
  ExpectError(R"({"name": "n", "config": {"a": null}})",
              "conf/x.json: property 'a' must be a string, number or boolean, got null");
  ExpectError(R"({"name": "n", "config": {"a": "1", "a": "2"}})", "conf/x.json: duplicate key 'a'");
  ExpectError(R"({"name": "n", "config": {"": "1"}})", "conf/x.json: empty property name");
  // Found by connector_config_fuzz: nlohmann reports a number beyond double's range with an
  // out_of_range exception, which escaped and ended the process.
  ExpectError(R"({"name": "n", "config": {"a": 1e999}})",
              "conf/x.json: not valid JSON: number overflow parsing '1e999'");
}

TEST(ConnectorConfigTest, FileErrors) {
  auto missing = LoadConnectorFile("/nonexistent/dir/c.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "/nonexistent/dir/c.json: cannot open: No such file or directory");
  auto dir = LoadConnectorFile("/tmp");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().message(), "/tmp: cannot read: Is a directory");
  TempFile bad("{\"name\": \"n\", \"config\": {\"a\": tru}}");
  auto c = LoadConnectorFile(bad.path());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(c.status().message().rfind(bad.path() + ": not valid JSON: parse error at line 1, ", 0),
            0u)
      << c.status().message();
}

TEST(ConnectorConfigTest, ParseConnectorProps) {
  auto c = ParseConnectorProps(R"({"connector.class": "X", "a": 1})", "url-name", "PUT");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "url-name");
  EXPECT_EQ(c->Get("name", ""), "url-name");
  auto mismatch = ParseConnectorProps(R"({"name": "other"})", "url-name", "PUT");
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.status().message(),
            "PUT: property 'name' (\"other\") does not match the connector name 'url-name'");
  auto not_object = ParseConnectorProps("3", "n", "PUT");
  ASSERT_FALSE(not_object.ok());
  EXPECT_EQ(not_object.status().message(), "PUT: expected a JSON object of properties, got number");
}

TEST(ConnectorConfigTest, GetInt) {
  auto c = Make({{"a", "42"},
                 {"b", " -7 "},
                 {"c", "+5"},
                 {"d", "4x"},
                 {"e", ""},
                 {"f", "99999999999999999999"},
                 {"g", "1.0"}});
  EXPECT_EQ(*c.GetInt("a", 0), 42);
  EXPECT_EQ(*c.GetInt("b", 0), -7);
  EXPECT_EQ(*c.GetInt("c", 0), 5);
  EXPECT_EQ(*c.GetInt("zz", 9), 9);
  for (const char* key : {"d", "e", "f", "g"}) {
    auto r = c.GetInt(key, 0);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(r.status().message(), std::string("c.json: property '") + key +
                                        "' has invalid value '" + c.Get(key, "") +
                                        "': must be an integer");
  }
}

TEST(ConnectorConfigTest, GetBool) {
  auto c = Make({{"a", "true"}, {"b", "FALSE"}, {"c", " True "}, {"d", "yes"}});
  EXPECT_TRUE(*c.GetBool("a", false));
  EXPECT_FALSE(*c.GetBool("b", true));
  EXPECT_TRUE(*c.GetBool("c", false));
  EXPECT_TRUE(*c.GetBool("zz", true));
  auto r = c.GetBool("d", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "c.json: property 'd' has invalid value 'yes': must be true or false");
}

TEST(ConnectorConfigTest, GetList) {
  auto c = Make({{"a", " x, y ,,z , "}, {"b", ""}, {"c", "one"}});
  EXPECT_EQ(c.GetList("a"), (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_TRUE(c.GetList("b").empty());
  EXPECT_TRUE(c.GetList("zz").empty());
  EXPECT_EQ(c.GetList("c"), (std::vector<std::string>{"one"}));
}

TEST(ConnectorConfigTest, InvalidValueHidesSecrets) {
  auto c = Make({{"database.password", "hunter2"}, {"x", "v"}});
  EXPECT_EQ(c.InvalidValue("database.password", "too short").message(),
            "c.json: property 'database.password' has invalid value '[hidden]': too short");
  EXPECT_EQ(c.InvalidValue("x", "bad").message(),
            "c.json: property 'x' has invalid value 'v': bad");
  EXPECT_TRUE(IsSecretKey("connection.password"));
  EXPECT_TRUE(IsSecretKey("ssl.key.Password"));
  EXPECT_TRUE(IsSecretKey("client.secret"));
  EXPECT_FALSE(IsSecretKey("database.user"));
}

std::vector<ConnectorConfig> TwoConnectors() {
  ConnectorConfig a = Make({{"name", "a"}, {"k", "1"}});
  a.name = "a";
  ConnectorConfig b = Make({{"name", "b"}});
  b.name = "b";
  return {a, b};
}

TEST(ApplyOverrideTest, WithoutNameSetsEveryConnector) {
  auto configs = TwoConnectors();
  ASSERT_TRUE(ApplyOverride(&configs, "snapshot.mode=never").ok());
  EXPECT_EQ(configs[0].Get("snapshot.mode", ""), "never");
  EXPECT_EQ(configs[1].Get("snapshot.mode", ""), "never");
}

TEST(ApplyOverrideTest, WithNameSetsOnlyThatConnector) {
  auto configs = TwoConnectors();
  ASSERT_TRUE(ApplyOverride(&configs, "b:k=2").ok());
  EXPECT_EQ(configs[0].Get("k", ""), "1");
  EXPECT_EQ(configs[1].Get("k", ""), "2");
}

TEST(ApplyOverrideTest, ValuesMayContainColonAndEquals) {
  auto configs = TwoConnectors();
  ASSERT_TRUE(ApplyOverride(&configs, "connection.url=jdbc:postgresql://h:5432/db?a=b").ok());
  EXPECT_EQ(configs[0].Get("connection.url", ""), "jdbc:postgresql://h:5432/db?a=b");
  ASSERT_TRUE(ApplyOverride(&configs, "a:message.key.columns=s.t:c1,c2").ok());
  EXPECT_EQ(configs[0].Get("message.key.columns", ""), "s.t:c1,c2");
  EXPECT_FALSE(configs[1].Has("message.key.columns"));
  ASSERT_TRUE(ApplyOverride(&configs, "k=").ok());  // an empty value is a value
  EXPECT_EQ(configs[1].Get("k", "x"), "");
  ASSERT_TRUE(ApplyOverride(&configs, "k==").ok());
  EXPECT_EQ(configs[1].Get("k", "x"), "=");
}

TEST(ApplyOverrideTest, Errors) {
  auto configs = TwoConnectors();
  auto expect = [&](std::string_view spec, const std::string& message) {
    Status s = ApplyOverride(&configs, spec);
    ASSERT_FALSE(s.ok()) << spec;
    EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(s.message(), message);
  };
  expect("novalue", "--set 'novalue': expected [NAME:]KEY=VALUE");
  expect("database.password:hunter2", "--set [hidden]: expected [NAME:]KEY=VALUE");
  expect("=v", "--set '=v': empty property name");
  expect("a:=v", "--set 'a:=v': empty property name");
  expect(":k=v", "--set ':k=v': empty connector name before ':'");
  expect("name=x", "--set 'name=x': the connector name cannot be overridden");
  expect("zz:k=v", "--set 'zz:k=v': no connector named 'zz' (loaded: a, b)");
  expect("zz:database.password=hunter2",
         "--set 'zz:database.password=[hidden]': no connector named 'zz' (loaded: a, b)");
  std::vector<ConnectorConfig> none;
  Status s = ApplyOverride(&none, "k=v");
  EXPECT_EQ(s.message(), "--set 'k=v': no connector configuration is loaded");
}

}  // namespace
}  // namespace walrelay::config
