#include "registry/schema_registry.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/strings.h"

namespace walrelay::registry {
namespace {

constexpr const char* kLevels[] = {"NONE",           "BACKWARD",           "BACKWARD_TRANSITIVE",
                                   "FORWARD",        "FORWARD_TRANSITIVE", "FULL",
                                   "FULL_TRANSITIVE"};
// FORWARD mode (Confluent's forwarding to another registry) is not implemented, so not accepted.
constexpr const char* kModes[] = {"READWRITE", "READONLY", "READONLY_OVERRIDE", "IMPORT"};

RegistryError Error(int code, std::string message) { return {code, std::move(message)}; }

RegistryError SubjectNotFound(const std::string& subject) {
  return Error(error_code::kSubjectNotFound, "Subject '" + subject + "' not found.");
}

RegistryError VersionNotFound(int version) {
  return Error(error_code::kVersionNotFound, "Version " + std::to_string(version) + " not found.");
}

RegistryError InvalidCompatibility() {
  return Error(error_code::kInvalidCompatibilityLevel,
               "Invalid compatibility level. Valid values are none, backward, forward, full, "
               "backward_transitive, forward_transitive, and full_transitive");
}

// Java's List.toString: "[a, b]".
std::string JavaList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    out += items[i];
  }
  return out + "]";
}

// Confluent's SchemaKey.toString, which its reference errors quote.
std::string SchemaKeyText(const std::string& subject, int version) {
  return "{magic=1,keytype=SCHEMA,subject=" + subject + ",version=" + std::to_string(version) + "}";
}

bool IsReadOnly(const std::string& mode) {
  return mode == "READONLY" || mode == "READONLY_OVERRIDE";
}

}  // namespace

Status InMemoryRecordLog::Append(std::string key, std::optional<std::string> value) {
  std::lock_guard lock(mutex_);
  WR_RETURN_IF_ERROR(state_->Apply(key, value));
  records_.push_back({std::move(key), std::move(value)});
  return Status::Ok();
}

std::vector<InMemoryRecordLog::Record> InMemoryRecordLog::records() const {
  std::lock_guard lock(mutex_);
  return records_;
}

Reply<int> ParseVersionId(std::string_view text) {
  if (text == "latest") return kLatestVersion;
  int value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (begin != end && ec == std::errc() && ptr == end && (value >= 1 || value == -1)) return value;
  return Error(error_code::kInvalidVersion,
               "The specified version '" + std::string(text) +
                   "' is not a valid version id. Allowed values are between [1, 2^31-1] and the "
                   "string \"latest\"");
}

std::optional<std::string> NormalizeCompatibilityLevel(std::string_view level) {
  std::string upper = ToUpper(level);
  for (const char* known : kLevels) {
    if (upper == known) return upper;
  }
  return std::nullopt;
}

SchemaRegistry::SchemaRegistry(RegistryState* state, RecordLog* log, const SchemaChecker* checker,
                               SchemaRegistryOptions options)
    : state_(state), log_(log), checker_(checker), options_(std::move(options)) {}

Reply<ParsedSchema> SchemaRegistry::Parse(const RegisterRequest& request) const {
  if (request.schema.empty()) return Error(error_code::kInvalidSchema, "Empty schema");
  std::string type = request.schema_type.empty() ? std::string(kAvroType) : request.schema_type;
  std::vector<std::string> types = checker_->Types();
  if (std::find(types.begin(), types.end(), type) == types.end()) {
    return Error(error_code::kInvalidSchema, "Invalid schema type " + type);
  }
  for (const SchemaReference& ref : request.references) {
    if (!state_->Get(ref.subject, ref.version, false)) {
      return Error(error_code::kInvalidSchema,
                   "Invalid schema: reference '" + ref.name + "' names subject '" + ref.subject +
                       "' version " + std::to_string(ref.version) + ", which does not exist");
    }
  }
  Result<ParsedSchema> parsed = checker_->Parse(type, request.schema);
  if (!parsed.ok()) return Error(error_code::kInvalidSchema, parsed.status().message());
  return std::move(parsed).value();
}

std::string SchemaRegistry::ModeInScope(const std::string& subject) const {
  if (auto mode = state_->Mode(subject)) return *mode;
  if (auto mode = state_->Mode(std::nullopt)) return *mode;
  return options_.default_mode;
}

std::optional<RegistryError> SchemaRegistry::CheckWritable(
    const std::optional<std::string>& subject) const {
  std::string mode =
      subject ? ModeInScope(*subject) : state_->Mode(std::nullopt).value_or(options_.default_mode);
  if (!IsReadOnly(mode)) return std::nullopt;
  return Error(error_code::kOperationNotPermitted,
               "Subject " + subject.value_or("null") + " is in read-only mode");
}

std::optional<RegistryError> SchemaRegistry::Append(const std::string& operation, std::string key,
                                                    std::optional<std::string> value) {
  Status status = log_->Append(std::move(key), std::move(value));
  if (status.ok()) return std::nullopt;
  return Error(error_code::kStoreError,
               operation + " failed while writing to the Kafka store: " + status.message());
}

std::string SchemaRegistry::EffectiveConfig(const std::string& subject) const {
  if (auto level = state_->Config(subject)) return *level;
  if (auto level = state_->Config(std::nullopt)) return *level;
  return options_.default_compatibility;
}

Reply<std::vector<std::string>> SchemaRegistry::Check(
    const std::string& level, const ParsedSchema& proposed,
    const std::vector<StoredSchema>& existing) const {
  if (level == "NONE" || existing.empty()) return std::vector<std::string>{};
  std::vector<ParsedSchema> previous;
  previous.reserve(existing.size());
  for (const StoredSchema& stored : existing) previous.push_back(*stored.schema);
  Result<std::vector<std::string>> messages = checker_->Check(level, proposed, previous);
  if (!messages.ok()) return Error(error_code::kInvalidSchema, messages.status().message());
  return std::move(messages).value();
}

Reply<std::optional<RegisteredVersion>> SchemaRegistry::FindRegistered(
    const std::string& subject, const RegisterRequest& request) const {
  Reply<ParsedSchema> parsed = Parse(request);
  if (!parsed.ok()) return parsed.error();
  std::optional<StoredSchema> found =
      state_->Find(subject, parsed.value(), request.references, false);
  if (!found) return std::optional<RegisteredVersion>();
  return std::optional<RegisteredVersion>(RegisteredVersion{found->id, found->version});
}

Reply<RegisteredVersion> SchemaRegistry::Register(const std::string& subject,
                                                  const RegisterRequest& request) {
  std::lock_guard lock(write_mutex_);
  std::string mode = ModeInScope(subject);
  if (IsReadOnly(mode)) {
    return Error(error_code::kOperationNotPermitted,
                 "Subject " + subject + " is in read-only mode");
  }
  bool import = mode == "IMPORT";
  if (request.id && !import) {
    return Error(error_code::kOperationNotPermitted,
                 "Subject " + subject + " is not in import mode");
  }
  if (!request.id && mode != "READWRITE") {
    return Error(error_code::kOperationNotPermitted,
                 "Subject " + subject + " is not in read-write mode");
  }
  Reply<ParsedSchema> parsed = Parse(request);
  if (!parsed.ok()) return parsed.error();
  const ParsedSchema& schema = parsed.value();

  if (std::optional<StoredSchema> existing =
          state_->Find(subject, schema, request.references, false)) {
    if (request.id && *request.id != existing->id) {
      return Error(error_code::kIdDoesNotMatch,
                   "Schema already registered with id " + std::to_string(existing->id) +
                       " instead of input id " + std::to_string(*request.id));
    }
    return RegisteredVersion{existing->id, existing->version};
  }

  std::vector<StoredSchema> live = state_->Versions(subject, false);
  if (!import) {
    Reply<std::vector<std::string>> messages = Check(EffectiveConfig(subject), schema, live);
    if (!messages.ok()) return messages.error();
    if (!messages.value().empty()) {
      return Error(error_code::kIncompatibleSchema,
                   "Schema being registered is incompatible with an earlier schema for subject \"" +
                       subject + "\", details: " + JavaList(messages.value()));
    }
  }

  std::optional<StoredSchema> latest = state_->Latest(subject, true);
  int version = latest ? latest->version + 1 : 1;
  if (request.version && *request.version != version) {
    if (!import) {
      return Error(error_code::kInvalidSchema, "Version is not one more than previous version");
    }
    version = *request.version;
    if (state_->Get(subject, version, true)) {
      return Error(error_code::kOperationNotPermitted, "Overwrite of subject '" + subject +
                                                           "' version " + std::to_string(version) +
                                                           " is not permitted.");
    }
  }

  std::optional<int> same = state_->IdOf(schema, request.references);
  int id = 0;
  if (request.id) {
    id = *request.id;
    std::optional<StoredSchema> holder = state_->ById(id, std::nullopt);
    if (holder && (!same || *same != id)) {
      return Error(error_code::kOperationNotPermitted,
                   "Overwrite new schema with id " + std::to_string(id) + " is not permitted.");
    }
  } else {
    id = same ? *same : state_->NextId();
  }

  // An earlier soft-deleted version of the same schema in this subject is superseded by the new
  // version: tombstone it, as Confluent does, so the subject does not hold the id twice.
  for (const StoredSchema& old : state_->Versions(subject, true)) {
    if (old.deleted && old.id == id && old.version < version &&
        state_->ReferencedBy(subject, old.version, true).empty()) {
      if (auto error = Append("Register schema operation", SchemaKeyJson(subject, old.version),
                              std::nullopt)) {
        return *error;
      }
    }
  }

  SchemaValue value;
  value.subject = subject;
  value.version = version;
  value.id = id;
  value.schema_type = schema.type;
  value.references = request.references;
  value.schema = schema.text;
  if (same && *same == id) {
    // An id keeps one text: a schema equal in canonical form but written differently (another
    // registry's formatting, say) is stored as the id already has it.
    if (std::optional<StoredSchema> holder = state_->ById(id, std::nullopt)) {
      value.schema = holder->schema->text;
    }
  }
  if (auto error =
          Append("Register schema operation", SchemaKeyJson(subject, version), ToJson(value))) {
    return *error;
  }
  std::optional<StoredSchema> stored = state_->Get(subject, version, false);
  if (!stored || stored->id != id) {
    return Error(error_code::kStoreError,
                 "Register schema operation failed while writing to the Kafka store: the record "
                 "was not applied");
  }
  return RegisteredVersion{id, version};
}

Reply<StoredSchema> SchemaRegistry::Lookup(const std::string& subject,
                                           const RegisterRequest& request,
                                           bool include_deleted) const {
  Reply<ParsedSchema> parsed = Parse(request);
  if (!parsed.ok()) return parsed.error();
  if (std::optional<StoredSchema> found =
          state_->Find(subject, parsed.value(), request.references, include_deleted)) {
    return *found;
  }
  if (!state_->HasSubject(subject, include_deleted)) return SubjectNotFound(subject);
  return Error(error_code::kSchemaNotFound, "Schema not found");
}

Reply<StoredSchema> SchemaRegistry::GetVersion(const std::string& subject, int version,
                                               bool include_deleted) const {
  std::optional<StoredSchema> found = version == kLatestVersion
                                          ? state_->Latest(subject, include_deleted)
                                          : state_->Get(subject, version, include_deleted);
  if (found) return *found;
  if (!state_->HasSubject(subject, include_deleted)) return SubjectNotFound(subject);
  return VersionNotFound(version);
}

Reply<std::vector<int>> SchemaRegistry::ListVersions(const std::string& subject,
                                                     Deleted deleted) const {
  std::vector<int> versions;
  for (const StoredSchema& stored : state_->Versions(subject, deleted != Deleted::kExclude)) {
    if (deleted == Deleted::kOnly && !stored.deleted) continue;
    versions.push_back(stored.version);
  }
  if (versions.empty() && !state_->HasSubject(subject, deleted != Deleted::kExclude)) {
    return SubjectNotFound(subject);
  }
  return versions;
}

std::vector<std::string> SchemaRegistry::ListSubjects(Deleted deleted,
                                                      std::string_view prefix) const {
  std::vector<std::string> subjects = state_->Subjects(deleted != Deleted::kExclude);
  std::erase_if(subjects, [&](const std::string& subject) {
    if (!subject.starts_with(prefix)) return true;
    if (deleted != Deleted::kOnly) return false;
    std::vector<StoredSchema> versions = state_->Versions(subject, true);
    return std::none_of(versions.begin(), versions.end(),
                        [](const StoredSchema& s) { return s.deleted; });
  });
  return subjects;
}

std::vector<StoredSchema> SchemaRegistry::ListSchemas(std::string_view prefix, bool include_deleted,
                                                      bool latest_only) const {
  std::vector<StoredSchema> out;
  for (const std::string& subject : state_->Subjects(include_deleted)) {
    if (!subject.starts_with(prefix)) continue;
    std::vector<StoredSchema> versions = state_->Versions(subject, include_deleted);
    if (latest_only && !versions.empty()) {
      out.push_back(std::move(versions.back()));
    } else {
      for (StoredSchema& stored : versions) out.push_back(std::move(stored));
    }
  }
  return out;
}

std::optional<RegistryError> SchemaRegistry::ClearSubjectSettings(const std::string& subject) {
  if (state_->HasSubject(subject, true)) return std::nullopt;
  if (state_->Mode(subject)) {
    if (auto error = Append("Delete subject mode", ModeKeyJson(subject), std::nullopt)) {
      return error;
    }
  }
  if (state_->Config(subject)) {
    if (auto error = Append("Delete subject config", ConfigKeyJson(subject), std::nullopt)) {
      return error;
    }
  }
  return std::nullopt;
}

Reply<int> SchemaRegistry::DeleteVersion(const std::string& subject, int version, bool permanent) {
  std::lock_guard lock(write_mutex_);
  std::optional<StoredSchema> found = version == kLatestVersion
                                          ? state_->Latest(subject, true)
                                          : state_->Get(subject, version, true);
  if (!found) {
    if (!state_->HasSubject(subject, true)) return SubjectNotFound(subject);
    return VersionNotFound(version);
  }
  const std::string version_text = std::to_string(found->version);
  if (!permanent && found->deleted) {
    return Error(error_code::kVersionSoftDeleted,
                 "Subject '" + subject + "' Version " + version_text +
                     " was soft deleted.Set permanent=true to delete permanently");
  }
  if (auto error = CheckWritable(subject)) return *error;
  if (!state_->ReferencedBy(subject, found->version, permanent).empty()) {
    return Error(error_code::kReferenceExists, "One or more references exist to the schema " +
                                                   SchemaKeyText(subject, found->version) + ".");
  }
  if (permanent && !found->deleted) {
    return Error(error_code::kVersionNotSoftDeleted,
                 "Subject '" + subject + "' Version " + version_text +
                     " was not deleted first before being permanently deleted");
  }
  if (!permanent) {
    SchemaValue value;
    value.subject = subject;
    value.version = found->version;
    value.id = found->id;
    value.schema_type = found->schema->type;
    value.references = found->references;
    value.schema = found->schema->text;
    value.deleted = true;
    if (auto error = Append("Delete Schema Version operation",
                            SchemaKeyJson(subject, found->version), ToJson(value))) {
      return *error;
    }
  } else {
    if (auto error = Append("Delete Schema Version operation",
                            SchemaKeyJson(subject, found->version), std::nullopt)) {
      return *error;
    }
    if (auto error = ClearSubjectSettings(subject)) return *error;
  }
  return found->version;
}

Reply<std::vector<int>> SchemaRegistry::DeleteSubject(const std::string& subject, bool permanent) {
  std::lock_guard lock(write_mutex_);
  if (!state_->HasSubject(subject, true)) return SubjectNotFound(subject);
  if (!permanent && !state_->HasSubject(subject, false)) {
    return Error(
        error_code::kSubjectSoftDeleted,
        "Subject '" + subject + "' was soft deleted.Set permanent=true to delete permanently");
  }
  if (auto error = CheckWritable(subject)) return *error;
  std::vector<StoredSchema> versions = state_->Versions(subject, permanent);
  std::vector<int> deleted;
  for (const StoredSchema& stored : versions) {
    for (const SubjectVersion& referrer :
         state_->ReferencedBy(subject, stored.version, permanent)) {
      if (referrer.subject != subject) {
        return Error(error_code::kReferenceExists, "One or more references exist to the schema " +
                                                       SchemaKeyText(subject, stored.version) +
                                                       ".");
      }
    }
    if (permanent && !stored.deleted) {
      return Error(
          error_code::kSubjectNotSoftDeleted,
          "Subject '" + subject + "' was not deleted first before being permanently deleted");
    }
    deleted.push_back(stored.version);
  }
  if (!permanent) {
    if (auto error = Append("Delete subject operation", DeleteSubjectKeyJson(subject),
                            ToJson(DeleteSubjectValue{subject, deleted.back()}))) {
      return *error;
    }
  } else {
    // Newest first, so a version referring to an older one of the same subject goes before it.
    for (auto it = deleted.rbegin(); it != deleted.rend(); ++it) {
      if (auto error =
              Append("Delete subject operation", SchemaKeyJson(subject, *it), std::nullopt)) {
        return *error;
      }
    }
    if (auto error = ClearSubjectSettings(subject)) return *error;
  }
  return deleted;
}

Reply<std::vector<int>> SchemaRegistry::ReferencedBy(const std::string& subject,
                                                     int version) const {
  Reply<StoredSchema> found = GetVersion(subject, version, false);
  if (!found.ok()) return found.error();
  std::set<int> ids;
  for (const SubjectVersion& referrer :
       state_->ReferencedBy(subject, found.value().version, false)) {
    if (auto stored = state_->Get(referrer.subject, referrer.version, false))
      ids.insert(stored->id);
  }
  return std::vector<int>(ids.begin(), ids.end());
}

Reply<StoredSchema> SchemaRegistry::GetById(int id,
                                            const std::optional<std::string>& subject) const {
  std::optional<StoredSchema> found =
      state_->ById(id, subject ? std::optional<std::string_view>(*subject) : std::nullopt);
  if (!found) {
    return Error(error_code::kSchemaNotFound, "Schema " + std::to_string(id) + " not found");
  }
  return *found;
}

Reply<std::vector<SubjectVersion>> SchemaRegistry::VersionsOfId(int id,
                                                                bool include_deleted) const {
  if (!state_->ById(id, std::nullopt)) {
    return Error(error_code::kSchemaNotFound, "Schema " + std::to_string(id) + " not found");
  }
  return state_->VersionsOfId(id, include_deleted);
}

Reply<std::vector<std::string>> SchemaRegistry::SubjectsOfId(int id, bool include_deleted) const {
  Reply<std::vector<SubjectVersion>> versions = VersionsOfId(id, include_deleted);
  if (!versions.ok()) return versions.error();
  std::set<std::string> subjects;
  for (const SubjectVersion& sv : versions.value()) subjects.insert(sv.subject);
  return std::vector<std::string>(subjects.begin(), subjects.end());
}

Reply<std::string> SchemaRegistry::GetConfig(const std::optional<std::string>& subject,
                                             bool default_to_global) const {
  if (!subject) return state_->Config(std::nullopt).value_or(options_.default_compatibility);
  if (auto level = state_->Config(subject)) return *level;
  if (default_to_global) return EffectiveConfig(*subject);
  return Error(error_code::kSubjectConfigNotConfigured,
               "Subject '" + *subject + "' does not have subject-level compatibility configured");
}

Reply<std::string> SchemaRegistry::SetConfig(const std::optional<std::string>& subject,
                                             std::string_view level) {
  std::optional<std::string> normalized = NormalizeCompatibilityLevel(level);
  if (!normalized) return InvalidCompatibility();
  std::lock_guard lock(write_mutex_);
  if (auto error = CheckWritable(subject)) return *error;
  if (auto error = Append("Update compatibility level", ConfigKeyJson(subject),
                          ToJson(ConfigValue{subject, *normalized}))) {
    return *error;
  }
  return *normalized;
}

Reply<std::string> SchemaRegistry::DeleteConfig(const std::optional<std::string>& subject) {
  std::lock_guard lock(write_mutex_);
  std::optional<std::string> current = state_->Config(subject);
  if (subject && !current) return SubjectNotFound(*subject);
  if (auto error = CheckWritable(subject)) return *error;
  if (current) {
    if (auto error = Append("Delete compatibility level", ConfigKeyJson(subject), std::nullopt)) {
      return *error;
    }
  }
  return current.value_or(options_.default_compatibility);
}

Reply<std::string> SchemaRegistry::GetMode(const std::optional<std::string>& subject,
                                           bool default_to_global) const {
  if (!subject) return state_->Mode(std::nullopt).value_or(options_.default_mode);
  if (auto mode = state_->Mode(subject)) return *mode;
  if (default_to_global) return ModeInScope(*subject);
  return Error(error_code::kSubjectModeNotConfigured,
               "Subject '" + *subject + "' does not have subject-level mode configured");
}

Reply<std::string> SchemaRegistry::SetMode(const std::optional<std::string>& subject,
                                           std::string_view mode, bool force) {
  std::string upper = ToUpper(mode);
  if (std::none_of(std::begin(kModes), std::end(kModes),
                   [&](const char* known) { return upper == known; })) {
    return Error(error_code::kInvalidMode,
                 "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and "
                 "IMPORT.");
  }
  std::lock_guard lock(write_mutex_);
  if (upper == "IMPORT" && !force) {
    bool has_subjects = subject ? state_->HasSubject(*subject, true) : !state_->Empty();
    if (has_subjects) {
      return Error(error_code::kOperationNotPermitted,
                   "Cannot import since found existing subjects");
    }
  }
  if (auto error = Append("Update mode", ModeKeyJson(subject), ToJson(ModeValue{subject, upper}))) {
    return *error;
  }
  return upper;
}

Reply<std::string> SchemaRegistry::DeleteMode(const std::optional<std::string>& subject) {
  std::lock_guard lock(write_mutex_);
  std::optional<std::string> current = state_->Mode(subject);
  if (subject && !current) return SubjectNotFound(*subject);
  if (current) {
    if (auto error = Append("Delete mode", ModeKeyJson(subject), std::nullopt)) return *error;
  }
  return current.value_or(options_.default_mode);
}

Reply<CompatibilityResult> SchemaRegistry::TestCompatibility(const std::string& subject,
                                                             std::optional<int> version,
                                                             const RegisterRequest& request,
                                                             bool verbose) const {
  std::vector<StoredSchema> against;
  if (version) {
    std::optional<StoredSchema> found = *version == kLatestVersion
                                            ? state_->Latest(subject, false)
                                            : state_->Get(subject, *version, false);
    if (!found && *version != kLatestVersion) return VersionNotFound(*version);
    if (found) against.push_back(*found);
  } else {
    against = state_->Versions(subject, false);
  }
  Reply<ParsedSchema> parsed = Parse(request);
  if (!parsed.ok()) {
    if (verbose && parsed.error().error_code == error_code::kInvalidSchema) {
      return CompatibilityResult{false, {parsed.error().message}};
    }
    return parsed.error();
  }
  Reply<std::vector<std::string>> messages =
      Check(EffectiveConfig(subject), parsed.value(), against);
  if (!messages.ok()) return messages.error();
  CompatibilityResult result;
  result.compatible = messages.value().empty();
  result.messages = std::move(messages.value());
  return result;
}

}  // namespace walrelay::registry
