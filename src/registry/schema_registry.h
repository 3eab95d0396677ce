#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"
#include "registry/registry_state.h"
#include "registry/schema_checker.h"
#include "registry/schema_records.h"

namespace walrelay::registry {

// Confluent's error codes (io.confluent.kafka.schemaregistry.rest.exceptions.Errors). The HTTP
// status is the code's first three digits.
namespace error_code {
inline constexpr int kSubjectNotFound = 40401;
inline constexpr int kVersionNotFound = 40402;
inline constexpr int kSchemaNotFound = 40403;
inline constexpr int kSubjectSoftDeleted = 40404;
inline constexpr int kSubjectNotSoftDeleted = 40405;
inline constexpr int kVersionSoftDeleted = 40406;
inline constexpr int kVersionNotSoftDeleted = 40407;
inline constexpr int kSubjectConfigNotConfigured = 40408;
inline constexpr int kSubjectModeNotConfigured = 40409;
inline constexpr int kIncompatibleSchema = 40901;
inline constexpr int kInvalidSchema = 42201;
inline constexpr int kInvalidVersion = 42202;
inline constexpr int kInvalidCompatibilityLevel = 42203;
inline constexpr int kInvalidMode = 42204;
inline constexpr int kOperationNotPermitted = 42205;
inline constexpr int kReferenceExists = 42206;
inline constexpr int kIdDoesNotMatch = 42207;
inline constexpr int kInvalidSubject = 42208;
inline constexpr int kStoreError = 50001;
inline constexpr int kOperationTimeout = 50002;
inline constexpr int kRequestForwardingFailed = 50003;
inline constexpr int kUnknownLeader = 50004;
}  // namespace error_code

// An error as the registry's REST API reports it: {"error_code": code, "message": message}.
struct RegistryError {
  int error_code = 0;
  std::string message;
  // 404 for 404xx, 409 for 409xx, 422 for 422xx, 500 for 500xx; codes of three digits (Jersey's
  // own 404, 405, 415, ...) are their own status.
  int http_status() const { return error_code >= 1000 ? error_code / 100 : error_code; }
};

// A value or a RegistryError.
template <typename T>
class [[nodiscard]] Reply {
 public:
  Reply(T value) : value_(std::move(value)) {}              // NOLINT: implicit by design
  Reply(RegistryError error) : value_(std::move(error)) {}  // NOLINT: implicit by design
  bool ok() const { return std::holds_alternative<T>(value_); }
  const T& value() const { return std::get<T>(value_); }
  T& value() { return std::get<T>(value_); }
  const RegistryError& error() const { return std::get<RegistryError>(value_); }

 private:
  std::variant<T, RegistryError> value_;
};

// Where the registry's writes go: Confluent's `_schemas` topic, or memory. Append returns once
// the record has been applied to the RegistryState the registry reads (read back from the log,
// for a Kafka-backed one), so a write is visible to the writer when Append returns. Failures:
// kRetry / kReconnect when the log is unavailable (the registry answers 50001), kStopped.
class RecordLog {
 public:
  virtual ~RecordLog() = default;
  // `value` nullopt appends a tombstone.
  virtual Status Append(std::string key, std::optional<std::string> value) = 0;
};

// A RecordLog that applies each record to the state at once and keeps them in order: the store
// of a single-instance registry (`walrelay run`) and of tests. Thread-safe.
class InMemoryRecordLog : public RecordLog {
 public:
  struct Record {
    std::string key;
    std::optional<std::string> value;
  };
  explicit InMemoryRecordLog(RegistryState* state) : state_(state) {}
  // Applies the record; a record the state refuses (kDataError) is not kept and the error is
  // returned.
  Status Append(std::string key, std::optional<std::string> value) override;
  std::vector<Record> records() const;

 private:
  RegistryState* state_;
  mutable std::mutex mutex_;
  std::vector<Record> records_;
};

// Whether this instance is the one that writes (Confluent's leader); the others forward writes to
// it. Implementations must be thread-safe.
class LeaderView {
 public:
  virtual ~LeaderView() = default;
  virtual bool IsLeader() const = 0;
  // The leader's base URL ("http://host:8081") when another instance leads and is known.
  virtual std::optional<std::string> LeaderUrl() const = 0;
};

// The LeaderView of a registry that is the only instance.
class SoleLeader : public LeaderView {
 public:
  bool IsLeader() const override { return true; }
  std::optional<std::string> LeaderUrl() const override { return std::nullopt; }
};

// A registration request (Confluent's RegisterSchemaRequest).
struct RegisterRequest {
  std::string schema;
  std::string schema_type = std::string(kAvroType);
  std::vector<SchemaReference> references;
  std::optional<int> id;       // IMPORT mode only
  std::optional<int> version;  // IMPORT mode only (otherwise it must be the next version)
};

struct RegisteredVersion {
  int id = 0;
  int version = 0;
};

// Which versions a listing shows: the live ones, soft-deleted ones too, or only those.
enum class Deleted { kExclude, kInclude, kOnly };

// Compatibility check result: Confluent's messages, empty when compatible.
struct CompatibilityResult {
  bool compatible = true;
  std::vector<std::string> messages;
};

struct SchemaRegistryOptions {
  // `schema.compatibility.level` / `avro.compatibility.level`: the level while no global CONFIG
  // record says otherwise.
  std::string default_compatibility = "BACKWARD";
  // `mode`: the global mode while no global MODE record says otherwise.
  std::string default_mode = "READWRITE";
};

// The version path segment: "latest" and -1 are kLatestVersion; 1..2^31-1 themselves. Anything
// else is Confluent's 42202.
inline constexpr int kLatestVersion = -1;
Reply<int> ParseVersionId(std::string_view text);
// Upper-case a compatibility level or mode if it is one Confluent knows, else nullopt.
std::optional<std::string> NormalizeCompatibilityLevel(std::string_view level);

// The registry's operations with Confluent Schema Registry's semantics, answers and error codes,
// over the state (reads) and the record log (writes). Writes are serialised here (one writer at a
// time, as Confluent's leader does per subject), checked against the state, appended, and read
// back from the state. It does no HTTP and no forwarding: the API layer forwards writes when this
// instance does not lead.
//
// Thread-safe. The state, log and checker must outlive it.
class SchemaRegistry {
 public:
  SchemaRegistry(RegistryState* state, RecordLog* log, const SchemaChecker* checker,
                 SchemaRegistryOptions options = {});

  // POST /subjects/{subject}/versions. Idempotent: a schema the subject holds (not soft deleted)
  // answers its id and version without a new version. Otherwise checks the mode (42205), parses
  // (42201), checks compatibility against the subject's live versions at the effective level
  // (40901, unless NONE or IMPORT mode), and appends a new version; an identical schema under any
  // subject lends its id.
  Reply<RegisteredVersion> Register(const std::string& subject, const RegisterRequest& request);
  // The version of `subject` holding this schema, without writing: nullopt when none does (a
  // follower then forwards the registration). Parse errors are 42201.
  Reply<std::optional<RegisteredVersion>> FindRegistered(const std::string& subject,
                                                         const RegisterRequest& request) const;
  // POST /subjects/{subject}: 40401 no such subject, 40403 the subject does not hold the schema.
  Reply<StoredSchema> Lookup(const std::string& subject, const RegisterRequest& request,
                             bool include_deleted) const;
  // GET /subjects/{subject}/versions/{version} (kLatestVersion: the latest).
  Reply<StoredSchema> GetVersion(const std::string& subject, int version,
                                 bool include_deleted) const;
  // GET /subjects/{subject}/versions (?deleted=true, ?deletedOnly=true). 40401 when the subject
  // has no version the filter lets through.
  Reply<std::vector<int>> ListVersions(const std::string& subject, Deleted deleted) const;
  // GET /subjects (?subjectPrefix=, ?deleted=true, ?deletedOnly=true: subjects holding a
  // soft-deleted version).
  std::vector<std::string> ListSubjects(Deleted deleted, std::string_view prefix) const;
  // GET /schemas (?subjectPrefix=, ?deleted=true, ?latestOnly=true): versions by subject, then
  // version.
  std::vector<StoredSchema> ListSchemas(std::string_view prefix, bool include_deleted,
                                        bool latest_only) const;
  // DELETE /subjects/{subject}/versions/{version}: soft, or `permanent` after a soft delete.
  // Returns the version deleted.
  Reply<int> DeleteVersion(const std::string& subject, int version, bool permanent);
  // DELETE /subjects/{subject}: returns the versions deleted.
  Reply<std::vector<int>> DeleteSubject(const std::string& subject, bool permanent);

  // GET /subjects/{subject}/versions/{version}/referencedby: the ids of the live versions whose
  // references name this one, ascending.
  Reply<std::vector<int>> ReferencedBy(const std::string& subject, int version) const;

  // GET /schemas/ids/{id} (?subject= prefers that subject's version).
  Reply<StoredSchema> GetById(int id, const std::optional<std::string>& subject) const;
  // GET /schemas/ids/{id}/versions.
  Reply<std::vector<SubjectVersion>> VersionsOfId(int id, bool include_deleted) const;
  // GET /schemas/ids/{id}/subjects (distinct subjects, sorted).
  Reply<std::vector<std::string>> SubjectsOfId(int id, bool include_deleted) const;
  // The highest id given out so far (GET /schemas/ids/{id}?fetchMaxId=true).
  int MaxId() const { return state_->NextId() - 1; }
  // GET /schemas/types.
  std::vector<std::string> Types() const { return checker_->Types(); }

  // GET /config and /config/{subject}: the level set for `subject` (nullopt: global), or with
  // `default_to_global` the one in effect; 40408 for a subject without one.
  Reply<std::string> GetConfig(const std::optional<std::string>& subject,
                               bool default_to_global) const;
  // PUT /config(/{subject}): 42203 for an unknown level (any case accepted, stored upper case).
  // Returns the level stored.
  Reply<std::string> SetConfig(const std::optional<std::string>& subject, std::string_view level);
  // DELETE /config(/{subject}): returns the level removed; 40401 when the subject had none.
  Reply<std::string> DeleteConfig(const std::optional<std::string>& subject);
  // The level in effect for `subject`: its own, else the global one.
  std::string EffectiveConfig(const std::string& subject) const;

  // GET /mode and /mode/{subject}; 40409 for a subject without one (unless `default_to_global`).
  Reply<std::string> GetMode(const std::optional<std::string>& subject,
                             bool default_to_global) const;
  // PUT /mode(/{subject}) (?force=true to enter IMPORT with subjects present): 42204 unknown
  // mode, 42205 IMPORT over existing subjects without `force`.
  Reply<std::string> SetMode(const std::optional<std::string>& subject, std::string_view mode,
                             bool force);
  // DELETE /mode/{subject}: returns the mode removed; 40401 when the subject had none.
  Reply<std::string> DeleteMode(const std::optional<std::string>& subject);

  // POST /compatibility/subjects/{subject}/versions/{version} (`version` kLatestVersion: the
  // latest, and compatible when the subject has none; 40402 for a missing numbered version), or
  // against every live version when `version` is nullopt. A schema that does not parse is 42201,
  // or with `verbose` an incompatible result carrying the parser's message.
  Reply<CompatibilityResult> TestCompatibility(const std::string& subject,
                                               std::optional<int> version,
                                               const RegisterRequest& request, bool verbose) const;

 private:
  // The request's schema parsed by the checker (42201 when empty, of an unknown type or invalid).
  Reply<ParsedSchema> Parse(const RegisterRequest& request) const;
  std::string ModeInScope(const std::string& subject) const;
  // 42205 when `subject` (nullopt: global) is read-only.
  std::optional<RegistryError> CheckWritable(const std::optional<std::string>& subject) const;
  // Appends and maps a log failure to 50001 naming `operation`.
  std::optional<RegistryError> Append(const std::string& operation, std::string key,
                                      std::optional<std::string> value);
  // Tombstones the subject's CONFIG and MODE records once it has no versions left.
  std::optional<RegistryError> ClearSubjectSettings(const std::string& subject);
  Reply<std::vector<std::string>> Check(const std::string& level, const ParsedSchema& proposed,
                                        const std::vector<StoredSchema>& existing) const;

  RegistryState* state_;
  RecordLog* log_;
  const SchemaChecker* checker_;
  SchemaRegistryOptions options_;
  // One write at a time: a check against the state and the append it justifies are atomic.
  std::mutex write_mutex_;
};

}  // namespace walrelay::registry
