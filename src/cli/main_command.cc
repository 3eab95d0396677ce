#include "cli/main_command.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli/connectors_command.h"
#include "cli/kafka_commands.h"
#include "cli/properties_command.h"
#include "cli/reader_command.h"
#include "cli/registry_command.h"
#include "cli/run_command.h"
#include "cli/worker_command.h"
#include "cli/writer_command.h"

namespace walrelay::cli {
namespace {

constexpr const char* kUsage =
    "walrelay: change data capture for PostgreSQL, Debezium and Kafka Connect compatible\n"
    "\n"
    "Usage:\n"
    "  walrelay run SOURCE.json [SINK.json...] [--set [NAME:]KEY=VALUE]... [--max-records N]\n"
    "               [--idle-exit SECONDS]\n"
    "      Runs a Debezium PostgreSQL source connector file (Kafka Connect JSON). With no sink,\n"
    "      each record is printed to stdout as {\"topic\", \"key\", \"value\"}; logs go to "
    "stderr.\n"
    "  walrelay writer [--dsn DSN] [--outbox | --query SQL] [--rate N] [--duration SECONDS]\n"
    "                  [--quiet]\n"
    "      The seed's writer: upserts debezium_table id=1 (current_value + 1) in a loop, or\n"
    "      inserts outbox events, or runs SQL; one transaction each, at most N per second, until\n"
    "      the duration is over or SIGINT/SIGTERM, then prints committed=N on stdout. Progress\n"
    "      every 5 s on stderr unless --quiet; reconnects every 5 s while the database is away.\n"
    "      DSN: libpq conninfo or URI, or the seed's Server=..;Port=..;Database=..;User Id=..;\n"
    "      Password=..; without --dsn, the CONNECTION_STRING environment variable.\n"
    "  walrelay reader [--dsn DSN] [--interval SECONDS] [--count N]\n"
    "      The seed's reader: prints current_value of debezium_table id=1 every interval\n"
    "      (default 5 s), N times or until SIGINT/SIGTERM. DSN as for the writer.\n"
    "  walrelay worker connect-distributed.properties\n"
    "      A distributed worker (Kafka Connect's connect-distributed): joins the workers of the\n"
    "      file's group.id through Kafka, serves the Kafka Connect REST API and GET /metrics.\n"
    "  walrelay registry schema-registry.properties\n"
    "      A schema registry (Confluent Schema Registry's API and _schemas topic): instances of\n"
    "      one schema.registry.group.id elect a leader through Kafka; followers forward writes.\n"
    "  walrelay connectors list|status|config|create FILE|delete|pause|resume|stop|restart|\n"
    "                     offsets [NAME] [--url URL] (default http://127.0.0.1:8083)\n"
    "      Operates connectors through the Kafka Connect REST API; `walrelay connectors` alone\n"
    "      lists the options.\n"
    "  walrelay topics list [--bootstrap-server HOST:PORT]\n"
    "      Lists the Kafka cluster's topics, one per line (default server localhost:9092).\n"
    "  walrelay consume TOPIC [--from-beginning] [--print-key] [--max N] [--timeout-ms N]\n"
    "                   [--bootstrap-server HOST:PORT] [--group G] [--consumer-property K=V]...\n"
    "                   [--print-headers] [--avro [--registry URL]]\n"
    "      Prints a topic's records as Kafka's console consumer does: the value per line, or\n"
    "      key<TAB>value with --print-key, null for null; --print-headers puts the headers\n"
    "      (name:value,...) first. With --avro, keys and values are\n"
    "      Confluent's Avro wire format, printed as Avro JSON through the schema registry at URL\n"
    "      (default http://localhost:8081), as kafka-avro-console-consumer does.\n"
    "  walrelay properties [CONNECTOR_CLASS]\n"
    "      Prints every supported property (type, default, allowed values) as Markdown.\n"
    "  walrelay version\n"
    "  walrelay help\n";

}  // namespace

int Main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "version" || cmd == "--version") {
    std::puts("walrelay 0.1.0");
    return 0;
  }
  if (cmd == "run") return RunCommand(args);
  if (cmd == "worker") return WorkerCommand(args);
  if (cmd == "registry") return RegistryCommand(args);
  if (cmd == "properties") return PropertiesCommand(args);
  if (cmd == "writer") return WriterCommand(args);
  if (cmd == "reader") return ReaderCommand(args);
  if (cmd == "connectors") return ConnectorsCommand(args);
  if (cmd == "topics") return TopicsCommand(args);
  if (cmd == "consume") return ConsumeCommand(args);
  std::fprintf(stderr, "walrelay: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
  return 2;
}

}  // namespace walrelay::cli
