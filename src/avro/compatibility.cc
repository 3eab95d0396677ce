#include "avro/compatibility.h"

#include <map>
#include <set>

#include "common/strings.h"

namespace walrelay::avro {
namespace {

// Avro Java's Schema.Type names, as its messages print them ("INT", "RECORD").
std::string UpperTypeName(AvroType t) { return ToUpper(AvroTypeName(t)); }

// Avro Java's SchemaCompatibility.ReaderWriterCompatibilityChecker, memoized per (reader, writer)
// node pair as it is. Its quirks are kept on purpose, because Confluent's registry reports what
// it finds: a union branch is checked with a fresh location (so incompatibilities found inside
// one are located from the branch, not from the root), and a memoized pair's incompatibilities
// are reported again, with the location of their first finding, wherever the pair recurs.
class Checker {
 public:
  struct Result {
    enum class Kind { kCompatible, kIncompatible, kRecursionInProgress } kind = Kind::kCompatible;
    std::vector<Incompatibility> incompatibilities;

    void Merge(const Result& other) {
      incompatibilities.insert(incompatibilities.end(), other.incompatibilities.begin(),
                               other.incompatibilities.end());
      if (kind == Kind::kCompatible) {
        kind = other.kind;
      } else {
        kind = Kind::kIncompatible;
      }
    }
  };

  Result Check(const Node& reader, const Node& writer) {
    std::vector<std::string> location;
    return Check("", reader, writer, &location);
  }

 private:
  Result Check(const std::string& token, const Node& reader, const Node& writer,
               std::vector<std::string>* location) {
    location->push_back(token);
    Result result;
    auto key = std::make_pair(&reader, &writer);
    auto it = memo_.find(key);
    if (it != memo_.end()) {
      // A pair still in progress is a recursion: compatible unless proven otherwise.
      if (it->second.kind != Result::Kind::kRecursionInProgress) result = it->second;
    } else {
      memo_[key].kind = Result::Kind::kRecursionInProgress;
      result = Calculate(reader, writer, location);
      memo_[key] = result;
    }
    location->pop_back();
    return result;
  }

  static Result Incompatible(const char* type, const std::string& message,
                             const std::vector<std::string>& location) {
    Incompatibility inc;
    inc.type = type;
    inc.message = message;
    inc.additional_info = message;
    // SchemaCompatibility.Incompatibility.getLocation: "/" and the tokens after the root one,
    // JSON-pointer escaped.
    inc.location = "/";
    for (size_t i = 1; i < location.size(); ++i) {
      if (i > 1) inc.location.push_back('/');
      for (char c : location[i]) {
        if (c == '~') {
          inc.location += "~0";
        } else if (c == '/') {
          inc.location += "~1";
        } else {
          inc.location.push_back(c);
        }
      }
    }
    Result r;
    r.kind = Result::Kind::kIncompatible;
    r.incompatibilities.push_back(std::move(inc));
    return r;
  }

  static Result TypeMismatch(const Node& reader, const Node& writer,
                             const std::vector<std::string>& location) {
    return Incompatible("TYPE_MISMATCH",
                        "reader type: " + UpperTypeName(reader.type()) +
                            " not compatible with writer type: " + UpperTypeName(writer.type()),
                        location);
  }

  static Result CheckNames(const Node& reader, const Node& writer,
                           std::vector<std::string>* location) {
    Result result;
    location->push_back("name");
    bool equal = reader.name() == writer.name();
    for (const std::string& a : reader.aliases()) equal = equal || a == writer.full_name();
    if (!equal) {
      result = Incompatible("NAME_MISMATCH", "expected: " + writer.full_name(), *location);
    }
    location->pop_back();
    return result;
  }

  Result Calculate(const Node& reader, const Node& writer, std::vector<std::string>* location) {
    Result result;
    if (reader.type() == writer.type()) {
      switch (reader.type()) {
        case AvroType::kNull:
        case AvroType::kBoolean:
        case AvroType::kInt:
        case AvroType::kLong:
        case AvroType::kFloat:
        case AvroType::kDouble:
        case AvroType::kBytes:
        case AvroType::kString:
          return result;
        case AvroType::kArray:
          result.Merge(Check("items", reader.items(), writer.items(), location));
          return result;
        case AvroType::kMap:
          result.Merge(Check("values", reader.values(), writer.values(), location));
          return result;
        case AvroType::kFixed: {
          result.Merge(CheckNames(reader, writer, location));
          location->push_back("size");
          if (reader.fixed_size() != writer.fixed_size()) {
            result.Merge(Incompatible("FIXED_SIZE_MISMATCH",
                                      "expected: " + std::to_string(writer.fixed_size()) +
                                          ", found: " + std::to_string(reader.fixed_size()),
                                      *location));
          }
          location->pop_back();
          return result;
        }
        case AvroType::kEnum: {
          result.Merge(CheckNames(reader, writer, location));
          location->push_back("symbols");
          std::set<std::string> missing(writer.symbols().begin(), writer.symbols().end());
          for (const std::string& s : reader.symbols()) missing.erase(s);
          bool has_default =
              reader.enum_default() && reader.SymbolIndex(*reader.enum_default()) >= 0;
          if (!missing.empty() && !has_default) {
            // Java's TreeSet.toString: "[A, B]" in sorted order.
            std::string list = "[";
            for (const std::string& s : missing) {
              if (list.size() > 1) list += ", ";
              list += s;
            }
            list += "]";
            result.Merge(Incompatible("MISSING_ENUM_SYMBOLS", list, *location));
          }
          location->pop_back();
          return result;
        }
        case AvroType::kRecord: {
          result.Merge(CheckNames(reader, writer, location));
          result.Merge(CheckFields(reader, writer, location));
          return result;
        }
        case AvroType::kUnion: {
          for (size_t i = 0; i < writer.branches().size(); ++i) {
            location->push_back(std::to_string(i));
            const Node& wb = *writer.branches()[i];
            if (Check(reader, wb).kind == Result::Kind::kIncompatible) {
              result.Merge(Incompatible(
                  "MISSING_UNION_BRANCH",
                  "reader union lacking writer type: " + UpperTypeName(wb.type()), *location));
            }
            location->pop_back();
          }
          return result;
        }
      }
      return result;
    }
    if (writer.type() == AvroType::kUnion) {
      for (const Node* wb : writer.branches()) result.Merge(Check(reader, *wb));
      return result;
    }
    switch (reader.type()) {
      case AvroType::kLong:
        if (writer.type() == AvroType::kInt) return result;
        break;
      case AvroType::kFloat:
        if (writer.type() == AvroType::kInt || writer.type() == AvroType::kLong) return result;
        break;
      case AvroType::kDouble:
        if (writer.type() == AvroType::kInt || writer.type() == AvroType::kLong ||
            writer.type() == AvroType::kFloat) {
          return result;
        }
        break;
      case AvroType::kBytes:
        if (writer.type() == AvroType::kString) return result;
        break;
      case AvroType::kString:
        if (writer.type() == AvroType::kBytes) return result;
        break;
      case AvroType::kUnion:
        for (const Node* rb : reader.branches()) {
          if (Check(*rb, writer).kind == Result::Kind::kCompatible) return result;
        }
        result.Merge(Incompatible(
            "MISSING_UNION_BRANCH",
            "reader union lacking writer type: " + UpperTypeName(writer.type()), *location));
        return result;
      default:
        break;
    }
    result.Merge(TypeMismatch(reader, writer, *location));
    return result;
  }

  Result CheckFields(const Node& reader, const Node& writer, std::vector<std::string>* location) {
    Result result;
    location->push_back("fields");
    for (const Field& rf : reader.fields()) {
      location->push_back(std::to_string(rf.position));
      // SchemaCompatibility.lookupWriterField: by name, then by each reader alias. (Java throws
      // when several writer fields match; the first is taken here.)
      const Field* wf = writer.FindField(rf.name);
      for (size_t i = 0; wf == nullptr && i < rf.aliases.size(); ++i) {
        wf = writer.FindField(rf.aliases[i]);
      }
      if (wf == nullptr) {
        if (!rf.default_value) {
          if (rf.schema->type() == AvroType::kEnum && rf.schema->enum_default()) {
            result.Merge(Check("type", *rf.schema, writer, location));
          } else {
            result.Merge(Incompatible("READER_FIELD_MISSING_DEFAULT_VALUE", rf.name, *location));
          }
        }
      } else {
        result.Merge(Check("type", *rf.schema, *wf->schema, location));
      }
      location->pop_back();
    }
    location->pop_back();
    return result;
  }

  std::map<std::pair<const Node*, const Node*>, Result> memo_;
};

// Confluent's Difference.error(): the text of one incompatibility, with %s placeholders for the
// reader's and writer's role ("new" / "old") filled in.
std::string ConfluentMessage(const Incompatibility& inc, const std::string& reader,
                             const std::string& writer) {
  const std::string& path = inc.location;
  std::string description;
  if (inc.type == "FIXED_SIZE_MISMATCH") {
    description = "The size of FIXED type field at path '" + path + "' in the " + reader +
                  " schema does not match with the " + writer + " schema";
  } else if (inc.type == "TYPE_MISMATCH") {
    description = "The type (path '" + path + "') of a field in the " + reader +
                  " schema does not match with the " + writer + " schema";
  } else if (inc.type == "NAME_MISMATCH") {
    description = "The name of the schema has changed (path '" + path + "')";
  } else if (inc.type == "MISSING_ENUM_SYMBOLS") {
    description = "The " + reader + " schema is missing enum symbols '" + inc.message +
                  "' at path '" + path + "' in the " + writer + " schema";
  } else if (inc.type == "MISSING_UNION_BRANCH") {
    description = "The " + reader + " schema is missing a type inside a union field at path '" +
                  path + "' in the " + writer + " schema";
  } else if (inc.type == "READER_FIELD_MISSING_DEFAULT_VALUE") {
    description = "The field '" + inc.message + "' at path '" + path + "' in the " + reader +
                  " schema has no default value and is missing in the " + writer + " schema";
  }
  return "{errorType:'" + inc.type + "', description:'" + description + "', additionalInfo:'" +
         inc.message + "'}";
}

// SchemaValidatorBuilder.formatErrorMessages.
void AppendMessages(const std::vector<Incompatibility>& incs, const Schema& existing, int version,
                    const char* reader, const char* writer, bool append_schema,
                    std::vector<std::string>* out) {
  if (incs.empty()) return;
  for (const Incompatibility& inc : incs) out->push_back(ConfluentMessage(inc, reader, writer));
  if (!append_schema) return;
  out->push_back("{oldSchemaVersion: " + std::to_string(version) + "}");
  constexpr size_t kMaxSchemaSizeForLogging = 10 * 1024;
  std::string text = existing.ToJson();
  if (text.size() <= kMaxSchemaSizeForLogging) {
    out->push_back("{oldSchema: '" + text + "'}");
  } else {
    // Java cuts at 10240 UTF-16 units; this cuts at 10240 bytes (the same for ASCII schemas).
    out->push_back("{oldSchema: <truncated> '" + text.substr(0, kMaxSchemaSizeForLogging) +
                   "...'}");
  }
}

}  // namespace

std::vector<Incompatibility> CheckReadWrite(const Node& reader, const Node& writer) {
  Checker checker;
  return checker.Check(reader, writer).incompatibilities;
}

std::vector<Incompatibility> CheckReadWrite(const Schema& reader, const Schema& writer) {
  return CheckReadWrite(reader.root(), writer.root());
}

Result<CompatibilityLevel> ParseCompatibilityLevel(std::string_view text) {
  static constexpr CompatibilityLevel kAll[] = {CompatibilityLevel::kNone,
                                                CompatibilityLevel::kBackward,
                                                CompatibilityLevel::kBackwardTransitive,
                                                CompatibilityLevel::kForward,
                                                CompatibilityLevel::kForwardTransitive,
                                                CompatibilityLevel::kFull,
                                                CompatibilityLevel::kFullTransitive};
  for (CompatibilityLevel level : kAll) {
    if (EqualsIgnoreCase(Trim(text), CompatibilityLevelName(level))) return level;
  }
  return InvalidArgument("invalid compatibility level '" + std::string(text) +
                         "': allowed are NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, "
                         "FORWARD_TRANSITIVE, FULL and FULL_TRANSITIVE (in any case)");
}

const char* CompatibilityLevelName(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kNone:
      return "NONE";
    case CompatibilityLevel::kBackward:
      return "BACKWARD";
    case CompatibilityLevel::kBackwardTransitive:
      return "BACKWARD_TRANSITIVE";
    case CompatibilityLevel::kForward:
      return "FORWARD";
    case CompatibilityLevel::kForwardTransitive:
      return "FORWARD_TRANSITIVE";
    case CompatibilityLevel::kFull:
      return "FULL";
    case CompatibilityLevel::kFullTransitive:
      return "FULL_TRANSITIVE";
  }
  return "NONE";
}

std::vector<std::string> CheckCompatibility(
    CompatibilityLevel level, const Schema& proposed,
    const std::vector<std::shared_ptr<const Schema>>& existing_oldest_first) {
  std::vector<int> versions;
  for (size_t i = 0; i < existing_oldest_first.size(); ++i) {
    versions.push_back(static_cast<int>(i) + 1);
  }
  return CheckCompatibility(level, proposed, existing_oldest_first, versions);
}

std::vector<std::string> CheckCompatibility(
    CompatibilityLevel level, const Schema& proposed,
    const std::vector<std::shared_ptr<const Schema>>& existing_oldest_first,
    const std::vector<int>& versions) {
  std::vector<std::string> out;
  if (level == CompatibilityLevel::kNone || existing_oldest_first.empty()) return out;
  const bool transitive = level == CompatibilityLevel::kBackwardTransitive ||
                          level == CompatibilityLevel::kForwardTransitive ||
                          level == CompatibilityLevel::kFullTransitive;
  const bool backward =
      level == CompatibilityLevel::kBackward || level == CompatibilityLevel::kBackwardTransitive;
  const bool forward =
      level == CompatibilityLevel::kForward || level == CompatibilityLevel::kForwardTransitive;
  // Newest first; a transitive check stops at the first version that fails, as Confluent's
  // SchemaValidatorBuilder.validateAll does.
  for (size_t k = existing_oldest_first.size(); k-- > 0;) {
    const Schema& existing = *existing_oldest_first[k];
    int version = k < versions.size() ? versions[k] : static_cast<int>(k) + 1;
    if (backward) {
      AppendMessages(CheckReadWrite(proposed, existing), existing, version, "new", "old", true,
                     &out);
    } else if (forward) {
      AppendMessages(CheckReadWrite(existing, proposed), existing, version, "old", "new", true,
                     &out);
    } else {
      AppendMessages(CheckReadWrite(existing, proposed), existing, version, "old", "new", false,
                     &out);
      AppendMessages(CheckReadWrite(proposed, existing), existing, version, "new", "old", true,
                     &out);
    }
    if (!out.empty() || !transitive) break;
  }
  if (!out.empty()) {
    // KafkaSchemaRegistry.isCompatibleWithPrevious appends the level (and whether reserved
    // fields were validated, which walrelay's registry does not do).
    out.push_back(std::string("{validateFields: 'false', compatibility: '") +
                  CompatibilityLevelName(level) + "'}");
  }
  return out;
}

}  // namespace walrelay::avro
