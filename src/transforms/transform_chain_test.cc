#include <gtest/gtest.h>

#include "transforms/test_records.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {
namespace {

using testing::CustomersFixture;

const std::string kConnect = "org.apache.kafka.connect.transforms.";

TEST(TransformConfigTest, UnreadNamesTheKeysNoGetterAskedFor) {
  const std::map<std::string, std::string> props = {
      {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
      {"transforms.unwrap.drop.tombstones", "false"},
      {"transforms.unwrap.drop.tombstonez", "false"},  // a typo
      {"transforms.unwrapper.type", "x"},              // another alias, not this one's
      {"transformsX", "y"}};
  TransformConfig config(&props, "transforms.unwrap.");
  EXPECT_EQ(config.Unread(), (std::vector<std::string>{"transforms.unwrap.drop.tombstones",
                                                       "transforms.unwrap.drop.tombstonez",
                                                       "transforms.unwrap.type"}));
  (void)config.GetString("type", "");
  const TransformConfig copy = config;  // copies share what was read
  ASSERT_TRUE(copy.GetBool("drop.tombstones", true).ok());
  EXPECT_FALSE(config.Has("missing.key"));
  EXPECT_EQ(config.Unread(), (std::vector<std::string>{"transforms.unwrap.drop.tombstonez"}));
}

TEST(TransformChainTest, EmptyConfigIsAnEmptyChainThatKeepsRecords) {
  auto chain = TransformChain::Create({});
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->empty());
  data::Record r;
  r.topic = "t";
  bool keep = false;
  ASSERT_TRUE(chain->Apply(&r, &keep).ok());
  EXPECT_TRUE(keep);
}

TEST(TransformChainTest, AppliesInOrderUnwrapThenRoute) {
  CustomersFixture f;
  auto chain = TransformChain::Create({
      {"transforms", "unwrap, route"},
      {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
      {"transforms.unwrap.add.fields", "op"},
      {"transforms.route.type", kConnect + "RegexRouter"},
      {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
      {"transforms.route.replacement", "$3"},
  });
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  EXPECT_EQ(chain->size(), 2u);
  data::Record r = f.Event("c", data::Value(), f.Row(1, "Anne"));
  bool keep = false;
  ASSERT_TRUE(chain->Apply(&r, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_EQ(r.topic, "customers");
  EXPECT_EQ(r.value.as_struct().Get("__op")->as_string(), "c");
}

TEST(TransformChainTest, SourceBlockUnreadOnlyBehindAPlainUnconditionalUnwrapFirst) {
  const std::string unwrap = "io.debezium.transforms.ExtractNewRecordState";
  auto unread = [](std::map<std::string, std::string> props) {
    auto chain = TransformChain::Create(props);
    EXPECT_TRUE(chain.ok()) << chain.status().ToString();
    return chain.ok() && chain->SourceBlockUnread();
  };
  EXPECT_FALSE(unread({}));
  EXPECT_TRUE(unread({{"transforms", "unwrap"}, {"transforms.unwrap.type", unwrap}}));
  EXPECT_TRUE(unread({{"transforms", "unwrap,route"},
                      {"transforms.unwrap.type", unwrap},
                      {"transforms.unwrap.delete.handling.mode", "rewrite"},
                      {"transforms.route.type", kConnect + "RegexRouter"},
                      {"transforms.route.regex", "(.*)"},
                      {"transforms.route.replacement", "$1"}}));
  // Fields or headers copied from the envelope may come from the source block.
  EXPECT_FALSE(unread({{"transforms", "unwrap"},
                       {"transforms.unwrap.type", unwrap},
                       {"transforms.unwrap.add.fields", "op,source.ts_ms"}}));
  EXPECT_FALSE(unread({{"transforms", "unwrap"},
                       {"transforms.unwrap.type", unwrap},
                       {"transforms.unwrap.add.headers", "db"}}));
  // A transform before the unwrap may read it; a predicate lets envelopes pass unflattened.
  EXPECT_FALSE(unread({{"transforms", "route,unwrap"},
                       {"transforms.route.type", kConnect + "RegexRouter"},
                       {"transforms.route.regex", "(.*)"},
                       {"transforms.route.replacement", "$1"},
                       {"transforms.unwrap.type", unwrap}}));
  EXPECT_FALSE(unread({{"transforms", "unwrap"},
                       {"transforms.unwrap.type", unwrap},
                       {"transforms.unwrap.predicate", "tomb"},
                       {"predicates", "tomb"},
                       {"predicates.tomb.type", kConnect + "predicates.RecordIsTombstone"}}));
}

TEST(TransformChainTest, ReadsNoValuesOnlyWithRoutersAndFilters) {
  auto reads_none = [](std::map<std::string, std::string> props) {
    auto chain = TransformChain::Create(props);
    EXPECT_TRUE(chain.ok()) << chain.status().ToString();
    return chain.ok() && chain->ReadsNoValues();
  };
  EXPECT_TRUE(reads_none({}));
  EXPECT_TRUE(reads_none({{"transforms", "route,drop"},
                          {"transforms.route.type", kConnect + "RegexRouter"},
                          {"transforms.route.regex", "(.*)"},
                          {"transforms.route.replacement", "$1"},
                          {"transforms.drop.type", kConnect + "Filter"},
                          {"transforms.drop.predicate", "tomb"},
                          {"predicates", "tomb"},
                          {"predicates.tomb.type", kConnect + "predicates.RecordIsTombstone"}}));
  EXPECT_FALSE(
      reads_none({{"transforms", "unwrap"},
                  {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"}}));
  EXPECT_FALSE(reads_none({{"transforms", "cast"},
                           {"transforms.cast.type", kConnect + "Cast$Value"},
                           {"transforms.cast.spec", "int32"}}));
}

TEST(TransformChainTest, FilterWithTopicPredicateAndNegate) {
  auto props = std::map<std::string, std::string>{
      {"transforms", "dropAudit"},
      {"transforms.dropAudit.type", kConnect + "Filter"},
      {"transforms.dropAudit.predicate", "isAudit"},
      {"predicates", "isAudit"},
      {"predicates.isAudit.type", kConnect + "predicates.TopicNameMatches"},
      {"predicates.isAudit.pattern", "audit\\..*"},
  };
  auto chain = TransformChain::Create(props);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  data::Record audit;
  audit.topic = "audit.log";
  data::Record other;
  other.topic = "orders.audit.log";  // matches() needs the whole name
  bool keep = true;
  ASSERT_TRUE(chain->Apply(&audit, &keep).ok());
  EXPECT_FALSE(keep);
  ASSERT_TRUE(chain->Apply(&other, &keep).ok());
  EXPECT_TRUE(keep);

  props["transforms.dropAudit.negate"] = "true";
  auto negated = TransformChain::Create(props);
  ASSERT_TRUE(negated.ok());
  ASSERT_TRUE(negated->Apply(&audit, &keep).ok());
  EXPECT_TRUE(keep);
  ASSERT_TRUE(negated->Apply(&other, &keep).ok());
  EXPECT_FALSE(keep);
}

TEST(TransformChainTest, TombstoneAndHeaderPredicates) {
  auto chain = TransformChain::Create({
      {"transforms", "dropTombstones,dropMarked"},
      {"transforms.dropTombstones.type", kConnect + "Filter"},
      {"transforms.dropTombstones.predicate", "tomb"},
      {"transforms.dropMarked.type", kConnect + "Filter"},
      {"transforms.dropMarked.predicate", "marked"},
      {"predicates", "tomb,marked"},
      {"predicates.tomb.type", kConnect + "predicates.RecordIsTombstone"},
      {"predicates.marked.type", kConnect + "predicates.HasHeaderKey"},
      {"predicates.marked.name", "skip-me"},
  });
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  bool keep = true;
  data::Record tomb;
  ASSERT_TRUE(chain->Apply(&tomb, &keep).ok());
  EXPECT_FALSE(keep);
  data::Record marked;
  marked.value = data::Value("v");
  marked.headers.push_back({"skip-me", nullptr, data::Value()});
  ASSERT_TRUE(chain->Apply(&marked, &keep).ok());
  EXPECT_FALSE(keep);
  data::Record plain;
  plain.value = data::Value("v");
  ASSERT_TRUE(chain->Apply(&plain, &keep).ok());
  EXPECT_TRUE(keep);
}

TEST(TransformChainTest, UnknownClassNamesAliasClassAndSupportedList) {
  auto chain =
      TransformChain::Create({{"transforms", "x"}, {"transforms.x.type", "com.example.Nope"}});
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().kind(), ErrorKind::kInvalidArgument);
  const std::string& m = chain.status().message();
  EXPECT_NE(m.find("'x'"), std::string::npos) << m;
  EXPECT_NE(m.find("com.example.Nope"), std::string::npos) << m;
  EXPECT_NE(m.find("io.debezium.transforms.ExtractNewRecordState"), std::string::npos) << m;
  EXPECT_NE(m.find("org.apache.kafka.connect.transforms.Cast$Value"), std::string::npos) << m;

  auto pred = TransformChain::Create({{"predicates", "p"}, {"predicates.p.type", "Nope"}});
  ASSERT_FALSE(pred.ok());
  EXPECT_NE(pred.status().message().find("TopicNameMatches"), std::string::npos);
}

TEST(TransformChainTest, ConfigErrors) {
  auto missing_type = TransformChain::Create({{"transforms", "x"}});
  ASSERT_FALSE(missing_type.ok());
  EXPECT_NE(missing_type.status().message().find("transforms.x.type"), std::string::npos);

  auto dup =
      TransformChain::Create({{"transforms", "a,a"}, {"transforms.a.type", kConnect + "Filter"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("Duplicate alias"), std::string::npos);

  auto unknown_pred = TransformChain::Create({{"transforms", "a"},
                                              {"transforms.a.type", kConnect + "Filter"},
                                              {"transforms.a.predicate", "ghost"}});
  ASSERT_FALSE(unknown_pred.ok());
  EXPECT_NE(unknown_pred.status().message().find("transforms.a.predicate"), std::string::npos);
  EXPECT_NE(unknown_pred.status().message().find("'ghost'"), std::string::npos);

  auto bad_negate =
      TransformChain::Create({{"transforms", "a"},
                              {"transforms.a.type", kConnect + "Filter"},
                              {"transforms.a.predicate", "p"},
                              {"transforms.a.negate", "maybe"},
                              {"predicates", "p"},
                              {"predicates.p.type", kConnect + "predicates.RecordIsTombstone"}});
  ASSERT_FALSE(bad_negate.ok());
  EXPECT_NE(bad_negate.status().message().find("transforms.a.negate"), std::string::npos);

  auto bad_pattern =
      TransformChain::Create({{"predicates", "p"},
                              {"predicates.p.type", kConnect + "predicates.TopicNameMatches"},
                              {"predicates.p.pattern", "[a-"}});
  ASSERT_FALSE(bad_pattern.ok());
  EXPECT_NE(bad_pattern.status().message().find("predicates.p.pattern"), std::string::npos);
}

TEST(TransformChainTest, DataErrorsNameTheAlias) {
  auto chain = TransformChain::Create({{"transforms", "pick"},
                                       {"transforms.pick.type", kConnect + "ExtractField$Value"},
                                       {"transforms.pick.field", "id"}});
  ASSERT_TRUE(chain.ok());
  data::Record r;
  r.value_schema = data::PrimitiveSchema(data::Type::kString, false);
  r.value = data::Value("not a struct");
  bool keep = false;
  Status s = chain->Apply(&r, &keep);
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("transform 'pick'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Only Struct objects supported"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace walrelay::transforms
