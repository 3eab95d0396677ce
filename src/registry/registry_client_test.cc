#include "registry/registry_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "registry/fake_schema_checker.h"
#include "registry/registry_api.h"
#include "registry/test_served_registry.h"
#include "rest/http_server.h"

namespace walrelay::registry {
namespace {

constexpr const char* kV1 = R"({"fields":[{"name":"a"}]})";
constexpr const char* kV2 = R"({"fields":[{"name":"a"},{"name":"b","default":0}]})";
constexpr const char* kNoDefault = R"({"fields":[{"name":"a"},{"name":"c"}]})";

// A registry served over real loopback HTTP, with the in-memory log and the fake checker.
class FakeServedRegistry {
 public:
  explicit FakeServedRegistry(std::map<std::string, std::string> users = {},
                              const LeaderView* leader = nullptr,
                              RegistryApi::Forwarder forwarder = nullptr)
      : served_(&checker_, std::move(users), leader, std::move(forwarder)) {}
  std::string url() const { return served_.url(); }
  SchemaRegistry& registry() { return served_.registry(); }
  rest::HttpServer& server() { return served_.server(); }

 private:
  FakeSchemaChecker checker_;
  ServedRegistry served_;
};

std::unique_ptr<RegistryClient> MakeClient(RegistryClientOptions options) {
  auto client = RegistryClient::Create(std::move(options));
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

std::unique_ptr<RegistryClient> MakeClient(const std::string& url) {
  RegistryClientOptions options;
  options.urls = {url};
  return MakeClient(std::move(options));
}

// A URL nothing listens on: a server's port after it stopped.
std::string DeadUrl() {
  rest::HttpServerOptions options;
  options.listeners = {{"http", "127.0.0.1", 0}};
  auto server =
      rest::HttpServer::Start(options, [](const rest::Request&) { return rest::Response(); });
  std::string url = server.value()->urls()[0];
  server.value()->Stop();
  return url;
}

TEST(RegistryClientTest, OneRequestPerNewSchemaNotPerRecord) {
  FakeServedRegistry served;
  auto client = MakeClient(served.url());
  for (int record = 0; record < 1000; ++record) {
    Result<int> id = client->Register("orders-value", "AVRO", kV1);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    EXPECT_EQ(*id, 1);
  }
  EXPECT_EQ(client->request_count(), 1u);
  Result<int> second = client->Register("orders-value", "AVRO", kV2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(client->request_count(), 2u);
  // The ids' schemas are known from the registrations: a deserializer needs no request.
  Result<RegisteredSchema> by_id = client->GetById(2);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->schema, kV2);
  // A lookup of a registered schema needs none either.
  EXPECT_EQ(*client->Lookup("orders-value", "AVRO", kV1), 1);
  EXPECT_EQ(client->request_count(), 2u);
}

TEST(RegistryClientTest, GetByIdAndLookupFetchOnceThenCache) {
  FakeServedRegistry served;
  auto writer = MakeClient(served.url());
  ASSERT_TRUE(writer->Register("s", "JSON", kV1).ok());
  auto reader = MakeClient(served.url());
  for (int i = 0; i < 3; ++i) {
    Result<RegisteredSchema> schema = reader->GetById(1);
    ASSERT_TRUE(schema.ok()) << schema.status().ToString();
    EXPECT_EQ(schema->id, 1);
    EXPECT_EQ(schema->schema_type, "JSON");
    EXPECT_EQ(schema->schema, kV1);
  }
  EXPECT_EQ(reader->request_count(), 1u);
  EXPECT_EQ(*reader->Lookup("s", "JSON", kV1), 1);
  EXPECT_EQ(*reader->Lookup("s", "JSON", kV1), 1);
  EXPECT_EQ(reader->request_count(), 2u);
}

TEST(RegistryClientTest, RegistryErrorsKeepTheirCodeAndMessage) {
  FakeServedRegistry served;
  auto client = MakeClient(served.url());
  ASSERT_TRUE(client->Register("s", "AVRO", kV1).ok());

  Result<int> incompatible = client->Register("s", "AVRO", kNoDefault);
  ASSERT_FALSE(incompatible.ok());
  EXPECT_EQ(incompatible.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(incompatible.status().message().find(
                "Schema being registered is incompatible with an earlier schema for subject "
                "\"s\", details: [field 'c' added without a default, {validateFields: 'false', "
                "compatibility: 'BACKWARD'}]; error code: 40901"),
            std::string::npos)
      << incompatible.status().message();

  Result<int> missing = client->Lookup("nope", "AVRO", kV1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.status().message().find("Subject 'nope' not found.; error code: 40401"),
            std::string::npos);

  Result<RegisteredSchema> no_id = client->GetById(99);
  ASSERT_FALSE(no_id.ok());
  EXPECT_EQ(no_id.status().kind(), ErrorKind::kNotFound);
  EXPECT_NE(no_id.status().message().find("error code: 40403"), std::string::npos);

  Result<int> invalid = client->Register("s", "AVRO", "{nope");
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(invalid.status().message().find("error code: 42201"), std::string::npos);

  // A failure is not cached: once the subject allows it, the registration goes through.
  ASSERT_TRUE(served.registry().SetConfig("s", "NONE").ok());
  EXPECT_TRUE(client->Register("s", "AVRO", kNoDefault).ok());
}

TEST(RegistryClientTest, ServerErrorsAreRetriable) {
  FakeServedRegistry served;
  ASSERT_TRUE(served.registry().SetMode("s", "READONLY", false).ok());
  auto client = MakeClient(served.url());
  Result<int> refused = client->Register("s", "AVRO", kV1);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("error code: 42205"), std::string::npos);

  // A follower without a leader answers 50004: retry later.
  class NoLeader : public LeaderView {
   public:
    bool IsLeader() const override { return false; }
    std::optional<std::string> LeaderUrl() const override { return std::nullopt; }
  } no_leader;
  FakeServedRegistry follower({}, &no_leader);
  auto follower_client = MakeClient(follower.url());
  Result<int> unknown = follower_client->Register("s", "AVRO", kV1);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().kind(), ErrorKind::kRetry);
  EXPECT_NE(unknown.status().message().find("error code: 50004"), std::string::npos);
}

TEST(RegistryClientTest, ConcurrentClientsGetOneIdPerSchemaAndDistinctVersions) {
  FakeServedRegistry served;
  ASSERT_TRUE(served.registry().SetConfig(std::nullopt, "NONE").ok());
  constexpr int kThreads = 4;
  constexpr int kSchemas = 20;
  std::vector<std::thread> threads;
  std::vector<std::vector<int>> ids(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = MakeClient(served.url());
      for (int i = 0; i < kSchemas; ++i) {
        // Every thread registers the same schemas, in its own order.
        int n = (i + t * 7) % kSchemas;
        std::string schema = R"({"fields":[{"name":"f)" + std::to_string(n) + R"("}]})";
        Result<int> id = client->Register("shared", "AVRO", schema);
        ASSERT_TRUE(id.ok()) << id.status().ToString();
        ids[t].push_back(*id);
        ASSERT_TRUE(client->GetLatest("shared").ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<int> distinct;
  for (const auto& list : ids) distinct.insert(list.begin(), list.end());
  EXPECT_EQ(distinct.size(), static_cast<size_t>(kSchemas));
  Reply<std::vector<int>> versions = served.registry().ListVersions("shared", Deleted::kExclude);
  ASSERT_TRUE(versions.ok());
  EXPECT_EQ(versions.value().size(), static_cast<size_t>(kSchemas));
}

TEST(RegistryClientTest, LatestIsCachedForItsTtlOrUntilInvalidated) {
  FakeServedRegistry served;
  auto now = std::chrono::steady_clock::time_point();
  RegistryClientOptions options;
  options.urls = {served.url()};
  options.latest_ttl = std::chrono::seconds(60);
  options.now = [&now] { return now; };
  auto client = MakeClient(std::move(options));
  ASSERT_TRUE(client->Register("s", "AVRO", kV1).ok());

  Result<RegisteredSchema> latest = client->GetLatest("s");
  ASSERT_TRUE(latest.ok()) << latest.status().ToString();
  EXPECT_EQ(latest->version, 1);
  EXPECT_EQ(latest->subject, "s");
  EXPECT_EQ(client->request_count(), 2u);

  ASSERT_TRUE(client->Register("s", "AVRO", kV2).ok());
  EXPECT_EQ(client->GetLatest("s")->version, 1);  // still cached
  EXPECT_EQ(client->request_count(), 3u);
  now += std::chrono::seconds(61);
  EXPECT_EQ(client->GetLatest("s")->version, 2);
  EXPECT_EQ(client->request_count(), 4u);
  client->InvalidateLatest("s");
  EXPECT_EQ(client->GetLatest("s")->version, 2);
  EXPECT_EQ(client->request_count(), 5u);

  Result<RegisteredSchema> none = client->GetLatest("nope");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().kind(), ErrorKind::kNotFound);
}

TEST(RegistryClientTest, UnreachableUrlsAreSkipped) {
  FakeServedRegistry served;
  RegistryClientOptions options;
  options.urls = {DeadUrl(), served.url()};
  auto client = MakeClient(std::move(options));
  Result<int> id = client->Register("s", "AVRO", kV1);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(client->request_count(), 2u);
  // The URL that answered is tried first from then on.
  ASSERT_TRUE(client->Register("s", "AVRO", kV2).ok());
  EXPECT_EQ(client->request_count(), 3u);

  RegistryClientOptions dead;
  dead.urls = {DeadUrl(), DeadUrl()};
  auto nowhere = MakeClient(std::move(dead));
  Result<int> failed = nowhere->Register("s", "AVRO", kV1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().kind(), ErrorKind::kRetry);
  EXPECT_NE(failed.status().message().find("no schema registry URL could be reached"),
            std::string::npos);
  EXPECT_EQ(nowhere->request_count(), 2u);
}

TEST(RegistryClientTest, BasicAuthFromUserInfoOrUrl) {
  FakeServedRegistry served(std::map<std::string, std::string>{{"alice", "s3cret:x"}});
  auto anonymous = MakeClient(served.url());
  Result<int> denied = anonymous->Register("s", "AVRO", kV1);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(denied.status().message().find("error code: 401"), std::string::npos);

  auto options =
      RegistryClientOptionsFromProperties({{"schema.registry.url", served.url()},
                                           {"basic.auth.credentials.source", "USER_INFO"},
                                           {"basic.auth.user.info", "alice:s3cret:x"}});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  auto with_user_info = MakeClient(std::move(options).value());
  EXPECT_TRUE(with_user_info->Register("s", "AVRO", kV1).ok());

  std::string url = served.url();
  url.insert(url.find("://") + 3, "alice:s3cret%3Ax@");
  auto with_url = MakeClient(url);
  EXPECT_TRUE(with_url->Register("s", "AVRO", kV2).ok());
}

TEST(RegistryClientTest, OptionsFromProperties) {
  auto options = RegistryClientOptionsFromProperties(
      {{"schema.registry.url", " http://a:8081 , http://b:8081"}, {"latest.cache.ttl.sec", "30"}});
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->urls, (std::vector<std::string>{"http://a:8081", "http://b:8081"}));
  EXPECT_EQ(options->latest_ttl, std::chrono::seconds(30));
  EXPECT_FALSE(RegistryClientOptionsFromProperties({{"schema.registry.url", "http://a:1"}})
                   ->latest_ttl.has_value());

  auto missing = RegistryClientOptionsFromProperties({});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("schema.registry.url"), std::string::npos);
  auto no_info = RegistryClientOptionsFromProperties(
      {{"schema.registry.url", "http://a:1"}, {"basic.auth.credentials.source", "USER_INFO"}});
  ASSERT_FALSE(no_info.ok());
  EXPECT_NE(no_info.status().message().find("basic.auth.user.info"), std::string::npos);
  auto sasl = RegistryClientOptionsFromProperties(
      {{"schema.registry.url", "http://a:1"}, {"basic.auth.credentials.source", "SASL_INHERIT"}});
  ASSERT_FALSE(sasl.ok());
  EXPECT_NE(sasl.status().message().find("SASL_INHERIT"), std::string::npos);
  auto bad_ttl = RegistryClientOptionsFromProperties(
      {{"schema.registry.url", "http://a:1"}, {"latest.cache.ttl.sec", "soon"}});
  ASSERT_FALSE(bad_ttl.ok());
  EXPECT_NE(bad_ttl.status().message().find("latest.cache.ttl.sec 'soon'"), std::string::npos);

  RegistryClientOptions bad_url;
  bad_url.urls = {"ftp://x:1"};
  auto client = RegistryClient::Create(bad_url);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().kind(), ErrorKind::kInvalidArgument);
}

TEST(RegistryClientTest, AFollowerForwardsWritesToTheLeaderOverHttp) {
  FakeServedRegistry leader;
  class Follower : public LeaderView {
   public:
    explicit Follower(std::string url) : url_(std::move(url)) {}
    bool IsLeader() const override { return false; }
    std::optional<std::string> LeaderUrl() const override { return url_; }

   private:
    std::string url_;
  } view(leader.url());
  FakeServedRegistry follower({}, &view, RegistryHttpForwarder({}));
  auto client = MakeClient(follower.url());
  Result<int> id = client->Register("s", "AVRO", kV1);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 1);
  // The write went to the leader's state, not the follower's (whose log nothing reads here).
  EXPECT_TRUE(leader.registry().GetVersion("s", 1, false).ok());
  EXPECT_FALSE(follower.registry().GetVersion("s", 1, false).ok());

  // A leader that cannot be reached: 50003, retriable.
  Follower gone(DeadUrl());
  FakeServedRegistry orphan({}, &gone, RegistryHttpForwarder({}));
  auto orphan_client = MakeClient(orphan.url());
  Result<int> failed = orphan_client->Register("s", "AVRO", kV1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().kind(), ErrorKind::kRetry);
  EXPECT_NE(failed.status().message().find("error code: 50003"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::registry
