#include "registry/avro_schema_checker.h"

#include <memory>
#include <utility>

#include "avro/compatibility.h"
#include "avro/schema.h"

namespace walrelay::registry {
namespace {

Result<std::shared_ptr<const avro::Schema>> SchemaOf(const ParsedSchema& parsed) {
  if (parsed.handle != nullptr) return std::static_pointer_cast<const avro::Schema>(parsed.handle);
  return avro::ParseSchema(parsed.text);
}

}  // namespace

Result<ParsedSchema> AvroSchemaChecker::Parse(std::string_view schema_type,
                                              std::string_view schema_text) const {
  if (!schema_type.empty() && schema_type != "AVRO") {
    return InvalidArgument("Invalid schema type " + std::string(schema_type) +
                           ": this registry serves AVRO schemas");
  }
  Result<std::shared_ptr<const avro::Schema>> schema = avro::ParseSchema(schema_text);
  if (!schema.ok()) return InvalidArgument(schema.status().message());
  ParsedSchema out;
  out.type = "AVRO";
  out.text = (*schema)->ToJson();
  out.canonical = out.text;
  out.handle = *schema;
  return out;
}

Result<std::vector<std::string>> AvroSchemaChecker::Check(
    std::string_view level, const ParsedSchema& proposed,
    const std::vector<ParsedSchema>& existing_oldest_first) const {
  WR_ASSIGN_OR_RETURN(avro::CompatibilityLevel parsed_level, avro::ParseCompatibilityLevel(level));
  WR_ASSIGN_OR_RETURN(std::shared_ptr<const avro::Schema> schema, SchemaOf(proposed));
  std::vector<std::shared_ptr<const avro::Schema>> existing;
  existing.reserve(existing_oldest_first.size());
  for (const ParsedSchema& p : existing_oldest_first) {
    WR_ASSIGN_OR_RETURN(std::shared_ptr<const avro::Schema> s, SchemaOf(p));
    existing.push_back(std::move(s));
  }
  return avro::CheckCompatibility(parsed_level, *schema, existing);
}

}  // namespace walrelay::registry
