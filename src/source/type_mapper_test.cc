#include "source/type_mapper.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace walrelay::source {
namespace {

using data::Bytes;
using data::Type;
using data::Value;

// Built-in oids used below.
constexpr uint32_t kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23,
                   kText = 25, kOid = 26, kJson = 114, kXml = 142, kPoint = 600, kCidr = 650,
                   kFloat4 = 700, kFloat8 = 701, kMacaddr8 = 774, kMoney = 790, kMacaddr = 829,
                   kInet = 869, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083,
                   kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266,
                   kBit = 1560, kVarbit = 1562, kNumeric = 1700, kUuid = 2950, kTsvector = 3614,
                   kJsonb = 3802, kInt4range = 3904;
constexpr uint32_t kInt4Array = 1007, kTextArray = 1009, kNumericArray = 1231,
                   kTimestamptzArray = 1185, kByteaArray = 1001, kPointArray = 1017;

int32_t NumericTypmod(int precision, int scale) { return ((precision << 16) | scale) + 4; }

Bytes B(std::vector<int> bytes) {
  Bytes out;
  for (int b : bytes) out.data.push_back(static_cast<char>(b));
  return out;
}

class TypeMapperTest : public ::testing::Test {
 protected:
  ColumnMapping Map(uint32_t oid, int32_t typmod = -1, TypeModes modes = {},
                    bool optional = false) {
    TypeMapper mapper(&catalog_, modes);
    return mapper.Map(oid, typmod, optional);
  }
  // Converts and fails the test on error.
  Value Convert(const ColumnMapping& m, std::string_view text) {
    auto v = m.FromText(text);
    EXPECT_TRUE(v.ok()) << text << ": " << v.status().ToString();
    return v.ok() ? *v : Value();
  }
  void ExpectError(const ColumnMapping& m, std::string_view text) {
    auto v = m.FromText(text);
    ASSERT_FALSE(v.ok()) << "expected an error for '" << text << "', got " << v->DebugString();
    EXPECT_EQ(v.status().kind(), ErrorKind::kDataError);
    EXPECT_NE(v.status().message().find(std::string(text.substr(0, 20))), std::string::npos)
        << v.status().message();
  }

  TypeCatalog catalog_;
};

TypeModes Decimal(DecimalHandlingMode mode) {
  TypeModes m;
  m.decimal = mode;
  return m;
}
TypeModes Time(TimePrecisionMode mode) {
  TypeModes m;
  m.time = mode;
  return m;
}
TypeModes Binary(BinaryHandlingMode mode) {
  TypeModes m;
  m.binary = mode;
  return m;
}

TEST_F(TypeMapperTest, CatalogKnowsBuiltinsAndArrays) {
  ASSERT_NE(catalog_.Find(kInt4), nullptr);
  EXPECT_EQ(catalog_.Find(kInt4)->name, "int4");
  const PgType* arr = catalog_.Find(kInt4Array);
  ASSERT_NE(arr, nullptr);
  EXPECT_EQ(arr->name, "_int4");
  EXPECT_EQ(arr->element_oid, kInt4);
  EXPECT_EQ(catalog_.Find(3807)->element_oid, kJsonb);
  EXPECT_EQ(catalog_.Find(1270)->element_oid, kTimetz);
  EXPECT_EQ(catalog_.Find(199)->element_oid, kJson);
  EXPECT_EQ(catalog_.Find(123456), nullptr);
}

TEST_F(TypeMapperTest, Bool) {
  auto m = Map(kBool);
  EXPECT_EQ(m.schema()->type, Type::kBoolean);
  EXPECT_FALSE(m.schema()->optional);
  EXPECT_FALSE(m.passthrough());
  EXPECT_EQ(Convert(m, "t"), Value(true));
  EXPECT_EQ(Convert(m, "f"), Value(false));
  ExpectError(m, "yes");
}

TEST_F(TypeMapperTest, OptionalFollowsArgument) {
  EXPECT_TRUE(Map(kInt4, -1, {}, true).schema()->optional);
  EXPECT_FALSE(Map(kInt4, -1, {}, false).schema()->optional);
  EXPECT_TRUE(Map(kTimestamptz, -1, {}, true).schema()->optional);
}

TEST_F(TypeMapperTest, Integers) {
  auto i2 = Map(kInt2);
  EXPECT_EQ(i2.schema()->type, Type::kInt16);
  EXPECT_EQ(Convert(i2, "-32768"), Value(int64_t{-32768}));
  ExpectError(i2, "32768");
  auto i4 = Map(kInt4);
  EXPECT_EQ(i4.schema()->type, Type::kInt32);
  EXPECT_EQ(Convert(i4, "123456"), Value(int64_t{123456}));
  ExpectError(i4, "12a");
  ExpectError(i4, "");
  ExpectError(i4, "2147483648");
  auto i8 = Map(kInt8);
  EXPECT_EQ(i8.schema()->type, Type::kInt64);
  EXPECT_EQ(Convert(i8, "1550166368505037572"), Value(int64_t{1550166368505037572}));
  EXPECT_EQ(Convert(i8, "-9223372036854775808"), Value(INT64_MIN));
  ExpectError(i8, "9223372036854775808");
  auto oid = Map(kOid);
  EXPECT_EQ(oid.schema()->type, Type::kInt64);
  EXPECT_EQ(Convert(oid, "4294967295"), Value(int64_t{4294967295}));
}

TEST_F(TypeMapperTest, Floats) {
  auto f4 = Map(kFloat4);
  EXPECT_EQ(f4.schema()->type, Type::kFloat32);
  EXPECT_EQ(Convert(f4, "3.3"), Value(static_cast<double>(3.3f)));
  EXPECT_EQ(Convert(f4, "1e+20"), Value(static_cast<double>(1e20f)));
  EXPECT_TRUE(std::isinf(Convert(f4, "-Infinity").as_double()));
  auto f8 = Map(kFloat8);
  EXPECT_EQ(f8.schema()->type, Type::kFloat64);
  EXPECT_EQ(Convert(f8, "4.44"), Value(4.44));
  EXPECT_TRUE(std::isnan(Convert(f8, "NaN").as_double()));
  EXPECT_EQ(Convert(f8, "Infinity").as_double(), HUGE_VAL);
  ExpectError(f8, "4.4.4");
}

TEST_F(TypeMapperTest, NumericPreciseWithScale) {
  auto m = Map(kNumeric, NumericTypmod(10, 2));
  const auto& s = *m.schema();
  EXPECT_EQ(s.type, Type::kBytes);
  EXPECT_EQ(s.name, "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(s.version, 1);
  ASSERT_EQ(s.parameters.size(), 2u);
  EXPECT_EQ(s.parameters[0], (std::pair<std::string, std::string>("scale", "2")));
  EXPECT_EQ(s.parameters[1],
            (std::pair<std::string, std::string>("connect.decimal.precision", "10")));
  EXPECT_EQ(Convert(m, "1234.56"), Value(B({0x01, 0xE2, 0x40})));  // 123456
  EXPECT_EQ(Convert(m, "-1.00"), Value(B({0x9C})));                // -100
  EXPECT_EQ(Convert(m, "0.00"), Value(B({0x00})));
  EXPECT_EQ(Convert(m, "1.28"), Value(B({0x00, 0x80})));   // 128 needs a sign byte
  EXPECT_EQ(Convert(m, "-1.28"), Value(B({0x80})));        // -128
  EXPECT_EQ(Convert(m, "-1.29"), Value(B({0xFF, 0x7F})));  // -129
  EXPECT_EQ(Convert(m, "1.1"), Value(B({0x6E})));          // padded to scale 2: 110
  ExpectError(m, "1.2.3");
  ExpectError(m, "abc");
  ExpectError(m, "NaN");  // precise mode cannot hold it; Debezium fails the connector too
}

TEST_F(TypeMapperTest, NumericPreciseBigValues) {
  auto m = Map(kNumeric, NumericTypmod(30, 0));
  // Checked with Python's int.to_bytes(signed=True) of the minimal length.
  EXPECT_EQ(Convert(m, "12345678901234567890123"),
            Value(B({2, 157, 66, 182, 78, 118, 113, 66, 68, 203})));
  EXPECT_EQ(Convert(m, "-12345678901234567890123"),
            Value(B({253, 98, 189, 73, 177, 137, 142, 189, 187, 53})));
  EXPECT_EQ(Convert(m, "-18446744073709551616"), Value(B({255, 0, 0, 0, 0, 0, 0, 0, 0})));
}

TEST_F(TypeMapperTest, NumericVariableScale) {
  auto m = Map(kNumeric, -1);
  const auto& s = *m.schema();
  EXPECT_EQ(s.type, Type::kStruct);
  EXPECT_EQ(s.name, "io.debezium.data.VariableScaleDecimal");
  EXPECT_EQ(s.doc, "Variable scaled decimal");
  ASSERT_EQ(s.fields.size(), 2u);
  EXPECT_EQ(s.fields[0].name, "scale");
  EXPECT_EQ(s.fields[0].schema->type, Type::kInt32);
  EXPECT_EQ(s.fields[1].name, "value");
  EXPECT_EQ(s.fields[1].schema->type, Type::kBytes);

  Value v = Convert(m, "10.1111");  // Debezium's own test: scale 4, unscaled 101111
  ASSERT_TRUE(v.is_struct());
  EXPECT_EQ(*v.as_struct().Get("scale"), Value(int64_t{4}));
  EXPECT_EQ(*v.as_struct().Get("value"), Value(B({0x01, 0x8A, 0xF7})));
  // Trailing zeros are stripped, never below scale 0.
  v = Convert(m, "22.2200");
  EXPECT_EQ(*v.as_struct().Get("scale"), Value(int64_t{2}));
  EXPECT_EQ(*v.as_struct().Get("value"), Value(B({0x08, 0xAE})));
  v = Convert(m, "100");
  EXPECT_EQ(*v.as_struct().Get("scale"), Value(int64_t{0}));
  EXPECT_EQ(*v.as_struct().Get("value"), Value(B({0x64})));
  v = Convert(m, "-0.000");
  EXPECT_EQ(*v.as_struct().Get("scale"), Value(int64_t{0}));
  EXPECT_EQ(*v.as_struct().Get("value"), Value(B({0x00})));
  ExpectError(m, "Infinity");
}

TEST_F(TypeMapperTest, NumericDoubleMode) {
  for (int32_t typmod : {-1, NumericTypmod(10, 2)}) {
    auto m = Map(kNumeric, typmod, Decimal(DecimalHandlingMode::kDouble));
    EXPECT_EQ(m.schema()->type, Type::kFloat64);
    EXPECT_TRUE(m.schema()->name.empty());
    EXPECT_EQ(Convert(m, "22.22"), Value(22.22));
    EXPECT_TRUE(std::isnan(Convert(m, "NaN").as_double()));
    EXPECT_EQ(Convert(m, "-Infinity").as_double(), -HUGE_VAL);
  }
}

TEST_F(TypeMapperTest, NumericStringMode) {
  auto m = Map(kNumeric, NumericTypmod(10, 2), Decimal(DecimalHandlingMode::kString));
  EXPECT_EQ(m.schema()->type, Type::kString);
  EXPECT_EQ(Convert(m, "1234.50"), Value("1234.50"));
  EXPECT_EQ(Convert(m, "-0.00"), Value("0.00"));  // BigDecimal has no negative zero
  // BigDecimal.toString spells the special values by their enum names.
  EXPECT_EQ(Convert(m, "NaN"), Value("NAN"));
  EXPECT_EQ(Convert(m, "Infinity"), Value("POSITIVE_INFINITY"));
  EXPECT_EQ(Convert(m, "-Infinity"), Value("NEGATIVE_INFINITY"));
  auto v = Map(kNumeric, -1, Decimal(DecimalHandlingMode::kString));
  EXPECT_EQ(Convert(v, "22.2200"), Value("22.2200"));
  EXPECT_EQ(Convert(v, "0.000001"), Value("0.000001"));
  // BigDecimal.toString switches to exponent notation below 1E-6.
  EXPECT_EQ(Convert(v, "0.00000012"), Value("1.2E-7"));
  EXPECT_EQ(Convert(v, "-0.00000012"), Value("-1.2E-7"));
  EXPECT_EQ(Convert(v, "0.0000000"), Value("0E-7"));
}

TEST_F(TypeMapperTest, MoneyModes) {
  auto p = Map(kMoney);
  EXPECT_EQ(p.schema()->name, "org.apache.kafka.connect.data.Decimal");
  ASSERT_EQ(p.schema()->parameters.size(), 1u);
  EXPECT_EQ(*p.schema()->Parameter("scale"), "2");
  EXPECT_EQ(Convert(p, "$1,234.11"), Value(B({1, 226, 19})));     // 123411
  EXPECT_EQ(Convert(p, "-$1,234.50"), Value(B({254, 29, 198})));  // -123450
  EXPECT_EQ(Convert(p, "$0.00"), Value(B({0})));
  ExpectError(p, "$1x");
  auto d = Map(kMoney, -1, Decimal(DecimalHandlingMode::kDouble));
  EXPECT_EQ(d.schema()->type, Type::kFloat64);
  EXPECT_EQ(Convert(d, "-$1,234.11"), Value(-1234.11));
  auto s = Map(kMoney, -1, Decimal(DecimalHandlingMode::kString));
  EXPECT_EQ(s.schema()->type, Type::kString);
  // Debezium 3.x prints the value at scale 2 (peers_events_test found "-0.50", not 2.x's "-0.5").
  EXPECT_EQ(Convert(s, "$1,234.11"), Value("1234.11"));
  EXPECT_EQ(Convert(s, "$1,000.00"), Value("1000.00"));
  EXPECT_EQ(Convert(s, "-$12,345,678.00"), Value("-12345678.00"));
  EXPECT_EQ(Convert(s, "$0.00"), Value("0.00"));
  EXPECT_EQ(Convert(s, "-$0.50"), Value("-0.50"));
  EXPECT_EQ(Convert(s, "-$0.05"), Value("-0.05"));
  EXPECT_EQ(Convert(s, "$7"), Value("7.00"));
}

TEST_F(TypeMapperTest, Strings) {
  for (uint32_t oid : {kText, kVarchar, kName, kInet, kCidr, kMacaddr, kMacaddr8, kInt4range}) {
    auto m = Map(oid);
    EXPECT_EQ(m.schema()->type, Type::kString) << oid;
    EXPECT_TRUE(m.schema()->name.empty()) << oid;
    EXPECT_FALSE(m.passthrough()) << oid;
  }
  EXPECT_EQ(Convert(Map(kText), "some text"), Value("some text"));
  EXPECT_EQ(Convert(Map(kBpchar, 14), "cone      "), Value("cone      "));  // padding kept
  EXPECT_EQ(Convert(Map(kInet), "192.168.0.1/24"), Value("192.168.0.1/24"));
}

TEST_F(TypeMapperTest, NamedStrings) {
  auto uuid = Map(kUuid);
  EXPECT_EQ(uuid.schema()->name, "io.debezium.data.Uuid");
  EXPECT_EQ(uuid.schema()->version, 1);
  EXPECT_EQ(Convert(uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            Value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"));
  EXPECT_EQ(Map(kJson).schema()->name, "io.debezium.data.Json");
  EXPECT_EQ(Map(kJsonb).schema()->name, "io.debezium.data.Json");
  EXPECT_EQ(Convert(Map(kJsonb), "{\"bar\": \"baz\"}"), Value("{\"bar\": \"baz\"}"));
  EXPECT_EQ(Map(kXml).schema()->name, "io.debezium.data.Xml");
}

TEST_F(TypeMapperTest, ByteaModes) {
  auto m = Map(kBytea);
  EXPECT_EQ(m.schema()->type, Type::kBytes);
  EXPECT_EQ(Convert(m, "\\x010203"), Value(B({1, 2, 3})));
  EXPECT_EQ(Convert(m, "\\x"), Value(Bytes{}));
  EXPECT_EQ(Convert(m, "a\\\\b\\001"), Value(Bytes{std::string("a\\b\x01")}));  // escape format
  ExpectError(m, "\\x0");
  ExpectError(m, "\\xzz");
  auto b64 = Map(kBytea, -1, Binary(BinaryHandlingMode::kBase64));
  EXPECT_EQ(b64.schema()->type, Type::kString);
  EXPECT_EQ(Convert(b64, "\\x010203"), Value("AQID"));
  EXPECT_EQ(Convert(b64, "\\xfbff"), Value("+/8="));
  EXPECT_EQ(Convert(b64, "\\xfb"), Value("+w=="));
  auto url = Map(kBytea, -1, Binary(BinaryHandlingMode::kBase64UrlSafe));
  EXPECT_EQ(Convert(url, "\\xfbff"), Value("-_8="));
  auto hex = Map(kBytea, -1, Binary(BinaryHandlingMode::kHex));
  EXPECT_EQ(Convert(hex, "\\xFBFF01"), Value("fbff01"));
}

TEST_F(TypeMapperTest, DateModes) {
  auto m = Map(kDate);
  EXPECT_EQ(m.schema()->type, Type::kInt32);
  EXPECT_EQ(m.schema()->name, "io.debezium.time.Date");
  EXPECT_EQ(Convert(m, "2016-11-04"), Value(int64_t{17109}));
  EXPECT_EQ(Convert(m, "1970-01-01"), Value(int64_t{0}));
  EXPECT_EQ(Convert(m, "0044-03-15 BC"), Value(int64_t{-735160}));  // as PostgreSQL computes
  EXPECT_EQ(Convert(m, "infinity"), Value(int64_t{-2147472692}));
  EXPECT_EQ(Convert(m, "-infinity"), Value(int64_t{-2147472691}));
  ExpectError(m, "2016-13-01");
  ExpectError(m, "2015-02-29");
  ExpectError(m, "16-11-04");
  auto c = Map(kDate, -1, Time(TimePrecisionMode::kConnect));
  EXPECT_EQ(c.schema()->name, "org.apache.kafka.connect.data.Date");
  EXPECT_EQ(c.schema()->type, Type::kInt32);
  EXPECT_EQ(Convert(c, "2016-11-04"), Value(int64_t{17109}));
}

TEST_F(TypeMapperTest, TimeModes) {
  auto micro = Map(kTime);
  EXPECT_EQ(micro.schema()->name, "io.debezium.time.MicroTime");
  EXPECT_EQ(micro.schema()->type, Type::kInt64);
  EXPECT_EQ(Convert(micro, "13:51:30"), Value(int64_t{49890000000}));
  EXPECT_EQ(Convert(micro, "13:51:30.000001"), Value(int64_t{49890000001}));
  EXPECT_EQ(Convert(micro, "24:00:00"), Value(int64_t{86400000000}));
  ExpectError(micro, "25:00:00");
  ExpectError(micro, "13:51");

  auto ms = Map(kTime, 3);
  EXPECT_EQ(ms.schema()->name, "io.debezium.time.Time");
  EXPECT_EQ(ms.schema()->type, Type::kInt32);
  EXPECT_EQ(Convert(ms, "13:51:30.123"), Value(int64_t{49890123}));

  auto us = Map(kTime, 3, Time(TimePrecisionMode::kAdaptiveTimeMicroseconds));
  EXPECT_EQ(us.schema()->name, "io.debezium.time.MicroTime");
  EXPECT_EQ(Convert(us, "13:51:30.123"), Value(int64_t{49890123000}));

  auto connect = Map(kTime, -1, Time(TimePrecisionMode::kConnect));
  EXPECT_EQ(connect.schema()->name, "org.apache.kafka.connect.data.Time");
  EXPECT_EQ(connect.schema()->type, Type::kInt32);
  EXPECT_EQ(Convert(connect, "13:51:30.123456"), Value(int64_t{49890123}));
}

TEST_F(TypeMapperTest, TimestampModes) {
  auto micro = Map(kTimestamp);
  EXPECT_EQ(micro.schema()->name, "io.debezium.time.MicroTimestamp");
  EXPECT_EQ(micro.schema()->type, Type::kInt64);
  EXPECT_EQ(Convert(micro, "2016-11-04 13:51:30.123456"), Value(int64_t{1478267490123456}));
  EXPECT_EQ(Convert(micro, "1936-10-25 22:10:12.608"), Value(int64_t{-1047174587392000}));
  EXPECT_EQ(Convert(micro, "0044-03-15 12:00:00 BC"), Value(int64_t{-63517780800000000}));
  EXPECT_EQ(Convert(micro, "infinity"), Value(int64_t{9223372036825200000}));
  EXPECT_EQ(Convert(micro, "-infinity"), Value(int64_t{-9223372036832400000}));
  ExpectError(micro, "2016-11-04");
  ExpectError(micro, "2016-11-04 13:51:30+02");

  auto ms = Map(kTimestamp, 3);
  EXPECT_EQ(ms.schema()->name, "io.debezium.time.Timestamp");
  EXPECT_EQ(Convert(ms, "2016-11-04 13:51:30.123"), Value(int64_t{1478267490123}));
  EXPECT_EQ(Convert(ms, "1936-10-25 22:10:12.608"), Value(int64_t{-1047174587392}));
  EXPECT_EQ(Convert(ms, "infinity"), Value(int64_t{9223372036825200}));

  auto connect = Map(kTimestamp, -1, Time(TimePrecisionMode::kConnect));
  EXPECT_EQ(connect.schema()->name, "org.apache.kafka.connect.data.Timestamp");
  EXPECT_EQ(connect.schema()->type, Type::kInt64);
  // Truncated towards the past like Instant.toEpochMilli.
  EXPECT_EQ(Convert(connect, "2016-11-04 13:51:30.123456"), Value(int64_t{1478267490123}));
  EXPECT_EQ(Convert(connect, "1969-12-31 23:59:59.999999"), Value(int64_t{-1}));

  auto us = Map(kTimestamp, -1, Time(TimePrecisionMode::kAdaptiveTimeMicroseconds));
  EXPECT_EQ(us.schema()->name, "io.debezium.time.MicroTimestamp");
}

TEST_F(TypeMapperTest, TimestampWithTimeZone) {
  auto m = Map(kTimestamptz);
  EXPECT_EQ(m.schema()->name, "io.debezium.time.ZonedTimestamp");
  EXPECT_EQ(m.schema()->type, Type::kString);
  // Examples from Debezium's own tests: six digits for an unconstrained column.
  EXPECT_EQ(Convert(m, "2016-11-04 13:51:30.123456+02"), Value("2016-11-04T11:51:30.123456Z"));
  EXPECT_EQ(Convert(m, "2020-04-01 11:51:02+00"), Value("2020-04-01T11:51:02.000000Z"));
  EXPECT_EQ(Convert(m, "21016-11-04 13:51:30.123456+07"), Value("+21016-11-04T06:51:30.123456Z"));
  EXPECT_EQ(Convert(m, "2024-01-02 03:04:05.5+05:30"), Value("2024-01-01T21:34:05.500000Z"));
  EXPECT_EQ(Convert(m, "2024-01-01 21:00:00-08"), Value("2024-01-02T05:00:00.000000Z"));
  EXPECT_EQ(Convert(m, "1900-01-01 00:00:00+00:53:28"), Value("1899-12-31T23:06:32.000000Z"));
  EXPECT_EQ(Convert(m, "4714-11-24 00:00:00+00 BC"), Value("-4713-11-24T00:00:00.000000Z"));
  EXPECT_EQ(Convert(m, "0044-03-15 12:00:00+00 BC"), Value("-0043-03-15T12:00:00.000000Z"));
  EXPECT_EQ(Convert(m, "infinity"), Value("infinity"));
  EXPECT_EQ(Convert(m, "-infinity"), Value("-infinity"));
  ExpectError(m, "2016-11-04 13:51:30");
  ExpectError(m, "yesterday");

  EXPECT_EQ(Convert(Map(kTimestamptz, 3), "2016-11-04 13:51:30.12+00"),
            Value("2016-11-04T13:51:30.120Z"));
  EXPECT_EQ(Convert(Map(kTimestamptz, 0), "2016-11-04 13:51:30+00"), Value("2016-11-04T13:51:30Z"));
}

TEST_F(TypeMapperTest, TimeWithTimeZone) {
  auto m = Map(kTimetz);
  EXPECT_EQ(m.schema()->name, "io.debezium.time.ZonedTime");
  EXPECT_EQ(m.schema()->type, Type::kString);
  EXPECT_EQ(Convert(m, "13:51:30.123789+02"), Value("11:51:30.123789Z"));
  EXPECT_EQ(Convert(m, "13:51:30+02"), Value("11:51:30Z"));
  EXPECT_EQ(Convert(m, "13:51:30.12+00"), Value("13:51:30.12Z"));
  EXPECT_EQ(Convert(m, "03:04:05.123+05:30"), Value("21:34:05.123Z"));
  EXPECT_EQ(Convert(m, "22:00:00-08"), Value("06:00:00Z"));
  EXPECT_EQ(Convert(m, "24:00:00+00"), Value("24:00:00Z"));
  ExpectError(m, "13:51:30");
}

TEST_F(TypeMapperTest, IntervalNumeric) {
  auto m = Map(kInterval);
  EXPECT_EQ(m.schema()->name, "io.debezium.time.MicroDuration");
  EXPECT_EQ(m.schema()->type, Type::kInt64);
  // (14 months * 30.4375 + 3 days) and 04:05:06.78, in double arithmetic like Debezium.
  EXPECT_EQ(Convert(m, "1 year 2 mons 3 days 04:05:06.78"), Value(int64_t{37091106780000}));
  EXPECT_EQ(Convert(m, "-1 days +02:00:00"), Value(int64_t{-79200000000}));
  EXPECT_EQ(Convert(m, "-03:02:00"), Value(int64_t{-10920000000}));
  EXPECT_EQ(Convert(m, "1 mon"), Value(int64_t{2629800000000}));  // 30.4375 days
  EXPECT_EQ(Convert(m, "00:00:00"), Value(int64_t{0}));
  ExpectError(m, "3 fortnights");
  ExpectError(m, "");
}

TEST_F(TypeMapperTest, IntervalString) {
  TypeModes modes;
  modes.interval = IntervalHandlingMode::kString;
  auto m = Map(kInterval, -1, modes);
  EXPECT_EQ(m.schema()->name, "io.debezium.time.Interval");
  EXPECT_EQ(m.schema()->type, Type::kString);
  EXPECT_EQ(Convert(m, "1 year 2 mons 3 days 04:05:06.78"), Value("P1Y2M3DT4H5M6.78S"));
  EXPECT_EQ(Convert(m, "-1 days +02:00:00"), Value("P0Y0M-1DT2H0M0S"));
  EXPECT_EQ(Convert(m, "-03:02:00.5"), Value("P0Y0M0DT-3H-2M-0.5S"));
  EXPECT_EQ(Convert(m, "00:00:00.000001"), Value("P0Y0M0DT0H0M0.000001S"));
  EXPECT_EQ(Convert(m, "-178000000 years"), Value("P-178000000Y0M0DT0H0M0S"));
}

TEST_F(TypeMapperTest, Bits) {
  auto b1 = Map(kBit, 1);
  EXPECT_EQ(b1.schema()->type, Type::kBoolean);
  EXPECT_EQ(Convert(b1, "1"), Value(true));
  EXPECT_EQ(Convert(b1, "0"), Value(false));
  EXPECT_EQ(Map(kVarbit, 1).schema()->type, Type::kBoolean);

  auto b2 = Map(kBit, 2);
  EXPECT_EQ(b2.schema()->name, "io.debezium.data.Bits");
  EXPECT_EQ(*b2.schema()->Parameter("length"), "2");
  // Expectations from Debezium's tests.
  EXPECT_EQ(Convert(b2, "11"), Value(B({3})));
  EXPECT_EQ(Convert(Map(kBit, 7), "1000000"), Value(B({64})));
  EXPECT_EQ(Convert(Map(kVarbit, 2), "00"), Value(Bytes{}));
  EXPECT_EQ(Convert(Map(kVarbit, 24), "000000110000001000000001"), Value(B({1, 2, 3})));
  EXPECT_EQ(Convert(Map(kVarbit, 64), "1" + std::string(63, '0')),
            Value(B({0, 0, 0, 0, 0, 0, 0, 0x80})));
  auto unlimited = Map(kVarbit, -1);
  EXPECT_EQ(*unlimited.schema()->Parameter("length"), "2147483647");
  EXPECT_EQ(Convert(unlimited, "101"), Value(B({5})));
  ExpectError(b2, "12");
}

TEST_F(TypeMapperTest, Enums) {
  PgType mood;
  mood.oid = 16500;
  mood.name = "mood";
  mood.typtype = 'e';
  mood.enum_labels = {"sad", "ok", "happy"};
  catalog_.Add(mood);
  PgType moods;
  moods.oid = 16499;
  moods.name = "_mood";
  moods.element_oid = 16500;
  catalog_.Add(moods);

  auto m = Map(16500);
  EXPECT_EQ(m.schema()->type, Type::kString);
  EXPECT_EQ(m.schema()->name, "io.debezium.data.Enum");
  EXPECT_EQ(*m.schema()->Parameter("allowed"), "sad,ok,happy");
  EXPECT_EQ(Convert(m, "happy"), Value("happy"));

  auto a = Map(16499, -1, {}, true);
  EXPECT_EQ(a.schema()->type, Type::kArray);
  EXPECT_EQ(a.schema()->value_schema->name, "io.debezium.data.Enum");
  EXPECT_FALSE(a.schema()->value_schema->optional);  // as Debezium builds enum arrays
  EXPECT_EQ(Convert(a, "{sad,happy}"), Value(data::Array{Value("sad"), Value("happy")}));
}

TEST_F(TypeMapperTest, Domains) {
  PgType posint;
  posint.oid = 16600;
  posint.name = "posint";
  posint.typtype = 'd';
  posint.base_oid = kInt4;
  catalog_.Add(posint);
  PgType price;  // CREATE DOMAIN price AS numeric(8,3)
  price.oid = 16601;
  price.name = "price";
  price.typtype = 'd';
  price.base_oid = kNumeric;
  price.base_typmod = NumericTypmod(8, 3);
  catalog_.Add(price);
  PgType cheap;  // a domain over a domain
  cheap.oid = 16602;
  cheap.name = "cheap";
  cheap.typtype = 'd';
  cheap.base_oid = 16601;
  catalog_.Add(cheap);

  auto i = Map(16600);
  EXPECT_EQ(i.schema()->type, Type::kInt32);
  EXPECT_EQ(Convert(i, "42"), Value(int64_t{42}));

  for (uint32_t oid : {16601u, 16602u}) {
    auto d = Map(oid);
    EXPECT_EQ(d.schema()->name, "org.apache.kafka.connect.data.Decimal");
    EXPECT_EQ(*d.schema()->Parameter("scale"), "3");
    EXPECT_EQ(*d.schema()->Parameter("connect.decimal.precision"), "8");
    EXPECT_EQ(Convert(d, "1.500"), Value(B({0x05, 0xDC})));  // 1500
  }
}

TEST_F(TypeMapperTest, Arrays) {
  auto ints = Map(kInt4Array, -1, {}, true);
  ASSERT_EQ(ints.schema()->type, Type::kArray);
  EXPECT_TRUE(ints.schema()->optional);
  EXPECT_EQ(ints.schema()->value_schema->type, Type::kInt32);
  EXPECT_TRUE(ints.schema()->value_schema->optional);
  EXPECT_EQ(Convert(ints, "{1,2,NULL}"),
            Value(data::Array{Value(int64_t{1}), Value(int64_t{2}), Value()}));
  EXPECT_EQ(Convert(ints, "{}"), Value(data::Array{}));
  EXPECT_EQ(Convert(ints, "[0:1]={1,2}"), Value(data::Array{Value(int64_t{1}), Value(int64_t{2})}));
  EXPECT_EQ(Convert(ints, "{{1,2},{3,4}}"),
            Value(data::Array{Value(data::Array{Value(int64_t{1}), Value(int64_t{2})}),
                              Value(data::Array{Value(int64_t{3}), Value(int64_t{4})})}));
  ExpectError(ints, "{1,2");
  ExpectError(ints, "{1,x}");
  ExpectError(ints, "1,2");
  ExpectError(ints, "{1,2}x");

  auto texts = Map(kTextArray);
  EXPECT_EQ(Convert(texts, R"({"a b","c\"d",NULL,"NULL","",plain,"back\\slash"})"),
            Value(data::Array{Value("a b"), Value("c\"d"), Value(), Value("NULL"), Value(""),
                              Value("plain"), Value("back\\slash")}));
  EXPECT_EQ(Convert(texts, "{\"{x}\",\"a,b\"}"), Value(data::Array{Value("{x}"), Value("a,b")}));

  // Elements share the column's typmod: numeric(5,2)[].
  auto nums = Map(kNumericArray, NumericTypmod(5, 2));
  EXPECT_EQ(nums.schema()->value_schema->name, "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(Convert(nums, "{1.50,NULL}"), Value(data::Array{Value(B({0x00, 0x96})), Value()}));
  auto varnums = Map(kNumericArray, -1);
  Value v = Convert(varnums, "{1.1,2.22}");
  ASSERT_EQ(v.as_array().size(), 2u);
  EXPECT_EQ(*v.as_array()[1].as_struct().Get("scale"), Value(int64_t{2}));
  EXPECT_TRUE(v.as_array()[1].as_struct().schema->optional);

  auto tstz = Map(kTimestamptzArray);
  EXPECT_EQ(Convert(tstz, R"({"2020-04-01 11:51:02+00","2020-04-01 12:51:03+00"})"),
            Value(data::Array{Value("2020-04-01T11:51:02.000000Z"),
                              Value("2020-04-01T12:51:03.000000Z")}));
  auto bytes = Map(kByteaArray);
  EXPECT_EQ(Convert(bytes, R"({"\\x0102",NULL})"), Value(data::Array{Value(B({1, 2})), Value()}));
}

TEST_F(TypeMapperTest, UnknownTypesPassThroughAndWarnOnce) {
  TypeMapper mapper(&catalog_, {});
  ::testing::internal::CaptureStderr();
  auto point = mapper.Map(kPoint, -1, false);
  auto again = mapper.Map(kPoint, -1, false);
  auto unknown = mapper.Map(99999, -1, false);
  auto points = mapper.Map(kPointArray, -1, false);
  auto tsvector = mapper.Map(kTsvector, -1, false);
  const std::string log = ::testing::internal::GetCapturedStderr();

  for (const ColumnMapping* m : {&point, &again, &unknown, &points, &tsvector}) {
    EXPECT_TRUE(m->passthrough());
    EXPECT_EQ(m->schema()->type, Type::kString);
    EXPECT_TRUE(m->schema()->optional);
  }
  EXPECT_EQ(Convert(point, "(1,2)"), Value("(1,2)"));
  EXPECT_EQ(Convert(points, "{\"(1,2)\"}"), Value("{\"(1,2)\"}"));
  auto count = [&](std::string_view needle) {
    size_t n = 0;
    for (size_t pos = log.find(needle); pos != std::string::npos; pos = log.find(needle, pos + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("(oid 600)"), 1u) << log;
  EXPECT_EQ(count("(oid 99999)"), 1u) << log;
  EXPECT_EQ(count("(oid 1017)"), 1u) << log;
  EXPECT_EQ(count("(oid 3614)"), 1u) << log;
}

TEST_F(TypeMapperTest, ExtensionTypesByName) {
  PgType citext;
  citext.oid = 17000;
  citext.name = "citext";
  catalog_.Add(citext);
  auto m = Map(17000);
  EXPECT_FALSE(m.passthrough());
  EXPECT_EQ(m.schema()->type, Type::kString);
  EXPECT_FALSE(m.schema()->optional);
  EXPECT_EQ(Convert(m, "MiXeD"), Value("MiXeD"));
}

TEST_F(TypeMapperTest, ErrorsNameTheType) {
  auto m = Map(kDate);
  auto v = m.FromText("not a date");
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("date"), std::string::npos);
  EXPECT_NE(v.status().message().find("not a date"), std::string::npos);
  ColumnMapping empty;
  EXPECT_FALSE(empty.FromText("1").ok());
}

// Column defaults as pg_get_expr prints them (PostgreSQL 15, TimeZone=UTC, DateStyle=ISO), read
// as Debezium's PostgresDefaultValueConverter reads them.
class ColumnDefaultTest : public TypeMapperTest {
 protected:
  // The default of a column of `oid`, or null Value when there is none.
  Value Default(uint32_t oid, std::string_view expression, int32_t typmod = -1,
                TypeModes modes = {}) {
    TypeMapper mapper(&catalog_, modes);
    ColumnMapping m = mapper.Map(oid, typmod, true);
    auto d = mapper.Default(oid, m, expression);
    return d ? *d : Value();
  }
  bool HasDefault(uint32_t oid, std::string_view expression, int32_t typmod = -1) {
    TypeMapper mapper(&catalog_, {});
    return mapper.Default(oid, mapper.Map(oid, typmod, true), expression) != nullptr;
  }
};

TEST_F(ColumnDefaultTest, Numbers) {
  EXPECT_EQ(Default(kInt4, "42"), Value(int64_t{42}));
  EXPECT_EQ(Default(kInt4, "'-7'::integer"), Value(int64_t{-7}));
  EXPECT_EQ(Default(kInt2, "32767"), Value(int64_t{32767}));
  EXPECT_EQ(Default(kInt8, "'9223372036854775807'::bigint"), Value(int64_t{9223372036854775807}));
  EXPECT_EQ(Default(kFloat8, "1.5"), Value(1.5));
  EXPECT_EQ(Default(kFloat4, "'2.25'::real"), Value(2.25));
  // numeric(6,2): the column's scale (1.5 -> 1.50), in each decimal.handling.mode.
  EXPECT_EQ(Default(kNumeric, "1.5", NumericTypmod(6, 2)), Value(B({0x00, 0x96})));  // 150
  EXPECT_EQ(Default(kNumeric, "1.5", NumericTypmod(6, 2), Decimal(DecimalHandlingMode::kDouble)),
            Value(1.5));
  EXPECT_EQ(Default(kNumeric, "1.5", NumericTypmod(6, 2), Decimal(DecimalHandlingMode::kString)),
            Value("1.50"));
  // A variable-scale numeric's default would be a struct, which Connect cannot hold.
  EXPECT_FALSE(HasDefault(kNumeric, "1.5"));
  // Sequences and other functions give the placeholder; other expressions give nothing.
  EXPECT_EQ(Default(kInt4, "nextval('t_id_seq'::regclass)"), Value(int64_t{0}));
  EXPECT_EQ(Default(kInt8, "(random() * 10)::bigint"), Value(int64_t{0}));
  EXPECT_EQ(Default(kNumeric, "nextval('s'::regclass)", NumericTypmod(6, 2)),
            Value(B({0x00})));  // 0.00
  EXPECT_FALSE(HasDefault(kInt4, "(1 + 2)"));
  EXPECT_FALSE(HasDefault(kInt4, "NULL::integer"));
  EXPECT_FALSE(HasDefault(kInt4, "'abc'::integer"));
}

TEST_F(ColumnDefaultTest, StringsAndBooleans) {
  EXPECT_EQ(Default(kVarchar, "'abc'::character varying", 36), Value("abc"));
  EXPECT_EQ(Default(kText, "'it''s'::text"), Value("it's"));
  EXPECT_EQ(Default(kText, "''::text"), Value(""));
  EXPECT_EQ(Default(kBpchar, "'ab '::bpchar", 7), Value("ab "));  // not trimmed
  EXPECT_EQ(Default(kText, "upper('x'::text)"), Value(""));
  EXPECT_FALSE(HasDefault(kText, "NULL::text"));
  EXPECT_EQ(Default(kJsonb, "'{\"a\": 1}'::jsonb"), Value("{\"a\": 1}"));
  EXPECT_EQ(Default(kJson, "json_build_object()"), Value("{}"));
  EXPECT_EQ(Default(kUuid, "gen_random_uuid()"), Value("00000000-0000-0000-0000-000000000000"));
  EXPECT_EQ(Default(kUuid, "'76019d1a-ad2e-4b22-96e9-1a6d6543c818'::uuid"),
            Value("76019d1a-ad2e-4b22-96e9-1a6d6543c818"));
  EXPECT_EQ(Default(kBool, "true"), Value(true));
  EXPECT_EQ(Default(kBool, "false"), Value(false));
  EXPECT_FALSE(HasDefault(kBool, "NULL::boolean"));
  EXPECT_EQ(Default(kBit, "'1'::\"bit\"", 1), Value(true));
  EXPECT_EQ(Default(kBit, "'11'::\"bit\"", 2), Value(B({3})));
  // Debezium has no default mapper for these.
  EXPECT_FALSE(HasDefault(kBytea, "'\\x0102'::bytea"));
  EXPECT_FALSE(HasDefault(kMoney, "'1.00'::money"));
  EXPECT_FALSE(HasDefault(kInt4Array, "'{1,2}'::integer[]"));
  EXPECT_FALSE(HasDefault(kInet, "'127.0.0.1'::inet"));
}

TEST_F(ColumnDefaultTest, DatesAndTimes) {
  EXPECT_EQ(Default(kDate, "'2016-11-04'::date"), Value(int64_t{17109}));
  EXPECT_EQ(Default(kDate, "CURRENT_DATE"), Value(int64_t{0}));
  EXPECT_EQ(Default(kTime, "'13:51:30'::time without time zone"), Value(int64_t{49890000000}));
  EXPECT_EQ(Default(kTime, "LOCALTIME"), Value(int64_t{0}));
  EXPECT_EQ(Default(kTimestamp, "'2016-11-04 13:51:30.123456'::timestamp without time zone"),
            Value(int64_t{1478267490123456}));
  EXPECT_EQ(Default(kTimestamp, "'2016-11-04 13:51:30'::timestamp without time zone", 3),
            Value(int64_t{1478267490000}));  // timestamp(3): io.debezium.time.Timestamp (ms)
  EXPECT_EQ(Default(kTimestamp, "LOCALTIMESTAMP"), Value(int64_t{0}));
  EXPECT_EQ(Default(kTimestamptz, "'2016-11-04 13:51:30+00'::timestamp with time zone"),
            Value("2016-11-04T13:51:30.000000Z"));
  // now(), CURRENT_TIMESTAMP and transaction_timestamp() are read as the epoch, as in Debezium.
  EXPECT_EQ(Default(kTimestamptz, "now()"), Value("1970-01-01T00:00:00.000000Z"));
  EXPECT_EQ(Default(kTimestamptz, "CURRENT_TIMESTAMP"), Value("1970-01-01T00:00:00.000000Z"));
  EXPECT_EQ(Default(kTimestamptz, "CURRENT_TIMESTAMP(3)"), Value("1970-01-01T00:00:00.000000Z"));
  // time.precision.mode=connect applies too.
  EXPECT_EQ(Default(kTimestamp, "'2016-11-04 13:51:30'::timestamp without time zone", -1,
                    Time(TimePrecisionMode::kConnect)),
            Value(int64_t{1478267490000}));
  // Intervals: constants only (Debezium has no placeholder for a computed one).
  EXPECT_EQ(Default(kInterval, "'1 day'::interval"), Value(int64_t{86400000000}));
  EXPECT_FALSE(HasDefault(kInterval, "make_interval(days => 1)"));
  // An expression that is not a constant of the type.
  EXPECT_FALSE(HasDefault(kTimestamptz, "(CURRENT_TIMESTAMP + '1 day'::interval)"));
}

TEST_F(ColumnDefaultTest, EnumsAndDomains) {
  PgType mood;
  mood.oid = 16500;
  mood.name = "mood";
  mood.typtype = 'e';
  mood.enum_labels = {"sad", "happy"};
  catalog_.Add(mood);
  PgType posint;
  posint.oid = 16600;
  posint.name = "posint";
  posint.typtype = 'd';
  posint.base_oid = kInt4;
  catalog_.Add(posint);
  EXPECT_EQ(Default(16500, "'happy'::mood"), Value("happy"));
  EXPECT_EQ(Default(16500, "'happy'::public.mood"), Value("happy"));
  EXPECT_FALSE(HasDefault(16500, "first_mood()"));
  // A domain's type name is the domain's: Debezium finds no default mapper for it.
  EXPECT_FALSE(HasDefault(16600, "1"));
  // Unknown types and garbage never fail.
  EXPECT_FALSE(HasDefault(99999, "1"));
  EXPECT_FALSE(HasDefault(kText, "'unterminated"));
  EXPECT_FALSE(HasDefault(kInt4, ""));
}

}  // namespace
}  // namespace walrelay::source
