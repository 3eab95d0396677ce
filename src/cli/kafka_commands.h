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
  int64_t max_messages = -1;  // -1: until stopped
  int64_t timeout_ms = -1;    // -1: wait forever; else exit after that long without a message
                              // (counted from the group assignment)
  std::string group;          // "": console-consumer-<random>, offsets never committed
  std::map<std::string, std::string> consumer_properties;  // --consumer-property KEY=VALUE
  // --avro: keys and values are Confluent's Avro wire format, printed as the Avro JSON
  // encoding (as kafka-avro-console-consumer does) through the registry at `registry_url`
  // (--registry URL, or --property schema.registry.url=URL as Confluent's tool takes it).
  bool avro = false;
  std::string registry_url = "http://localhost:8081";
};

// Parses `consume TOPIC [--from-beginning] [--print-key] [--max N] [--bootstrap-server HOST:PORT]
// [--timeout-ms N] [--group G] [--consumer-property KEY=VALUE]... [--avro [--registry URL]]`
// (also `--topic TOPIC` and `--property schema.registry.url=URL|print.key=true`, the Avro console
// consumer's spellings); an error names the argument.
std::optional<std::string> ParseConsumeArgs(const std::vector<std::string>& args,
                                            ConsumeOptions* out);

// One record as Kafka's console consumer prints it: the value, or `key<TAB>value` with
// print_key; `null` for a null key or value; then a newline.
std::string FormatConsoleRecord(const kafka::Message& m, bool print_key);

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
