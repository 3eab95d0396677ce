#include "config/config_def.h"

#include <gtest/gtest.h>

namespace walrelay::config {
namespace {

ConfigDef TestDef() {
  ConfigDef def("test.Connector");
  def.Define(StringProp("host", std::nullopt, "Host | name.").Required());
  def.Define(IntProp("port", 5432, "Port.").WithCheck(Between(1, 65535), "1..65535"));
  def.Define(LongProp("wait.ms", 1000, "Wait.").WithCheck(AtLeast(0), ">= 0"));
  def.Define(DoubleProp("ratio", std::nullopt, "Ratio."));
  def.Define(BoolProp("flag", false, "Flag."));
  def.Define(ChoiceProp("mode", {"initial", "never", "always"}, "initial", "Mode."));
  def.Define(ListProp("ops", "t", "Ops.", {"c", "u", "d", "t", "none"}));
  def.Define(ListProp("tables", std::nullopt, "Tables.").WithCheck(ValidRegexList(), "regexes"));
  def.Define(StringProp("pattern", "", "Pattern.").WithCheck(ValidRegex(), "a regex"));
  def.Define(PasswordProp("secret.value", "A password."));
  def.Define(PasswordProp("pw", "A password with a check.")
                 .WithCheck([](std::string_view v) { return v.size() >= 4 ? "" : "too short"; },
                            "4+ chars"));
  def.Define(StringProp("url", std::nullopt, "URL.").Redact(Redaction::kUrlPassword));
  def.AllowPrefix("hibernate.");
  def.Define(ListProp("converters", std::nullopt, "Converters."));
  def.AllowPrefixesNamedBy("converters");
  def.AddRule([](const ConnectorConfig& c) -> Status {
    if (c.Get("mode", "") == "always" && c.Get("flag", "") != "true") {
      return InvalidArgument(c.file + ": mode always needs flag");
    }
    return Status::Ok();
  });
  return def;
}

ConnectorConfig Make(std::map<std::string, std::string> props) {
  ConnectorConfig c;
  c.name = "c";
  c.file = "c.json";
  c.props = std::move(props);
  c.props.emplace("host", "h");
  return c;
}

std::string ErrorOf(const ConfigDef& def, std::map<std::string, std::string> props) {
  std::vector<std::string> warnings;
  Status s = def.Validate(Make(std::move(props)), &warnings);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  return s.message();
}

TEST(ConfigDefTest, AcceptsGoodValues) {
  ConfigDef def = TestDef();
  std::vector<std::string> warnings;
  ConnectorConfig c = Make({{"port", " 6432 "},
                            {"wait.ms", "9999999999"},
                            {"ratio", "0.5"},
                            {"flag", "TRUE"},
                            {"mode", "Never"},
                            {"ops", "C, u ,NONE"},
                            {"tables", "public\\.a.*,b{1\\,3}"},
                            {"pattern", "^x(y|z)$"},
                            {"secret.value", "whatever"},
                            {"pw", "long enough"},
                            {"url", "jdbc:postgresql://h/db?password=x"}});
  Status s = def.Validate(c, &warnings);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(warnings.empty());
}

TEST(ConfigDefTest, TypeErrors) {
  ConfigDef def = TestDef();
  EXPECT_EQ(ErrorOf(def, {{"port", "54x"}}),
            "c.json: property 'port' has invalid value '54x': must be an integer");
  EXPECT_EQ(ErrorOf(def, {{"port", ""}}),
            "c.json: property 'port' has invalid value '': must be an integer");
  EXPECT_EQ(ErrorOf(def, {{"port", "3000000000"}}),
            "c.json: property 'port' has invalid value '3000000000': must be an integer between "
            "-2147483648 and 2147483647");
  EXPECT_EQ(ErrorOf(def, {{"port", "70000"}}),
            "c.json: property 'port' has invalid value '70000': must be between 1 and 65535");
  EXPECT_EQ(ErrorOf(def, {{"wait.ms", "-1"}}),
            "c.json: property 'wait.ms' has invalid value '-1': must be at least 0");
  EXPECT_EQ(ErrorOf(def, {{"wait.ms", "1e3"}}),
            "c.json: property 'wait.ms' has invalid value '1e3': must be an integer");
  EXPECT_EQ(ErrorOf(def, {{"ratio", "half"}}),
            "c.json: property 'ratio' has invalid value 'half': must be a number");
  EXPECT_EQ(ErrorOf(def, {{"flag", "yes"}}),
            "c.json: property 'flag' has invalid value 'yes': must be true or false");
  EXPECT_EQ(ErrorOf(def, {{"mode", "sometimes"}}),
            "c.json: property 'mode' has invalid value 'sometimes': must be one of: initial, "
            "never, always");
  EXPECT_EQ(ErrorOf(def, {{"ops", "c,x"}}),
            "c.json: property 'ops' has invalid value 'c,x': must be a comma-separated list of: "
            "c, u, d, t, none");
  EXPECT_EQ(ErrorOf(def, {{"tables", "ok,(unclosed"}})
                .rfind("c.json: property 'tables' has invalid value 'ok,(unclosed': must be a "
                       "comma-separated list of regular expressions; '(unclosed' is not valid (",
                       0),
            0u);
  EXPECT_EQ(
      ErrorOf(def, {{"pattern", "[z-a]"}})
          .rfind("c.json: property 'pattern' has invalid value '[z-a]': must be a valid regular "
                 "expression (",
                 0),
      0u);
}

TEST(ConfigDefTest, RequiredProperty) {
  ConfigDef def = TestDef();
  ConnectorConfig c = Make({});
  c.props.erase("host");
  EXPECT_EQ(def.Validate(c, nullptr).message(), "c.json: property 'host' is required");
  c.props["host"] = "  ";
  EXPECT_EQ(def.Validate(c, nullptr).message(), "c.json: property 'host' is required");
}

TEST(ConfigDefTest, RulesRunAfterPropertyChecks) {
  ConfigDef def = TestDef();
  EXPECT_EQ(ErrorOf(def, {{"mode", "always"}}), "c.json: mode always needs flag");
  EXPECT_EQ(ErrorOf(def, {{"mode", "always"}, {"flag", "true"}}), "ok");
}

TEST(ConfigDefTest, PasswordsNeverShown) {
  ConfigDef def = TestDef();
  EXPECT_EQ(ErrorOf(def, {{"pw", "abc"}}),
            "c.json: property 'pw' has invalid value '[hidden]': too short");
  EXPECT_EQ(def.Shown("secret.value", "s3cr3t"), "[hidden]");
  EXPECT_EQ(def.Shown("undeclared.password", "s3cr3t"), "[hidden]");
  EXPECT_EQ(def.Shown("url", "jdbc:postgresql://u:pw@h/db?user=u&password=pw&ssl=true"),
            "jdbc:postgresql://u:[hidden]@h/db?user=u&password=[hidden]&ssl=true");
  EXPECT_EQ(def.Shown("host", "h"), "h");
}

TEST(ConfigDefTest, RedactUrl) {
  EXPECT_EQ(RedactUrl("jdbc:postgresql://destination:5432/destination_db?currentSchema=public&"
                      "user=postgres&password=postgres"),
            "jdbc:postgresql://destination:5432/destination_db?currentSchema=public&"
            "user=postgres&password=[hidden]");
  EXPECT_EQ(RedactUrl("jdbc:postgresql://h/db?PASSWORD=a&password=b"),
            "jdbc:postgresql://h/db?PASSWORD=[hidden]&password=[hidden]");
  EXPECT_EQ(RedactUrl("jdbc:postgresql://h/db?sslpassword=keep"),
            "jdbc:postgresql://h/db?sslpassword=keep");
  EXPECT_EQ(RedactUrl("postgres://user:pw@host:5432/db"), "postgres://user:[hidden]@host:5432/db");
  EXPECT_EQ(RedactUrl("postgres://user@host/db"), "postgres://user@host/db");
  EXPECT_EQ(RedactUrl("jdbc:postgresql:db"), "jdbc:postgresql:db");
}

TEST(ConfigDefTest, UnknownPropertiesWarnOnce) {
  ConfigDef def = TestDef();
  std::vector<std::string> warnings;
  ConnectorConfig c = Make({{"typo.prop", "1"},
                            {"another", "2"},
                            {"hibernate.c3p0.max_size", "3"},
                            {"converters", "isbn"},
                            {"isbn.type", "x.IsbnConverter"},
                            {"other.type", "y"}});
  ASSERT_TRUE(def.Validate(c, &warnings).ok());
  EXPECT_EQ(warnings, (std::vector<std::string>{"c.json: unknown property 'another' (ignored)",
                                                "c.json: unknown property 'other.type' (ignored)",
                                                "c.json: unknown property 'typo.prop' (ignored)"}));
}

TEST(ConfigDefTest, FrameworkPropertiesAreKnown) {
  ConfigDef def = TestDef();
  std::vector<std::string> warnings;
  ConnectorConfig c = Make({{"name", "c"},
                            {"connector.class", "test.Connector"},
                            {"tasks.max", "1"},
                            {"key.converter", "a"},
                            {"key.converter.schema.registry.url", "b"},
                            {"value.converter", "a"},
                            {"value.converter.schemas.enable", "false"},
                            {"transforms", "unwrap"},
                            {"transforms.unwrap.type", "a"},
                            {"predicates", "p"},
                            {"predicates.p.type", "a"},
                            {"errors.tolerance", "all"},
                            {"errors.log.enable", "true"},
                            {"errors.log.include.messages", "true"}});
  ASSERT_TRUE(def.Validate(c, &warnings, /*with_framework=*/true).ok());
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  // Accepted, not implemented yet: each named at start.
  c = Make({{"header.converter", "a"},
            {"header.converter.x", "a"},
            {"topic.creation.default.partitions", "1"},
            {"config.action.reload", "none"},
            {"producer.override.linger.ms", "5"},
            {"consumer.override.max.poll.records", "5"},
            {"errors.retry.timeout", "-1"},
            {"exactly.once.support", "required"}});
  ASSERT_TRUE(def.Validate(c, &warnings, /*with_framework=*/true).ok());
  ASSERT_EQ(warnings.size(), 8u);
  EXPECT_EQ(warnings[0],
            "c.json: property 'config.action.reload' is accepted, not implemented yet: there are "
            "no config providers, so nothing is ever reloaded");
  EXPECT_EQ(warnings[7],
            "c.json: property 'topic.creation.default.partitions' is accepted, not implemented "
            "yet: `walrelay run` has no Kafka: no topic is created");
  // Without the framework check, framework names are only known.
  warnings.clear();
  ASSERT_TRUE(def.Validate(c, &warnings).ok());
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_TRUE(IsFrameworkProperty("errors.tolerance"));
  EXPECT_FALSE(IsFrameworkProperty("errors.tolerence"));
  EXPECT_FALSE(IsFrameworkProperty("transformsx"));
  EXPECT_FALSE(IsFrameworkProperty("key.converterx"));
  EXPECT_FALSE(IsFrameworkProperty("tasks.max.x"));
}

TEST(ConfigDefTest, UnimplementedPropertiesWarnOrAreRefused) {
  ConfigDef def("x.Y");
  def.Define(IntProp("chunk", 10, "Chunk.").NotImplemented("no chunks"));
  def.Define(BoolProp("builtin", true, "Builtin.")
                 .NotImplementedFor([](std::string_view v) { return v == "false"; }, "false",
                                    "always on"));
  def.Define(StringProp("dlq", "", "DLQ.").Refused("no Kafka"));
  def.AllowPrefix("producer.", "Producer.", Unimplemented{"no producer", false, nullptr, ""});
  std::vector<std::string> warnings;
  ConnectorConfig c{"c",
                    "c.json",
                    {{"chunk", "10"}, {"builtin", "true"}, {"dlq", " "}, {"producer.acks", "all"}}};
  ASSERT_TRUE(def.Validate(c, &warnings).ok());
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "c.json: property 'chunk' is accepted, not implemented yet: no chunks",
                          "c.json: property 'producer.acks' is accepted, not implemented yet: no "
                          "producer"}));
  c.props["builtin"] = "false";
  warnings.clear();
  ASSERT_TRUE(def.Validate(c, &warnings).ok());
  EXPECT_EQ(warnings.size(), 3u);
  EXPECT_EQ(warnings[0], "c.json: property 'builtin' is accepted, not implemented yet: always on");
  c.props["dlq"] = "errors";
  Status s = def.Validate(c, &warnings);
  EXPECT_EQ(s.message(),
            "c.json: property 'dlq' has invalid value 'errors': not supported yet (no Kafka); "
            "allowed: empty");
  EXPECT_EQ(
      def.Describe(),
      "| Property | Type | Default | Allowed | Description |\n"
      "| --- | --- | --- | --- | --- |\n"
      "| `chunk` | int | `10` |  | Chunk. **Accepted, not implemented yet:** no chunks. |\n"
      "| `builtin` | boolean | `true` |  | Builtin. **Accepted, not implemented yet "
      "(false):** always on. |\n"
      "| `dlq` | string | \"\" |  | DLQ. **Refused when set (not supported yet):** no "
      "Kafka. |\n"
      "| `producer.*` |  |  |  | Producer. **Accepted, not implemented yet:** no producer. |\n");
}

TEST(ConfigDefTest, Describe) {
  ConfigDef def("x.Y");
  def.Define(StringProp("host", std::nullopt, "Host | name.").Required());
  def.Define(IntProp("port", 5432, "Port.").WithCheck(Between(1, 65535), "1..65535"));
  def.Define(ChoiceProp("mode", {"a", "b"}, "a", "Mode."));
  def.Define(ListProp("ops", "t", "Ops.", {"c", "t"}));
  def.Define(StringProp("empty", "", "Empty default."));
  def.Define(PasswordProp("pw", "Password."));
  EXPECT_EQ(def.Describe(),
            "| Property | Type | Default | Allowed | Description |\n"
            "| --- | --- | --- | --- | --- |\n"
            "| `host` | string | (required) |  | Host \\| name. |\n"
            "| `port` | int | `5432` | 1..65535 | Port. |\n"
            "| `mode` | choice | `a` | `a`, `b` | Mode. |\n"
            "| `ops` | list | `t` | list of `c`, `t` | Ops. |\n"
            "| `empty` | string | \"\" |  | Empty default. |\n"
            "| `pw` | password |  |  | Password. |\n");
  EXPECT_NE(def.Find("port"), nullptr);
  EXPECT_EQ(def.Find("nope"), nullptr);
  EXPECT_EQ(def.connector_class(), "x.Y");
}

}  // namespace
}  // namespace walrelay::config
