#include "transforms/transform.h"

#include <functional>
#include <set>

#include "common/log.h"
#include "transforms/cast.h"
#include "transforms/extract_field.h"
#include "transforms/extract_new_record_state.h"
#include "transforms/insert_field.h"
#include "transforms/mask_field.h"
#include "transforms/outbox_event_router.h"
#include "transforms/predicates.h"
#include "transforms/regex_router.h"
#include "transforms/replace_field.h"
#include "transforms/timestamp_converter.h"
#include "transforms/transform_config.h"
#include "transforms/value_to_key.h"

namespace walrelay::transforms {

namespace {

using TransformFactory =
    std::function<Result<std::unique_ptr<Transform>>(const TransformConfig& config)>;
using PredicateFactory =
    std::function<Result<std::unique_ptr<Predicate>>(const TransformConfig& config)>;

constexpr std::string_view kConnect = "org.apache.kafka.connect.transforms.";

struct TransformEntry {
  std::string name;
  TransformFactory factory;
};

// Adds "<connect>Name$Key" and "<connect>Name$Value" for a Connect transform with both variants.
template <typename Create>
void AddKeyValue(std::vector<TransformEntry>* out, std::string_view name, Create create) {
  std::string base = std::string(kConnect) + std::string(name);
  out->push_back(
      {base + "$Key", [create](const TransformConfig& c) { return create(c, Operand::kKey); }});
  out->push_back(
      {base + "$Value", [create](const TransformConfig& c) { return create(c, Operand::kValue); }});
}

const std::vector<TransformEntry>& TransformRegistry() {
  static const std::vector<TransformEntry> registry = [] {
    std::vector<TransformEntry> r;
    r.push_back({"io.debezium.transforms.ExtractNewRecordState", &ExtractNewRecordState::Create});
    r.push_back({"io.debezium.transforms.outbox.EventRouter", &OutboxEventRouter::Create});
    r.push_back({std::string(kConnect) + "RegexRouter", &RegexRouter::Create});
    r.push_back({std::string(kConnect) + "ValueToKey", &ValueToKey::Create});
    r.push_back({std::string(kConnect) + "Filter", [](const TransformConfig&) {
                   return Result<std::unique_ptr<Transform>>(std::make_unique<Filter>());
                 }});
    AddKeyValue(&r, "InsertField", &InsertField::Create);
    AddKeyValue(&r, "ReplaceField", &ReplaceField::Create);
    AddKeyValue(&r, "Cast", &Cast::Create);
    AddKeyValue(&r, "ExtractField", &ExtractField::Create);
    AddKeyValue(&r, "HoistField", &HoistField::Create);
    AddKeyValue(&r, "TimestampConverter", &TimestampConverter::Create);
    AddKeyValue(&r, "MaskField", &MaskField::Create);
    return r;
  }();
  return registry;
}

const std::vector<std::pair<std::string, PredicateFactory>>& PredicateRegistry() {
  static const std::vector<std::pair<std::string, PredicateFactory>> registry = [] {
    std::string base = std::string(kConnect) + "predicates.";
    std::vector<std::pair<std::string, PredicateFactory>> r;
    r.emplace_back(base + "TopicNameMatches", &TopicNameMatches::Create);
    r.emplace_back(base + "RecordIsTombstone", [](const TransformConfig&) {
      return Result<std::unique_ptr<Predicate>>(std::make_unique<RecordIsTombstone>());
    });
    r.emplace_back(base + "HasHeaderKey", &HasHeaderKey::Create);
    return r;
  }();
  return registry;
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

std::vector<std::string> TransformChain::SupportedTransformClasses() {
  std::vector<std::string> out;
  for (const auto& e : TransformRegistry()) out.push_back(e.name);
  return out;
}

std::vector<std::string> TransformChain::SupportedPredicateClasses() {
  std::vector<std::string> out;
  for (const auto& e : PredicateRegistry()) out.push_back(e.first);
  return out;
}

namespace {

// Kafka's AbstractConfig logs the settings a plugin was given and never read; so does walrelay,
// by name, so a misspelt option is not silently without effect.
void WarnUnread(const TransformConfig& config, const std::string& type) {
  for (const auto& name : config.Unread()) {
    LogWarn("transforms", "property '" + name + "' is not known to " + type +
                              " (or not used with the other settings given): ignored");
  }
}

}  // namespace

Result<TransformChain> TransformChain::Create(const std::map<std::string, std::string>& props) {
  TransformChain chain;
  TransformConfig top(&props, "");

  // Predicates first: transforms refer to them by name.
  std::map<std::string, std::shared_ptr<const Predicate>> predicates;
  for (const auto& name : top.GetList("predicates")) {
    if (predicates.count(name)) {
      return InvalidArgument("Duplicate predicate name '" + name + "' in predicates");
    }
    TransformConfig config(&props, "predicates." + name + ".");
    std::string type = config.GetString("type", "");
    if (type.empty()) {
      return InvalidArgument("Missing required configuration predicates." + name +
                             ".type: the predicate class");
    }
    const PredicateFactory* factory = nullptr;
    for (const auto& [n, f] : PredicateRegistry()) {
      if (n == type) factory = &f;
    }
    if (!factory) {
      return InvalidArgument(
          "Predicate '" + name + "': unsupported class '" + type + "' (predicates." + name +
          ".type); supported classes: " + JoinNames(SupportedPredicateClasses()));
    }
    auto predicate = (*factory)(config);
    if (!predicate.ok()) return predicate.status();
    predicates[name] = std::shared_ptr<const Predicate>(std::move(predicate).value());
    WarnUnread(config, type);
  }

  std::set<std::string> seen;
  for (const auto& alias : top.GetList("transforms")) {
    if (!seen.insert(alias).second) {
      return InvalidArgument("Duplicate alias provided: '" + alias + "' in transforms");
    }
    TransformConfig config(&props, "transforms." + alias + ".");
    std::string type = config.GetString("type", "");
    if (type.empty()) {
      return InvalidArgument("Missing required configuration transforms." + alias +
                             ".type: the transform class");
    }
    const TransformFactory* factory = nullptr;
    for (const auto& e : TransformRegistry()) {
      if (e.name == type) factory = &e.factory;
    }
    if (!factory) {
      return InvalidArgument(
          "Transform '" + alias + "': unsupported class '" + type + "' (transforms." + alias +
          ".type); supported classes: " + JoinNames(SupportedTransformClasses()));
    }
    auto transform = (*factory)(config);
    if (!transform.ok()) return transform.status();
    Step step;
    step.alias = alias;
    step.transform = std::move(transform).value();
    std::string predicate = config.GetString("predicate", "");
    if (!predicate.empty()) {
      auto it = predicates.find(predicate);
      if (it == predicates.end()) {
        return config.Invalid("predicate", predicate,
                              "no predicate of that name is defined in 'predicates'");
      }
      step.predicate = it->second;
    }
    WR_ASSIGN_OR_RETURN(step.negate, config.GetBool("negate", false));
    if (step.negate && !step.predicate) {
      return config.Invalid("negate", "true", "negate requires transforms." + alias + ".predicate");
    }
    chain.steps_.push_back(std::move(step));
    WarnUnread(config, type);
  }
  return chain;
}

bool TransformChain::ReadsNoValues() const {
  for (const auto& step : steps_) {
    if (step.transform->ReadsValues()) return false;
  }
  return true;
}

bool TransformChain::SourceBlockUnread() const {
  return !steps_.empty() && !steps_.front().predicate &&
         steps_.front().transform->FlattensWithoutSourceBlock();
}

Status TransformChain::Apply(data::Record* record, bool* keep) {
  *keep = true;
  for (auto& step : steps_) {
    if (step.predicate && step.predicate->Test(*record) == step.negate) continue;
    Status s = step.transform->Apply(record, keep);
    if (!s.ok()) return s.WithContext("transform '" + step.alias + "'");
    if (!*keep) return Status::Ok();
  }
  return Status::Ok();
}

}  // namespace walrelay::transforms
