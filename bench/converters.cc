// Serialize and deserialize rates of Confluent's AvroConverter against Kafka Connect's
// JsonConverter (schemas.enable=true, what the seed's topics would hold without a registry), in
// one run, on Debezium change events shaped like bench/kafka.sh's workload (an Envelope with
// before/after rows of a three-table mix, source block, op, ts_ms), and the registry requests per
// million records (issue 14: one per new schema, not per record). The registry is walrelay's
// own, served on a loopback port in this process, as a worker or `walrelay registry` serves it.
//
// Usage: build/bench_converters [RECORDS]   (default 1000000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "convert/avro_converter.h"
#include "convert/converter.h"
#include "registry/avro_schema_checker.h"
#include "registry/test_served_registry.h"

namespace {

using walrelay::data::PrimitiveSchema;
using walrelay::data::SchemaBuilder;
using walrelay::data::SchemaPtr;
using walrelay::data::Struct;
using walrelay::data::Type;
using walrelay::data::Value;

struct Table {
  std::string topic;
  SchemaPtr envelope;
  SchemaPtr row;
  SchemaPtr source;
};

Table MakeTable(const std::string& name) {
  Table t;
  t.topic = "bench.public." + name;
  t.row = SchemaBuilder(Type::kStruct)
              .Name(t.topic + ".Value")
              .Optional()
              .AddField("id", PrimitiveSchema(Type::kInt32, false))
              .AddField("account", PrimitiveSchema(Type::kInt64, true))
              .AddField("amount", SchemaBuilder(Type::kBytes)
                                      .Name("org.apache.kafka.connect.data.Decimal")
                                      .Version(1)
                                      .Parameter("scale", "2")
                                      .Parameter("connect.decimal.precision", "12")
                                      .Optional()
                                      .Build())
              .AddField("note", PrimitiveSchema(Type::kString, true))
              .AddField("updated_at", SchemaBuilder(Type::kInt64)
                                          .Name("io.debezium.time.MicroTimestamp")
                                          .Version(1)
                                          .Optional()
                                          .Build())
              .Build();
  t.source = SchemaBuilder(Type::kStruct)
                 .Name("io.debezium.connector.postgresql.Source")
                 .AddField("version", PrimitiveSchema(Type::kString, false))
                 .AddField("connector", PrimitiveSchema(Type::kString, false))
                 .AddField("name", PrimitiveSchema(Type::kString, false))
                 .AddField("ts_ms", PrimitiveSchema(Type::kInt64, false))
                 .AddField("db", PrimitiveSchema(Type::kString, false))
                 .AddField("schema", PrimitiveSchema(Type::kString, false))
                 .AddField("table", PrimitiveSchema(Type::kString, false))
                 .AddField("txId", PrimitiveSchema(Type::kInt64, true))
                 .AddField("lsn", PrimitiveSchema(Type::kInt64, true))
                 .Build();
  t.envelope = SchemaBuilder(Type::kStruct)
                   .Name(t.topic + ".Envelope")
                   .Version(2)
                   .AddField("before", t.row)
                   .AddField("after", t.row)
                   .AddField("source", t.source)
                   .AddField("op", PrimitiveSchema(Type::kString, false))
                   .AddField("ts_ms", PrimitiveSchema(Type::kInt64, true))
                   .Build();
  return t;
}

Value Event(const Table& t, int64_t i) {
  Value row(Struct{t.row,
                   {Value(i % 100000), Value(i * 7), Value(walrelay::data::Bytes{"\x01\x86\xa0"}),
                    Value("note " + std::to_string(i)), Value(int64_t{1733500000000000} + i)}});
  Value source(Struct{t.source,
                      {Value("2.7.3.Final"), Value("postgresql"), Value("bench"),
                       Value(int64_t{1733500000000}), Value("source_db"), Value("public"),
                       Value(t.topic.substr(13)), Value(int64_t{1000} + i / 10), Value(i * 64)}});
  return Value(
      Struct{t.envelope, {Value(), row, source, Value("c"), Value(int64_t{1733500000001})}});
}

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Rates {
  double serialize = 0, deserialize = 0;
  size_t bytes = 0;
};

Rates Measure(walrelay::convert::Converter* converter, const std::vector<Table>& tables,
              int64_t records) {
  Rates r;
  std::vector<std::string> messages;
  messages.reserve(static_cast<size_t>(records));
  auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < records; ++i) {
    const Table& t = tables[static_cast<size_t>(i) % tables.size()];
    std::string out;
    auto ok = converter->Serialize(t.topic, false, t.envelope, Event(t, i), &out);
    if (!ok.ok()) {
      std::fprintf(stderr, "serialize: %s\n", ok.status().ToString().c_str());
      std::exit(1);
    }
    r.bytes += out.size();
    messages.push_back(std::move(out));
  }
  r.serialize = static_cast<double>(records) / Seconds(start);
  start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < records; ++i) {
    const Table& t = tables[static_cast<size_t>(i) % tables.size()];
    auto back = converter->Deserialize(t.topic, false, messages[static_cast<size_t>(i)]);
    if (!back.ok()) {
      std::fprintf(stderr, "deserialize: %s\n", back.status().ToString().c_str());
      std::exit(1);
    }
  }
  r.deserialize = static_cast<double>(records) / Seconds(start);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t records = argc > 1 ? std::atoll(argv[1]) : 1000000;
  std::vector<Table> tables = {MakeTable("accounts"), MakeTable("orders"), MakeTable("events")};

  walrelay::convert::ConverterSettings json_settings;
  json_settings.class_name = walrelay::convert::kJsonConverterClass;
  auto json = walrelay::convert::CreateConverter(json_settings);

  walrelay::registry::AvroSchemaChecker checker;
  walrelay::registry::ServedRegistry served(&checker);
  auto settings =
      walrelay::convert::AvroConverterSettings::Parse({{"schema.registry.url", served.url()}}, "");
  auto client = walrelay::registry::RegistryClient::Create(settings->registry);
  walrelay::convert::AvroConverter avro(*settings, std::move(client).value());

  Rates j = Measure(json.get(), tables, records);
  Rates a = Measure(&avro, tables, records);
  std::printf("%lld change events of 3 tables, one thread\n", static_cast<long long>(records));
  std::printf(
      "JsonConverter (schemas):  serialize %9.0f/s  deserialize %9.0f/s  %6.0f bytes/record\n",
      j.serialize, j.deserialize, static_cast<double>(j.bytes) / records);
  std::printf(
      "AvroConverter (registry): serialize %9.0f/s  deserialize %9.0f/s  %6.0f bytes/record\n",
      a.serialize, a.deserialize, static_cast<double>(a.bytes) / records);
  std::printf("Avro / JSON: serialize %.2fx, deserialize %.2fx, size %.2fx\n",
              a.serialize / j.serialize, a.deserialize / j.deserialize,
              static_cast<double>(a.bytes) / static_cast<double>(j.bytes));
  std::printf(
      "registry requests: %llu for %lld records (%.2f per 1M; one registration per "
      "schema, whose id the reads then find in the client's cache)\n",
      static_cast<unsigned long long>(avro.registry_requests()), static_cast<long long>(records),
      static_cast<double>(avro.registry_requests()) * 1e6 / static_cast<double>(records));
  return 0;
}
