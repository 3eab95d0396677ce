#include "runtime/stdout_delivery.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "convert/avro_converter.h"
#include "registry/avro_schema_checker.h"
#include "registry/test_served_registry.h"

namespace walrelay::runtime {
namespace {

using data::PrimitiveSchema;
using data::SchemaBuilder;
using data::Type;
using data::Value;

std::unique_ptr<convert::Converter> Avro(const std::string& url) {
  auto settings = convert::AvroConverterSettings::Parse({{"schema.registry.url", url}}, "");
  EXPECT_TRUE(settings.ok()) << settings.status().ToString();
  auto client = registry::RegistryClient::Create(settings->registry);
  return std::make_unique<convert::AvroConverter>(*settings, std::move(client).value());
}

// Stdout mode with Avro converters prints what a consumer of the topic would decode: the record
// is written in Confluent's wire format through the registry, read back by its schema id and
// shown in Avro's JSON encoding, as kafka-avro-console-consumer shows it.
TEST(StdoutDeliveryTest, AvroRecordsArePrintedAsTheAvroConsoleConsumerPrintsThem) {
  registry::AvroSchemaChecker checker;
  registry::ServedRegistry served(&checker);
  StdoutDelivery out(Avro(served.url()), Avro(served.url()), nullptr);

  auto key_schema = SchemaBuilder(Type::kStruct)
                        .Name("server.public.t.Key")
                        .AddField("id", PrimitiveSchema(Type::kInt32, false))
                        .Build();
  auto value_schema = SchemaBuilder(Type::kStruct)
                          .Name("server.public.t.Value")
                          .AddField("id", PrimitiveSchema(Type::kInt32, false))
                          .AddField("name", PrimitiveSchema(Type::kString, true))
                          .Build();
  data::Record rec;
  rec.topic = "server.public.t";
  rec.key_schema = key_schema;
  rec.key = Value(data::Struct{key_schema, {Value(int64_t{1})}});
  rec.value_schema = value_schema;
  rec.value = Value(data::Struct{value_schema, {Value(int64_t{1}), Value("x")}});
  data::Record tombstone;
  tombstone.topic = "server.public.t";
  tombstone.key_schema = key_schema;
  tombstone.key = rec.key;

  ::testing::internal::CaptureStdout();
  std::string_view stage;
  Status sent = out.Send(rec, &stage);
  Status sent_tombstone = out.Send(tombstone, &stage);
  Status drained = out.Drain();
  std::string printed = ::testing::internal::GetCapturedStdout();
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  ASSERT_TRUE(sent_tombstone.ok()) << sent_tombstone.ToString();
  ASSERT_TRUE(drained.ok()) << drained.ToString();
  EXPECT_EQ(printed,
            "{\"topic\":\"server.public.t\",\"key\":{\"id\":1},\"value\":{\"id\":1,\"name\":"
            "{\"string\":\"x\"}}}\n"
            "{\"topic\":\"server.public.t\",\"key\":{\"id\":1},\"value\":null}\n");
}

}  // namespace
}  // namespace walrelay::runtime
