#include "cli/kafka_commands.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <random>

#include "cli/signals.h"
#include "convert/avro_converter.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"

namespace walrelay::cli {
namespace {

using Clock = std::chrono::steady_clock;

std::optional<int64_t> PositiveNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v <= 0) return std::nullopt;
  return v;
}

void PrintWarnings(const kafka::ClientConfig& cfg, const char* cmd, std::FILE* err) {
  for (const std::string& w : cfg.warnings) std::fprintf(err, "walrelay %s: %s\n", cmd, w.c_str());
}

}  // namespace

std::optional<std::string> ParseConsumeArgs(const std::vector<std::string>& args,
                                            ConsumeOptions* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--from-beginning") {
      out->from_beginning = true;
    } else if (a == "--print-key") {
      out->print_key = true;
    } else if (a == "--print-headers") {
      out->print_headers = true;
    } else if (a == "--bootstrap-server") {
      if (!has_value || args[i + 1].empty()) return "--bootstrap-server needs HOST:PORT";
      out->bootstrap = args[++i];
    } else if (a == "--max" || a == "--max-messages") {
      auto n = has_value ? PositiveNumber(args[++i]) : std::nullopt;
      if (!n) return a + " needs a number of messages > 0";
      out->max_messages = *n;
    } else if (a == "--timeout-ms") {
      auto n = has_value ? PositiveNumber(args[++i]) : std::nullopt;
      if (!n) return "--timeout-ms needs milliseconds > 0";
      out->timeout_ms = *n;
    } else if (a == "--group") {
      if (!has_value || args[i + 1].empty()) return "--group needs a group id";
      out->group = args[++i];
    } else if (a == "--avro") {
      out->avro = true;
    } else if (a == "--registry") {
      if (!has_value || args[i + 1].empty()) return "--registry needs a URL";
      out->registry_url = args[++i];
    } else if (a == "--topic") {
      if (!has_value || args[i + 1].empty()) return "--topic needs a topic";
      if (!out->topic.empty()) {
        return "only one topic may be given (found '" + out->topic + "' and '" + args[i + 1] + "')";
      }
      out->topic = args[++i];
    } else if (a == "--property") {
      if (!has_value) return "--property needs KEY=VALUE";
      const std::string& kv = args[++i];
      const size_t eq = kv.find('=');
      const std::string key = kv.substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : kv.substr(eq + 1);
      if (key == "schema.registry.url" && !value.empty()) {
        out->registry_url = value;
      } else if (key == "print.key") {
        out->print_key = value == "true";
      } else if (key == "print.headers") {
        out->print_headers = value == "true";
      } else {
        return "--property " + key +
               " is not supported (supported: schema.registry.url, print.key, print.headers)";
      }
    } else if (a == "--consumer-property") {
      const size_t eq = has_value ? args[i + 1].find('=') : std::string::npos;
      if (eq == std::string::npos || eq == 0) return "--consumer-property needs KEY=VALUE";
      out->consumer_properties[args[i + 1].substr(0, eq)] = args[i + 1].substr(eq + 1);
      ++i;
    } else if (!a.empty() && a[0] == '-') {
      return "unknown argument '" + a + "'";
    } else if (out->topic.empty()) {
      out->topic = a;
    } else {
      return "only one topic may be given (found '" + out->topic + "' and '" + a + "')";
    }
  }
  if (out->topic.empty()) return "a TOPIC is required";
  return std::nullopt;
}

std::string FormatConsoleHeaders(const kafka::Message& m) {
  if (m.headers.empty()) return "NO_HEADERS\t";
  std::string out;
  for (const kafka::Header& h : m.headers) {
    if (!out.empty()) out += ',';
    out += h.key + ':' + (h.value ? std::string(*h.value) : std::string("null"));
  }
  return out + '\t';
}

std::string FormatConsoleRecord(const kafka::Message& m, bool print_key, bool print_headers) {
  std::string line;
  if (print_headers) line = FormatConsoleHeaders(m);
  if (print_key) {
    line += m.key ? *m.key : "null";
    line += '\t';
  }
  line += m.value ? *m.value : "null";
  line += '\n';
  return line;
}

int RunConsume(const ConsumeOptions& options, const StopSource* stop, std::FILE* out,
               std::FILE* err) {
  std::map<std::string, std::string> props = options.consumer_properties;
  props["bootstrap.servers"] = options.bootstrap;
  std::string group = options.group;
  if (group.empty()) {
    std::random_device rd;
    group = "console-consumer-" + std::to_string(std::uniform_int_distribution<int>(0, 99999)(rd));
  }
  props["group.id"] = group;
  props["auto.offset.reset"] = options.from_beginning ? "earliest" : "latest";
  auto cfg = kafka::TranslateJavaProperties(props, kafka::ClientRole::kConsumer);
  if (!cfg.ok()) {
    std::fprintf(err, "walrelay consume: %s\n", cfg.status().message().c_str());
    return 2;
  }
  PrintWarnings(*cfg, "consume", err);
  auto consumer = kafka::Consumer::Create(*cfg);
  if (!consumer.ok()) {
    std::fprintf(err, "walrelay consume: %s\n", consumer.status().message().c_str());
    return 2;
  }
  std::unique_ptr<convert::AvroConverter> avro;
  if (options.avro) {
    Result<convert::AvroConverterSettings> settings = convert::AvroConverterSettings::Parse(
        {{"schema.registry.url", options.registry_url}}, "--registry ");
    if (!settings.ok()) {
      std::fprintf(err, "walrelay consume: %s\n", settings.status().message().c_str());
      return 2;
    }
    auto client = registry::RegistryClient::Create(settings->registry);
    if (!client.ok()) {
      std::fprintf(err, "walrelay consume: %s\n", client.status().message().c_str());
      return 2;
    }
    avro = std::make_unique<convert::AvroConverter>(*settings, std::move(client).value());
  }
  Status s = consumer->Subscribe({options.topic});
  int64_t printed = 0;
  int64_t unreadable = 0;
  // The silence of --timeout-ms counts from the first assignment: joining the group is not a
  // lack of messages. Before it, the group join gets kJoinGrace more.
  constexpr auto kJoinGrace = std::chrono::seconds(10);
  auto last_message = Clock::now() + kJoinGrace;
  bool assigned = false;
  while (s.ok() && (options.max_messages < 0 || printed < options.max_messages)) {
    if (options.timeout_ms > 0 &&
        Clock::now() - last_message >= std::chrono::milliseconds(options.timeout_ms)) {
      break;
    }
    auto r = consumer->Poll(std::chrono::milliseconds(200), stop);
    if (!r.ok()) {
      if (r.status().kind() != ErrorKind::kStopped) s = r.status();
      break;
    }
    if (!assigned && !r->events.empty()) {
      assigned = true;
      last_message = Clock::now();
    }
    if (!r->messages.empty()) last_message = Clock::now();
    for (const kafka::Message& m : r->messages) {
      if (options.max_messages >= 0 && printed >= options.max_messages) break;
      std::string line;
      if (avro == nullptr) {
        line = FormatConsoleRecord(m, options.print_key, options.print_headers);
      } else {
        // A message that is not Avro of a known schema is reported with its place and skipped.
        auto decoded = [&](bool is_key) -> Result<std::string> {
          const std::optional<std::string>& bytes = is_key ? m.key : m.value;
          if (!bytes) return std::string("null");
          return avro->ToAvroJson(m.tp.topic, is_key, *bytes);
        };
        Result<std::string> key = options.print_key ? decoded(true) : Result<std::string>("");
        Result<std::string> value = key.ok() ? decoded(false) : key;
        if (!value.ok()) {
          std::fprintf(err, "walrelay consume: topic %s partition %d offset %lld: %s\n",
                       m.tp.topic.c_str(), static_cast<int>(m.tp.partition),
                       static_cast<long long>(m.offset), value.status().message().c_str());
          ++unreadable;
          continue;
        }
        if (options.print_headers) line = FormatConsoleHeaders(m);
        if (options.print_key) line += *key + "\t";
        line += *value + "\n";
      }
      std::fwrite(line.data(), 1, line.size(), out);
      ++printed;
    }
    std::fflush(out);
  }
  (void)consumer->Close();
  std::fprintf(err, "Processed a total of %lld messages\n", static_cast<long long>(printed));
  if (unreadable > 0) {
    std::fprintf(err, "walrelay consume: %lld messages could not be read as Avro\n",
                 static_cast<long long>(unreadable));
  }
  if (!s.ok()) {
    std::fprintf(err, "walrelay consume: %s\n", s.message().c_str());
    return 1;
  }
  if (unreadable > 0) return 1;
  return 0;
}

int RunTopics(const std::vector<std::string>& args, const StopSource* stop, std::FILE* out,
              std::FILE* err) {
  if (args.empty() || args[0] != "list") {
    std::fprintf(err,
                 "walrelay topics: expected 'list' (walrelay topics list "
                 "[--bootstrap-server HOST:PORT])\n");
    return 2;
  }
  std::string bootstrap = "localhost:9092";
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--bootstrap-server" && i + 1 < args.size() && !args[i + 1].empty()) {
      bootstrap = args[++i];
    } else if (args[i] == "--bootstrap-server") {
      std::fprintf(err, "walrelay topics: --bootstrap-server needs HOST:PORT\n");
      return 2;
    } else {
      std::fprintf(err, "walrelay topics: unknown argument '%s'\n", args[i].c_str());
      return 2;
    }
  }
  auto cfg =
      kafka::TranslateJavaProperties({{"bootstrap.servers", bootstrap}}, kafka::ClientRole::kAdmin);
  if (!cfg.ok()) {
    std::fprintf(err, "walrelay topics: %s\n", cfg.status().message().c_str());
    return 2;
  }
  auto admin = kafka::Admin::Create(*cfg);
  if (!admin.ok()) {
    std::fprintf(err, "walrelay topics: %s\n", admin.status().message().c_str());
    return 2;
  }
  auto topics = admin->ListTopics(std::chrono::seconds(30), stop);
  if (!topics.ok()) {
    std::fprintf(err, "walrelay topics: %s\n", topics.status().message().c_str());
    return 1;
  }
  for (const kafka::TopicInfo& t : *topics) std::fprintf(out, "%s\n", t.name.c_str());
  return 0;
}

int TopicsCommand(const std::vector<std::string>& args) {
  return RunTopics(args, InstallStopHandlers(), stdout, stderr);
}

int ConsumeCommand(const std::vector<std::string>& args) {
  ConsumeOptions options;
  if (auto e = ParseConsumeArgs(args, &options)) {
    std::fprintf(stderr, "walrelay consume: %s\n", e->c_str());
    return 2;
  }
  return RunConsume(options, InstallStopHandlers(), stdout, stderr);
}

}  // namespace walrelay::cli
