#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/stop.h"
#include "kafka/consumer.h"

namespace walrelay::cli {

// `walrelay consume`'s options (Kafka's kafka-console-consumer.sh names).
struct ConsumeOptions {
  std::string topic;
  std::string bootstrap = "localhost:9092";
  bool from_beginning = false;
  bool print_key = false;
  bool print_headers = false;  // --print-headers, --property print.headers=true
  int64_t max_messages = -1;   // -1: until stopped
  int64_t timeout_ms = -1;     // -1: wait forever; else exit after that long without a message
                               // (counted from the group assignment)
  std::string group;           // "": console-consumer-<random>, offsets never committed
  std::map<std::string, std::string> consumer_properties;  // --consumer-property KEY=VALUE
  // --avro: keys and values are Confluent's Avro wire format, printed as the Avro JSON
  // encoding (as kafka-avro-console-consumer does) through the registry at `registry_url`
  // (--registry URL, or --property schema.registry.url=URL as Confluent's tool takes it).
  bool avro = false;
  std::string registry_url = "http://localhost:8081";
};

// Parses `consume TOPIC [--from-beginning] [--print-key] [--max N] [--bootstrap-server HOST:PORT]
// [--timeout-ms N] [--group G] [--consumer-property KEY=VALUE]... [--avro [--registry URL]]`
// [--print-headers] (also `--topic TOPIC` and
// `--property schema.registry.url=URL|print.key=true|print.headers=true`, the console consumers'
// spellings); an error names the argument.
std::optional<std::string> ParseConsumeArgs(const std::vector<std::string>& args,
                                            ConsumeOptions* out);

// One record as Kafka's console consumer prints it: the value, or `key<TAB>value` with
// print_key; `null` for a null key or value; then a newline. With print_headers the record's
// headers come first, as `name:value` joined by ',' (`NO_HEADERS` when it has none), then a tab.
std::string FormatConsoleRecord(const kafka::Message& m, bool print_key,
                                bool print_headers = false);

// The headers part of a console line, tab included (see FormatConsoleRecord).
std::string FormatConsoleHeaders(const kafka::Message& m);

// Reads the topic and prints each record to `out` until --max records, --timeout-ms of silence or
// a stop request; "Processed a total of N messages" goes to `err` at the end, as Kafka's does.
// Returns 0, 1 on a Kafka error, 2 on bad options.
int RunConsume(const ConsumeOptions& options, const StopSource* stop, std::FILE* out,
               std::FILE* err);

// `walrelay topics list [--bootstrap-server HOST:PORT]`: one topic name per line, sorted.
int RunTopics(const std::vector<std::string>& args, const StopSource* stop, std::FILE* out,
              std::FILE* err);

// The subcommands, with SIGINT/SIGTERM stopping them.
int TopicsCommand(const std::vector<std::string>& args);
int ConsumeCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
