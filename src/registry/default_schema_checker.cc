#include "registry/default_schema_checker.h"

#include <string>

namespace walrelay::registry {
namespace {

// TEMPORARY: see default_schema_checker.h. Refuses every schema (42201 with this message), so a
// registry built without Avro never stores a schema it cannot check. Config, mode and deletes
// work, as do records read from the topic (kept with their text as canonical form).
class UnlinkedSchemaChecker : public SchemaChecker {
 public:
  // AVRO, so a registration reaches Parse and gets the message below rather than "Invalid schema
  // type AVRO".
  std::vector<std::string> Types() const override { return {"AVRO"}; }
  Result<ParsedSchema> Parse(std::string_view schema_type, std::string_view) const override {
    return InvalidArgument("Avro support is not linked in this build: cannot parse a " +
                           std::string(schema_type) + " schema");
  }
  Result<std::vector<std::string>> Check(std::string_view, const ParsedSchema&,
                                         const std::vector<ParsedSchema>&) const override {
    return InvalidArgument("Avro support is not linked in this build: cannot check compatibility");
  }
};

}  // namespace

std::unique_ptr<SchemaChecker> DefaultSchemaChecker() {
  return std::make_unique<UnlinkedSchemaChecker>();
}

}  // namespace walrelay::registry
