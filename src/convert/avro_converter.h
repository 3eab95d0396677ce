#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "avro/datum.h"
#include "avro/schema.h"
#include "common/status.h"
#include "convert/avro_data.h"
#include "convert/converter.h"
#include "registry/registry_client.h"

namespace walrelay::convert {

inline constexpr char kAvroConverterClass[] = "io.confluent.connect.avro.AvroConverter";

// Confluent's subject name strategies (io.confluent.kafka.serializers.subject.*).
enum class SubjectNameStrategy { kTopicName, kRecordName, kTopicRecordName };

// The AvroConverter's settings, read from `<role>.converter.*` with the prefix stripped
// (AvroConverterConfig and the serializer's and deserializer's configs).
struct AvroConverterSettings {
  registry::RegistryClientOptions registry;
  AvroDataOptions data;
  bool auto_register_schemas = true;
  bool use_latest_version = false;
  bool latest_compatibility_strict = true;
  SubjectNameStrategy key_strategy = SubjectNameStrategy::kTopicName;
  SubjectNameStrategy value_strategy = SubjectNameStrategy::kTopicName;
  size_t schemas_cache_size = 1000;

  // kInvalidArgument naming the property (with `prefix`, e.g. "value.converter.") and what is
  // allowed: a missing schema.registry.url, a bad URL, a strategy class walrelay does not know.
  static Result<AvroConverterSettings> Parse(const std::map<std::string, std::string>& options,
                                             const std::string& prefix);
};

// The subject a schema is registered under: `<topic>-key` / `<topic>-value`, the record's full
// name, or `<topic>-<full name>`. `record_name` is the Avro schema's full name ("" for a type that
// has none: RecordNameStrategy then fails, as Confluent's does, naming the topic).
Result<std::string> SubjectName(SubjectNameStrategy strategy, std::string_view topic, bool is_key,
                                std::string_view record_name);

// Confluent's io.confluent.connect.avro.AvroConverter: Connect data <-> Confluent's wire format
// (magic byte 0, the schema id as 4 big-endian bytes, the Avro binary encoding), with schemas in
// a schema registry.
//
// Serialize maps the Connect schema to Avro (AvroData), registers it under the strategy's subject
// (or looks it up: auto.register.schemas=false; or takes the subject's latest version:
// use.latest.version, whose schema must read ours when latest.compatibility.strict) once per
// (Connect schema, topic), and then writes records with no registry round trip. Deserialize reads
// the id, fetches the writer's schema once per id and decodes with it, or, with
// use.latest.version, resolves it to the subject's latest schema (Avro's schema resolution).
//
// Errors name the topic: kDataError for data that does not fit or bytes that are not the wire
// format (a wrong magic byte, a truncated message, an id the registry does not know), the
// registry's own message for a refused schema (an incompatible change names the subject and the
// compatibility level); kRetry when the registry cannot be reached.
//
// Used by one task thread (Converter's contract); the registry client is its own.
class AvroConverter : public Converter {
 public:
  AvroConverter(AvroConverterSettings settings, std::unique_ptr<registry::RegistryClient> client);

  ConverterOutput output() const override { return ConverterOutput::kAvro; }
  Result<bool> Serialize(std::string_view topic, bool is_key, const data::SchemaPtr& schema,
                         const data::Value& value, std::string* out) override;
  Result<SchemaAndValue> Deserialize(std::string_view topic, bool is_key,
                                     std::optional<std::string_view> bytes) override;

  // The Avro JSON encoding of a message's key or value (what Confluent's Avro console consumer
  // prints), read as Deserialize reads it; "null" for null bytes.
  Result<std::string> ToAvroJson(std::string_view topic, bool is_key,
                                 std::optional<std::string_view> bytes);
  Result<std::string> DisplayJson(std::string_view topic, bool is_key,
                                  std::string_view bytes) override {
    return ToAvroJson(topic, is_key, bytes);
  }

  // Registry requests made so far (for benchmarks: one per new schema, not per record).
  uint64_t registry_requests() const { return client_ ? client_->request_count() : 0; }

 private:
  // What a (Connect schema, topic) serializes with.
  struct Writer {
    data::SchemaPtr connect;  // keeps the key's pointer alive
    int32_t id = 0;
    // With use.latest.version and a latest schema other than ours: ours -> latest.
    std::shared_ptr<const avro::Schema> ours;
    std::shared_ptr<const avro::Schema> latest;
    std::shared_ptr<const avro::Resolver> to_latest;
  };
  // What an id reads with.
  struct Reader {
    std::shared_ptr<const avro::Schema> writer;
    std::shared_ptr<const avro::Schema> reader;      // the writer's, or the subject's latest
    std::shared_ptr<const avro::Resolver> resolver;  // writer -> reader when they differ
    data::SchemaPtr connect;
  };

  Result<const Writer*> WriterFor(std::string_view topic, bool is_key,
                                  const data::SchemaPtr& schema);
  Result<const Reader*> ReaderFor(std::string_view topic, bool is_key, int32_t id);
  Result<std::pair<const Reader*, avro::Datum>> Read(std::string_view topic, bool is_key,
                                                     std::string_view bytes);

  AvroConverterSettings settings_;
  std::unique_ptr<registry::RegistryClient> client_;
  std::map<std::pair<const data::Schema*, std::string>, Writer> writers_;
  std::map<std::pair<std::string, int32_t>, Reader> readers_;  // (subject or "", id)
};

// The ConfigDef of AvroConverter's options, property names prefixed with `prefix`.
void DefineAvroConverterOptions(config::ConfigDef* def, const std::string& prefix);

}  // namespace walrelay::convert
