#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "data/record.h"

namespace walrelay::transforms {

// A Kafka Connect single message transform (SMT), applied to one record at a time with the
// behaviour of the Java class its type names. Built once per connector from its config; owned
// and called by the connector's single worker thread, so implementations may cache freely.
class Transform {
 public:
  virtual ~Transform() = default;
  // Applies to one record in place. Sets *keep to false to drop the record (leaving it in an
  // unspecified state). Errors (kDataError) say what was wrong with the record; the chain adds
  // the transform alias.
  virtual Status Apply(data::Record* record, bool* keep) = 0;
  // True when this transform replaces every Debezium change-event envelope (or drops it) without
  // reading the envelope's `source` block. Conservative default: false.
  virtual bool FlattensWithoutSourceBlock() const { return false; }
  // False when this transform reads nothing of a record's key or value (it routes or drops by
  // topic, headers or predicate alone). Conservative default: true.
  virtual bool ReadsValues() const { return true; }
};

// A Kafka Connect predicate: decides whether a transform applies to a record.
class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual bool Test(const data::Record& record) const = 0;
};

// The ordered transforms of one connector, each optionally guarded by a predicate, as Kafka
// Connect configures them ("transforms", "transforms.<alias>.*", "predicates", ...).
// Movable, not copyable; single-threaded like the transforms it owns.
class TransformChain {
 public:
  // Builds the chain from a connector's config properties. Unknown class -> kInvalidArgument
  // naming the alias and the class and listing supported classes; bad property values -> an
  // error naming "transforms.<alias>.<prop>", the value and what is allowed.
  static Result<TransformChain> Create(const std::map<std::string, std::string>& props);

  // Runs the record through every transform whose predicate (xor negate) holds, stopping when one
  // drops it (*keep = false). Errors are prefixed with the failing transform's alias.
  Status Apply(data::Record* record, bool* keep);
  bool empty() const { return steps_.empty(); }
  // True when no transform, and nothing after the chain, can read a change event's `source`
  // block: the first transform applies to every record and flattens envelopes without reading it
  // (ExtractNewRecordState without add.fields / add.headers). The source may then skip building
  // the block.
  bool SourceBlockUnread() const;
  // True when no transform of the chain reads keys or values (an empty chain, RegexRouter,
  // Filter): records leave it as they came, apart from topics and drops. The predicates read
  // topics, headers and whether the value is null, never its fields.
  bool ReadsNoValues() const;
  size_t size() const { return steps_.size(); }

  // Every class name accepted in "transforms.<alias>.type" / "predicates.<name>.type".
  static std::vector<std::string> SupportedTransformClasses();
  static std::vector<std::string> SupportedPredicateClasses();

 private:
  struct Step {
    std::string alias;
    std::unique_ptr<Transform> transform;
    std::shared_ptr<const Predicate> predicate;  // null when unconditional
    bool negate = false;
  };
  std::vector<Step> steps_;
};

}  // namespace walrelay::transforms
