#include "registry/registry_state.h"

#include <gtest/gtest.h>

#include "registry/fake_schema_checker.h"

namespace walrelay::registry {
namespace {

std::string SchemaRecord(const std::string& subject, int version, int id, const std::string& schema,
                         bool deleted = false) {
  SchemaValue value;
  value.subject = subject;
  value.version = version;
  value.id = id;
  value.schema = schema;
  value.deleted = deleted;
  return ToJson(value);
}

class RegistryStateTest : public ::testing::Test {
 protected:
  void Apply(const std::string& key, const std::optional<std::string>& value) {
    Status status = state_.Apply(key, value);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  void AddSchema(const std::string& subject, int version, int id, const std::string& schema,
                 bool deleted = false) {
    Apply(SchemaKeyJson(subject, version), SchemaRecord(subject, version, id, schema, deleted));
  }
  std::vector<int> VersionNumbers(const std::string& subject, bool include_deleted) {
    std::vector<int> out;
    for (const StoredSchema& s : state_.Versions(subject, include_deleted)) {
      out.push_back(s.version);
    }
    return out;
  }

  FakeSchemaChecker checker_;
  RegistryState state_{&checker_};
};

TEST_F(RegistryStateTest, ReplaysSchemasInTopicOrder) {
  Apply(NoopKeyJson(), std::nullopt);
  AddSchema("a", 1, 1, R"({"type": "string"})");
  AddSchema("a", 2, 2, R"({"type":"int"})");
  AddSchema("b", 1, 1, R"({"type": "string"})");

  EXPECT_EQ(state_.Subjects(false), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(VersionNumbers("a", false), (std::vector<int>{1, 2}));
  std::optional<StoredSchema> latest = state_.Latest("a", false);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
  EXPECT_EQ(latest->id, 2);
  // The stored text is what the record holds; the canonical form is the checker's.
  std::optional<StoredSchema> first = state_.Get("a", 1, false);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->schema->text, R"({"type": "string"})");
  EXPECT_EQ(first->schema->canonical, R"({"type":"string"})");
  EXPECT_EQ(state_.NextId(), 3);
  EXPECT_EQ(state_.applied_records(), 4u);
  EXPECT_EQ(state_.VersionsOfId(1, false), (std::vector<SubjectVersion>{{"a", 1}, {"b", 1}}));
}

TEST_F(RegistryStateTest, IdsAreFoundByCanonicalFormAcrossSubjects) {
  AddSchema("a", 1, 5, R"({"type": "string"})");
  ParsedSchema same{"AVRO", "x", R"({"type":"string"})", nullptr};
  EXPECT_EQ(state_.IdOf(same, {}), 5);
  ParsedSchema other_type{"JSON", "x", R"({"type":"string"})", nullptr};
  EXPECT_FALSE(state_.IdOf(other_type, {}));
  EXPECT_FALSE(state_.IdOf(same, {{"ref", "a", 1}}));
  std::optional<StoredSchema> found = state_.Find("a", same, {}, false);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->version, 1);
  EXPECT_FALSE(state_.Find("b", same, {}, false));
}

TEST_F(RegistryStateTest, SoftDeletesHideVersionsButKeepIds) {
  AddSchema("a", 1, 1, R"({"f":1})");
  AddSchema("a", 2, 2, R"({"f":2})");
  AddSchema("a", 1, 1, R"({"f":1})", /*deleted=*/true);

  EXPECT_EQ(VersionNumbers("a", false), (std::vector<int>{2}));
  EXPECT_EQ(VersionNumbers("a", true), (std::vector<int>{1, 2}));
  EXPECT_FALSE(state_.Get("a", 1, false));
  EXPECT_TRUE(state_.Get("a", 1, true));
  EXPECT_TRUE(state_.ById(1, std::nullopt));  // Confluent still serves a soft-deleted id
  EXPECT_TRUE(state_.VersionsOfId(1, false).empty());
  EXPECT_EQ(state_.VersionsOfId(1, true).size(), 1u);

  // DELETE_SUBJECT soft deletes every version up to its watermark.
  Apply(DeleteSubjectKeyJson("a"), ToJson(DeleteSubjectValue{"a", 2}));
  EXPECT_FALSE(state_.HasSubject("a", false));
  EXPECT_TRUE(state_.HasSubject("a", true));
  EXPECT_TRUE(state_.Subjects(false).empty());
  EXPECT_EQ(state_.Subjects(true), (std::vector<std::string>{"a"}));
  std::optional<StoredSchema> latest = state_.Latest("a", true);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->version, 2);
}

TEST_F(RegistryStateTest, TombstonesRemoveVersionsAndFreeIdsButNotTheirNumbers) {
  AddSchema("a", 1, 1, R"({"f":1})");
  AddSchema("b", 1, 1, R"({"f":1})");
  AddSchema("a", 2, 2, R"({"f":2})");
  Apply(SchemaKeyJson("a", 2), std::nullopt);
  EXPECT_FALSE(state_.Get("a", 2, true));
  EXPECT_FALSE(state_.ById(2, std::nullopt));
  // A permanently deleted id is never given out again.
  EXPECT_EQ(state_.NextId(), 3);

  Apply(SchemaKeyJson("a", 1), std::nullopt);
  EXPECT_FALSE(state_.HasSubject("a", true));
  // Still held by b.
  std::optional<StoredSchema> one = state_.ById(1, std::nullopt);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->subject, "b");
  // A tombstone of something absent is harmless (compaction may replay it).
  Apply(SchemaKeyJson("zzz", 9), std::nullopt);
}

TEST_F(RegistryStateTest, ClearSubjectRemovesEveryVersion) {
  AddSchema("a", 1, 1, R"({"f":1})");
  AddSchema("a", 2, 2, R"({"f":2})");
  Apply(ClearSubjectKeyJson("a"), ToJson(ClearSubjectValue{"a"}));
  EXPECT_FALSE(state_.HasSubject("a", true));
  EXPECT_FALSE(state_.ById(1, std::nullopt));
}

TEST_F(RegistryStateTest, ConfigAndModeRecordsAndTheirTombstones) {
  Apply(ConfigKeyJson(std::nullopt), ToJson(ConfigValue{std::nullopt, "FULL"}));
  Apply(ConfigKeyJson("a"), R"({"compatibilityLevel":"NONE"})");  // legacy: no subject
  Apply(ModeKeyJson("a"), ToJson(ModeValue{"a", "READONLY"}));
  EXPECT_EQ(state_.Config(std::nullopt), "FULL");
  EXPECT_EQ(state_.Config("a"), "NONE");
  EXPECT_FALSE(state_.Config("b"));
  EXPECT_EQ(state_.Mode("a"), "READONLY");
  EXPECT_FALSE(state_.Mode(std::nullopt));

  Apply(ConfigKeyJson("a"), std::nullopt);
  Apply(ModeKeyJson("a"), std::nullopt);
  Apply(ConfigKeyJson(std::nullopt), std::nullopt);
  EXPECT_FALSE(state_.Config("a"));
  EXPECT_FALSE(state_.Mode("a"));
  EXPECT_FALSE(state_.Config(std::nullopt));
}

TEST_F(RegistryStateTest, ADifferentSchemaUnderAnUsedIdIsRefused) {
  AddSchema("a", 1, 1, R"({"f":1})");
  Status status = state_.Apply(SchemaKeyJson("b", 1), SchemaRecord("b", 1, 1, R"({"f":2})"));
  EXPECT_EQ(status.kind(), ErrorKind::kDataError);
  EXPECT_NE(status.message().find("id 1"), std::string::npos);
  EXPECT_FALSE(state_.HasSubject("b", true));
}

TEST_F(RegistryStateTest, MalformedRecordsLeaveTheStateUnchanged) {
  AddSchema("a", 1, 1, R"({"f":1})");
  EXPECT_EQ(state_.Apply("not json", std::nullopt).kind(), ErrorKind::kDataError);
  EXPECT_EQ(state_.Apply(SchemaKeyJson("a", 2), std::string("{")).kind(), ErrorKind::kDataError);
  // The value must match its key.
  EXPECT_EQ(state_.Apply(SchemaKeyJson("a", 2), SchemaRecord("a", 3, 2, "{}")).kind(),
            ErrorKind::kDataError);
  EXPECT_EQ(VersionNumbers("a", true), (std::vector<int>{1}));
  // Keys of types this registry does not manage are skipped.
  EXPECT_TRUE(state_.Apply(R"({"keytype":"CONTEXT","magic":0})", std::string("{}")).ok());
}

TEST_F(RegistryStateTest, SchemasTheCheckerRefusesAreKeptAsText) {
  AddSchema("a", 1, 1, "syntax = \"proto3\";");
  std::optional<StoredSchema> stored = state_.Get("a", 1, false);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->schema->canonical, "syntax = \"proto3\";");
}

TEST_F(RegistryStateTest, ReferencedByFindsReferrers) {
  AddSchema("base", 1, 1, R"({"f":1})");
  SchemaValue value;
  value.subject = "top";
  value.version = 1;
  value.id = 2;
  value.schema = R"({"g":1})";
  value.references = {{"Base", "base", 1}};
  Apply(SchemaKeyJson("top", 1), ToJson(value));
  EXPECT_EQ(state_.ReferencedBy("base", 1, false), (std::vector<SubjectVersion>{{"top", 1}}));
  EXPECT_TRUE(state_.ReferencedBy("base", 2, true).empty());
}

}  // namespace
}  // namespace walrelay::registry
