#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::registry {

// A schema as the registry keeps it once its type's parser accepted it.
struct ParsedSchema {
  std::string type;       // "AVRO", "JSON", "PROTOBUF"
  std::string text;       // what the registry stores and answers with
  std::string canonical;  // compared for lookups, idempotent registration and id reuse
  // The parser's own representation, opaque here, so a compatibility check does not parse the
  // stored text again. May be null.
  std::shared_ptr<const void> handle;
};

// The seam between the registry (subjects, versions, ids, records, HTTP) and the logic of one
// schema language (parsing, canonical form, compatibility rules), so that registry/ does not
// depend on any of them. Implementations must be thread-safe: the registry calls them from
// request threads and from the thread that applies records.
class SchemaChecker {
 public:
  virtual ~SchemaChecker() = default;

  // The schema types served ("AVRO"), for GET /schemas/types.
  virtual std::vector<std::string> Types() const = 0;

  // Parses `schema_text` of `schema_type` and returns the text the registry stores and returns
  // (for Avro: Avro Java's Schema.toString()), and a canonical form used to compare schemas for
  // lookups and idempotent registration. kInvalidArgument with the parser's message when invalid.
  virtual Result<ParsedSchema> Parse(std::string_view schema_type,
                                     std::string_view schema_text) const = 0;

  // Confluent's incompatibility messages of `proposed` against `existing` (oldest first) under
  // `level` ("BACKWARD", "FORWARD_TRANSITIVE", ... upper case), the whole list Confluent answers
  // with, down to its closing "{validateFields: 'false', compatibility: 'LEVEL'}"; empty when
  // compatible. The checker decides which of `existing` a level looks at (the last one unless
  // transitive).
  virtual Result<std::vector<std::string>> Check(
      std::string_view level, const ParsedSchema& proposed,
      const std::vector<ParsedSchema>& existing_oldest_first) const = 0;
};

}  // namespace walrelay::registry
