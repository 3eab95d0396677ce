#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "registry/schema_checker.h"

namespace walrelay::registry {

// The registry's Avro support (avro/): a schema is stored as Avro Java's Schema.toString() of it,
// which is also what lookups and idempotent registration compare (Confluent compares that text,
// not the Parsing Canonical Form, which would equate schemas with different defaults), and
// compatibility is Avro's schema resolution under Confluent's levels. Stateless and thread-safe.
class AvroSchemaChecker : public SchemaChecker {
 public:
  std::vector<std::string> Types() const override { return {"AVRO"}; }
  Result<ParsedSchema> Parse(std::string_view schema_type,
                             std::string_view schema_text) const override;
  Result<std::vector<std::string>> Check(
      std::string_view level, const ParsedSchema& proposed,
      const std::vector<ParsedSchema>& existing_oldest_first) const override;
};

}  // namespace walrelay::registry
