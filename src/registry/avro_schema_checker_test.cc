#include "registry/avro_schema_checker.h"

#include <gtest/gtest.h>

#include <string>

#include "registry/registry_state.h"
#include "registry/schema_registry.h"

namespace walrelay::registry {
namespace {

constexpr const char* kV1 =
    R"({"type":"record","name":"Value","namespace":"server.public.debezium_table",)"
    R"("fields":[{"name":"id","type":"int"},{"name":"current_value","type":["null","int"],)"
    R"("default":null}]})";
// The seed's ALTER TABLE ... ADD COLUMN extra1 int null default 10, as Debezium's Avro has it.
constexpr const char* kV2 =
    R"({"type":"record","name":"Value","namespace":"server.public.debezium_table",)"
    R"("fields":[{"name":"id","type":"int"},{"name":"current_value","type":["null","int"],)"
    R"("default":null},{"name":"extra1","type":["null","int"],"default":null}]})";
// Dropping the id column: old readers need it and have no default for it, which FORWARD forbids.
constexpr const char* kDropsId =
    R"({"type":"record","name":"Value","namespace":"server.public.debezium_table",)"
    R"("fields":[{"name":"current_value","type":["null","int"],"default":null}]})";

TEST(AvroSchemaCheckerTest, StoresAvroJavasTextAndRefusesWhatAvroRefuses) {
  AvroSchemaChecker checker;
  Result<ParsedSchema> p = checker.Parse("AVRO", R"({ "type" : "string" })");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->text, "\"string\"");
  EXPECT_EQ(p->canonical, p->text);
  Result<ParsedSchema> bad = checker.Parse("AVRO", R"({"type":"record","name":"r"})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(checker.Parse("PROTOBUF", "syntax = \"proto3\";").status().kind(),
            ErrorKind::kInvalidArgument);
}

TEST(AvroSchemaCheckerTest, TheSeedsForwardTransitiveLevelAcceptsAnAddedNullableColumn) {
  AvroSchemaChecker checker;
  RegistryState state(&checker);
  InMemoryRecordLog log(&state);
  SchemaRegistry registry(&state, &log, &checker);
  ASSERT_TRUE(registry.SetConfig(std::nullopt, "forward_transitive").ok());
  auto request = [](const char* schema) {
    RegisterRequest r;
    r.schema = schema;
    return r;
  };
  Reply<RegisteredVersion> r1 =
      registry.Register("server.public.debezium_table-value", request(kV1));
  ASSERT_TRUE(r1.ok());
  Reply<RegisteredVersion> r2 =
      registry.Register("server.public.debezium_table-value", request(kV2));
  ASSERT_TRUE(r2.ok()) << r2.error().message;
  EXPECT_EQ(r2.value().version, 2);

  Reply<RegisteredVersion> refused =
      registry.Register("server.public.debezium_table-value", request(kDropsId));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_code, error_code::kIncompatibleSchema);
  const std::string& m = refused.error().message;
  EXPECT_NE(m.find("server.public.debezium_table-value"), std::string::npos) << m;
  EXPECT_NE(m.find("READER_FIELD_MISSING_DEFAULT_VALUE"), std::string::npos) << m;
  EXPECT_NE(m.find("compatibility: 'FORWARD_TRANSITIVE'"), std::string::npos) << m;
  // The closing settings entry appears once.
  EXPECT_EQ(m.find("validateFields"), m.rfind("validateFields")) << m;
}

}  // namespace
}  // namespace walrelay::registry
