#include "convert/avro_converter.h"

#include <utility>

#include "avro/compatibility.h"
#include "config/config_def.h"
#include "config/config_strings.h"

namespace walrelay::convert {
namespace {

constexpr char kMagicByte = 0;
constexpr size_t kHeaderSize = 5;  // magic byte + schema id

Result<SubjectNameStrategy> ParseStrategy(const std::string& property, std::string_view text) {
  std::string_view t = config::Trim(text);
  // Confluent's classes, also by their simple names.
  const std::string_view package = "io.confluent.kafka.serializers.subject.";
  std::string_view simple = t;
  if (simple.substr(0, package.size()) == package) simple.remove_prefix(package.size());
  if (simple == "TopicNameStrategy") return SubjectNameStrategy::kTopicName;
  if (simple == "RecordNameStrategy") return SubjectNameStrategy::kRecordName;
  if (simple == "TopicRecordNameStrategy") return SubjectNameStrategy::kTopicRecordName;
  return InvalidArgument("Invalid value " + std::string(t) + " for configuration " + property +
                         ": allowed: io.confluent.kafka.serializers.subject.TopicNameStrategy, "
                         "RecordNameStrategy, TopicRecordNameStrategy");
}

void AppendId(int32_t id, std::string* out) {
  out->push_back(kMagicByte);
  out->push_back(static_cast<char>((id >> 24) & 0xFF));
  out->push_back(static_cast<char>((id >> 16) & 0xFF));
  out->push_back(static_cast<char>((id >> 8) & 0xFF));
  out->push_back(static_cast<char>(id & 0xFF));
}

// The name RecordNameStrategy uses: a named type's full name ("" for other types).
std::string RecordName(const avro::Node& root) {
  const avro::Node* n = &root;
  // An optional top-level record is a union with null: Confluent names the record inside.
  if (n->type() == avro::AvroType::kUnion) {
    for (const avro::Node* b : n->branches()) {
      if (b->is_named()) return b->full_name();
    }
    return "";
  }
  return n->is_named() ? n->full_name() : "";
}

const char* Role(bool is_key) { return is_key ? "key" : "value"; }

}  // namespace

Result<std::string> SubjectName(SubjectNameStrategy strategy, std::string_view topic, bool is_key,
                                std::string_view record_name) {
  switch (strategy) {
    case SubjectNameStrategy::kTopicName:
      return std::string(topic) + (is_key ? "-key" : "-value");
    case SubjectNameStrategy::kRecordName:
    case SubjectNameStrategy::kTopicRecordName:
      if (record_name.empty()) {
        return DataError(std::string("the ") + Role(is_key) + " schema of topic " +
                         std::string(topic) +
                         " is not a record: RecordNameStrategy and TopicRecordNameStrategy need "
                         "a named schema");
      }
      if (strategy == SubjectNameStrategy::kRecordName) return std::string(record_name);
      return std::string(topic) + "-" + std::string(record_name);
  }
  return FatalError("unknown subject name strategy");
}

void DefineAvroConverterOptions(config::ConfigDef* def, const std::string& prefix) {
  using config::BoolProp;
  using config::ChoiceProp;
  using config::IntProp;
  using config::StringProp;
  def->Define(StringProp(prefix + "schema.registry.url", std::nullopt,
                         "Comma-separated URLs of the schema registry, tried in turn.")
                  .Required());
  def->Define(ChoiceProp(prefix + "basic.auth.credentials.source", {"URL", "USER_INFO"}, "URL",
                         "Where the registry's basic auth credentials come from."));
  def->Define(config::PasswordProp(prefix + "basic.auth.user.info",
                                   "user:password for the registry (USER_INFO)."));
  def->Define(config::PasswordProp(prefix + "schema.registry.basic.auth.user.info",
                                   "user:password for the registry (USER_INFO)."));
  def->Define(BoolProp(prefix + "auto.register.schemas", true,
                       "Register a schema the subject does not hold yet."));
  def->Define(BoolProp(prefix + "use.latest.version", false,
                       "Write and read with the subject's latest schema."));
  def->Define(BoolProp(prefix + "latest.compatibility.strict", true,
                       "With use.latest.version, require the latest schema to read ours."));
  def->Define(IntProp(prefix + "latest.cache.ttl.sec", -1,
                      "How long the latest version is cached (-1: until restart)."));
  def->Define(StringProp(prefix + "key.subject.name.strategy",
                         "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                         "How key subjects are named."));
  def->Define(StringProp(prefix + "value.subject.name.strategy",
                         "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                         "How value subjects are named."));
  def->Define(BoolProp(prefix + "enhanced.avro.schema.support", false,
                       "Avro enums from and to Connect strings with enum parameters."));
  def->Define(BoolProp(prefix + "connect.meta.data", true,
                       "Keep Connect's names, versions, docs, parameters and defaults in Avro."));
  def->Define(BoolProp(prefix + "scrub.invalid.names", false,
                       "Replace characters Avro names may not hold."));
  def->Define(BoolProp(prefix + "allow.optional.map.keys", false,
                       "Maps with optional string keys stay Avro maps."));
  def->Define(BoolProp(prefix + "discard.type.doc.default", false,
                       "Take docs and defaults from the Connect schema itself."));
  def->Define(IntProp(prefix + "schemas.cache.config", 1000,
                      "How many Connect schemas' Avro schemas and ids to keep.")
                  .WithCheck(config::AtLeast(1), ">= 1"));
}

Result<AvroConverterSettings> AvroConverterSettings::Parse(
    const std::map<std::string, std::string>& options, const std::string& prefix) {
  AvroConverterSettings s;
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = options.find(key);
    return it == options.end() ? nullptr : &it->second;
  };
  auto get_bool = [&](const std::string& key, bool fallback) -> Result<bool> {
    const std::string* v = get(key);
    if (v == nullptr) return fallback;
    std::string_view t = config::Trim(*v);
    if (config::EqualsIgnoreCase(t, "true")) return true;
    if (config::EqualsIgnoreCase(t, "false")) return false;
    return InvalidArgument("Invalid value " + *v + " for configuration " + prefix + key +
                           ": Expected value to be either true or false");
  };
  std::map<std::string, std::string> registry_props;
  for (const char* key :
       {"schema.registry.url", "basic.auth.credentials.source", "basic.auth.user.info",
        "schema.registry.basic.auth.user.info", "latest.cache.ttl.sec"}) {
    if (const std::string* v = get(key)) registry_props[key] = *v;
  }
  if (get("schema.registry.url") == nullptr) {
    return InvalidArgument("Missing required configuration \"" + prefix +
                           "schema.registry.url\" which has no default value.");
  }
  Result<registry::RegistryClientOptions> reg =
      registry::RegistryClientOptionsFromProperties(registry_props);
  if (!reg.ok()) return reg.status().WithContext(prefix.substr(0, prefix.size() - 1));
  s.registry = std::move(reg).value();
  // Create checks every URL (http(s)://host:port); nothing connects yet.
  if (Result<std::unique_ptr<registry::RegistryClient>> probe =
          registry::RegistryClient::Create(s.registry);
      !probe.ok()) {
    return InvalidArgument("Invalid value for configuration " + prefix +
                           "schema.registry.url: " + probe.status().message());
  }
  WR_ASSIGN_OR_RETURN(s.auto_register_schemas, get_bool("auto.register.schemas", true));
  WR_ASSIGN_OR_RETURN(s.use_latest_version, get_bool("use.latest.version", false));
  WR_ASSIGN_OR_RETURN(s.latest_compatibility_strict, get_bool("latest.compatibility.strict", true));
  WR_ASSIGN_OR_RETURN(s.data.enhanced_schema_support,
                      get_bool("enhanced.avro.schema.support", false));
  WR_ASSIGN_OR_RETURN(s.data.connect_meta_data, get_bool("connect.meta.data", true));
  WR_ASSIGN_OR_RETURN(s.data.scrub_invalid_names, get_bool("scrub.invalid.names", false));
  WR_ASSIGN_OR_RETURN(s.data.allow_optional_map_keys, get_bool("allow.optional.map.keys", false));
  WR_ASSIGN_OR_RETURN(s.data.discard_type_doc_default, get_bool("discard.type.doc.default", false));
  if (const std::string* v = get("key.subject.name.strategy")) {
    WR_ASSIGN_OR_RETURN(s.key_strategy, ParseStrategy(prefix + "key.subject.name.strategy", *v));
  }
  if (const std::string* v = get("value.subject.name.strategy")) {
    WR_ASSIGN_OR_RETURN(s.value_strategy,
                        ParseStrategy(prefix + "value.subject.name.strategy", *v));
  }
  if (const std::string* v = get("schemas.cache.config")) {
    try {
      size_t used = 0;
      long n = std::stol(*v, &used);
      if (used != v->size() || n < 1) throw std::invalid_argument("");
      s.schemas_cache_size = static_cast<size_t>(n);
    } catch (...) {
      return InvalidArgument("Invalid value " + *v + " for configuration " + prefix +
                             "schemas.cache.config: must be an integer >= 1");
    }
  }
  return s;
}

AvroConverter::AvroConverter(AvroConverterSettings settings,
                             std::unique_ptr<registry::RegistryClient> client)
    : settings_(std::move(settings)), client_(std::move(client)) {}

Result<const AvroConverter::Writer*> AvroConverter::WriterFor(std::string_view topic, bool is_key,
                                                              const data::SchemaPtr& schema) {
  auto key = std::make_pair(schema.get(), std::string(topic));
  if (auto it = writers_.find(key); it != writers_.end()) return &it->second;
  if (client_ == nullptr) return FatalError("the schema registry client could not be created");
  // Connect's converter caches schemas.cache.config schemas; beyond that, start over.
  if (writers_.size() >= settings_.schemas_cache_size) writers_.clear();

  WR_ASSIGN_OR_RETURN(std::string text, ConnectSchemaToAvro(*schema, settings_.data));
  Result<std::shared_ptr<const avro::Schema>> parsed = avro::ParseSchema(text);
  if (!parsed.ok()) {
    return DataError("the Avro schema made of the Connect schema is invalid: " +
                     parsed.status().message());
  }
  Writer w;
  w.connect = schema;
  w.ours = *parsed;
  const std::string record_name = RecordName(w.ours->root());
  WR_ASSIGN_OR_RETURN(std::string subject,
                      SubjectName(is_key ? settings_.key_strategy : settings_.value_strategy, topic,
                                  is_key, record_name));
  const std::string stored = w.ours->ToJson();
  if (settings_.use_latest_version) {
    Result<registry::RegisteredSchema> latest = client_->GetLatest(subject);
    if (!latest.ok()) {
      return Status(latest.status().kind(), "Error retrieving the latest version of subject " +
                                                subject + ": " + latest.status().message());
    }
    Result<std::shared_ptr<const avro::Schema>> lp = avro::ParseSchema(latest->schema);
    if (!lp.ok()) {
      return DataError("the latest schema of subject " + subject +
                       " is not valid Avro: " + lp.status().message());
    }
    w.id = latest->id;
    if ((*lp)->CanonicalForm() != w.ours->CanonicalForm()) {
      if (settings_.latest_compatibility_strict) {
        std::vector<avro::Incompatibility> problems = avro::CheckReadWrite(**lp, *w.ours);
        if (!problems.empty()) {
          return DataError(
              "Schema being written is incompatible with the latest schema of "
              "subject " +
              subject + " (version " + std::to_string(latest->version) +
              "): " + problems.front().message);
        }
      }
      w.latest = *lp;
      w.to_latest = avro::Resolver::Create(w.ours, w.latest);
    }
  } else {
    Result<int> id = settings_.auto_register_schemas ? client_->Register(subject, "AVRO", stored)
                                                     : client_->Lookup(subject, "AVRO", stored);
    if (!id.ok()) {
      const char* what = settings_.auto_register_schemas ? "Error registering" : "Error retrieving";
      ErrorKind kind =
          id.status().kind() == ErrorKind::kRetry ? ErrorKind::kRetry : ErrorKind::kDataError;
      return Status(kind, std::string(what) + " Avro " + Role(is_key) + " schema under subject " +
                              subject + ": " + id.status().message());
    }
    w.id = *id;
  }
  auto [it, inserted] = writers_.emplace(std::move(key), std::move(w));
  return &it->second;
}

Result<bool> AvroConverter::Serialize(std::string_view topic, bool is_key,
                                      const data::SchemaPtr& schema, const data::Value& value,
                                      std::string* out) {
  auto failed = [&](const Status& s) {
    return Status(s.kind(), "Failed to serialize Avro data from topic " + std::string(topic) +
                                ": " + s.message());
  };
  if (value.is_null()) {
    if (schema && !schema->optional && !schema->default_value) {
      return failed(DataError("Found null value for non-optional schema"));
    }
    return false;  // AvroData makes null of it; the serializer writes null bytes
  }
  if (!schema) {
    return failed(
        DataError("schemaless data cannot be written as Avro by walrelay: give the "
                  "record a schema"));
  }
  Result<const Writer*> writer = WriterFor(topic, is_key, schema);
  if (!writer.ok()) return failed(writer.status());
  const Writer& w = **writer;
  const size_t start = out->size();
  AppendId(w.id, out);
  if (!w.to_latest) {
    Status s = EncodeConnectValue(*schema, value, settings_.data, out);
    if (!s.ok()) return failed(s);
    return true;
  }
  // Write with ours, read as the latest reads it, write that.
  std::string ours;
  Status s = EncodeConnectValue(*schema, value, settings_.data, &ours);
  if (!s.ok()) return failed(s);
  Result<avro::Datum> resolved = w.to_latest->Decode(ours);
  if (!resolved.ok()) return failed(resolved.status());
  out->resize(start + kHeaderSize);
  Status e = avro::Encode(w.latest->root(), *resolved, out);
  if (!e.ok()) return failed(e);
  return true;
}

Result<const AvroConverter::Reader*> AvroConverter::ReaderFor(std::string_view topic, bool is_key,
                                                              int32_t id) {
  // With use.latest.version the reader depends on the subject, so the cache key holds the topic.
  std::string scope =
      settings_.use_latest_version ? std::string(topic) + (is_key ? "\x01k" : "\x01v") : "";
  auto key = std::make_pair(scope, id);
  if (auto it = readers_.find(key); it != readers_.end()) return &it->second;
  if (client_ == nullptr) return FatalError("the schema registry client could not be created");
  if (readers_.size() >= settings_.schemas_cache_size) readers_.clear();

  Result<registry::RegisteredSchema> found = client_->GetById(id);
  if (!found.ok()) {
    ErrorKind kind =
        found.status().kind() == ErrorKind::kRetry ? ErrorKind::kRetry : ErrorKind::kDataError;
    return Status(kind, "Error retrieving Avro " + std::string(Role(is_key)) + " schema for id " +
                            std::to_string(id) + ": " + found.status().message());
  }
  if (found->schema_type != "AVRO") {
    return DataError("schema id " + std::to_string(id) + " is a " + found->schema_type +
                     " schema, not AVRO");
  }
  Result<std::shared_ptr<const avro::Schema>> writer = avro::ParseSchema(found->schema);
  if (!writer.ok()) {
    return DataError("schema id " + std::to_string(id) +
                     " is not valid Avro: " + writer.status().message());
  }
  Reader r;
  r.writer = *writer;
  r.reader = r.writer;
  if (settings_.use_latest_version) {
    const SubjectNameStrategy strategy = is_key ? settings_.key_strategy : settings_.value_strategy;
    WR_ASSIGN_OR_RETURN(std::string subject,
                        SubjectName(strategy, topic, is_key, RecordName(r.writer->root())));
    Result<registry::RegisteredSchema> latest = client_->GetLatest(subject);
    if (!latest.ok()) {
      return Status(latest.status().kind(), "Error retrieving the latest version of subject " +
                                                subject + ": " + latest.status().message());
    }
    if (latest->id != id) {
      Result<std::shared_ptr<const avro::Schema>> lp = avro::ParseSchema(latest->schema);
      if (!lp.ok()) {
        return DataError("the latest schema of subject " + subject +
                         " is not valid Avro: " + lp.status().message());
      }
      r.reader = *lp;
      r.resolver = avro::Resolver::Create(r.writer, r.reader);
    }
  }
  WR_ASSIGN_OR_RETURN(r.connect, AvroToConnectSchema(r.reader->root(), settings_.data));
  auto [it, inserted] = readers_.emplace(std::move(key), std::move(r));
  return &it->second;
}

Result<std::pair<const AvroConverter::Reader*, avro::Datum>> AvroConverter::Read(
    std::string_view topic, bool is_key, std::string_view bytes) {
  if (bytes.size() < kHeaderSize || bytes[0] != kMagicByte) {
    return DataError(bytes.empty() || bytes[0] != kMagicByte
                         ? "Unknown magic byte!"
                         : "the message is shorter than the 5-byte wire format header");
  }
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  const int32_t id = static_cast<int32_t>((uint32_t{b[1]} << 24) | (uint32_t{b[2]} << 16) |
                                          (uint32_t{b[3]} << 8) | uint32_t{b[4]});
  WR_ASSIGN_OR_RETURN(const Reader* r, ReaderFor(topic, is_key, id));
  std::string_view body = bytes.substr(kHeaderSize);
  Result<avro::Datum> datum =
      r->resolver ? r->resolver->Decode(body) : avro::Decode(*r->writer, body);
  if (!datum.ok()) {
    return DataError("the Avro data of schema id " + std::to_string(id) +
                     " cannot be read: " + datum.status().message());
  }
  return std::make_pair(r, std::move(datum).value());
}

Result<SchemaAndValue> AvroConverter::Deserialize(std::string_view topic, bool is_key,
                                                  std::optional<std::string_view> bytes) {
  if (!bytes) return SchemaAndValue{};
  auto read = Read(topic, is_key, *bytes);
  if (!read.ok()) {
    return Status(read.status().kind(), "Failed to deserialize data for topic " +
                                            std::string(topic) +
                                            " to Avro: " + read.status().message());
  }
  const Reader* r = read->first;
  Result<data::Value> value = AvroToConnectValue(r->reader->root(), r->connect, read->second);
  if (!value.ok()) {
    return DataError("Failed to deserialize data for topic " + std::string(topic) +
                     " to Avro: " + value.status().message());
  }
  return SchemaAndValue{r->connect, std::move(value).value()};
}

Result<std::string> AvroConverter::ToAvroJson(std::string_view topic, bool is_key,
                                              std::optional<std::string_view> bytes) {
  if (!bytes) return std::string("null");
  auto read = Read(topic, is_key, *bytes);
  if (!read.ok()) {
    return Status(read.status().kind(), "Failed to deserialize data for topic " +
                                            std::string(topic) +
                                            " to Avro: " + read.status().message());
  }
  WR_ASSIGN_OR_RETURN(avro::Json json,
                      avro::DatumToJsonEncoding(read->first->reader->root(), read->second));
  return json.dump(-1, ' ', false, avro::Json::error_handler_t::replace);
}

}  // namespace walrelay::convert
