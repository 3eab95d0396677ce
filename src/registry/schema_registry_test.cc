#include "registry/schema_registry.h"

#include <gtest/gtest.h>

#include "registry/fake_schema_checker.h"

namespace walrelay::registry {
namespace {

constexpr const char* kV1 = R"({"fields":[{"name":"a"}]})";
constexpr const char* kV2 = R"({"fields":[{"name":"a"},{"name":"b","default":0}]})";
constexpr const char* kNoDefault = R"({"fields":[{"name":"a"},{"name":"c"}]})";

RegisterRequest Req(const std::string& schema, const std::string& type = "AVRO") {
  RegisterRequest request;
  request.schema = schema;
  request.schema_type = type;
  return request;
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  RegisteredVersion MustRegister(const std::string& subject, const std::string& schema) {
    Reply<RegisteredVersion> reply = registry_.Register(subject, Req(schema));
    EXPECT_TRUE(reply.ok()) << (reply.ok() ? "" : reply.error().message);
    return reply.ok() ? reply.value() : RegisteredVersion{};
  }
  int ErrorCode(const auto& reply) { return reply.ok() ? 0 : reply.error().error_code; }

  FakeSchemaChecker checker_;
  RegistryState state_{&checker_};
  InMemoryRecordLog log_{&state_};
  SchemaRegistry registry_{&state_, &log_, &checker_};
};

TEST(ParseVersionIdTest, AcceptsLatestMinusOneAndPositiveInts) {
  EXPECT_EQ(ParseVersionId("latest").value(), kLatestVersion);
  EXPECT_EQ(ParseVersionId("-1").value(), kLatestVersion);
  EXPECT_EQ(ParseVersionId("7").value(), 7);
  for (const char* bad : {"0", "-2", "x", "", "1.5", "2147483648", "Latest"}) {
    Reply<int> reply = ParseVersionId(bad);
    ASSERT_FALSE(reply.ok()) << bad;
    EXPECT_EQ(reply.error().error_code, error_code::kInvalidVersion);
    EXPECT_EQ(reply.error().http_status(), 422);
  }
  EXPECT_EQ(ParseVersionId("x").error().message,
            "The specified version 'x' is not a valid version id. Allowed values are between "
            "[1, 2^31-1] and the string \"latest\"");
}

TEST_F(SchemaRegistryTest, RegisterIsIdempotentAndWritesOneRecord) {
  RegisteredVersion first = MustRegister("s", kV1);
  EXPECT_EQ(first.id, 1);
  EXPECT_EQ(first.version, 1);
  // Same schema, other spacing: same canonical form, no new version, no new record.
  RegisteredVersion again = MustRegister("s", R"({"fields": [ {"name": "a"} ]})");
  EXPECT_EQ(again.id, 1);
  EXPECT_EQ(again.version, 1);
  ASSERT_EQ(log_.records().size(), 1u);
  EXPECT_EQ(log_.records()[0].key, R"({"keytype":"SCHEMA","subject":"s","version":1,"magic":1})");
  EXPECT_EQ(*log_.records()[0].value,
            R"({"subject":"s","version":1,"id":1,"schema":"{\"fields\":[{\"name\":\"a\"}]}",)"
            R"("deleted":false})");
}

TEST_F(SchemaRegistryTest, IdenticalSchemaUnderAnotherSubjectReusesTheId) {
  EXPECT_EQ(MustRegister("a", kV1).id, 1);
  EXPECT_EQ(MustRegister("b", kV2).id, 2);
  RegisteredVersion shared = MustRegister("b", kV1);
  EXPECT_EQ(shared.id, 1);
  EXPECT_EQ(shared.version, 2);
  // Same text but another type is another schema.
  Reply<RegisteredVersion> json = registry_.Register("c", Req(kV1, "JSON"));
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json.value().id, 3);
}

TEST_F(SchemaRegistryTest, AReusedIdKeepsItsStoredText) {
  // Written by another registry, formatted its own way.
  SchemaValue value;
  value.subject = "a";
  value.version = 1;
  value.id = 4;
  value.schema = R"({ "fields": [ { "name": "a" } ] })";
  ASSERT_TRUE(log_.Append(SchemaKeyJson("a", 1), ToJson(value)).ok());
  RegisteredVersion shared = MustRegister("b", kV1);
  EXPECT_EQ(shared.id, 4);
  EXPECT_EQ(registry_.GetVersion("b", 1, false).value().schema->text, value.schema);
  EXPECT_EQ(MustRegister("c", kV2).id, 5);
}

TEST_F(SchemaRegistryTest, CompatibilityIsCheckedAtTheEffectiveLevel) {
  MustRegister("s", kV1);
  Reply<RegisteredVersion> refused = registry_.Register("s", Req(kNoDefault));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_code, error_code::kIncompatibleSchema);
  EXPECT_EQ(refused.error().http_status(), 409);
  EXPECT_EQ(refused.error().message,
            "Schema being registered is incompatible with an earlier schema for subject \"s\", "
            "details: [field 'c' added without a default, {validateFields: 'false', "
            "compatibility: 'BACKWARD'}]");
  EXPECT_EQ(log_.records().size(), 1u);

  // A subject-level NONE wins over the global BACKWARD.
  ASSERT_TRUE(registry_.SetConfig("s", "none").ok());
  EXPECT_EQ(MustRegister("s", kNoDefault).version, 2);
  // Global FORWARD applies to a subject without its own level.
  ASSERT_TRUE(registry_.SetConfig(std::nullopt, "FORWARD").ok());
  MustRegister("t", kV2);
  EXPECT_EQ(ErrorCode(registry_.Register("t", Req(kV1))), error_code::kIncompatibleSchema);
}

TEST_F(SchemaRegistryTest, InvalidSchemasAndTypesAre42201) {
  Reply<RegisteredVersion> bad = registry_.Register("s", Req("{not json"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().error_code, error_code::kInvalidSchema);
  EXPECT_NE(bad.error().message.find("not JSON"), std::string::npos);
  EXPECT_EQ(ErrorCode(registry_.Register("s", Req(""))), error_code::kInvalidSchema);
  EXPECT_EQ(registry_.Register("s", Req(kV1, "PROTOBUF")).error().message,
            "Invalid schema type PROTOBUF");
  RegisterRequest missing_ref = Req(kV1);
  missing_ref.references = {{"X", "nope", 1}};
  EXPECT_EQ(ErrorCode(registry_.Register("s", missing_ref)), error_code::kInvalidSchema);
}

TEST_F(SchemaRegistryTest, SoftThenPermanentDeleteOfAVersion) {
  MustRegister("s", kV1);
  MustRegister("s", kV2);
  // Permanent first: 40407.
  Reply<int> early = registry_.DeleteVersion("s", 1, true);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().error_code, error_code::kVersionNotSoftDeleted);
  EXPECT_EQ(early.error().message,
            "Subject 's' Version 1 was not deleted first before being permanently deleted");
  ASSERT_TRUE(registry_.DeleteVersion("s", 1, false).ok());
  Reply<int> twice = registry_.DeleteVersion("s", 1, false);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().error_code, error_code::kVersionSoftDeleted);
  EXPECT_EQ(twice.error().message,
            "Subject 's' Version 1 was soft deleted.Set permanent=true to delete permanently");
  EXPECT_EQ(ErrorCode(registry_.GetVersion("s", 1, false)), error_code::kVersionNotFound);
  EXPECT_TRUE(registry_.GetVersion("s", 1, true).ok());
  EXPECT_EQ(registry_.DeleteVersion("s", 1, true).value(), 1);
  EXPECT_EQ(ErrorCode(registry_.GetVersion("s", 1, true)), error_code::kVersionNotFound);
  EXPECT_EQ(ErrorCode(registry_.DeleteVersion("s", 9, false)), error_code::kVersionNotFound);
  EXPECT_EQ(ErrorCode(registry_.DeleteVersion("nope", 1, false)), error_code::kSubjectNotFound);
  // The soft delete wrote the value again with deleted=true; the permanent one a tombstone.
  std::vector<InMemoryRecordLog::Record> records = log_.records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_NE(records[2].value->find("\"deleted\":true"), std::string::npos);
  EXPECT_FALSE(records[3].value.has_value());
}

TEST_F(SchemaRegistryTest, ReRegisteringASoftDeletedSchemaMakesANewVersionWithTheSameId) {
  MustRegister("s", kV1);
  ASSERT_TRUE(registry_.DeleteVersion("s", 1, false).ok());
  RegisteredVersion again = MustRegister("s", kV1);
  EXPECT_EQ(again.id, 1);
  EXPECT_EQ(again.version, 2);
  // The superseded soft-deleted version was tombstoned, as Confluent does.
  EXPECT_FALSE(state_.Get("s", 1, true));
}

TEST_F(SchemaRegistryTest, SubjectDeletes) {
  MustRegister("s", kV1);
  MustRegister("s", kV2);
  ASSERT_TRUE(registry_.SetConfig("s", "FULL").ok());
  EXPECT_EQ(ErrorCode(registry_.DeleteSubject("s", true)), error_code::kSubjectNotSoftDeleted);
  Reply<std::vector<int>> soft = registry_.DeleteSubject("s", false);
  ASSERT_TRUE(soft.ok());
  EXPECT_EQ(soft.value(), (std::vector<int>{1, 2}));
  EXPECT_EQ(log_.records().back().key, DeleteSubjectKeyJson("s"));
  EXPECT_EQ(*log_.records().back().value, R"({"subject":"s","version":2})");
  Reply<std::vector<int>> again = registry_.DeleteSubject("s", false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().error_code, error_code::kSubjectSoftDeleted);
  EXPECT_EQ(again.error().http_status(), 404);
  EXPECT_EQ(registry_.ListSubjects(Deleted::kExclude, ""), std::vector<std::string>{});
  EXPECT_EQ(registry_.ListSubjects(Deleted::kInclude, ""), std::vector<std::string>{"s"});
  EXPECT_EQ(registry_.ListSubjects(Deleted::kOnly, ""), std::vector<std::string>{"s"});
  EXPECT_EQ(registry_.ListVersions("s", Deleted::kOnly).value(), (std::vector<int>{1, 2}));
  EXPECT_EQ(ErrorCode(registry_.ListVersions("s", Deleted::kExclude)),
            error_code::kSubjectNotFound);

  Reply<std::vector<int>> permanent = registry_.DeleteSubject("s", true);
  ASSERT_TRUE(permanent.ok());
  EXPECT_EQ(permanent.value(), (std::vector<int>{1, 2}));
  EXPECT_EQ(ErrorCode(registry_.DeleteSubject("s", true)), error_code::kSubjectNotFound);
  // The subject's config went with it.
  EXPECT_FALSE(state_.Config("s"));
  // Versions start again at 1; ids do not repeat.
  RegisteredVersion fresh = MustRegister("s", R"({"fields":[{"name":"z"}]})");
  EXPECT_EQ(fresh.version, 1);
  EXPECT_EQ(fresh.id, 3);
}

TEST_F(SchemaRegistryTest, LookupAndGet) {
  MustRegister("s", kV1);
  Reply<StoredSchema> found = registry_.Lookup("s", Req(kV1), false);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found.value().version, 1);
  EXPECT_EQ(ErrorCode(registry_.Lookup("s", Req(kV2), false)), error_code::kSchemaNotFound);
  EXPECT_EQ(registry_.Lookup("s", Req(kV2), false).error().message, "Schema not found");
  EXPECT_EQ(ErrorCode(registry_.Lookup("t", Req(kV1), false)), error_code::kSubjectNotFound);
  EXPECT_EQ(registry_.Lookup("t", Req(kV1), false).error().message, "Subject 't' not found.");
  EXPECT_EQ(ErrorCode(registry_.Lookup("s", Req("{"), false)), error_code::kInvalidSchema);
  EXPECT_EQ(registry_.GetVersion("s", kLatestVersion, false).value().version, 1);
  EXPECT_EQ(registry_.GetVersion("s", 2, false).error().message, "Version 2 not found.");
  EXPECT_EQ(registry_.GetById(1, std::nullopt).value().subject, "s");
  EXPECT_EQ(registry_.GetById(42, std::nullopt).error().message, "Schema 42 not found");
}

TEST_F(SchemaRegistryTest, ReadOnlyModeRefusesWrites) {
  MustRegister("s", kV1);
  ASSERT_TRUE(registry_.SetMode("s", "readonly", false).ok());
  Reply<RegisteredVersion> refused = registry_.Register("s", Req(kV2));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_code, error_code::kOperationNotPermitted);
  EXPECT_EQ(refused.error().message, "Subject s is in read-only mode");
  EXPECT_EQ(ErrorCode(registry_.DeleteVersion("s", 1, false)), error_code::kOperationNotPermitted);
  EXPECT_EQ(ErrorCode(registry_.DeleteSubject("s", false)), error_code::kOperationNotPermitted);
  EXPECT_EQ(ErrorCode(registry_.SetConfig("s", "NONE")), error_code::kOperationNotPermitted);
  // Other subjects are unaffected; the subject's mode can be removed.
  MustRegister("t", kV1);
  EXPECT_EQ(registry_.DeleteMode("s").value(), "READONLY");
  MustRegister("s", kV2);
}

TEST_F(SchemaRegistryTest, ImportModeTakesIdsAndVersions) {
  MustRegister("s", kV1);
  Reply<std::string> refused = registry_.SetMode(std::nullopt, "IMPORT", false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "Cannot import since found existing subjects");
  ASSERT_TRUE(registry_.SetMode("imported", "IMPORT", false).ok());
  RegisterRequest request = Req(kNoDefault);
  request.id = 100;
  request.version = 5;
  Reply<RegisteredVersion> imported = registry_.Register("imported", request);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported.value().id, 100);
  EXPECT_EQ(imported.value().version, 5);
  EXPECT_EQ(state_.NextId(), 101);
  // An imported version does not overwrite one that exists.
  RegisterRequest overwrite = Req(kV2);
  overwrite.id = 101;
  overwrite.version = 5;
  EXPECT_EQ(registry_.Register("imported", overwrite).error().message,
            "Overwrite of subject 'imported' version 5 is not permitted.");
  // An id that another schema has is refused; a registration without id is not import.
  RegisterRequest clash = Req(kV2);
  clash.id = 1;
  EXPECT_EQ(ErrorCode(registry_.Register("imported", clash)), error_code::kOperationNotPermitted);
  EXPECT_EQ(registry_.Register("imported", Req(kV2)).error().message,
            "Subject imported is not in read-write mode");
  // An id outside import mode is refused.
  RegisterRequest with_id = Req(kV2);
  with_id.id = 7;
  EXPECT_EQ(registry_.Register("s", with_id).error().message, "Subject s is not in import mode");
}

TEST_F(SchemaRegistryTest, ConfigAndModeGetSetDelete) {
  EXPECT_EQ(registry_.GetConfig(std::nullopt, false).value(), "BACKWARD");
  Reply<std::string> none = registry_.GetConfig("s", false);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().error_code, error_code::kSubjectConfigNotConfigured);
  EXPECT_EQ(none.error().message,
            "Subject 's' does not have subject-level compatibility configured");
  EXPECT_EQ(registry_.GetConfig("s", true).value(), "BACKWARD");
  EXPECT_EQ(registry_.SetConfig("s", "full_Transitive").value(), "FULL_TRANSITIVE");
  EXPECT_EQ(registry_.GetConfig("s", false).value(), "FULL_TRANSITIVE");
  EXPECT_EQ(ErrorCode(registry_.SetConfig("s", "SIDEWAYS")),
            error_code::kInvalidCompatibilityLevel);
  EXPECT_EQ(registry_.DeleteConfig("s").value(), "FULL_TRANSITIVE");
  EXPECT_EQ(ErrorCode(registry_.DeleteConfig("s")), error_code::kSubjectNotFound);
  EXPECT_EQ(registry_.SetConfig(std::nullopt, "NONE").value(), "NONE");
  EXPECT_EQ(registry_.DeleteConfig(std::nullopt).value(), "NONE");
  EXPECT_EQ(registry_.GetConfig(std::nullopt, false).value(), "BACKWARD");

  EXPECT_EQ(registry_.GetMode(std::nullopt, false).value(), "READWRITE");
  EXPECT_EQ(ErrorCode(registry_.GetMode("s", false)), error_code::kSubjectModeNotConfigured);
  EXPECT_EQ(registry_.GetMode("s", true).value(), "READWRITE");
  EXPECT_EQ(ErrorCode(registry_.SetMode("s", "FORWARD", false)), error_code::kInvalidMode);
  EXPECT_EQ(ErrorCode(registry_.SetMode("s", "bogus", false)), error_code::kInvalidMode);
}

TEST_F(SchemaRegistryTest, CompatibilityTests) {
  MustRegister("s", kV1);
  MustRegister("s", kV2);
  Reply<CompatibilityResult> ok = registry_.TestCompatibility("s", kLatestVersion, Req(kV2), false);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok.value().compatible);
  Reply<CompatibilityResult> bad = registry_.TestCompatibility("s", 1, Req(kNoDefault), true);
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad.value().compatible);
  EXPECT_EQ(bad.value().messages,
            (std::vector<std::string>{"field 'c' added without a default",
                                      "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
  EXPECT_EQ(ErrorCode(registry_.TestCompatibility("s", 9, Req(kV1), false)),
            error_code::kVersionNotFound);
  // Against a subject with no versions: compatible.
  EXPECT_TRUE(
      registry_.TestCompatibility("new", kLatestVersion, Req(kV1), false).value().compatible);
  EXPECT_TRUE(registry_.TestCompatibility("new", std::nullopt, Req(kV1), false).value().compatible);
  // An unparsable schema: 42201, or an incompatible verbose answer naming the problem.
  EXPECT_EQ(ErrorCode(registry_.TestCompatibility("s", std::nullopt, Req("{"), false)),
            error_code::kInvalidSchema);
  Reply<CompatibilityResult> verbose =
      registry_.TestCompatibility("s", std::nullopt, Req("{"), true);
  ASSERT_TRUE(verbose.ok());
  EXPECT_FALSE(verbose.value().compatible);
  ASSERT_EQ(verbose.value().messages.size(), 1u);
}

TEST_F(SchemaRegistryTest, ReferencesBlockDeletes) {
  MustRegister("base", kV1);
  RegisterRequest top = Req(kV2);
  top.references = {{"Base", "base", 1}};
  ASSERT_TRUE(registry_.Register("top", top).ok());
  Reply<int> refused = registry_.DeleteVersion("base", 1, false);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().error_code, error_code::kReferenceExists);
  EXPECT_EQ(refused.error().message,
            "One or more references exist to the schema "
            "{magic=1,keytype=SCHEMA,subject=base,version=1}.");
  EXPECT_EQ(registry_.ReferencedBy("base", 1).value(), std::vector<int>{2});
  EXPECT_EQ(ErrorCode(registry_.DeleteSubject("base", false)), error_code::kReferenceExists);
}

TEST_F(SchemaRegistryTest, AFailingLogIsAStoreError) {
  class FailingLog : public RecordLog {
   public:
    Status Append(std::string, std::optional<std::string>) override {
      return RetryError("broker unavailable");
    }
  } failing;
  SchemaRegistry registry(&state_, &failing, &checker_);
  Reply<RegisteredVersion> reply = registry.Register("s", Req(kV1));
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().error_code, error_code::kStoreError);
  EXPECT_EQ(reply.error().http_status(), 500);
  EXPECT_NE(reply.error().message.find("broker unavailable"), std::string::npos);
}

TEST_F(SchemaRegistryTest, ReplayingTheLogRebuildsTheSameState) {
  MustRegister("a", kV1);
  MustRegister("a", kV2);
  MustRegister("b", kV1);
  ASSERT_TRUE(registry_.DeleteVersion("a", 1, false).ok());
  ASSERT_TRUE(registry_.SetConfig("b", "NONE").ok());
  RegistryState replayed(&checker_);
  for (const auto& record : log_.records())
    ASSERT_TRUE(replayed.Apply(record.key, record.value).ok());
  EXPECT_EQ(replayed.Subjects(true), state_.Subjects(true));
  EXPECT_EQ(replayed.Versions("a", true).size(), 2u);
  EXPECT_TRUE(replayed.Get("a", 1, true)->deleted);
  EXPECT_EQ(replayed.Config("b"), "NONE");
  EXPECT_EQ(replayed.NextId(), state_.NextId());
}

}  // namespace
}  // namespace walrelay::registry
