#include "registry/registry_state.h"

#include <algorithm>
#include <mutex>

namespace walrelay::registry {

RegistryState::RegistryState(const SchemaChecker* checker) : checker_(checker) {}

std::string RegistryState::Identity(const ParsedSchema& schema,
                                    const std::vector<SchemaReference>& references) {
  // NUL separates the parts: it cannot occur in a type name, and a reference's subject and name
  // are JSON strings that Confluent never writes with NUL in practice; the lengths make the
  // encoding unambiguous regardless.
  std::string identity = schema.type;
  identity += '\0';
  identity += std::to_string(schema.canonical.size());
  identity += '\0';
  identity += schema.canonical;
  for (const SchemaReference& ref : references) {
    identity += '\0';
    identity += std::to_string(ref.name.size()) + ':' + ref.name;
    identity += std::to_string(ref.subject.size()) + ':' + ref.subject;
    identity += std::to_string(ref.version);
  }
  return identity;
}

Status RegistryState::Apply(std::string_view key_json, const std::optional<std::string>& value) {
  {
    std::unique_lock lock(mutex_);
    ++applied_records_;
  }
  WR_ASSIGN_OR_RETURN(RecordKey key, ParseRecordKey(key_json));
  switch (key.type) {
    case KeyType::kUnknown:
    case KeyType::kNoop:
      return Status::Ok();
    case KeyType::kSchema:
      return ApplySchema(key, value);
    case KeyType::kConfig: {
      std::optional<std::string> level;
      if (value) {
        WR_ASSIGN_OR_RETURN(ConfigValue config, ParseConfigValue(*value));
        level = config.compatibility_level;
      }
      std::unique_lock lock(mutex_);
      if (!key.subject) {
        global_config_ = level;
      } else if (level) {
        subject_configs_[*key.subject] = *level;
      } else {
        subject_configs_.erase(*key.subject);
      }
      return Status::Ok();
    }
    case KeyType::kMode: {
      std::optional<std::string> mode;
      if (value) {
        WR_ASSIGN_OR_RETURN(ModeValue parsed, ParseModeValue(*value));
        mode = parsed.mode;
      }
      std::unique_lock lock(mutex_);
      if (!key.subject) {
        global_mode_ = mode;
      } else if (mode) {
        subject_modes_[*key.subject] = *mode;
      } else {
        subject_modes_.erase(*key.subject);
      }
      return Status::Ok();
    }
    case KeyType::kDeleteSubject: {
      if (!value) return Status::Ok();  // compaction's tombstone of the marker: nothing to undo
      WR_ASSIGN_OR_RETURN(DeleteSubjectValue parsed, ParseDeleteSubjectValue(*value));
      ApplyDeleteSubject(parsed);
      return Status::Ok();
    }
    case KeyType::kClearSubject: {
      if (!value) return Status::Ok();
      WR_ASSIGN_OR_RETURN(ClearSubjectValue parsed, ParseClearSubjectValue(*value));
      std::unique_lock lock(mutex_);
      auto it = subjects_.find(parsed.subject);
      if (it == subjects_.end()) return Status::Ok();
      std::vector<int> versions;
      for (const auto& [version, stored] : it->second) versions.push_back(version);
      for (int version : versions) RemoveVersionLocked(parsed.subject, version);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

void RegistryState::ApplyDeleteSubject(const DeleteSubjectValue& value) {
  std::unique_lock lock(mutex_);
  auto it = subjects_.find(value.subject);
  if (it == subjects_.end()) return;
  for (auto& [version, stored] : it->second) {
    if (version <= value.version) stored.deleted = true;
  }
}

Status RegistryState::ApplySchema(const RecordKey& key, const std::optional<std::string>& value) {
  const std::string& subject = *key.subject;
  if (!value) {
    std::unique_lock lock(mutex_);
    RemoveVersionLocked(subject, key.version);
    return Status::Ok();
  }
  WR_ASSIGN_OR_RETURN(SchemaValue parsed, ParseSchemaValue(*value));
  if (parsed.subject != subject || parsed.version != key.version) {
    return DataError("_schemas SCHEMA value for subject '" + parsed.subject + "' version " +
                     std::to_string(parsed.version) + " under the key of subject '" + subject +
                     "' version " + std::to_string(key.version));
  }
  if (parsed.id < 0) {
    return DataError("_schemas SCHEMA value for subject '" + subject + "' version " +
                     std::to_string(key.version) + " has a negative id " +
                     std::to_string(parsed.id));
  }

  // Reuse the parse of an id already known with this exact text; parse anything else outside the
  // lock, since parsing a large schema takes a while and readers should not wait for it.
  std::shared_ptr<const ParsedSchema> schema;
  {
    std::shared_lock lock(mutex_);
    auto it = ids_.find(parsed.id);
    if (it != ids_.end()) {
      const IdEntry& entry = it->second;
      bool only_this_version = entry.holders.size() == 1 &&
                               entry.holders.begin()->first == subject &&
                               entry.holders.begin()->second == key.version;
      if (entry.schema->type == parsed.schema_type && entry.schema->text == parsed.schema) {
        schema = entry.schema;
      } else if (!only_this_version) {
        return DataError("_schemas SCHEMA value for subject '" + subject + "' version " +
                         std::to_string(key.version) + " gives id " + std::to_string(parsed.id) +
                         ", which another schema already has; the record is ignored");
      }
    }
  }
  if (!schema) {
    ParsedSchema fresh{parsed.schema_type, parsed.schema, parsed.schema, nullptr};
    if (checker_ != nullptr) {
      Result<ParsedSchema> result = checker_->Parse(parsed.schema_type, parsed.schema);
      if (result.ok()) {
        fresh = std::move(result).value();
        // The stored text stays what the record holds: that is what the registry answers with.
        fresh.text = parsed.schema;
        fresh.type = parsed.schema_type;
      }
    }
    schema = std::make_shared<const ParsedSchema>(std::move(fresh));
  }

  std::unique_lock lock(mutex_);
  RemoveVersionLocked(subject, key.version);
  StoredSchema stored;
  stored.subject = subject;
  stored.version = key.version;
  stored.id = parsed.id;
  stored.deleted = parsed.deleted;
  stored.references = parsed.references;
  stored.schema = schema;
  subjects_[subject][key.version] = stored;

  IdEntry& entry = ids_[parsed.id];
  if (entry.holders.empty()) {
    entry.schema = schema;
    entry.references = parsed.references;
    entry.identity = Identity(*schema, parsed.references);
    id_by_identity_.emplace(entry.identity, parsed.id);
  }
  entry.holders.emplace(subject, key.version);
  max_id_ = std::max(max_id_, parsed.id);
  return Status::Ok();
}

void RegistryState::RemoveVersionLocked(const std::string& subject, int version) {
  auto subject_it = subjects_.find(subject);
  if (subject_it == subjects_.end()) return;
  auto version_it = subject_it->second.find(version);
  if (version_it == subject_it->second.end()) return;
  int id = version_it->second.id;
  subject_it->second.erase(version_it);
  if (subject_it->second.empty()) subjects_.erase(subject_it);
  auto id_it = ids_.find(id);
  if (id_it == ids_.end()) return;
  id_it->second.holders.erase({subject, version});
  if (id_it->second.holders.empty()) {
    auto identity_it = id_by_identity_.find(id_it->second.identity);
    if (identity_it != id_by_identity_.end() && identity_it->second == id) {
      id_by_identity_.erase(identity_it);
    }
    ids_.erase(id_it);
  }
}

uint64_t RegistryState::applied_records() const {
  std::shared_lock lock(mutex_);
  return applied_records_;
}

const RegistryState::Versions_* RegistryState::SubjectLocked(std::string_view subject) const {
  auto it = subjects_.find(subject);
  return it == subjects_.end() ? nullptr : &it->second;
}

std::optional<StoredSchema> RegistryState::Get(std::string_view subject, int version,
                                               bool include_deleted) const {
  std::shared_lock lock(mutex_);
  const Versions_* versions = SubjectLocked(subject);
  if (versions == nullptr) return std::nullopt;
  auto it = versions->find(version);
  if (it == versions->end() || (it->second.deleted && !include_deleted)) return std::nullopt;
  return it->second;
}

std::optional<StoredSchema> RegistryState::Latest(std::string_view subject,
                                                  bool include_deleted) const {
  std::shared_lock lock(mutex_);
  const Versions_* versions = SubjectLocked(subject);
  if (versions == nullptr) return std::nullopt;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    if (include_deleted || !it->second.deleted) return it->second;
  }
  return std::nullopt;
}

std::vector<StoredSchema> RegistryState::Versions(std::string_view subject,
                                                  bool include_deleted) const {
  std::shared_lock lock(mutex_);
  std::vector<StoredSchema> out;
  const Versions_* versions = SubjectLocked(subject);
  if (versions == nullptr) return out;
  for (const auto& [version, stored] : *versions) {
    if (include_deleted || !stored.deleted) out.push_back(stored);
  }
  return out;
}

bool RegistryState::HasSubject(std::string_view subject, bool include_deleted) const {
  std::shared_lock lock(mutex_);
  const Versions_* versions = SubjectLocked(subject);
  if (versions == nullptr) return false;
  if (include_deleted) return true;
  return std::any_of(versions->begin(), versions->end(),
                     [](const auto& entry) { return !entry.second.deleted; });
}

std::vector<std::string> RegistryState::Subjects(bool include_deleted) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [subject, versions] : subjects_) {
    if (include_deleted || std::any_of(versions.begin(), versions.end(),
                                       [](const auto& entry) { return !entry.second.deleted; })) {
      out.push_back(subject);
    }
  }
  return out;
}

bool RegistryState::Empty() const {
  std::shared_lock lock(mutex_);
  return subjects_.empty();
}

std::optional<StoredSchema> RegistryState::Find(std::string_view subject,
                                                const ParsedSchema& schema,
                                                const std::vector<SchemaReference>& references,
                                                bool include_deleted) const {
  std::string identity = Identity(schema, references);
  std::shared_lock lock(mutex_);
  const Versions_* versions = SubjectLocked(subject);
  if (versions == nullptr) return std::nullopt;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    const StoredSchema& stored = it->second;
    if (stored.deleted && !include_deleted) continue;
    auto id_it = ids_.find(stored.id);
    if (id_it != ids_.end() && id_it->second.identity == identity) return stored;
  }
  return std::nullopt;
}

std::optional<int> RegistryState::IdOf(const ParsedSchema& schema,
                                       const std::vector<SchemaReference>& references) const {
  std::string identity = Identity(schema, references);
  std::shared_lock lock(mutex_);
  auto it = id_by_identity_.find(identity);
  if (it == id_by_identity_.end()) return std::nullopt;
  return it->second;
}

std::optional<StoredSchema> RegistryState::ById(int id,
                                                std::optional<std::string_view> subject) const {
  std::shared_lock lock(mutex_);
  auto it = ids_.find(id);
  if (it == ids_.end()) return std::nullopt;
  const std::pair<std::string, int>* chosen = &*it->second.holders.begin();
  if (subject) {
    for (const auto& holder : it->second.holders) {
      if (holder.first == *subject) {
        chosen = &holder;
        break;
      }
    }
  }
  return subjects_.find(chosen->first)->second.at(chosen->second);
}

std::vector<SubjectVersion> RegistryState::VersionsOfId(int id, bool include_deleted) const {
  std::shared_lock lock(mutex_);
  std::vector<SubjectVersion> out;
  auto it = ids_.find(id);
  if (it == ids_.end()) return out;
  for (const auto& [subject, version] : it->second.holders) {
    if (!include_deleted && subjects_.find(subject)->second.at(version).deleted) continue;
    out.push_back({subject, version});
  }
  return out;
}

std::vector<SubjectVersion> RegistryState::ReferencedBy(std::string_view subject, int version,
                                                        bool include_deleted) const {
  std::shared_lock lock(mutex_);
  std::vector<SubjectVersion> out;
  for (const auto& [name, versions] : subjects_) {
    for (const auto& [v, stored] : versions) {
      if (stored.deleted && !include_deleted) continue;
      for (const SchemaReference& ref : stored.references) {
        if (ref.subject == subject && ref.version == version) {
          out.push_back({name, v});
          break;
        }
      }
    }
  }
  return out;
}

int RegistryState::NextId() const {
  std::shared_lock lock(mutex_);
  return max_id_ + 1;
}

std::optional<std::string> RegistryState::Config(const std::optional<std::string>& subject) const {
  std::shared_lock lock(mutex_);
  if (!subject) return global_config_;
  auto it = subject_configs_.find(*subject);
  if (it == subject_configs_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> RegistryState::Mode(const std::optional<std::string>& subject) const {
  std::shared_lock lock(mutex_);
  if (!subject) return global_mode_;
  auto it = subject_modes_.find(*subject);
  if (it == subject_modes_.end()) return std::nullopt;
  return it->second;
}

}  // namespace walrelay::registry
