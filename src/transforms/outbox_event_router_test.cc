#include "transforms/outbox_event_router.h"

#include <gtest/gtest.h>

#include "transforms/test_records.h"
#include "transforms/transform.h"

namespace walrelay::transforms {
namespace {

using testing::FindHeader;
using testing::Prim;

// The outbox table of Debezium's documentation: id uuid, aggregatetype, aggregateid, type,
// payload jsonb.
struct OutboxFixture {
  data::SchemaPtr json = data::SchemaBuilder(data::Type::kString)
                             .Name("io.debezium.data.Json")
                             .Version(1)
                             .Optional()
                             .Build();
  data::SchemaPtr row = data::SchemaBuilder(data::Type::kStruct)
                            .Name("dbserver1.public.outboxevent.Value")
                            .Optional()
                            .AddField("id", data::SchemaBuilder(data::Type::kString)
                                                .Name("io.debezium.data.Uuid")
                                                .Version(1)
                                                .Build())
                            .AddField("aggregatetype", Prim(data::Type::kString))
                            .AddField("aggregateid", Prim(data::Type::kString))
                            .AddField("type", Prim(data::Type::kString))
                            .AddField("payload", json)
                            .AddField("shard", Prim(data::Type::kInt32, true))
                            .Build();
  data::SchemaPtr envelope = data::SchemaBuilder(data::Type::kStruct)
                                 .Name("dbserver1.public.outboxevent.Envelope")
                                 .AddField("before", row)
                                 .AddField("after", row)
                                 .AddField("op", Prim(data::Type::kString))
                                 .AddField("ts_ms", Prim(data::Type::kInt64, true))
                                 .Build();

  data::Value Row(const std::string& type, const std::string& id, data::Value payload) const {
    return data::Value(data::Struct{
        row,
        {data::Value("406c07f3-26f0-4eea-a50c-109940064b8f"), data::Value(type), data::Value(id),
         data::Value("OrderCreated"), std::move(payload), data::Value(int64_t{2})}});
  }
  data::Record Event(const std::string& op, data::Value before, data::Value after) const {
    data::Record r;
    r.topic = "dbserver1.public.outboxevent";
    r.value_schema = envelope;
    r.value = data::Value(data::Struct{envelope,
                                       {std::move(before), std::move(after), data::Value(op),
                                        data::Value(int64_t{1556890294484})}});
    return r;
  }
};

TransformChain Router(std::map<std::string, std::string> props = {}) {
  std::map<std::string, std::string> config = {
      {"transforms", "outbox"},
      {"transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter"}};
  for (auto& [k, v] : props) config["transforms.outbox." + k] = v;
  auto chain = TransformChain::Create(config);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  return std::move(chain).value();
}

const char* kPayload =
    R"({"id": 1, "customerId": 123, "lineItems": [{"item": "Debezium in Action", "quantity": 2}]})";

TEST(OutboxEventRouterTest, RoutesCreatesWithDefaults) {
  OutboxFixture f;
  auto chain = Router();
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_EQ(r.topic, "outbox.event.Order");
  EXPECT_EQ(r.key.as_string(), "123");
  EXPECT_EQ(r.key_schema->type, data::Type::kString);
  EXPECT_EQ(r.value.as_string(), kPayload);
  EXPECT_EQ(r.value_schema, f.json);  // the payload column's own schema
  EXPECT_EQ(r.timestamp_ms, 1556890294484);
  ASSERT_NE(FindHeader(r, "id"), nullptr);
  EXPECT_EQ(FindHeader(r, "id")->value.as_string(), "406c07f3-26f0-4eea-a50c-109940064b8f");
  EXPECT_EQ(FindHeader(r, "id")->schema->name, "io.debezium.data.Uuid");
}

TEST(OutboxEventRouterTest, TopicReplacementWithRoutedByValue) {
  OutboxFixture f;
  auto chain = Router({{"route.topic.replacement", "${routedByValue}.events"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Person", "7", data::Value("{}")));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  EXPECT_EQ(r.topic, "Person.events");

  auto grouped = Router({{"route.topic.regex", "(.*)Type"}, {"route.topic.replacement", "$1.t"}});
  data::Record g = f.Event("r", data::Value(), f.Row("OrderType", "7", data::Value("{}")));
  ASSERT_TRUE(grouped.Apply(&g, &keep).ok());
  EXPECT_EQ(g.topic, "Order.t");
}

TEST(OutboxEventRouterTest, DeletesTombstonesAndUpdatesAreDropped) {
  OutboxFixture f;
  auto chain = Router();
  bool keep = true;
  data::Record del = f.Event("d", f.Row("Order", "1", data::Value("{}")), data::Value());
  ASSERT_TRUE(chain.Apply(&del, &keep).ok());
  EXPECT_FALSE(keep);
  data::Record tomb;
  tomb.topic = "dbserver1.public.outboxevent";
  keep = true;
  ASSERT_TRUE(chain.Apply(&tomb, &keep).ok());
  EXPECT_FALSE(keep);
  data::Record upd =
      f.Event("u", f.Row("Order", "1", data::Value("{}")), f.Row("Order", "1", data::Value("{}")));
  keep = true;
  ASSERT_TRUE(chain.Apply(&upd, &keep).ok());
  EXPECT_FALSE(keep);

  auto fatal = Router({{"table.op.invalid.behavior", "fatal"}});
  data::Record upd2 =
      f.Event("u", f.Row("Order", "1", data::Value("{}")), f.Row("Order", "1", data::Value("{}")));
  Status s = fatal.Apply(&upd2, &keep);
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("transform 'outbox'"), std::string::npos) << s.message();
}

TEST(OutboxEventRouterTest, AdditionalFieldsInHeaderAndEnvelope) {
  OutboxFixture f;
  auto chain = Router(
      {{"table.fields.additional.placement", "type:header:eventType,type:envelope:eventType"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  EXPECT_EQ(FindHeader(r, "eventType")->value.as_string(), "OrderCreated");
  ASSERT_TRUE(r.value.is_struct());
  EXPECT_EQ(r.value_schema->name, "dbserver1.public.outboxevent.Order.Envelope");
  EXPECT_EQ(r.value.as_struct().Get("payload")->as_string(), kPayload);
  EXPECT_EQ(r.value.as_struct().Get("eventType")->as_string(), "OrderCreated");

  data::Record r2 = f.Event("c", data::Value(), f.Row("Order", "124", data::Value("{}")));
  ASSERT_TRUE(chain.Apply(&r2, &keep).ok());
  EXPECT_EQ(r2.value_schema, r.value_schema);  // cached
}

TEST(OutboxEventRouterTest, EmptyPayloadBecomesTombstoneWhenAsked) {
  OutboxFixture f;
  auto chain = Router({{"route.tombstone.on.empty.payload", "true"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value()));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(keep);
  EXPECT_TRUE(r.is_tombstone());
  EXPECT_EQ(r.value_schema, nullptr);
  EXPECT_EQ(r.key.as_string(), "123");
}

TEST(OutboxEventRouterTest, ExpandJsonPayload) {
  OutboxFixture f;
  auto chain = Router({{"table.expand.json.payload", "true"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(r.value.is_struct());
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("id")->as_int(), 1);
  EXPECT_EQ(r.value_schema->fields[0].schema->type, data::Type::kInt32);
  const auto& items = s.Get("lineItems")->as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].as_struct().Get("item")->as_string(), "Debezium in Action");

  // Not JSON: left as the string.
  data::Record bad = f.Event("c", data::Value(), f.Row("Order", "1", data::Value("plain")));
  ASSERT_TRUE(chain.Apply(&bad, &keep).ok());
  EXPECT_EQ(bad.value.as_string(), "plain");
}

// The column names Debezium documents: table.field.event.payload, .key, .schema.version; a key
// column the row lacks gives no key.
TEST(OutboxEventRouterTest, ColumnNamesAndSchemaVersion) {
  OutboxFixture f;
  auto chain = Router({{"table.field.event.payload", "type"},
                       {"table.field.event.key", "aggregatetype"},
                       {"table.field.event.schema.version", "shard"},
                       {"table.fields.additional.placement", "aggregateid:envelope"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  EXPECT_EQ(r.key.as_string(), "Order");
  ASSERT_TRUE(r.value.is_struct());
  EXPECT_EQ(r.value.as_struct().Get("payload")->as_string(), "OrderCreated");
  EXPECT_EQ(r.value.as_struct().Get("aggregateid")->as_string(), "123");
  EXPECT_EQ(r.value_schema->version, 2);

  auto no_key = Router({{"table.field.event.key", "nosuch"}});
  data::Record k = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  ASSERT_TRUE(no_key.Apply(&k, &keep).ok());
  EXPECT_TRUE(k.key.is_null());
  EXPECT_EQ(k.key_schema, nullptr);
}

// Placement `partition`: the column's value is the record's Kafka partition.
TEST(OutboxEventRouterTest, PartitionPlacement) {
  OutboxFixture f;
  auto chain = Router({{"table.fields.additional.placement", "shard:partition,type:header"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&r, &keep).ok());
  ASSERT_TRUE(r.partition.has_value());
  EXPECT_EQ(*r.partition, 2);
  EXPECT_EQ(FindHeader(r, "type")->value.as_string(), "OrderCreated");
  EXPECT_EQ(FindHeader(r, "shard"), nullptr);
  // A partition column holding text fails the record, naming the column.
  auto bad = Router({{"table.fields.additional.placement", "type:partition"}});
  data::Record b = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  Status s = bad.Apply(&b, &keep);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("partition column type"), std::string::npos) << s.ToString();
}

// table.fields.additional.error.on.missing: a column the row lacks fails the record (default),
// or is left out.
TEST(OutboxEventRouterTest, MissingAdditionalField) {
  OutboxFixture f;
  bool keep = false;
  auto strict = Router({{"table.fields.additional.placement", "nosuch:header,type:header"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  Status s = strict.Apply(&r, &keep);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nosuch is not a valid field name"), std::string::npos);

  auto lenient = Router({{"table.fields.additional.placement",
                          "nosuch:header,type:header,gone:envelope,aggregateid:envelope"},
                         {"table.fields.additional.error.on.missing", "false"}});
  data::Record l = f.Event("c", data::Value(), f.Row("Order", "123", data::Value(kPayload)));
  ASSERT_TRUE(lenient.Apply(&l, &keep).ok());
  EXPECT_EQ(FindHeader(l, "nosuch"), nullptr);
  EXPECT_EQ(FindHeader(l, "type")->value.as_string(), "OrderCreated");
  ASSERT_EQ(l.value_schema->fields.size(), 2u);
  EXPECT_EQ(l.value_schema->fields[1].name, "aggregateid");
  EXPECT_EQ(l.value.as_struct().Get("aggregateid")->as_string(), "123");
}

// table.json.payload.null.behavior: null fields of an expanded payload are left out (ignore) or
// kept as optional bytes.
TEST(OutboxEventRouterTest, JsonPayloadNullBehavior) {
  OutboxFixture f;
  const char* payload = R"({"a": 1, "b": null})";
  bool keep = false;
  auto ignore = Router({{"table.expand.json.payload", "true"}});
  data::Record r = f.Event("c", data::Value(), f.Row("Order", "1", data::Value(payload)));
  ASSERT_TRUE(ignore.Apply(&r, &keep).ok());
  ASSERT_EQ(r.value_schema->fields.size(), 1u);
  EXPECT_EQ(r.value_schema->fields[0].name, "a");

  auto bytes = Router({{"table.expand.json.payload", "true"},
                       {"table.json.payload.null.behavior", "optional_bytes"}});
  data::Record b = f.Event("c", data::Value(), f.Row("Order", "1", data::Value(payload)));
  ASSERT_TRUE(bytes.Apply(&b, &keep).ok());
  ASSERT_EQ(b.value_schema->fields.size(), 2u);
  EXPECT_EQ(b.value_schema->fields[1].name, "b");
  EXPECT_EQ(b.value_schema->fields[1].schema->type, data::Type::kBytes);
  EXPECT_TRUE(b.value_schema->fields[1].schema->optional);
  EXPECT_TRUE(b.value.as_struct().Get("b")->is_null());

  auto bad = TransformChain::Create(
      {{"transforms", "outbox"},
       {"transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter"},
       {"transforms.outbox.table.json.payload.null.behavior", "keep"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("table.json.payload.null.behavior"), std::string::npos);
}

TEST(OutboxEventRouterTest, NonEnvelopePassesAndBadConfigIsNamed) {
  OutboxFixture f;
  auto chain = Router();
  data::Record plain;
  plain.topic = "x";
  plain.value = data::Value("hello");
  bool keep = false;
  ASSERT_TRUE(chain.Apply(&plain, &keep).ok());
  EXPECT_TRUE(keep);
  EXPECT_EQ(plain.topic, "x");

  auto bad = TransformChain::Create(
      {{"transforms", "outbox"},
       {"transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter"},
       {"transforms.outbox.table.fields.additional.placement", "type:body"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("transforms.outbox.table.fields.additional.placement"),
            std::string::npos);
  auto bad_group = TransformChain::Create(
      {{"transforms", "outbox"},
       {"transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter"},
       {"transforms.outbox.route.topic.replacement", "${nope}.events"}});
  ASSERT_FALSE(bad_group.ok());
  EXPECT_NE(bad_group.status().message().find("No group with name {nope}"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::transforms
