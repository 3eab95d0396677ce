// The Kafka Connect REST API over real HTTP(S) sockets on loopback: rest::HttpServer with
// rest::ConnectApi over a fake herder, called with rest::HttpClient and `walrelay connectors`.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "cli/connectors_command.h"
#include "rest/connect_api.h"
#include "rest/http_client.h"
#include "rest/http_server.h"
#include "testing/fake_herder.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using nlohmann::json;
using rest::Request;
using rest::Response;

Request MakeRequest(const std::string& method, const std::string& target,
                    const std::string& body = "") {
  Request request;
  request.method = method;
  EXPECT_TRUE(rest::ParseTarget(target, &request.path, &request.query).ok());
  request.body = body;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  return request;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A ConnectApi over a FakeHerder served on a free loopback port.
struct Served {
  explicit Served(rest::HttpServerOptions options = {}) {
    if (options.listeners.empty()) options.listeners.push_back({"http", "127.0.0.1", 0});
    api = std::make_unique<rest::ConnectApi>(&herder, rest::ConnectApiOptions{},
                                             rest::HttpForwarder({}));
    auto started = rest::HttpServer::Start(
        options, [this](const Request& request) { return api->Handle(request); });
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (started.ok()) server = std::move(started).value();
  }
  std::string url() const { return server->urls().at(0); }

  testing::FakeHerder herder;
  std::unique_ptr<rest::ConnectApi> api;
  std::unique_ptr<rest::HttpServer> server;
};

Response Send(const std::string& url, const Request& request,
              const rest::HttpClientOptions& options = {}) {
  auto client = rest::HttpClient::Create(url, options);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  Result<Response> response = client.value()->Send(request);
  EXPECT_TRUE(response.ok()) << response.status().ToString();
  return response.ok() ? response.value() : Response{};
}

TEST(RestServerTest, ServesTheApiOverHttp) {
  Served served;
  ASSERT_NE(served.server, nullptr);
  EXPECT_EQ(served.url().rfind("http://127.0.0.1:", 0), 0u) << served.url();

  // The seed's connector file, as curl -d @register-postgres.json sends it.
  std::string file = ReadAll(WALRELAY_SOURCE_DIR "/examples/seed/register-postgres.json");
  Response r = Send(served.url(), MakeRequest("POST", "/connectors/", file));
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_NE(r.Header("Location"), nullptr);
  EXPECT_EQ(*r.Header("Location"), served.url() + "/connectors/source-connector");
  EXPECT_EQ(json::parse(r.body)["config"]["heartbeat.interval.ms"], "15000");

  r = Send(served.url(), MakeRequest("GET", "/connectors?expand=status&expand=info"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(*r.Header("Content-Type"), "application/json");
  EXPECT_EQ(json::parse(r.body)["source-connector"]["status"]["connector"]["state"], "RUNNING");

  // An encoded slash stays in the name: the raw target is routed, not the decoded path.
  served.herder.connectors["a/b c"].config = {{"connector.class", "x"}};
  r = Send(served.url(), MakeRequest("GET", "/connectors/a%2Fb%20c/config"));
  EXPECT_EQ(r.status, 200) << r.body;

  r = Send(served.url(), MakeRequest("GET", "/nowhere"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error_code":404,"message":"HTTP 404 Not Found"})");
  r = Send(served.url(), MakeRequest("DELETE", "/connectors"));
  EXPECT_EQ(r.status, 405);
  r = Send(served.url(), MakeRequest("POST", "/connectors", "{not json"));
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find("not valid JSON"),
            std::string::npos);
}

// The seed's operator scripts send pause, resume, stop and restart as curl does with -X and no
// body: no Content-Length header at all.
TEST(RestServerTest, BodilessPutAndPostFromCurl) {
  Served served;
  ASSERT_NE(served.server, nullptr);
  served.herder.connectors["source-connector"].config = {{"connector.class", "x"}};
  for (const auto& [method, path, status] : std::vector<std::tuple<std::string, std::string, int>>{
           {"PUT", "/connectors/source-connector/pause", 202},
           {"PUT", "/connectors/source-connector/resume", 202},
           {"PUT", "/connectors/source-connector/stop", 204},
           {"POST", "/connectors/source-connector/restart", 204}}) {
    auto r = testing::RunProcess({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                  "-X", method, served.url() + path},
                                 std::chrono::seconds(30));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->out, std::to_string(status)) << method << " " << path;
  }
}

TEST(RestServerTest, OversizedBodiesGetA400AtTheSocket) {
  rest::HttpServerOptions options;
  options.listeners.push_back({"http", "127.0.0.1", 0});
  options.max_body_bytes = 1024;
  Served served(options);
  Response r = Send(served.url(), MakeRequest("POST", "/connectors",
                                              R"({"name":"a","config":{"x":")" +
                                                  std::string(4096, 'y') + "\"}}"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(
      r.body,
      R"({"error_code":400,"message":"Request body is larger than the limit of 1024 bytes"})");
  EXPECT_TRUE(served.herder.calls.empty());
}

TEST(RestServerTest, BasicAuthFromACredentialsOrJaasFile) {
  std::string credentials =
      testing::WriteTempFile("credentials.properties",
                             "# Kafka Connect's PropertyFileLoginModule file\nadmin: s3cret\n"
                             "ops=other\n");
  std::string jaas = testing::WriteTempFile(
      "connect.jaas",
      "KafkaConnect {\n  "
      "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule "
      "required\n  file=\"" +
          credentials + "\";\n};\n");
  for (const std::string& file : {credentials, jaas}) {
    auto options = rest::HttpServerOptionsFromProperties(
        {{"listeners", "http://127.0.0.1:0"}, {"rest.basic.auth.credentials.file", file}});
    ASSERT_TRUE(options.ok()) << options.status().ToString();
    EXPECT_EQ(options->basic_auth_users.at("admin"), "s3cret");
    EXPECT_EQ(options->basic_auth_users.at("ops"), "other");
    Served served(options.value());

    Response r = Send(served.url(), MakeRequest("GET", "/connectors"));
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(json::parse(r.body)["error_code"], 401);
    ASSERT_NE(r.Header("WWW-Authenticate"), nullptr);
    r = Send(served.url(), MakeRequest("GET", "/connectors"),
             {.username = "admin", .password = "no"});
    EXPECT_EQ(r.status, 401);
    r = Send(served.url(), MakeRequest("GET", "/connectors"),
             {.username = "admin", .password = "s3cret"});
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(served.herder.calls.size() == 1u);
  }
  auto missing = rest::HttpServerOptionsFromProperties(
      {{"rest.extension.classes",
        "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("rest.basic.auth.credentials.file"), std::string::npos);
  auto unreadable = rest::ReadBasicAuthCredentials("/nonexistent/creds");
  ASSERT_FALSE(unreadable.ok());
  EXPECT_NE(unreadable.status().message().find("/nonexistent/creds"), std::string::npos);
}

TEST(RestServerTest, HttpsFromPemFiles) {
  std::string dir = testing::MakeTempDir();
  auto made =
      testing::RunProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2",
                           "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
  ASSERT_TRUE(made.ok() && made->exit_code == 0) << (made.ok() ? made->err : "");
  {
    std::ofstream keystore(dir + "/keystore.pem");
    keystore << ReadAll(dir + "/key.pem") << ReadAll(dir + "/cert.pem");
  }
  auto options = rest::HttpServerOptionsFromProperties(
      {{"listeners", "https://127.0.0.1:0,http://127.0.0.1:0"},
       {"listeners.https.ssl.keystore.type", "PEM"},
       {"listeners.https.ssl.keystore.location", dir + "/keystore.pem"}});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  Served served(options.value());
  ASSERT_EQ(served.server->urls().size(), 2u);
  EXPECT_EQ(served.url().rfind("https://127.0.0.1:", 0), 0u);

  Response r = Send(served.url(), MakeRequest("GET", "/"), {.ca_file = dir + "/cert.pem"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(json::parse(r.body)["version"], "4.0.0");
  EXPECT_EQ(Send(served.server->urls()[1], MakeRequest("GET", "/")).status, 200);
  // Untrusted: the client refuses the self-signed certificate, naming the reason.
  auto client = rest::HttpClient::Create(served.url(), {});
  ASSERT_TRUE(client.ok());
  Result<Response> refused = client.value()->Send(MakeRequest("GET", "/"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not trusted"), std::string::npos)
      << refused.status().message();

  // Inline PEM values work too; a key that does not match is refused at start.
  auto inline_options = rest::HttpServerOptionsFromProperties(
      {{"listeners", "https://127.0.0.1:0"},
       {"ssl.keystore.type", "PEM"},
       {"ssl.keystore.certificate.chain", ReadAll(dir + "/cert.pem")},
       {"ssl.keystore.key", ReadAll(dir + "/key.pem")}});
  ASSERT_TRUE(inline_options.ok()) << inline_options.status().ToString();
  Served inline_served(inline_options.value());
  EXPECT_EQ(
      Send(inline_served.url(), MakeRequest("GET", "/"), {.ca_file = dir + "/cert.pem"}).status,
      200);
  rest::HttpServerOptions broken = inline_options.value();
  broken.tls->private_key_pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto failed = rest::HttpServer::Start(broken, [](const Request&) { return Response{}; });
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("private key"), std::string::npos)
      << failed.status().message();

  auto jks = rest::HttpServerOptionsFromProperties(
      {{"listeners", "https://127.0.0.1:0"}, {"ssl.keystore.type", "JKS"}});
  ASSERT_FALSE(jks.ok());
  EXPECT_NE(jks.status().message().find("ssl.keystore.type=JKS"), std::string::npos);
  auto none = rest::HttpServerOptionsFromProperties({{"listeners", "https://127.0.0.1:0"}});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("ssl.keystore.location"), std::string::npos);
}

TEST(RestServerTest, ListenerSettings) {
  auto defaults = rest::HttpServerOptionsFromProperties({});
  ASSERT_TRUE(defaults.ok());
  ASSERT_EQ(defaults->listeners.size(), 1u);
  EXPECT_EQ(defaults->listeners[0].host, "127.0.0.1");
  EXPECT_EQ(defaults->listeners[0].port, 8083);
  auto rest_port = rest::HttpServerOptionsFromProperties({{"rest.port", "8084"}});
  ASSERT_TRUE(rest_port.ok());
  EXPECT_EQ(rest_port->listeners[0].port, 8084);
  auto many = rest::ParseListeners("http://:8083, http://[::1]:9000");
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many.value()[0].host, "");
  EXPECT_EQ(many.value()[1].host, "::1");
  for (const char* bad : {"tcp://h:1", "http://h", "http://h:99999", "http://h:x", ""}) {
    EXPECT_FALSE(rest::ParseListeners(bad).ok()) << bad;
  }
  EXPECT_FALSE(rest::HttpServerOptionsFromProperties({{"rest.port", "-1"}}).ok());
  EXPECT_FALSE(rest::HttpServerOptionsFromProperties({{"rest.max.request.bytes", "lots"}}).ok());

  // A port in use is an error from Start, naming the listener.
  Served first;
  std::string port = first.url().substr(first.url().rfind(':') + 1);
  auto taken = rest::ParseListeners("http://127.0.0.1:" + port);
  ASSERT_TRUE(taken.ok());
  rest::HttpServerOptions options;
  options.listeners = taken.value();
  auto second = rest::HttpServer::Start(options, [](const Request&) { return Response{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("cannot listen on http://127.0.0.1:" + port),
            std::string::npos)
      << second.status().message();
}

TEST(RestServerTest, StopsWithinASecondWithAnIdleKeepAliveConnection) {
  Served served;
  auto client = rest::HttpClient::Create(served.url(), {});
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(client.value()->Send(MakeRequest("GET", "/")).ok());  // the connection stays open
  auto start = std::chrono::steady_clock::now();
  served.server->Stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::milliseconds(1500))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  EXPECT_FALSE(client.value()->Send(MakeRequest("GET", "/")).ok());

  StopSource stop;
  Served waited;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    stop.RequestStop();
  });
  start = std::chrono::steady_clock::now();
  waited.server->ServeUntil(stop);
  stopper.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
}

TEST(RestServerTest, FollowerForwardsToTheLeader) {
  Served leader;
  Served follower;
  follower.herder.forward_url = leader.url();
  std::string file = ReadAll(WALRELAY_SOURCE_DIR "/examples/seed/register-sink.json");
  Response r = Send(follower.url(), MakeRequest("POST", "/connectors", file));
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(leader.herder.connectors.count("sink-connector"), 1u);
  EXPECT_EQ(follower.herder.connectors.count("sink-connector"), 0u);

  // The leader is gone: Kafka Connect's 500 naming the I/O error.
  leader.server->Stop();
  r = Send(follower.url(), MakeRequest("DELETE", "/connectors/sink-connector"));
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(json::parse(r.body)["message"].get<std::string>().find(
                "IO Error trying to forward REST request"),
            std::string::npos)
      << r.body;
}

// Runs `walrelay connectors ARGS --url URL` in process; returns exit code, stdout, stderr.
struct CliResult {
  int code;
  std::string out;
  std::string err;
};
CliResult RunCli(std::vector<std::string> args, const std::string& url) {
  args.push_back("--url");
  args.push_back(url);
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  int code = cli::ConnectorsCommand(args, out, err);
  auto read = [](std::FILE* f) {
    std::string text;
    std::rewind(f);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
  };
  return {code, read(out), read(err)};
}

TEST(ConnectorsCliTest, EveryCommandAgainstTheServer) {
  Served served;
  const std::string url = served.url();
  CliResult r = RunCli({"list"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "no connectors\n");

  r = RunCli({"create", WALRELAY_SOURCE_DIR "/examples/seed/register-postgres.json"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("created connector source-connector\n", 0), 0u) << r.out;
  r = RunCli({"create", WALRELAY_SOURCE_DIR "/examples/seed/register-sink.json"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  served.herder.FailTask("sink-connector", "org.postgresql.util.PSQLException: refused\n\tat x");

  r = RunCli({"list"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out,
            "sink-connector (sink, io.confluent.connect.jdbc.JdbcSinkConnector): RUNNING on "
            "127.0.0.1:8083\n"
            "  task 0: FAILED on 127.0.0.1:8083: org.postgresql.util.PSQLException: refused\n"
            "source-connector (source, io.debezium.connector.postgresql.PostgresConnector): "
            "RUNNING on 127.0.0.1:8083\n"
            "  task 0: RUNNING on 127.0.0.1:8083\n");

  r = RunCli({"restart", "sink-connector", "--task", "0"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "restarted task 0 of connector sink-connector\n");
  r = RunCli({"status", "sink-connector"}, url);
  EXPECT_EQ(r.out,
            "sink-connector (sink): RUNNING on 127.0.0.1:8083\n"
            "  task 0: RUNNING on 127.0.0.1:8083\n");

  r = RunCli({"config", "source-connector"}, url);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(json::parse(r.out)["slot.name"], "source_slot");

  r = RunCli({"pause", "source-connector"}, url);
  EXPECT_EQ(r.out, "paused connector source-connector\n");
  EXPECT_EQ(served.herder.calls.back(), "PauseConnector(source-connector)");
  r = RunCli({"resume", "source-connector"}, url);
  EXPECT_EQ(r.out, "resumed connector source-connector\n");
  r = RunCli({"restart", "source-connector", "--include-tasks", "--only-failed"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  ASSERT_TRUE(served.herder.last_restart.has_value());
  EXPECT_TRUE(served.herder.last_restart->include_tasks);
  EXPECT_TRUE(served.herder.last_restart->only_failed);
  r = RunCli({"restart", "source-connector"}, url);
  EXPECT_EQ(served.herder.calls.back(), "RestartConnector(source-connector)");
  r = RunCli({"stop", "source-connector"}, url);
  EXPECT_EQ(r.out, "stopped connector source-connector\n");
  r = RunCli({"offsets", "source-connector"}, url);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out), json::parse(R"({"offsets":[]})"));
  r = RunCli({"delete", "source-connector"}, url);
  EXPECT_EQ(r.out, "deleted connector source-connector\n");

  // API errors: the message and the status, exit 1.
  r = RunCli({"status", "source-connector"}, url);
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err,
            "walrelay connectors: GET /connectors/source-connector/status: HTTP 404: "
            "Connector source-connector not found\n");
  r = RunCli({"create", WALRELAY_SOURCE_DIR "/examples/seed/register-sink.json"}, url);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("HTTP 409: Connector sink-connector already exists"), std::string::npos);
  std::string bad = testing::WriteTempFile("bad.json", "{\"name\": ");
  r = RunCli({"create", bad}, url);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("HTTP 400: Request body is not valid JSON"), std::string::npos) << r.err;

  // Usage errors: exit 2.
  EXPECT_EQ(RunCli({"pause"}, url).code, 2);
  EXPECT_EQ(RunCli({"list", "extra"}, url).code, 2);
  EXPECT_EQ(RunCli({"frobnicate", "x"}, url).code, 2);
  EXPECT_EQ(RunCli({"restart", "x", "--task", "one"}, url).code, 2);
  EXPECT_EQ(RunCli({"pause", "x", "--include-tasks"}, url).code, 2);
  EXPECT_EQ(RunCli({"create", "/nonexistent.json"}, url).code, 2);
  EXPECT_EQ(RunCli({"list"}, "ftp://x").code, 2);

  // Nobody listening: exit 1 naming the URL.
  std::string gone = url;
  served.server->Stop();
  r = RunCli({"list"}, gone);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find(gone), std::string::npos) << r.err;
}

}  // namespace
}  // namespace walrelay
