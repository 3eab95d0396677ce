#include "transforms/extract_new_record_state.h"

#include <gtest/gtest.h>

#include "transforms/test_records.h"
#include "transforms/transform.h"

namespace walrelay::transforms {
namespace {

using testing::CustomersFixture;
using testing::FindHeader;

TransformChain Unwrap(std::map<std::string, std::string> props = {}) {
  std::map<std::string, std::string> config = {
      {"transforms", "unwrap"},
      {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"}};
  for (auto& [k, v] : props) config["transforms.unwrap." + k] = v;
  auto chain = TransformChain::Create(config);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  return std::move(chain).value();
}

class ExtractNewRecordStateTest : public ::testing::Test {
 protected:
  CustomersFixture f;
};

TEST_F(ExtractNewRecordStateTest, CreateBecomesTheAfterRowWithTheRowSchema) {
  auto chain = Unwrap();
  data::Record r = f.Event("c", data::Value(), f.Row(1, "Anne"));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_EQ(r.value_schema, f.row);  // the very schema object: nothing rebuilt
  EXPECT_EQ(r.value, f.Row(1, "Anne"));
  EXPECT_EQ(r.topic, "dbserver1.public.customers");
  EXPECT_EQ(r.key.as_struct().Get("id")->as_int(), 1);
}

// The row is moved out of the envelope, not copied; an envelope another record shares (a copy
// for a second sink) must be left whole.
TEST_F(ExtractNewRecordStateTest, AnEnvelopeSharedWithAnotherRecordIsLeftWhole) {
  auto chain = Unwrap();
  data::Record r = f.Event("c", data::Value(), f.Row(1, "Anne"));
  const data::Record copy = r;  // shares the envelope struct
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_EQ(r.value, f.Row(1, "Anne"));
  EXPECT_EQ(copy.value, f.Event("c", data::Value(), f.Row(1, "Anne")).value);
  EXPECT_EQ(copy.value.as_struct().Get("after")->as_struct().Get("name")->as_string(), "Anne");
}

TEST_F(ExtractNewRecordStateTest, DefaultsAreDebezium2LegacyDropDeletesAndTombstones) {
  auto chain = Unwrap();
  data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
  bool keep = true;
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  EXPECT_FALSE(keep);
  data::Record tomb = f.Tombstone(1);
  keep = true;
  ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
  EXPECT_FALSE(keep);
}

TEST_F(ExtractNewRecordStateTest, TombstoneModeTurnsDeletesIntoNullValuesAndDropsTombstones) {
  auto chain = Unwrap({{"delete.tombstone.handling.mode", "tombstone"}});
  data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_TRUE(del.value.is_null());
  EXPECT_EQ(del.value_schema, f.row);  // Debezium keeps the row schema on the flattened delete

  data::Record tomb = f.Tombstone(1);
  ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
  EXPECT_FALSE(keep);
}

TEST_F(ExtractNewRecordStateTest, DeleteTombstoneHandlingModes) {
  struct Case {
    std::string mode;
    bool delete_kept;
    bool tombstone_kept;
  };
  for (const Case& c :
       {Case{"drop", false, false}, Case{"tombstone", true, false}, Case{"rewrite", true, false},
        Case{"rewrite-with-tombstone", true, true}, Case{"delete-to-tombstone", true, false}}) {
    SCOPED_TRACE(c.mode);
    auto chain = Unwrap({{"delete.tombstone.handling.mode", c.mode}});
    data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
    bool keep = false;
    ASSERT_TRUE(chain.Apply(&del, &keep).ok());
    EXPECT_EQ(keep, c.delete_kept);
    if (c.mode == "delete-to-tombstone") {
      EXPECT_TRUE(del.is_tombstone());
      EXPECT_EQ(del.value_schema, nullptr);
    }
    data::Record tomb = f.Tombstone(1);
    ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
    EXPECT_EQ(keep, c.tombstone_kept);
  }
}

TEST_F(ExtractNewRecordStateTest, RewriteAddsDeletedFieldAsString) {
  // Documented: "value": { "pk": 2, "cola": null, "__deleted": "true" }.
  auto chain = Unwrap({{"delete.tombstone.handling.mode", "rewrite"}});
  data::Record del = f.Event("d", f.Row(2, std::nullopt), data::Value());
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  ASSERT_TRUE(keep);
  const auto& s = del.value.as_struct();
  ASSERT_EQ(del.value_schema->fields.size(), 4u);
  EXPECT_EQ(del.value_schema->fields[3].name, "__deleted");
  EXPECT_EQ(del.value_schema->fields[3].schema->type, data::Type::kString);
  EXPECT_TRUE(del.value_schema->fields[3].schema->optional);
  EXPECT_EQ(del.value_schema->name, "dbserver1.public.customers.Value");
  EXPECT_FALSE(del.value_schema->optional);  // copySchemaBasics does not copy optionality
  EXPECT_EQ(s.Get("id")->as_int(), 2);
  EXPECT_TRUE(s.Get("name")->is_null());
  EXPECT_EQ(s.Get("__deleted")->as_string(), "true");

  data::Record upd = f.Event("u", f.Row(2, "x"), f.Row(2, "y"));
  ASSERT_TRUE(chain.Apply(&upd, &keep).ok());
  EXPECT_EQ(upd.value.as_struct().Get("__deleted")->as_string(), "false");
  EXPECT_EQ(upd.value_schema, del.value_schema);  // one cached schema for both
}

TEST_F(ExtractNewRecordStateTest, RewriteReplacesNullWithColumnDefaultUnlessDisabled) {
  auto chain = Unwrap({{"delete.tombstone.handling.mode", "rewrite"}});
  data::Record r = f.Event("c", data::Value(), f.Row(3, "x", std::nullopt));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  EXPECT_EQ(r.value.as_struct().Get("status")->as_string(), "active");

  auto raw = Unwrap(
      {{"delete.tombstone.handling.mode", "rewrite"}, {"replace.null.with.default", "false"}});
  data::Record r2 = f.Event("c", data::Value(), f.Row(3, "x", std::nullopt));
  ASSERT_TRUE(raw.Apply(&r2, &keep).ok());
  EXPECT_TRUE(r2.value.as_struct().Get("status")->is_null());
}

TEST_F(ExtractNewRecordStateTest, LegacyDeleteHandlingModeAndDropTombstones) {
  bool keep = false;
  {
    auto chain = Unwrap({{"delete.handling.mode", "none"}, {"drop.tombstones", "false"}});
    data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
    ASSERT_TRUE(chain.Apply(&del, &keep).ok());
    EXPECT_TRUE(keep);
    EXPECT_TRUE(del.value.is_null());
    data::Record tomb = f.Tombstone(1);
    ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
    EXPECT_TRUE(keep);
  }
  {
    // Legacy defaults once either legacy property is present: drop deletes and tombstones.
    auto chain = Unwrap({{"drop.tombstones", "true"}});
    data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
    ASSERT_TRUE(chain.Apply(&del, &keep).ok());
    EXPECT_FALSE(keep);
  }
  {
    auto chain = Unwrap({{"delete.handling.mode", "rewrite"}});
    data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
    ASSERT_TRUE(chain.Apply(&del, &keep).ok());
    EXPECT_EQ(del.value.as_struct().Get("__deleted")->as_string(), "true");
    data::Record tomb = f.Tombstone(1);
    ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
    EXPECT_FALSE(keep);
  }
}

TEST_F(ExtractNewRecordStateTest, AddFieldsFromTheDocumentation) {
  auto chain = Unwrap({{"add.fields", "op,table,lsn,source.ts_ms"}});
  data::Record r = f.Event("c", data::Value(), f.Row(1, "Anne"));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  const auto& fields = r.value_schema->fields;
  ASSERT_EQ(fields.size(), 7u);
  EXPECT_EQ(fields[3].name, "__op");
  EXPECT_EQ(fields[4].name, "__table");
  EXPECT_EQ(fields[5].name, "__lsn");
  EXPECT_EQ(fields[6].name, "__source_ts_ms");
  for (size_t i = 3; i < 7; ++i) EXPECT_TRUE(fields[i].schema->optional);
  EXPECT_EQ(fields[6].schema->type, data::Type::kInt64);
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("__op")->as_string(), "c");
  EXPECT_EQ(s.Get("__table")->as_string(), "customers");
  EXPECT_EQ(s.Get("__lsn")->as_int(), 24023128);
  EXPECT_EQ(s.Get("__source_ts_ms")->as_int(), 1700000000000);

  // The extended schema is built once per input schema.
  data::Record r2 = f.Event("u", f.Row(1, "A"), f.Row(1, "B"));
  ASSERT_TRUE(chain.Apply(&r2, &keep).ok());
  EXPECT_EQ(r2.value_schema, r.value_schema);
  EXPECT_EQ(r2.value.as_struct().Get("__op")->as_string(), "u");
}

TEST_F(ExtractNewRecordStateTest, AddFieldsWithPrefixAliasTransactionAndTopLevelTimestamp) {
  auto chain = Unwrap({{"add.fields", "op:operation,ts_ms,id,source.ts_ms:source_time"},
                       {"add.fields.prefix", "cdc_"}});
  data::Record r = f.Event("c", data::Value(), f.Row(1, "Anne"), /*with_transaction=*/true);
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("cdc_operation")->as_string(), "c");
  EXPECT_EQ(s.Get("cdc_ts_ms")->as_int(), 1700000000123);   // the envelope's ts_ms
  EXPECT_EQ(s.Get("cdc_id")->as_string(), "777:24023128");  // transaction.id
  EXPECT_EQ(s.Get("cdc_source_time")->as_int(), 1700000000000);

  data::Record no_tx = f.Event("c", data::Value(), f.Row(2, "B"));
  ASSERT_TRUE(chain.Apply(&no_tx, &keep).ok());
  EXPECT_TRUE(no_tx.value.as_struct().Get("cdc_id")->is_null());
}

TEST_F(ExtractNewRecordStateTest, AddFieldsOnRewrittenDeleteComeBeforeDeleted) {
  auto chain = Unwrap({{"delete.tombstone.handling.mode", "rewrite"}, {"add.fields", "op"}});
  data::Record del = f.Event("d", f.Row(1, "Anne"), data::Value());
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  const auto& fields = del.value_schema->fields;
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(fields[3].name, "__op");
  EXPECT_EQ(fields[4].name, "__deleted");
  EXPECT_EQ(del.value.as_struct().Get("__op")->as_string(), "d");
}

TEST_F(ExtractNewRecordStateTest, AddHeaders) {
  auto chain = Unwrap({{"add.headers", "op,source.lsn,db"},
                       {"delete.tombstone.handling.mode", "rewrite-with-tombstone"}});
  data::Record r = f.Event("u", f.Row(1, "A"), f.Row(1, "B"));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_NE(FindHeader(r, "__op"), nullptr);
  EXPECT_EQ(FindHeader(r, "__op")->value.as_string(), "u");
  EXPECT_EQ(FindHeader(r, "__source_lsn")->value.as_int(), 24023128);
  EXPECT_EQ(FindHeader(r, "__db")->value.as_string(), "inventory");
  EXPECT_TRUE(FindHeader(r, "__db")->schema->optional);

  // A kept tombstone gets only the operation header, "d".
  data::Record tomb = f.Tombstone(1);
  ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
  ASSERT_TRUE(keep);
  ASSERT_EQ(tomb.headers.size(), 1u);
  EXPECT_EQ(tomb.headers[0].key, "__op");
  EXPECT_EQ(tomb.headers[0].value.as_string(), "d");
}

TEST_F(ExtractNewRecordStateTest, RouteByField) {
  auto chain = Unwrap({{"route.by.field", "name"}});
  data::Record r = f.Event("c", data::Value(), f.Row(1, "vip_customers"));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  EXPECT_EQ(r.topic, "vip_customers");
  data::Record del = f.Event("d", f.Row(1, "old_customers"), data::Value());
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  EXPECT_EQ(del.topic, "old_customers");
  data::Record unnamed = f.Event("c", data::Value(), f.Row(1, std::nullopt));
  ASSERT_TRUE(chain.Apply(&unnamed, &keep).ok());
  EXPECT_EQ(unnamed.topic, "dbserver1.public.customers");
}

TEST_F(ExtractNewRecordStateTest, TruncateEventsAreDropped) {
  auto chain = Unwrap({{"delete.tombstone.handling.mode", "rewrite-with-tombstone"}});
  data::Record t = f.Event("t", data::Value(), data::Value());
  bool keep = true;
  ASSERT_TRUE(chain.Apply(&t, &keep).ok());
  EXPECT_FALSE(keep);
}

TEST_F(ExtractNewRecordStateTest, NonEnvelopeRecordsPassUnchanged) {
  auto chain = Unwrap({{"add.fields", "op"}});
  data::Record heartbeat;
  heartbeat.topic = "__debezium-heartbeat.dbserver1";
  heartbeat.value_schema = data::SchemaBuilder(data::Type::kStruct)
                               .Name("io.debezium.connector.common.Heartbeat")
                               .AddField("ts_ms", testing::Prim(data::Type::kInt64))
                               .Build();
  heartbeat.value = data::Value(data::Struct{heartbeat.value_schema, {data::Value(int64_t{5})}});
  data::Record copy = heartbeat;
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&heartbeat, &keep).ok());
  EXPECT_TRUE(keep);
  EXPECT_EQ(heartbeat.value, copy.value);
  EXPECT_EQ(heartbeat.value_schema, copy.value_schema);

  data::Record schemaless;
  schemaless.value = data::Value(data::Map{{data::Value("a"), data::Value(int64_t{1})}});
  ASSERT_TRUE(chain.Apply(&schemaless, &keep).ok());
  EXPECT_TRUE(keep);
  EXPECT_TRUE(schemaless.value.is_map());
}

TEST_F(ExtractNewRecordStateTest, BadConfigNamesPropertyValueAndChoices) {
  auto chain = TransformChain::Create(
      {{"transforms", "unwrap"},
       {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
       {"transforms.unwrap.delete.tombstone.handling.mode", "keep"}});
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().kind(), ErrorKind::kInvalidArgument);
  const std::string& m = chain.status().message();
  EXPECT_NE(m.find("transforms.unwrap.delete.tombstone.handling.mode"), std::string::npos) << m;
  EXPECT_NE(m.find("'keep'"), std::string::npos) << m;
  EXPECT_NE(m.find("rewrite-with-tombstone"), std::string::npos) << m;

  auto bad_bool = TransformChain::Create(
      {{"transforms", "unwrap"},
       {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
       {"transforms.unwrap.drop.tombstones", "yes"}});
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_NE(bad_bool.status().message().find("transforms.unwrap.drop.tombstones"),
            std::string::npos);
}

}  // namespace
}  // namespace walrelay::transforms
