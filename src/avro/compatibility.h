#pragma once

// Schema compatibility: Avro Java's SchemaCompatibility reader/writer check (can a reader with one
// schema read what a writer with another wrote), and Confluent Schema Registry's compatibility
// levels built on it, with the messages the registry returns. Pure and thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "avro/schema.h"
#include "common/status.h"

namespace walrelay::avro {

// One reason a reader cannot read a writer's data, as Avro Java's
// SchemaCompatibility.Incompatibility reports it.
struct Incompatibility {
  // READER_FIELD_MISSING_DEFAULT_VALUE, TYPE_MISMATCH, NAME_MISMATCH, FIXED_SIZE_MISMATCH,
  // MISSING_ENUM_SYMBOLS or MISSING_UNION_BRANCH.
  std::string type;
  // Where, in the reader's schema: a JSON-pointer-like path ("/fields/1/type").
  std::string location;
  // Avro Java's message: the missing field's name, "expected: 8, found: 4", "[B, C]", "reader
  // type: STRING not compatible with writer type: INT", "reader union lacking writer type: INT".
  std::string message;
  // What Confluent's registry prints as additionalInfo: the same text as `message`.
  std::string additional_info;

  bool operator==(const Incompatibility&) const = default;
};

// Every incompatibility found between the reader and writer; empty when the reader can read all
// the writer's data.
std::vector<Incompatibility> CheckReadWrite(const Schema& reader, const Schema& writer);
std::vector<Incompatibility> CheckReadWrite(const Node& reader, const Node& writer);

enum class CompatibilityLevel {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};

// "BACKWARD", "forward_transitive", ... in any case. kInvalidArgument naming the allowed values.
Result<CompatibilityLevel> ParseCompatibilityLevel(std::string_view text);
// "NONE", "BACKWARD", ..., "FULL_TRANSITIVE".
const char* CompatibilityLevelName(CompatibilityLevel level);

// The messages Confluent Schema Registry gives (409 answers, verbose /compatibility) for
// registering `proposed` under `level` after `existing_oldest_first` (version 1 first): empty when
// compatible. BACKWARD: the new schema reads the latest; FORWARD: the latest reads the new one;
// FULL: both; the *_TRANSITIVE levels check every existing version, newest first, the others only
// the latest. After the incompatibilities of the failing version come "{oldSchemaVersion: N}",
// "{oldSchema: '<its Schema.toString()>'}" and "{validateFields: 'false', compatibility:
// 'LEVEL'}", as Confluent 7.x's SchemaValidatorBuilder and KafkaSchemaRegistry write them.
std::vector<std::string> CheckCompatibility(
    CompatibilityLevel level, const Schema& proposed,
    const std::vector<std::shared_ptr<const Schema>>& existing_oldest_first);
// The same with the registry's version number of each existing schema (for the
// "{oldSchemaVersion: N}" message; the overload above numbers them 1, 2, ...).
std::vector<std::string> CheckCompatibility(
    CompatibilityLevel level, const Schema& proposed,
    const std::vector<std::shared_ptr<const Schema>>& existing_oldest_first,
    const std::vector<int>& versions);

}  // namespace walrelay::avro
