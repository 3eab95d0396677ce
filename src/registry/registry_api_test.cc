#include "registry/registry_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "registry/fake_schema_checker.h"

namespace walrelay::registry {
namespace {

using nlohmann::json;

constexpr const char* kV1 = R"({"fields":[{"name":"a"}]})";
constexpr const char* kV2 = R"({"fields":[{"name":"a"},{"name":"b","default":0}]})";
constexpr const char* kNoDefault = R"({"fields":[{"name":"a"},{"name":"c"}]})";

std::string SchemaBody(const std::string& schema) { return json{{"schema", schema}}.dump(); }

class FollowerView : public LeaderView {
 public:
  bool IsLeader() const override { return false; }
  std::optional<std::string> LeaderUrl() const override { return url; }
  std::optional<std::string> url;
};

class RegistryApiTest : public ::testing::Test {
 protected:
  rest::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "",
                      const char* content_type = kSchemaRegistryV1Json) {
    return Send(api_, method, target, body, content_type);
  }
  static rest::Response Send(const RegistryApi& api, const std::string& method,
                             const std::string& target, const std::string& body = "",
                             const char* content_type = kSchemaRegistryV1Json) {
    rest::Request request;
    request.method = method;
    Status parsed = rest::ParseTarget(target, &request.path, &request.query);
    EXPECT_TRUE(parsed.ok());
    request.body = body;
    if (content_type != nullptr && !body.empty()) {
      request.headers.emplace_back("Content-Type", content_type);
    }
    return api.Handle(request);
  }
  // Asserts a Confluent error answer.
  void ExpectError(const rest::Response& response, int status, int code,
                   const std::string& message = "") {
    EXPECT_EQ(response.status, status) << response.body;
    json body = json::parse(response.body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << response.body;
    EXPECT_EQ(body["error_code"], code) << response.body;
    if (!message.empty()) {
      EXPECT_EQ(body["message"], message);
    }
  }
  void Register(const std::string& subject, const std::string& schema) {
    rest::Response response =
        Call("POST", "/subjects/" + subject + "/versions", SchemaBody(schema));
    ASSERT_EQ(response.status, 200) << response.body;
  }

  FakeSchemaChecker checker_;
  RegistryState state_{&checker_};
  InMemoryRecordLog log_{&state_};
  SchemaRegistry registry_{&state_, &log_, &checker_};
  SoleLeader leader_;
  RegistryApi api_{&registry_, &leader_};
};

TEST_F(RegistryApiTest, RootAndTypes) {
  rest::Response root = Call("GET", "/");
  EXPECT_EQ(root.status, 200);
  EXPECT_EQ(root.body, "{}");
  ASSERT_NE(root.Header("Content-Type"), nullptr);
  EXPECT_EQ(*root.Header("Content-Type"), "application/vnd.schemaregistry.v1+json");
  EXPECT_EQ(Call("GET", "/schemas/types").body, R"(["AVRO","JSON"])");
}

TEST_F(RegistryApiTest, RegisterGetAndList) {
  rest::Response registered = Call("POST", "/subjects/orders-value/versions", SchemaBody(kV1));
  EXPECT_EQ(registered.status, 200);
  EXPECT_EQ(registered.body, R"({"id":1})");
  // application/json and no content type at all are accepted too.
  EXPECT_EQ(
      Call("POST", "/subjects/orders-value/versions", SchemaBody(kV1), "application/json").body,
      R"({"id":1})");
  EXPECT_EQ(Call("POST", "/subjects/orders-value/versions", SchemaBody(kV2), nullptr).body,
            R"({"id":2})");
  EXPECT_EQ(Call("POST", "/subjects/orders-value/versions?normalize=true", SchemaBody(kV2),
                 "application/vnd.schemaregistry+json; charset=utf-8")
                .body,
            R"({"id":2})");

  EXPECT_EQ(Call("GET", "/subjects").body, R"(["orders-value"])");
  EXPECT_EQ(Call("GET", "/subjects/orders-value/versions").body, "[1,2]");
  EXPECT_EQ(
      Call("GET", "/subjects/orders-value/versions/1").body,
      R"({"subject":"orders-value","version":1,"id":1,"schema":"{\"fields\":[{\"name\":\"a\"}]}"})");
  json latest = json::parse(Call("GET", "/subjects/orders-value/versions/latest").body);
  EXPECT_EQ(latest["version"], 2);
  EXPECT_EQ(json::parse(Call("GET", "/subjects/orders-value/versions/-1").body)["version"], 2);
  rest::Response raw = Call("GET", "/subjects/orders-value/versions/1/schema");
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.body, R"({"fields":[{"name":"a"}]})");
}

TEST_F(RegistryApiTest, NonAvroTypesAreShown) {
  rest::Response registered =
      Call("POST", "/subjects/j/versions", json{{"schema", "{}"}, {"schemaType", "JSON"}}.dump());
  ASSERT_EQ(registered.status, 200) << registered.body;
  EXPECT_EQ(Call("GET", "/subjects/j/versions/1").body,
            R"({"subject":"j","version":1,"id":1,"schemaType":"JSON","schema":"{}"})");
  EXPECT_EQ(Call("GET", "/schemas/ids/1").body, R"({"schemaType":"JSON","schema":"{}"})");
}

TEST_F(RegistryApiTest, SchemasById) {
  Register("a", kV1);
  Register("b", kV1);
  Register("b", kV2);
  EXPECT_EQ(Call("GET", "/schemas/ids/1").body, R"({"schema":"{\"fields\":[{\"name\":\"a\"}]}"})");
  EXPECT_EQ(Call("GET", "/schemas/ids/1?subject=b").status, 200);
  EXPECT_EQ(Call("GET", "/schemas/ids/1?fetchMaxId=true").body,
            R"({"schema":"{\"fields\":[{\"name\":\"a\"}]}","maxId":2})");
  EXPECT_EQ(Call("GET", "/schemas/ids/1/schema").body, R"({"fields":[{"name":"a"}]})");
  EXPECT_EQ(Call("GET", "/schemas/ids/1/subjects").body, R"(["a","b"])");
  EXPECT_EQ(Call("GET", "/schemas/ids/1/versions").body,
            R"([{"subject":"a","version":1},{"subject":"b","version":1}])");
  ASSERT_EQ(Call("DELETE", "/subjects/a/versions/1").status, 200);
  EXPECT_EQ(Call("GET", "/schemas/ids/1/subjects").body, R"(["b"])");
  EXPECT_EQ(Call("GET", "/schemas/ids/1/subjects?deleted=true").body, R"(["a","b"])");
  ExpectError(Call("GET", "/schemas/ids/99"), 404, 40403, "Schema 99 not found");
  ExpectError(Call("GET", "/schemas/ids/99/versions"), 404, 40403);
  ExpectError(Call("GET", "/schemas/ids/x"), 404, 404, "HTTP 404 Not Found");
}

TEST_F(RegistryApiTest, LookupUnderSubject) {
  Register("s", kV1);
  rest::Response found = Call("POST", "/subjects/s", SchemaBody(R"({"fields": [{"name": "a"}]})"));
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(found.body,
            R"({"subject":"s","version":1,"id":1,"schema":"{\"fields\":[{\"name\":\"a\"}]}"})");
  ExpectError(Call("POST", "/subjects/s", SchemaBody(kV2)), 404, 40403, "Schema not found");
  ExpectError(Call("POST", "/subjects/t", SchemaBody(kV1)), 404, 40401, "Subject 't' not found.");
  ASSERT_EQ(Call("DELETE", "/subjects/s/versions/1").status, 200);
  ExpectError(Call("POST", "/subjects/s", SchemaBody(kV1)), 404, 40401);
  EXPECT_EQ(Call("POST", "/subjects/s?deleted=true", SchemaBody(kV1)).status, 200);
}

TEST_F(RegistryApiTest, VersionErrors) {
  Register("s", kV1);
  ExpectError(Call("GET", "/subjects/nope/versions"), 404, 40401, "Subject 'nope' not found.");
  ExpectError(Call("GET", "/subjects/nope/versions/1"), 404, 40401);
  ExpectError(Call("GET", "/subjects/s/versions/2"), 404, 40402, "Version 2 not found.");
  ExpectError(Call("GET", "/subjects/s/versions/zero"), 422, 42202,
              "The specified version 'zero' is not a valid version id. Allowed values are "
              "between [1, 2^31-1] and the string \"latest\"");
  ExpectError(Call("GET", "/subjects/s/versions/0"), 422, 42202);
}

TEST_F(RegistryApiTest, DeleteVersionsAndSubjects) {
  Register("s", kV1);
  Register("s", kV2);
  ExpectError(Call("DELETE", "/subjects/s/versions/1?permanent=true"), 404, 40407);
  EXPECT_EQ(Call("DELETE", "/subjects/s/versions/1").body, "1");
  ExpectError(Call("DELETE", "/subjects/s/versions/1"), 404, 40406);
  EXPECT_EQ(Call("GET", "/subjects/s/versions").body, "[2]");
  EXPECT_EQ(Call("GET", "/subjects/s/versions?deleted=true").body, "[1,2]");
  EXPECT_EQ(Call("GET", "/subjects/s/versions/1?deleted=true").status, 200);
  EXPECT_EQ(Call("DELETE", "/subjects/s/versions/1?permanent=true").body, "1");
  EXPECT_EQ(Call("DELETE", "/subjects/s/versions/latest").body, "2");

  Register("t", kV1);
  ExpectError(Call("DELETE", "/subjects/t?permanent=true"), 404, 40405,
              "Subject 't' was not deleted first before being permanently deleted");
  EXPECT_EQ(Call("DELETE", "/subjects/t").body, "[1]");
  ExpectError(Call("DELETE", "/subjects/t"), 404, 40404,
              "Subject 't' was soft deleted.Set permanent=true to delete permanently");
  EXPECT_EQ(Call("GET", "/subjects").body, "[]");  // s holds only its soft-deleted v2
  EXPECT_EQ(Call("GET", "/subjects?deleted=true").body, R"(["s","t"])");
  EXPECT_EQ(Call("DELETE", "/subjects/t?permanent=true").body, "[1]");
  ExpectError(Call("DELETE", "/subjects/t"), 404, 40401);
}

TEST_F(RegistryApiTest, ListingsFilterAndPage) {
  Register("a", kV1);
  Register("a", kV2);
  Register("b", kV1);
  Register("c", kV2);
  ASSERT_EQ(Call("DELETE", "/subjects/a/versions/1").status, 200);
  ASSERT_EQ(Call("DELETE", "/subjects/c").status, 200);
  EXPECT_EQ(Call("GET", "/subjects").body, R"(["a","b"])");
  EXPECT_EQ(Call("GET", "/subjects?deleted=true").body, R"(["a","b","c"])");
  EXPECT_EQ(Call("GET", "/subjects?deletedOnly=true").body, R"(["a","c"])");
  EXPECT_EQ(Call("GET", "/subjects?deleted=true&offset=1&limit=1").body, R"(["b"])");
  EXPECT_EQ(Call("GET", "/subjects?offset=5").body, "[]");
  ExpectError(Call("GET", "/subjects?limit=many"), 404, 404);
  EXPECT_EQ(Call("GET", "/subjects/a/versions?deletedOnly=true").body, "[1]");
  EXPECT_EQ(Call("GET", "/subjects/a/versions?deleted=true&limit=1").body, "[1]");

  json all = json::parse(Call("GET", "/schemas").body);
  ASSERT_EQ(all.size(), 2u);  // a v2, b v1
  EXPECT_EQ(all[0]["subject"], "a");
  EXPECT_EQ(all[0]["version"], 2);
  EXPECT_EQ(json::parse(Call("GET", "/schemas?deleted=true").body).size(), 4u);
  json latest = json::parse(Call("GET", "/schemas?deleted=true&latestOnly=true").body);
  ASSERT_EQ(latest.size(), 3u);
  EXPECT_EQ(latest[0]["version"], 2);
  json prefixed = json::parse(Call("GET", "/schemas?subjectPrefix=b").body);
  ASSERT_EQ(prefixed.size(), 1u);
  EXPECT_EQ(prefixed[0]["subject"], "b");
  EXPECT_EQ(json::parse(Call("GET", "/schemas?deleted=true&offset=1&limit=2").body).size(), 2u);
}

TEST_F(RegistryApiTest, SubjectPrefixAndEncodedSubjects) {
  Register("orders-value", kV1);
  Register("orders-key", kV1);
  Register("users-value", kV1);
  EXPECT_EQ(Call("GET", "/subjects?subjectPrefix=orders").body, R"(["orders-key","orders-value"])");
  // A subject may hold '/' when it is percent-encoded in the path.
  Register("a%2Fb", kV1);
  EXPECT_EQ(Call("GET", "/subjects/a%2Fb/versions/1").status, 200);
  EXPECT_EQ(json::parse(Call("GET", "/subjects/a%2Fb/versions/1").body)["subject"], "a/b");
  ExpectError(Call("POST", "/subjects/%01/versions", SchemaBody(kV1)), 422, 42208);
}

TEST_F(RegistryApiTest, RegistrationErrors) {
  Register("s", kV1);
  rest::Response incompatible = Call("POST", "/subjects/s/versions", SchemaBody(kNoDefault));
  ExpectError(incompatible, 409, 40901,
              "Schema being registered is incompatible with an earlier schema for subject "
              "\"s\", details: [field 'c' added without a default, {validateFields: 'false', "
              "compatibility: 'BACKWARD'}]");
  ExpectError(Call("POST", "/subjects/s/versions", SchemaBody("{bad")), 422, 42201);
  ExpectError(Call("POST", "/subjects/s/versions", "{}"), 422, 42201, "Empty schema");
  ExpectError(Call("POST", "/subjects/s/versions", "{not json"), 400, 400);
  ExpectError(Call("POST", "/subjects/s/versions", "[1]"), 400, 400);
  ExpectError(Call("POST", "/subjects/s/versions", R"({"schema":{"type":"record"}})"), 400, 400,
              "Field \"schema\" is a object, not a string");
  ExpectError(Call("POST", "/subjects/s/versions", R"({"schema":"{}","id":"x"})"), 400, 400);
  // Unknown fields are ignored.
  EXPECT_EQ(Call("POST", "/subjects/s/versions",
                 R"({"schema":"{\"fields\":[{\"name\":\"a\"}]}",)"
                 R"("metadata":null,"ruleSet":null,"future":1})")
                .body,
            R"({"id":1})");
  ExpectError(Call("POST", "/subjects/s/versions", "", nullptr), 422, 422);
  ExpectError(Call("POST", "/subjects/s/versions", SchemaBody(kV1), "text/plain"), 415, 415);
}

TEST_F(RegistryApiTest, UnknownPathsAndMethods) {
  ExpectError(Call("GET", "/nope"), 404, 404, "HTTP 404 Not Found");
  ExpectError(Call("GET", "/subjects/s/other"), 404, 404);
  ExpectError(Call("GET", "/subjects/s/versions/1/x"), 404, 404);
  ExpectError(Call("PUT", "/subjects"), 405, 405, "HTTP 405 Method Not Allowed");
  ExpectError(Call("PUT", "/subjects/s/versions"), 405, 405);
  ExpectError(Call("POST", "/subjects/s/versions/1"), 405, 405);
  ExpectError(Call("GET", "/compatibility/subjects/s/versions/1"), 405, 405);
  ExpectError(Call("POST", "/schemas/types"), 405, 405);
  ExpectError(Call("DELETE", "/schemas"), 405, 405);
}

TEST_F(RegistryApiTest, Config) {
  EXPECT_EQ(Call("GET", "/config").body, R"({"compatibilityLevel":"BACKWARD"})");
  EXPECT_EQ(Call("PUT", "/config", R"({"compatibility":"full"})").body,
            R"({"compatibility":"FULL"})");
  EXPECT_EQ(Call("GET", "/config").body, R"({"compatibilityLevel":"FULL"})");
  ExpectError(Call("GET", "/config/s"), 404, 40408,
              "Subject 's' does not have subject-level compatibility configured");
  EXPECT_EQ(Call("GET", "/config/s?defaultToGlobal=true").body, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(Call("PUT", "/config/s", R"({"compatibility":"NONE"})").body,
            R"({"compatibility":"NONE"})");
  EXPECT_EQ(Call("GET", "/config/s").body, R"({"compatibilityLevel":"NONE"})");
  ExpectError(Call("PUT", "/config/s", R"({"compatibility":"SOMETIMES"})"), 422, 42203,
              "Invalid compatibility level. Valid values are none, backward, forward, full, "
              "backward_transitive, forward_transitive, and full_transitive");
  ExpectError(Call("PUT", "/config/s", R"({"compatibility":3})"), 400, 400);
  EXPECT_EQ(Call("DELETE", "/config/s").body, R"({"compatibilityLevel":"NONE"})");
  ExpectError(Call("DELETE", "/config/s"), 404, 40401);
  EXPECT_EQ(Call("DELETE", "/config").body, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(Call("GET", "/config").body, R"({"compatibilityLevel":"BACKWARD"})");
  // The records Confluent writes.
  std::vector<InMemoryRecordLog::Record> records = log_.records();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].key, R"({"keytype":"CONFIG","subject":null,"magic":0})");
  EXPECT_EQ(*records[0].value, R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(records[1].key, R"({"keytype":"CONFIG","subject":"s","magic":0})");
  EXPECT_FALSE(records[2].value.has_value());
}

TEST_F(RegistryApiTest, Mode) {
  EXPECT_EQ(Call("GET", "/mode").body, R"({"mode":"READWRITE"})");
  ExpectError(Call("GET", "/mode/s"), 404, 40409,
              "Subject 's' does not have subject-level mode configured");
  EXPECT_EQ(Call("GET", "/mode/s?defaultToGlobal=true").body, R"({"mode":"READWRITE"})");
  EXPECT_EQ(Call("PUT", "/mode/s", R"({"mode":"readonly"})").body, R"({"mode":"READONLY"})");
  ExpectError(Call("POST", "/subjects/s/versions", SchemaBody(kV1)), 422, 42205,
              "Subject s is in read-only mode");
  ExpectError(Call("PUT", "/mode/s", R"({"mode":"SOMETIMES"})"), 422, 42204);
  EXPECT_EQ(Call("DELETE", "/mode/s").body, R"({"mode":"READONLY"})");
  Register("s", kV1);
  ExpectError(Call("PUT", "/mode", R"({"mode":"IMPORT"})"), 422, 42205,
              "Cannot import since found existing subjects");
  EXPECT_EQ(Call("PUT", "/mode?force=true", R"({"mode":"IMPORT"})").body, R"({"mode":"IMPORT"})");
  rest::Response imported = Call("POST", "/subjects/s/versions",
                                 json{{"schema", kV2}, {"id", 50}, {"version", 7}}.dump());
  EXPECT_EQ(imported.body, R"({"id":50})");
  EXPECT_EQ(Call("GET", "/subjects/s/versions").body, "[1,7]");
}

TEST_F(RegistryApiTest, Compatibility) {
  Register("s", kV1);
  EXPECT_EQ(Call("POST", "/compatibility/subjects/s/versions/latest", SchemaBody(kV2)).body,
            R"({"is_compatible":true})");
  EXPECT_EQ(Call("POST", "/compatibility/subjects/s/versions/1", SchemaBody(kNoDefault)).body,
            R"({"is_compatible":false})");
  EXPECT_EQ(
      Call("POST", "/compatibility/subjects/s/versions/1?verbose=true", SchemaBody(kNoDefault))
          .body,
      R"({"is_compatible":false,"messages":["field 'c' added without a default",)"
      R"("{validateFields: 'false', compatibility: 'BACKWARD'}"]})");
  EXPECT_EQ(Call("POST", "/compatibility/subjects/s/versions?verbose=true", SchemaBody(kV2)).body,
            R"({"is_compatible":true,"messages":[]})");
  ExpectError(Call("POST", "/compatibility/subjects/s/versions/5", SchemaBody(kV2)), 404, 40402);
  ExpectError(Call("POST", "/compatibility/subjects/s/versions/x", SchemaBody(kV2)), 422, 42202);
  ExpectError(Call("POST", "/compatibility/subjects/s/versions/1", SchemaBody("{")), 422, 42201);
  EXPECT_EQ(Call("POST", "/compatibility/subjects/new/versions/latest", SchemaBody(kV2)).body,
            R"({"is_compatible":true})");
}

TEST_F(RegistryApiTest, ReferencedBy) {
  Register("base", kV1);
  rest::Response top = Call(
      "POST", "/subjects/top/versions",
      json{{"schema", kV2},
           {"references", json::array({{{"name", "Base"}, {"subject", "base"}, {"version", 1}}})}}
          .dump());
  ASSERT_EQ(top.status, 200) << top.body;
  EXPECT_EQ(Call("GET", "/subjects/base/versions/1/referencedby").body, "[2]");
  EXPECT_EQ(
      Call("GET", "/subjects/top/versions/1").body,
      R"({"subject":"top","version":1,"id":2,"references":[{"name":"Base","subject":"base",)"
      R"("version":1}],"schema":"{\"fields\":[{\"name\":\"a\"},{\"default\":0,\"name\":\"b\"}]}"})");
  ExpectError(Call("DELETE", "/subjects/base/versions/1"), 422, 42206);
}

TEST_F(RegistryApiTest, FollowersForwardWritesAndAnswerReadsAndKnownSchemas) {
  Register("s", kV1);
  FollowerView follower;
  std::vector<rest::Request> forwarded;
  RegistryApi::Forwarder forwarder = [&](const std::string& url,
                                         const rest::Request& request) -> Result<rest::Response> {
    EXPECT_EQ(url, "http://leader:8081");
    forwarded.push_back(request);
    rest::Response response;
    response.body = R"({"id":77})";
    return response;
  };
  RegistryApi api(&registry_, &follower, forwarder);

  // No leader known: 50004.
  rest::Response unknown = Send(api, "POST", "/subjects/s/versions", SchemaBody(kV2));
  ExpectError(unknown, 500, 50004, "Leader not known.");
  follower.url = "http://leader:8081";
  // A schema the subject holds is answered here.
  EXPECT_EQ(Send(api, "POST", "/subjects/s/versions", SchemaBody(kV1)).body, R"({"id":1})");
  EXPECT_TRUE(forwarded.empty());
  // A new one goes to the leader, marked as forwarded.
  EXPECT_EQ(Send(api, "POST", "/subjects/s/versions", SchemaBody(kV2)).body, R"({"id":77})");
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_NE(forwarded[0].Header(RegistryApi::kForwardedHeader), nullptr);
  EXPECT_EQ(forwarded[0].path, "/subjects/s/versions");
  // Deletes, config and mode changes too; reads and checks are local.
  Send(api, "DELETE", "/subjects/s/versions/1");
  Send(api, "PUT", "/config", R"({"compatibility":"NONE"})");
  Send(api, "PUT", "/mode/s", R"({"mode":"READONLY"})");
  EXPECT_EQ(forwarded.size(), 4u);
  EXPECT_EQ(Send(api, "GET", "/subjects/s/versions").body, "[1]");
  EXPECT_EQ(Send(api, "POST", "/compatibility/subjects/s/versions/latest", SchemaBody(kV2)).status,
            200);
  EXPECT_EQ(forwarded.size(), 4u);
  // A bad level is refused here, not forwarded.
  ExpectError(Send(api, "PUT", "/config", R"({"compatibility":"X"})"), 422, 42203);
  EXPECT_EQ(forwarded.size(), 4u);
  // A request that was already forwarded once is not forwarded again.
  rest::Request again;
  again.method = "DELETE";
  again.path = "/subjects/s";
  again.headers.emplace_back(RegistryApi::kForwardedHeader, "true");
  ExpectError(api.Handle(again), 500, 50004);

  // A forwarding failure: 50003.
  RegistryApi broken(&registry_, &follower,
                     [](const std::string&, const rest::Request&) -> Result<rest::Response> {
                       return ReconnectError("connection refused");
                     });
  rest::Response failed = Send(broken, "DELETE", "/subjects/s");
  ExpectError(failed, 500, 50003);
  EXPECT_NE(failed.body.find("connection refused"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::registry
