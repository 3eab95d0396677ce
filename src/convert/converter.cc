#include "convert/converter.h"

#include <utility>

#include "config/config_strings.h"
#include "convert/avro_converter.h"
#include "convert/byte_array_converter.h"
#include "convert/json_converter.h"
#include "convert/string_converter.h"

namespace walrelay::convert {
namespace {

using config::ConfigDef;
using config::ConnectorConfig;

// JsonConverter behind the Converter interface.
class JsonConverterAdapter : public Converter {
 public:
  JsonConverterAdapter(bool schemas_enable, bool decimal_numeric)
      : converter_(schemas_enable, decimal_numeric) {}
  ConverterOutput output() const override { return ConverterOutput::kJson; }
  Result<bool> Serialize(std::string_view /*topic*/, bool /*is_key*/, const data::SchemaPtr& schema,
                         const data::Value& value, std::string* out) override {
    if (JsonConverter::IsNullRecord(schema, value)) return false;
    WR_RETURN_IF_ERROR(converter_.Serialize(schema, value, out));
    return true;
  }
  // Connect's JsonConverter.toConnectData: null bytes are SchemaAndValue.NULL.
  Result<SchemaAndValue> Deserialize(std::string_view /*topic*/, bool /*is_key*/,
                                     std::optional<std::string_view> bytes) override {
    if (!bytes) return SchemaAndValue{};
    WR_ASSIGN_OR_RETURN(auto r, converter_.Deserialize(*bytes));
    return SchemaAndValue{std::move(r.first), std::move(r.second)};
  }

 private:
  JsonConverter converter_;
};

// A check that refuses one value of an option with "not supported yet: <why>".
config::ValueCheck Unsupported(std::string value, std::string why) {
  return [value = std::move(value), why = std::move(why)](std::string_view v) -> std::string {
    if (!config::EqualsIgnoreCase(config::Trim(v), value)) return "";
    return "not supported yet: " + why;
  };
}

}  // namespace

std::vector<std::string> SupportedConverterClasses() {
  return {kJsonConverterClass, kStringConverterClass, kByteArrayConverterClass,
          kAvroConverterClass};
}

std::unique_ptr<ConfigDef> ConverterDef(std::string_view class_name, const std::string& prefix) {
  auto def = std::make_unique<ConfigDef>(std::string(class_name));
  if (class_name == kJsonConverterClass) {
    def->Define(config::BoolProp(prefix + "schemas.enable", true,
                                 "Write the {\"schema\", \"payload\"} envelope."));
    def->Define(config::ChoiceProp(prefix + "decimal.format", {"BASE64", "NUMERIC"}, "BASE64",
                                   "Decimals as base64 of the unscaled bytes, or as numbers."));
    def->Define(config::IntProp(prefix + "schemas.cache.size", 1000,
                                "How many schemas' JSON to keep for reuse.")
                    .WithCheck(config::AtLeast(0), ">= 0")
                    .NotImplemented("the cache always holds 1000 schemas; only memory use "
                                    "would differ"));
    def->Define(
        config::BoolProp(prefix + "replace.null.with.default", true,
                         "Write a field's default value in place of a null.")
            .WithCheck(Unsupported("false", "nulls are always replaced by the default"), "`true`"));
  } else if (class_name == kStringConverterClass) {
    def->Define(
        config::StringProp(prefix + "converter.encoding", "UTF-8", "Character set of the bytes.")
            .WithCheck(
                [](std::string_view v) -> std::string {
                  std::string_view t = config::Trim(v);
                  if (config::EqualsIgnoreCase(t, "UTF-8") || config::EqualsIgnoreCase(t, "UTF8")) {
                    return "";
                  }
                  return "not supported yet: walrelay encodes strings in UTF-8 only";
                },
                "`UTF-8`"));
  } else if (class_name == kAvroConverterClass) {
    DefineAvroConverterOptions(def.get(), prefix);
  } else if (class_name != kByteArrayConverterClass) {
    return nullptr;
  }
  return def;
}

Result<ConverterSettings> ConverterSettings::Parse(const ConnectorConfig& config, bool is_key,
                                                   std::vector<std::string>* warnings) {
  ConverterSettings s;
  s.property = is_key ? "key.converter" : "value.converter";
  s.class_name = std::string(config::Trim(config.Get(s.property, kJsonConverterClass)));
  const std::string prefix = s.property + ".";
  std::unique_ptr<ConfigDef> def = ConverterDef(s.class_name, prefix);
  if (def == nullptr) {
    return InvalidArgument(
        config.file + ": " + s.property + " " + s.class_name +
        " is not supported yet; supported: " + config::Join(SupportedConverterClasses(), ", "));
  }
  ConnectorConfig options{config.name, config.file, {}};
  for (const auto& [key, value] : config.props) {
    if (key.rfind(prefix, 0) != 0) continue;
    options.props.emplace(key, value);
    if (def->Find(key) == nullptr && warnings != nullptr) {
      warnings->push_back(config.file + ": unknown property '" + key + "' (ignored by " +
                          s.class_name + ")");
    }
  }
  std::vector<std::string> notes;
  WR_RETURN_IF_ERROR(def->Validate(options, &notes));
  for (std::string& note : notes) {
    // Unknown options were reported above, naming the converter.
    if (note.find(": unknown property '") == std::string::npos && warnings != nullptr) {
      warnings->push_back(std::move(note));
    }
  }
  if (s.class_name == kJsonConverterClass) {
    WR_ASSIGN_OR_RETURN(s.schemas_enable, options.GetBool(prefix + "schemas.enable", true));
    s.decimal_numeric = config::EqualsIgnoreCase(
        config::Trim(options.Get(prefix + "decimal.format", "BASE64")), "NUMERIC");
  } else if (s.class_name == kAvroConverterClass) {
    std::map<std::string, std::string> stripped;
    for (const auto& [key, value] : options.props) stripped[key.substr(prefix.size())] = value;
    Result<AvroConverterSettings> avro = AvroConverterSettings::Parse(stripped, prefix);
    if (!avro.ok()) return avro.status().WithContext(config.file);
    s.avro = std::make_shared<const AvroConverterSettings>(std::move(avro).value());
  }
  return s;
}

std::unique_ptr<Converter> CreateConverter(const ConverterSettings& settings) {
  if (settings.class_name == kStringConverterClass) return std::make_unique<StringConverter>();
  if (settings.class_name == kByteArrayConverterClass) {
    return std::make_unique<ByteArrayConverter>();
  }
  if (settings.class_name == kAvroConverterClass && settings.avro) {
    // The options were checked by Parse, so the client's creation cannot fail on them; a
    // failure here is a broken invariant that the converter reports on first use.
    Result<std::unique_ptr<registry::RegistryClient>> client =
        registry::RegistryClient::Create(settings.avro->registry);
    return std::make_unique<AvroConverter>(*settings.avro,
                                           client.ok() ? std::move(client).value() : nullptr);
  }
  return std::make_unique<JsonConverterAdapter>(settings.schemas_enable, settings.decimal_numeric);
}

}  // namespace walrelay::convert
