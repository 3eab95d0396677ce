// The three places where a pipeline turns a double into text must agree, because a consumer
// compares them with what Kafka Connect and Debezium (on Java 17) write: Debezium's money column
// in decimal.handling.mode=string (source/), the Cast transform to string (transforms/) and the
// JsonConverter (convert/). The runtime wires all three, so the check lives here and goes through
// each one's public API.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "convert/json_converter.h"
#include "data/schema.h"
#include "source/type_mapper.h"
#include "transforms/transform.h"

namespace walrelay {
namespace {

using data::PrimitiveSchema;
using data::Type;
using data::Value;

std::string JsonText(const data::SchemaPtr& schema, const Value& value) {
  std::string out;
  Status st = convert::JsonConverter(false).Serialize(schema, value, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::string CastToString(const data::SchemaPtr& schema, const Value& value) {
  auto chain = transforms::TransformChain::Create(
      {{"transforms", "c"},
       {"transforms.c.type", "org.apache.kafka.connect.transforms.Cast$Value"},
       {"transforms.c.spec", "string"}});
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  data::Record record;
  record.value_schema = schema;
  record.value = value;
  bool keep = false;
  Status st = chain->Apply(&record, &keep);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return record.value.is_string() ? record.value.as_string() : "<not a string>";
}

TEST(JavaNumberTextTest, CastAndJsonConverterPrintADoubleAlike) {
  const auto schema = PrimitiveSchema(Type::kFloat64, false);
  // The first values are those where JDK 17 does not print the shortest digits (which Cast and
  // money printed before; JDK 19+ does for the first three).
  const std::vector<std::pair<double, std::string>> cases = {
      {1.0E23, "9.999999999999999E22"},
      {2.82879384806159E17, "2.82879384806159008E17"},
      {8.41E21, "8.409999999999999E21"},
      {5.0E-323, "4.9E-323"},
      {1.0E7, "1.0E7"},
      {9999999.0, "9999999.0"},
      {1.0E-3, "0.001"},
      {9.99E-4, "9.99E-4"},
      {-0.0, "-0.0"},
      {0.1 + 0.2, "0.30000000000000004"},
  };
  for (const auto& [v, java] : cases) {
    SCOPED_TRACE(java);
    EXPECT_EQ(JsonText(schema, Value(v)), java);
    EXPECT_EQ(CastToString(schema, Value(v)), java);
  }
}

TEST(JavaNumberTextTest, CastAndJsonConverterPrintAFloatAlike) {
  const auto schema = PrimitiveSchema(Type::kFloat32, false);
  // Float.toString on JDK 17 prints every digit of an integral float >= 1e7; JDK 19+ "1.6918733E8".
  const double v = static_cast<double>(1.6918733E8f);
  EXPECT_EQ(JsonText(schema, Value(v)), "1.69187328E8");
  EXPECT_EQ(CastToString(schema, Value(v)), "1.69187328E8");
}

// Debezium 2.x printed pgjdbc's money double with Double.toString ("8.3234458534636592E16");
// Debezium 3.7 prints the amount itself at scale 2 (peers_events_test), so no digit is lost.
TEST(JavaNumberTextTest, MoneyAsStringIsTheAmountNotTheDouble) {
  source::TypeCatalog catalog;
  source::TypeModes modes;
  modes.decimal = source::DecimalHandlingMode::kString;
  source::TypeMapper mapper(&catalog, modes);
  constexpr uint32_t kMoneyOid = 790;
  const source::ColumnMapping money = mapper.Map(kMoneyOid, -1, false);
  ASSERT_EQ(money.schema()->type, Type::kString);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"$83,234,458,534,636,599.30", "83234458534636599.30"},
      {"-$72,343,420,078,484,605.21", "-72343420078484605.21"},
      {"$1,234.11", "1234.11"},
      {"$1,000.00", "1000.00"},
      {"$0.00", "0.00"},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    auto value = money.FromText(text);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    ASSERT_TRUE(value->is_string());
    EXPECT_EQ(value->as_string(), want);
  }
}

}  // namespace
}  // namespace walrelay
