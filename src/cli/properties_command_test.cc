#include "cli/properties_command.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include "config/config_strings.h"
#include "config/postgres_connector_def.h"
#include "config/table_filter.h"
#include "convert/avro_converter.h"
#include "convert/converter.h"
#include "runtime/error_handler.h"
#include "runtime/worker_config.h"
#include "sink/sink_config.h"
#include "source/postgres_source_config.h"
#include "testing/aggregate_compare.h"
#include "transforms/transform.h"

// Every property `walrelay properties` documents either works or says it does not: for each one
// that is not declared unimplemented, a config with a valid non-default value must parse into a
// different object than the config without it (the objects the running code is built from:
// PostgresSourceConfig and TableFilter, sink::SinkConfig, ConverterSettings, ErrorPolicy, the
// TransformChain). Objects are compared member by member (testing/aggregate_compare.h), so a new
// member is compared without touching this test.

namespace walrelay::cli {
namespace {

using config::ConnectorConfig;
using Props = std::map<std::string, std::string>;

constexpr char kErase[] = "<erase>";
// Base() of the worker section: a worker file, parsed as WorkerConfig.
constexpr char kWorkerName[] = "<worker>";

// Properties whose effect is not in a parsed object, each with where it is. Keep it short.
const std::map<std::string, std::string>& EffectElsewhere() {
  static const auto* const m = new std::map<std::string, std::string>{
      {"name", "the connector's name: log lines, offsets (cli/run_command.cc, runtime/)"},
      {"connector.class", "selects which of these definitions applies (ValidateConnector)"},
      {"offset.storage.file.filename",
       "read by the stdout runner (runtime/standalone_runner.cc); capture_test resumes from it"},
      {"plugin.name", "only its default, pgoutput, is accepted: there is no other value to try"},
      {"dialect.name",
       "only PostgreSqlDatabaseDialect (or empty) is accepted: both mean what "
       "walrelay does"},
      {"schema.registry.basic.auth.user.info",
       "basic.auth.user.info's other name, used when that one is unset; with USER_INFO one of "
       "them is required, so no config has it without effect or without the other "
       "(registry_client_test OptionsFromProperties)"},
      {"predicates",
       "defines names that act only through transforms.<alias>.predicate, which fails without "
       "them (transform_chain_test)"},
      {"key.converter.*", "the converter's options: walked below, per converter class"},
      {"value.converter.*", "the converter's options: walked below, per converter class"},
      {"transforms.*", "each transform's settings, checked by the transform (transforms/*_test)"},
      {"predicates.*", "each predicate's settings, checked by the predicate (transforms/*_test)"},
      // The worker's Kafka client settings, kept for the kafka layer.
      {"sasl.*",
       "every worker client's settings: WorkerConfig::client_common (worker_config_test)"},
      {"ssl.*", "every worker client's settings: WorkerConfig::client_common (worker_config_test)"},
      {"producer.*", "WorkerConfig::producer, for the producers (worker_config_test)"},
      {"consumer.*", "WorkerConfig::consumer, for the consumers (worker_config_test)"},
      {"admin.*", "WorkerConfig::admin, for the admin clients (worker_config_test)"},
      // KIP-605: topic-level settings of the internal topics.
      {"config.storage.*",
       "StorageTopic::configs, set on creation (worker_config_test, "
       "kafka_failover_test)"},
      {"offset.storage.*",
       "StorageTopic::configs, set on creation (worker_config_test, "
       "kafka_failover_test)"},
      {"status.storage.*",
       "StorageTopic::configs, set on creation (worker_config_test, "
       "kafka_failover_test)"},
  };
  return *m;
}

// A value to try and the properties it needs (set on both sides; kErase removes one).
struct Candidate {
  std::string value;
  Props context;
};

// Values for properties whose type alone does not suggest one.
std::optional<Candidate> KnownCandidate(const std::string& section, const std::string& name) {
  const bool debezium_sink = section == config::kDebeziumJdbcSinkClass;
  const std::string pk_mode = debezium_sink ? "primary.key.mode" : "pk.mode";
  static const auto* const simple = new std::map<std::string, Candidate>{
      {"database.server.name", {"p1", {{"topic.prefix", kErase}, {"database.server.name", "p0"}}}},
      {"schema.include.list", {"inventory", {}}},
      {"schema.exclude.list", {"public", {}}},
      {"table.include.list", {"inventory\\.t", {}}},
      {"table.exclude.list", {"public\\.t", {}}},
      {"column.include.list", {"public\\.t\\.secret", {}}},
      {"column.exclude.list", {"public\\.t\\.c", {}}},
      {"message.key.columns", {"public.t:id", {}}},
      {"connection.url", {"jdbc:postgresql://h2/db", {}}},
      {"topics.regex", {"b.*", {{"topics", kErase}, {"topics.regex", "a.*"}}}},
      {"key.converter", {convert::kStringConverterClass, {}}},
      {"value.converter", {convert::kByteArrayConverterClass, {}}},
      {"transforms", {"f", {{"transforms.f.type", "org.apache.kafka.connect.transforms.Filter"}}}},
      {"listeners", {"http://127.0.0.1:9999", {}}},
      {"schema.registry.listeners", {"http://127.0.0.1:9998", {}}},
      {"rest.extension.classes",
       {runtime::kBasicAuthExtensionClass, {{"rest.basic.auth.jaas.config", "/jaas"}}}},
      // AvroConverter's, read under value.converter. (the section's context sets the URL).
      {"schema.registry.url", {"http://other:8081", {}}},
      {"basic.auth.credentials.source",
       {"USER_INFO", {{"value.converter.basic.auth.user.info", "u:p"}}}},
      {"basic.auth.user.info",
       {"u:p",
        {{"value.converter.basic.auth.credentials.source", "USER_INFO"},
         {"value.converter.schema.registry.basic.auth.user.info", "a:b"}}}},
      {"latest.cache.ttl.sec", {"60", {}}},
      {"key.subject.name.strategy",
       {"io.confluent.kafka.serializers.subject.RecordNameStrategy", {}}},
      {"value.subject.name.strategy",
       {"io.confluent.kafka.serializers.subject.TopicRecordNameStrategy", {}}},
  };
  if (auto it = simple->find(name); it != simple->end()) return it->second;
  if (name == "insert.mode") return Candidate{"upsert", {{pk_mode, "record_value"}}};
  if (name == "delete.enabled") return Candidate{"true", {{pk_mode, "record_key"}}};
  return std::nullopt;
}

// A valid value other than the default, from the property's type.
std::optional<Candidate> CandidateFor(const std::string& section, const config::PropertyDef& def) {
  if (auto known = KnownCandidate(section, def.name)) return known;
  const std::string dflt = def.default_value.value_or("");
  switch (def.type) {
    case config::ConfigType::kBoolean:
      return Candidate{config::EqualsIgnoreCase(dflt, "true") ? "false" : "true", {}};
    case config::ConfigType::kChoice:
    case config::ConfigType::kList:
      for (const std::string& a : def.allowed) {
        if (!config::EqualsIgnoreCase(a, dflt)) return Candidate{a, {}};
      }
      if (def.type == config::ConfigType::kChoice) return std::nullopt;
      return Candidate{"walrelay_x", {}};
    case config::ConfigType::kInt:
    case config::ConfigType::kLong: {
      std::optional<int64_t> d = config::ParseInt64(dflt);
      return Candidate{std::to_string(d ? *d + 1 : 7), {}};
    }
    case config::ConfigType::kDouble:
      return Candidate{"0.5", {}};
    case config::ConfigType::kString:
    case config::ConfigType::kPassword:
      return Candidate{dflt == "walrelay_x" ? "walrelay_y" : "walrelay_x", {}};
  }
  return std::nullopt;
}

// What the running code is built from, for one connector config.
struct Parsed {
  std::optional<source::PostgresSourceConfig> source;
  std::vector<bool> filter;  // TableFilter decisions on sample names
  std::optional<sink::SinkConfig> sink;
  std::optional<convert::ConverterSettings> key_converter, value_converter;
  std::optional<runtime::ErrorPolicy> errors;
  size_t transforms = 0;
  std::optional<runtime::WorkerConfig> worker;
};

bool Same(const Parsed& a, const Parsed& b) {
  auto same_opt = [](const auto& x, const auto& y) {
    if (!x || !y) return x.has_value() == y.has_value();
    return testing::SameMembers(*x, *y);
  };
  return same_opt(a.source, b.source) && a.filter == b.filter && same_opt(a.sink, b.sink) &&
         same_opt(a.key_converter, b.key_converter) &&
         same_opt(a.value_converter, b.value_converter) && same_opt(a.errors, b.errors) &&
         a.transforms == b.transforms && same_opt(a.worker, b.worker);
}

// Parses `c` as the code does; an error is returned as text.
Result<Parsed> Parse(const ConnectorConfig& c) {
  std::vector<std::string> warnings;
  Parsed p;
  if (c.name == kWorkerName) {
    WR_ASSIGN_OR_RETURN(p.worker, runtime::WorkerConfig::Parse(c.props, c.file, &warnings));
    return p;
  }
  if (c.Get("connector.class", "") == config::kPostgresConnectorClass) {
    WR_RETURN_IF_ERROR(config::ValidateConnector(c, &warnings));
    WR_ASSIGN_OR_RETURN(p.source, source::PostgresSourceConfig::Parse(c));
    WR_ASSIGN_OR_RETURN(config::TableFilter filter, config::TableFilter::Create(c));
    for (const char* schema : {"public", "inventory"}) {
      p.filter.push_back(filter.IncludeSchema(schema));
      p.filter.push_back(filter.IncludeTable(schema, "t"));
      for (const char* column : {"c", "secret"}) {
        p.filter.push_back(filter.IncludeColumn(schema, "t", column));
      }
    }
  } else if (config::FindConnectorDef(c.Get("connector.class", "")) != nullptr) {
    WR_RETURN_IF_ERROR(config::ValidateConnector(c, &warnings));
    WR_ASSIGN_OR_RETURN(sink::SinkFlavor flavor,
                        sink::FlavorFromClass(c.Get("connector.class", "")));
    WR_ASSIGN_OR_RETURN(p.sink, sink::SinkConfig::Parse(flavor, c.props));
  }
  WR_ASSIGN_OR_RETURN(p.key_converter, convert::ConverterSettings::Parse(c, true, &warnings));
  WR_ASSIGN_OR_RETURN(p.value_converter, convert::ConverterSettings::Parse(c, false, &warnings));
  WR_ASSIGN_OR_RETURN(p.errors, runtime::ErrorPolicy::Parse(c));
  WR_ASSIGN_OR_RETURN(auto chain, transforms::TransformChain::Create(c.props));
  p.transforms = chain.size();
  return p;
}

ConnectorConfig Base(const std::string& section) {
  if (section == runtime::kWorkerSectionTitle) {
    return ConnectorConfig{kWorkerName,
                           "w.properties",
                           {{"group.id", "g"},
                            {"config.storage.topic", "c"},
                            {"offset.storage.topic", "o"},
                            {"status.storage.topic", "s"},
                            {"key.converter", convert::kJsonConverterClass},
                            {"value.converter", convert::kJsonConverterClass}}};
  }
  ConnectorConfig c{"c", "c.json", {{"name", "c"}}};
  if (section == config::kConfluentJdbcSinkClass || section == config::kDebeziumJdbcSinkClass) {
    c.props["connector.class"] = section;
    c.props["connection.url"] = "jdbc:postgresql://h/db";
    c.props["topics"] = "t";
  } else {
    c.props["connector.class"] = config::kPostgresConnectorClass;
    c.props["database.hostname"] = "h";
    c.props["database.user"] = "u";
    c.props["database.dbname"] = "d";
    c.props["topic.prefix"] = "p";
  }
  return c;
}

void Apply(const Props& props, ConnectorConfig* c) {
  for (const auto& [k, v] : props) {
    if (v == kErase) {
      c->props.erase(k);
    } else {
      c->props[k] = v;
    }
  }
}

// Empty when `def` (in `section`, its names prefixed by `prefix` in configs) works or is
// declared; else why not.
std::string Check(const PropertySection& section, const config::PropertyDef& def,
                  const std::string& prefix, const Props& section_context) {
  std::optional<Candidate> candidate = CandidateFor(section.title, def);
  if (!candidate) return "no non-default value to try: add one to KnownCandidate";
  if (def.UnimplementedFor(candidate->value) != nullptr) return "";  // declared
  ConnectorConfig before = Base(section.title);
  Apply(section_context, &before);
  Apply(candidate->context, &before);
  ConnectorConfig after = before;
  after.props[prefix + def.name] = candidate->value;
  auto a = Parse(before);
  if (!a.ok()) return "the config without it does not parse: " + a.status().message();
  auto b = Parse(after);
  if (!b.ok()) {
    // Refused: the message must say so and name the property.
    const std::string& m = b.status().message();
    if (m.find("not supported yet") != std::string::npos &&
        m.find(prefix + def.name) != std::string::npos) {
      return "";
    }
    return "value '" + candidate->value + "' does not parse: " + m;
  }
  if (Same(*a, *b)) {
    return "setting it to '" + candidate->value +
           "' changes nothing the code is built from: implement it, declare it unimplemented "
           "(PropertyDef::NotImplemented) or list where its effect is (EffectElsewhere)";
  }
  return "";
}

TEST(PropertiesCommandTest, EveryPropertyWorksOrIsDeclaredUnimplemented) {
  int checked = 0, declared = 0;
  for (const PropertySection& section : PropertySections()) {
    SCOPED_TRACE(section.title);
    // Converter sections: their options are read under value.converter.<option>.
    std::string prefix;
    Props context;
    for (const std::string& cls : convert::SupportedConverterClasses()) {
      if (section.title.rfind(cls + " ", 0) == 0) {
        prefix = "value.converter.";
        context["value.converter"] = cls;
        if (cls == convert::kAvroConverterClass) {
          context["value.converter.schema.registry.url"] = "http://registry:8081";
        }
      }
    }
    for (const config::PropertyDef& def : section.def->properties()) {
      if (EffectElsewhere().count(def.name)) continue;
      if (def.unimplemented) {
        EXPECT_FALSE(def.unimplemented->instead.empty()) << def.name << ": say what happens";
        ++declared;
      }
      std::string problem = Check(section, def, prefix, context);
      EXPECT_EQ(problem, "") << def.name;
      ++checked;
    }
    for (const auto& p : section.def->prefixes()) {
      const std::string name = p.prefix + "*";
      EXPECT_TRUE(p.unimplemented || EffectElsewhere().count(name) || p.doc.empty())
          << name << " is accepted by prefix with no note and no place where it acts";
    }
  }
  EXPECT_GT(checked, 100);
  EXPECT_GT(declared, 10);
}

// The walk above would pass vacuously if comparing could not see a change: it must.
TEST(PropertiesCommandTest, ComparisonSeesChanges) {
  auto a = Parse(Base(config::kPostgresConnectorClass));
  ConnectorConfig c = Base(config::kPostgresConnectorClass);
  c.props["heartbeat.action.query"] = "select 1";
  auto b = Parse(c);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(Same(*a, *a));
  EXPECT_FALSE(Same(*a, *b));
  // A property nothing reads is caught (a stand-in def, since every real one works).
  config::ConfigDef def("test");
  def.Define(config::IntProp("max.queue.size", 8192, "Declared unimplemented in the real def."));
  PropertySection section{
      config::kPostgresConnectorClass,
      std::shared_ptr<const config::ConfigDef>(std::shared_ptr<const config::ConfigDef>(), &def)};
  EXPECT_NE(Check(section, def.properties()[0], "", {}).find("changes nothing"), std::string::npos);
}

TEST(PropertiesCommandTest, ListsEverySection) {
  std::vector<std::string> titles;
  for (const PropertySection& s : PropertySections()) titles.push_back(s.title);
  ASSERT_EQ(titles.size(), 9u);
  EXPECT_EQ(titles[3], "Kafka Connect framework properties (every connector)");
  EXPECT_EQ(titles[5],
            "org.apache.kafka.connect.storage.StringConverter (options: "
            "key.converter.<option>, value.converter.<option>)");
  EXPECT_EQ(titles[7],
            "io.confluent.connect.avro.AvroConverter (options: "
            "key.converter.<option>, value.converter.<option>)");
  EXPECT_EQ(titles[8], runtime::kWorkerSectionTitle);
}

}  // namespace
}  // namespace walrelay::cli
