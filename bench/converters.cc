// Serialize and deserialize rates of Confluent's AvroConverter against Kafka Connect's
// JsonConverter (schemas.enable=true, what bench/kafka.sh's topics hold), in one run, on
// bench/kafka.sh's workload: the change events of bench/workload.sql (tables t1, t2 and t3 of
// bench/pg_to_pg.sh; half inserts, 35% updates, 15% deletes, each delete followed by its
// tombstone), built by the connector's own TableEvents as it builds them from pgoutput, keys and
// values each through their converter as a worker's key.converter and value.converter. Also the
// registry requests per million records (issue 14: one per new schema, not per record). The
// registry is walrelay's own, served on a loopback port in this process, as a worker or
// `walrelay registry` serves it.
//
// Usage: build/bench_converters [RECORDS]   (default 1000000)

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "convert/avro_converter.h"
#include "convert/converter.h"
#include "registry/avro_schema_checker.h"
#include "registry/test_served_registry.h"
#include "source/event_builder.h"
#include "source/type_mapper.h"

namespace {

using walrelay::data::Record;
using walrelay::pg::TupleData;
using walrelay::pg::TupleValue;
using walrelay::pg::TupleValueKind;
using walrelay::source::SourceMeta;
using walrelay::source::TableColumn;
using walrelay::source::TableEvents;
using walrelay::source::TableInfo;

// PostgreSQL's built-in type OIDs (pg_type.dat) of the workload's columns.
constexpr uint32_t kInt4 = 23, kInt8 = 20, kText = 25, kTimestamptz = 1184, kNumeric = 1700,
                   kVarchar = 1043, kBool = 16, kFloat8 = 701;

TableColumn Column(std::string name, uint32_t oid, int32_t typmod, bool nullable,
                   int key_position = 0) {
  TableColumn c;
  c.name = std::move(name);
  c.type_oid = oid;
  c.type_modifier = typmod;
  c.nullable = nullable;
  c.in_key = key_position > 0;
  c.key_position = key_position;
  return c;
}

TableInfo Table(uint32_t oid, const std::string& name, std::vector<TableColumn> columns) {
  TableInfo t;
  t.relation_id = oid;
  t.schema = "public";
  t.table = name;
  t.columns = std::move(columns);
  return t;
}

// bench/pg_to_pg.sh's tables:
//   t1 (id bigint PRIMARY KEY, a int NOT NULL, b text, c timestamptz)
//   t2 (id bigint PRIMARY KEY, qty numeric(12,2), name varchar(64), flag boolean)
//   t3 (id bigint, k int, d double precision, note text, PRIMARY KEY (id, k))
// (typmods as pg_attribute stores them: numeric ((12 << 16) | 2) + 4, varchar 64 + 4).
std::vector<TableInfo> WorkloadTables() {
  return {
      Table(16401, "t1",
            {Column("id", kInt8, -1, false, 1), Column("a", kInt4, -1, false),
             Column("b", kText, -1, true), Column("c", kTimestamptz, -1, true)}),
      Table(16402, "t2",
            {Column("id", kInt8, -1, false, 1), Column("qty", kNumeric, ((12 << 16) | 2) + 4, true),
             Column("name", kVarchar, 64 + 4, true), Column("flag", kBool, -1, true)}),
      Table(16403, "t3",
            {Column("id", kInt8, -1, false, 1), Column("k", kInt4, -1, false, 2),
             Column("d", kFloat8, -1, true), Column("note", kText, -1, true)})};
}

TupleValue Text(std::string text) { return TupleValue{TupleValueKind::kText, std::move(text)}; }
TupleValue Null() { return TupleValue{}; }

// What bench_load(client, n) writes, with the same operation mix and value shapes, in PostgreSQL's
// text forms as pgoutput sends them.
class Workload {
 public:
  explicit Workload(std::vector<TableEvents>* tables) : tables_(tables) {}

  // Appends the records of the next row change (two for a delete: the tombstone), or nothing
  // when the change would find no row.
  void Next(std::vector<Record>* out) {
    const size_t t = std::uniform_int_distribution<size_t>(0, 2)(rng_);
    const double op = Uniform();
    SourceMeta meta;
    meta.commit_ts_ms = 1733500000000 + static_cast<int64_t>(changes_);
    meta.commit_ts_us = meta.commit_ts_ms * 1000 + 123;
    meta.now_ms = meta.commit_ts_ms + 2;
    meta.txid = 1000 + static_cast<int64_t>(changes_ / 50);
    meta.lsn = 0x3000000 + static_cast<int64_t>(changes_) * 96;
    meta.last_commit_lsn = meta.lsn.value() - 40;
    ++changes_;
    const TableEvents& ev = (*tables_)[t];
    walrelay::Status st;
    if (op < 0.5 || last_[t] < 20) {
      st = ev.Insert(Row(t, kBase + ++last_[t]), meta, out);
    } else {
      const int64_t key =
          kBase + 1 + static_cast<int64_t>(Uniform() * static_cast<double>(last_[t]));
      // As in bench_load, a change of a deleted key changes no row, so it makes no event.
      if (deleted_[t].count(key) > 0) return;
      if (op < 0.85) {
        st = ev.Update(0, nullptr, Row(t, key), meta, out);
      } else {
        // Replica identity default: the old tuple carries the key columns, the others null.
        TupleData old = {Text(std::to_string(key)), Null(), Null(), Null()};
        if (t == 2) old[1] = Text(std::to_string(key % 7));
        st = ev.Delete('K', old, meta, out);
        deleted_[t].insert(key);
      }
    }
    if (!st.ok()) {
      std::fprintf(stderr, "building an event: %s\n", st.ToString().c_str());
      std::exit(1);
    }
  }

 private:
  // bench_load's keys: client * 1,000,000,000 + n, here for client 1.
  static constexpr int64_t kBase = 1000000000;

  double Uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  std::string Hex32() {
    static const char kDigits[] = "0123456789abcdef";
    std::string s(32, '0');
    for (char& c : s) c = kDigits[std::uniform_int_distribution<int>(0, 15)(rng_)];
    return s;
  }

  TupleData Row(size_t t, int64_t key) {
    const std::string id = std::to_string(key);
    char buf[64];
    switch (t) {
      case 0: {
        std::snprintf(buf, sizeof(buf), "2026-12-%02d %02d:%02d:%02d.%06d+00",
                      1 + static_cast<int>(Uniform() * 28), static_cast<int>(Uniform() * 24),
                      static_cast<int>(Uniform() * 60), static_cast<int>(Uniform() * 60),
                      static_cast<int>(Uniform() * 1e6));
        return {Text(id), Text(std::to_string(static_cast<int>(Uniform() * 1e6))),
                Uniform() < 0.1 ? Null() : Text(Hex32()), Text(buf)};
      }
      case 1:
        std::snprintf(buf, sizeof(buf), "%.2f", Uniform() * 1e6);
        return {Text(id), Text(buf), Text("name " + id), Text(Uniform() < 0.5 ? "t" : "f")};
      default:
        std::snprintf(buf, sizeof(buf), "%.15g", Uniform() * 1000);
        return {Text(id), Text(std::to_string(key % 7)), Text(buf),
                Text(std::string(static_cast<size_t>(key % 40), 'x'))};
    }
  }

  std::vector<TableEvents>* tables_;
  std::mt19937_64 rng_{20261207};
  int64_t last_[3] = {0, 0, 0};
  std::unordered_set<int64_t> deleted_[3];
  uint64_t changes_ = 0;
};

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Rates {
  double serialize = 0, deserialize = 0;
  size_t bytes = 0;
};

// Keys and values of `records` through `keys` and `values`, timed as a whole: serializing into
// one reused buffer (as a producer hands each message to librdkafka, which copies it), then
// deserializing every message (serialized again beforehand, untimed, into a buffer each).
Rates Measure(walrelay::convert::Converter* keys, walrelay::convert::Converter* values,
              const std::vector<Record>& records) {
  auto serialize = [&](const Record& rec, bool is_key, std::string* out) {
    auto written = (is_key ? keys : values)
                       ->Serialize(rec.topic, is_key, is_key ? rec.key_schema : rec.value_schema,
                                   is_key ? rec.key : rec.value, out);
    if (!written.ok()) {
      std::fprintf(stderr, "serialize: %s\n", written.status().ToString().c_str());
      std::exit(1);
    }
    return *written;
  };
  Rates r;
  std::string buffer;
  auto start = std::chrono::steady_clock::now();
  for (const Record& rec : records) {
    for (bool is_key : {true, false}) {
      buffer.clear();
      serialize(rec, is_key, &buffer);
      r.bytes += buffer.size();
    }
  }
  r.serialize = static_cast<double>(records.size()) / Seconds(start);

  struct Message {
    std::optional<std::string> key, value;
  };
  std::vector<Message> messages(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    for (bool is_key : {true, false}) {
      std::string out;
      if (serialize(records[i], is_key, &out)) {
        (is_key ? messages[i].key : messages[i].value) = std::move(out);
      }
    }
  }
  start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < records.size(); ++i) {
    for (bool is_key : {true, false}) {
      const std::optional<std::string>& bytes = is_key ? messages[i].key : messages[i].value;
      auto back = (is_key ? keys : values)
                      ->Deserialize(records[i].topic, is_key,
                                    bytes ? std::optional<std::string_view>(*bytes) : std::nullopt);
      if (!back.ok()) {
        std::fprintf(stderr, "deserialize: %s\n", back.status().ToString().c_str());
        std::exit(1);
      }
    }
  }
  r.deserialize = static_cast<double>(records.size()) / Seconds(start);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t wanted = argc > 1 ? std::atoll(argv[1]) : 1000000;
  walrelay::source::TypeCatalog catalog;
  walrelay::source::TypeMapper mapper(&catalog, walrelay::source::TypeModes{});
  walrelay::source::EventOptions options;
  options.topic_prefix = "bench";
  options.database = "src";
  std::vector<TableEvents> tables;
  for (const TableInfo& info : WorkloadTables()) {
    auto ev = TableEvents::Create(info, mapper, options);
    if (!ev.ok()) {
      std::fprintf(stderr, "%s: %s\n", info.table.c_str(), ev.status().ToString().c_str());
      return 1;
    }
    tables.push_back(std::move(ev).value());
  }
  std::vector<Record> records;
  records.reserve(static_cast<size_t>(wanted) + 1);
  Workload workload(&tables);
  while (static_cast<int64_t>(records.size()) < wanted) workload.Next(&records);
  size_t tombstones = 0;
  std::set<std::string> subjects;  // TopicNameStrategy's, one schema each
  for (const Record& r : records) {
    subjects.insert(r.topic + "-key");
    if (r.is_tombstone()) {
      ++tombstones;
    } else {
      subjects.insert(r.topic + "-value");
    }
  }

  auto json_converter = [] {
    walrelay::convert::ConverterSettings settings;
    settings.class_name = walrelay::convert::kJsonConverterClass;
    return walrelay::convert::CreateConverter(settings);
  };
  auto json_keys = json_converter(), json_values = json_converter();

  walrelay::registry::AvroSchemaChecker checker;
  walrelay::registry::ServedRegistry served(&checker);
  auto avro_converter = [&] {
    auto settings = walrelay::convert::AvroConverterSettings::Parse(
        {{"schema.registry.url", served.url()}}, "");
    auto client = walrelay::registry::RegistryClient::Create(settings->registry);
    return std::make_unique<walrelay::convert::AvroConverter>(*settings, std::move(client).value());
  };
  auto avro_keys = avro_converter(), avro_values = avro_converter();

  Rates j = Measure(json_keys.get(), json_values.get(), records);
  Rates a = Measure(avro_keys.get(), avro_values.get(), records);
  const double n = static_cast<double>(records.size());
  std::printf(
      "%zu records of bench/workload.sql's changes to t1, t2, t3 (%zu of them tombstones), "
      "key and value each, one thread\n",
      records.size(), tombstones);
  std::printf(
      "JsonConverter (schemas):  serialize %9.0f/s  deserialize %9.0f/s  %6.0f bytes/record\n",
      j.serialize, j.deserialize, static_cast<double>(j.bytes) / n);
  std::printf(
      "AvroConverter (registry): serialize %9.0f/s  deserialize %9.0f/s  %6.0f bytes/record\n",
      a.serialize, a.deserialize, static_cast<double>(a.bytes) / n);
  std::printf("Avro / JSON: serialize %.2fx, deserialize %.2fx, size %.2fx\n",
              a.serialize / j.serialize, a.deserialize / j.deserialize,
              static_cast<double>(a.bytes) / static_cast<double>(j.bytes));
  const uint64_t requests = avro_keys->registry_requests() + avro_values->registry_requests();
  std::printf(
      "registry requests: %llu for %zu records (%.2f per 1M) and %zu schemas (one registration "
      "each, whose ids the reads then find in the client's cache)\n",
      static_cast<unsigned long long>(requests), records.size(),
      static_cast<double>(requests) * 1e6 / n, subjects.size());
  return 0;
}
