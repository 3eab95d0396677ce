#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "registry/schema_checker.h"
#include "registry/schema_records.h"

namespace walrelay::registry {

// One version of one subject, as the state holds it.
struct StoredSchema {
  std::string subject;
  int version = 0;
  int id = 0;
  bool deleted = false;  // soft deleted: listed only when deleted ones are asked for
  std::vector<SchemaReference> references;
  // Type, stored text and canonical form; shared by every version with the same id.
  std::shared_ptr<const ParsedSchema> schema;
};

// A (subject, version) pair, for GET /schemas/ids/{id}/versions.
struct SubjectVersion {
  std::string subject;
  int version = 0;
  bool operator==(const SubjectVersion&) const = default;
};

// The registry's state, rebuilt from the `_schemas` records in topic order: the records are the
// single source of truth. A writer appends a record to the log and sees its effect only once the
// record has been read back and applied here, as Confluent's KafkaStore does, so every instance
// that reads the topic holds the same state.
//
// Holds subjects -> versions -> (id, schema, deleted), ids -> schema (ids are shared across
// subjects for the same schema), the highest id ever seen (a permanently deleted id is not
// given out again), and the global and per-subject compatibility level and mode.
//
// Thread-safe: one thread applies records while many read; readers get copies.
class RegistryState {
 public:
  // `checker` (may be null) parses each stored schema once, for its canonical form and the handle
  // compatibility checks reuse; a schema it cannot parse is kept with its text as canonical form.
  // It must outlive the state.
  explicit RegistryState(const SchemaChecker* checker);

  // Applies one record (`value` nullopt: a tombstone). Keys of types this registry does not
  // manage and NOOPs are skipped. A malformed key or value, or a SCHEMA value that gives an id
  // already used by a different schema (which Confluent also refuses to apply), fails with
  // kDataError naming the problem and leaves the state unchanged: the caller logs it and goes on
  // with the next record, as Confluent's reader does.
  Status Apply(std::string_view key, const std::optional<std::string>& value);

  // How many records Apply has been called with (failed ones included).
  uint64_t applied_records() const;

  // Version `version` of `subject`, or nullopt; a soft-deleted one only when `include_deleted`.
  std::optional<StoredSchema> Get(std::string_view subject, int version,
                                  bool include_deleted) const;
  // The highest version of `subject` (soft-deleted ones only when `include_deleted`).
  std::optional<StoredSchema> Latest(std::string_view subject, bool include_deleted) const;
  // Every version of `subject`, ascending.
  std::vector<StoredSchema> Versions(std::string_view subject, bool include_deleted) const;
  // Whether `subject` has a version (a soft-deleted one counts when `include_deleted`).
  bool HasSubject(std::string_view subject, bool include_deleted) const;
  // Subjects with at least one version, sorted.
  std::vector<std::string> Subjects(bool include_deleted) const;
  // Whether any subject has a version.
  bool Empty() const;

  // The version of `subject` holding the schema with this type, canonical form and references.
  // The newest one when several do.
  std::optional<StoredSchema> Find(std::string_view subject, const ParsedSchema& schema,
                                   const std::vector<SchemaReference>& references,
                                   bool include_deleted) const;
  // The id of that schema under any subject (soft-deleted versions included), so registering it
  // elsewhere reuses the id.
  std::optional<int> IdOf(const ParsedSchema& schema,
                          const std::vector<SchemaReference>& references) const;
  // The schema with id `id` (from any version that still holds it, soft-deleted ones included),
  // preferring `subject`'s version when given and present.
  std::optional<StoredSchema> ById(int id, std::optional<std::string_view> subject) const;
  // The versions that hold id `id`, by subject then version.
  std::vector<SubjectVersion> VersionsOfId(int id, bool include_deleted) const;
  // The versions whose references name (subject, version).
  std::vector<SubjectVersion> ReferencedBy(std::string_view subject, int version,
                                           bool include_deleted) const;
  // The id a new schema gets: one more than the highest id any record has carried.
  int NextId() const;

  // The compatibility level / mode set for `subject` (nullopt: the global one), if any.
  std::optional<std::string> Config(const std::optional<std::string>& subject) const;
  std::optional<std::string> Mode(const std::optional<std::string>& subject) const;

 private:
  struct IdEntry {
    std::shared_ptr<const ParsedSchema> schema;
    std::vector<SchemaReference> references;
    std::string identity;
    std::set<std::pair<std::string, int>> holders;  // (subject, version)
  };
  using Versions_ = std::map<int, StoredSchema>;

  // Identity of a schema for id reuse: type, canonical form and references.
  static std::string Identity(const ParsedSchema& schema,
                              const std::vector<SchemaReference>& references);

  Status ApplySchema(const RecordKey& key, const std::optional<std::string>& value);
  void ApplyDeleteSubject(const DeleteSubjectValue& value);
  // Removes (subject, version) from the maps; the lock is held.
  void RemoveVersionLocked(const std::string& subject, int version);
  const Versions_* SubjectLocked(std::string_view subject) const;

  const SchemaChecker* checker_;
  mutable std::shared_mutex mutex_;
  uint64_t applied_records_ = 0;
  std::map<std::string, Versions_, std::less<>> subjects_;
  std::map<int, IdEntry> ids_;
  std::unordered_map<std::string, int> id_by_identity_;
  int max_id_ = 0;
  std::optional<std::string> global_config_;
  std::map<std::string, std::string, std::less<>> subject_configs_;
  std::optional<std::string> global_mode_;
  std::map<std::string, std::string, std::less<>> subject_modes_;
};

}  // namespace walrelay::registry
