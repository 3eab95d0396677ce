#include "common/java_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

// Every expected string here was printed by OpenJDK 17.0.15 (Debian 12), the JDK walrelay
// imitates (java_format.h says why): Double.toString, Float.toString, BigDecimal.toString /
// toPlainString, BigInteger.toByteArray, java.util.Base64, LocalDate.toString and
// DateTimeFormatter.ISO_LOCAL_TIME.

namespace walrelay {
namespace {

std::string JavaDouble(double v) {
  std::string out = "prefix:";
  AppendJavaDouble(&out, v);
  EXPECT_EQ(out.substr(7), JavaDoubleToString(v));
  return out.substr(7);
}

std::string JavaFloat(float v) {
  std::string out = "prefix:";
  AppendJavaFloat(&out, v);
  EXPECT_EQ(out.substr(7), JavaFloatToString(v));
  return out.substr(7);
}

template <size_t N>
std::string Bytes(const char (&s)[N]) {
  return std::string(s, N - 1);
}

// Values where JDK 17 (FloatingDecimal) does not print the shortest round-trip digits. JDK 19+
// (JDK-4511638) prints the shortest, or when a single digit would do, the closest two digits; its
// text is in the comment. walrelay must print JDK 17's.
TEST(JavaFormatTest, DoubleToStringWhereJdkGenerationsDiffer) {
  EXPECT_EQ(JavaDouble(1.0E23), "9.999999999999999E22");                 // 19+: 1.0E23
  EXPECT_EQ(JavaDouble(2.0E23), "1.9999999999999998E23");                // 19+: 2.0E23
  EXPECT_EQ(JavaDouble(8.41E21), "8.409999999999999E21");                // 19+: 8.41E21
  EXPECT_EQ(JavaDouble(4.8726570057E288), "4.8726570056999995E288");     // 19+: ...57E288
  EXPECT_EQ(JavaDouble(2.82879384806159E17), "2.82879384806159008E17");  // 19+: ...159E17
  EXPECT_EQ(JavaDouble(2 * std::numeric_limits<double>::denorm_min()),
            "1.0E-323");  // 19+: 9.9E-324
  // Shortest is 5E-323, but both JDKs print the closer two digits.
  EXPECT_EQ(JavaDouble(5.0E-323), "4.9E-323");
}

TEST(JavaFormatTest, DoubleToString) {
  EXPECT_EQ(JavaDouble(2.0E-3), "0.002");
  EXPECT_EQ(JavaDouble(9.999999999999999E22), "9.999999999999999E22");
  EXPECT_EQ(JavaDouble(4.9E-324), "4.9E-324");
  EXPECT_EQ(JavaDouble(2.2250738585072014E-308), "2.2250738585072014E-308");
  EXPECT_EQ(JavaDouble(2.225073858507201E-308), "2.225073858507201E-308");
  EXPECT_EQ(JavaDouble(1.7976931348623157E308), "1.7976931348623157E308");
  EXPECT_EQ(JavaDouble(1.0), "1.0");
  EXPECT_EQ(JavaDouble(0.1), "0.1");
  EXPECT_EQ(JavaDouble(100.0), "100.0");
  EXPECT_EQ(JavaDouble(1234.5678), "1234.5678");
  EXPECT_EQ(JavaDouble(0.3), "0.3");
  EXPECT_EQ(JavaDouble(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(JavaDouble(-1.5), "-1.5");
  EXPECT_EQ(JavaDouble(1.0E-3), "0.001");
  EXPECT_EQ(JavaDouble(9.99E-4), "9.99E-4");
  EXPECT_EQ(JavaDouble(9.999999999999998E-4), "9.999999999999998E-4");
  EXPECT_EQ(JavaDouble(1.0E7), "1.0E7");
  EXPECT_EQ(JavaDouble(9999999.0), "9999999.0");
  EXPECT_EQ(JavaDouble(9999999.999999998), "9999999.999999998");
  EXPECT_EQ(JavaDouble(1.0E-4), "1.0E-4");
  EXPECT_EQ(JavaDouble(1.0E22), "1.0E22");
  EXPECT_EQ(JavaDouble(1.0E21), "1.0E21");
  EXPECT_EQ(JavaDouble(1.2345678901234567E-5), "1.2345678901234568E-5");
  EXPECT_EQ(JavaDouble(12345678.9), "1.23456789E7");
  EXPECT_EQ(JavaDouble(123456789012.0), "1.23456789012E11");
  EXPECT_EQ(JavaDouble(1.0E-300), "1.0E-300");
  EXPECT_EQ(JavaDouble(3.0E-323), "3.0E-323");
  EXPECT_EQ(JavaDouble(1.0E16), "1.0E16");
  EXPECT_EQ(JavaDouble(5.0E-5), "5.0E-5");
  EXPECT_EQ(JavaDouble(0.001), "0.001");
  EXPECT_EQ(JavaDouble(0.01), "0.01");
  EXPECT_EQ(JavaDouble(1.0E-7), "1.0E-7");
  EXPECT_EQ(JavaDouble(1.0E-10), "1.0E-10");
  EXPECT_EQ(JavaDouble(-1234.5), "-1234.5");
  EXPECT_EQ(JavaDouble(123456.789), "123456.789");
  EXPECT_EQ(JavaDouble(1.0E10), "1.0E10");
  EXPECT_EQ(JavaDouble(0.0), "0.0");
  EXPECT_EQ(JavaDouble(-0.0), "-0.0");
  EXPECT_EQ(JavaDouble(std::nan("")), "NaN");
  EXPECT_EQ(JavaDouble(-std::nan("")), "NaN");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(JavaDouble(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::denorm_min()), "4.9E-324");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::min()), "2.2250738585072014E-308");
  EXPECT_EQ(JavaDouble(std::numeric_limits<double>::max()), "1.7976931348623157E308");
  EXPECT_EQ(JavaDouble(static_cast<double>(0.3f)), "0.30000001192092896");
}

TEST(JavaFormatTest, FloatToString) {
  EXPECT_EQ(JavaFloat(1.0E10f), "1.0E10");
  EXPECT_EQ(JavaFloat(3.4028235E38f), "3.4028235E38");
  EXPECT_EQ(JavaFloat(1.4E-45f), "1.4E-45");
  EXPECT_EQ(JavaFloat(1.17549435E-38f), "1.17549435E-38");
  EXPECT_EQ(JavaFloat(0.1f), "0.1");
  EXPECT_EQ(JavaFloat(0.3f), "0.3");
  EXPECT_EQ(JavaFloat(3.14f), "3.14");
  EXPECT_EQ(JavaFloat(1.6918733E8f), "1.69187328E8");
  EXPECT_EQ(JavaFloat(1.0E7f), "1.0E7");
  EXPECT_EQ(JavaFloat(9999999.0f), "9999999.0");
  EXPECT_EQ(JavaFloat(1.0E-3f), "0.001");
  EXPECT_EQ(JavaFloat(9.99E-4f), "9.99E-4");
  EXPECT_EQ(JavaFloat(2.0E-3f), "0.002");
  EXPECT_EQ(JavaFloat(33554432.0f), "3.3554432E7");
  EXPECT_EQ(JavaFloat(123456.79f), "123456.79");
  EXPECT_EQ(JavaFloat(1.0E-4f), "1.0E-4");
  EXPECT_EQ(JavaFloat(100.0f), "100.0");
  EXPECT_EQ(JavaFloat(8.0E-3f), "0.008");
  EXPECT_EQ(JavaFloat(16777216.0f), "1.6777216E7");
  EXPECT_EQ(JavaFloat(1.1f), "1.1");
  EXPECT_EQ(JavaFloat(-0.0f), "-0.0");
  EXPECT_EQ(JavaFloat(std::numeric_limits<float>::quiet_NaN()), "NaN");
  EXPECT_EQ(JavaFloat(-std::numeric_limits<float>::infinity()), "-Infinity");
  EXPECT_EQ(JavaFloat(std::numeric_limits<float>::denorm_min()), "1.4E-45");
}

TEST(JavaFormatTest, DoubleDigitsAreThoseToStringShows) {
  std::string digits;
  int point = 99;
  JavaDoubleDigits(1.0E23, &digits, &point);  // "9.999999999999999E22"
  EXPECT_EQ(digits, "9999999999999999");
  EXPECT_EQ(point, 23);
  JavaDoubleDigits(-0.00125, &digits, &point);
  EXPECT_EQ(digits, "125");
  EXPECT_EQ(point, -2);
  JavaDoubleDigits(100.0, &digits, &point);
  EXPECT_EQ(digits, "1");
  EXPECT_EQ(point, 3);
  JavaDoubleDigits(0.0, &digits, &point);
  EXPECT_EQ(digits, "");
  EXPECT_EQ(point, 0);
}

struct DecimalCase {
  const char* integer;  // BigInteger text of the unscaled value
  int32_t scale;
  std::string unscaled;  // its toByteArray
  const char* to_string;
  const char* to_plain_string;
};

TEST(JavaFormatTest, BigDecimalTextAndUnscaledBytes) {
  const DecimalCase cases[] = {
      {"12345", 2, Bytes("\x30\x39"), "123.45", "123.45"},
      {"-12345", 2, Bytes("\xcf\xc7"), "-123.45", "-123.45"},
      {"1", 3, Bytes("\x01"), "0.001", "0.001"},
      {"0", 0, Bytes("\x00"), "0", "0"},
      {"-1", 0, Bytes("\xff"), "-1", "-1"},
      {"1", 8, Bytes("\x01"), "1E-8", "0.00000001"},
      {"0", 7, Bytes("\x00"), "0E-7", "0.0000000"},
      {"-12", 7, Bytes("\xf4"), "-0.0000012", "-0.0000012"},
      {"-12345", -3, Bytes("\xcf\xc7"), "-1.2345E+7", "-12345000"},
      {"0", -2, Bytes("\x00"), "0E+2", "0"},
      {"7", -2, Bytes("\x07"), "7E+2", "700"},
      {"1", 6, Bytes("\x01"), "0.000001", "0.000001"},
      {"123", 9, Bytes("\x7b"), "1.23E-7", "0.000000123"},
      {"123", 8, Bytes("\x7b"), "0.00000123", "0.00000123"},
      {"5", 0, Bytes("\x05"), "5", "5"},
      {"1208925819614629174706176", 30, Bytes("\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
       "0.000001208925819614629174706176", "0.000001208925819614629174706176"},
      {"-1208925819614629174706176", 0, Bytes("\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"),
       "-1208925819614629174706176", "-1208925819614629174706176"},
      {"9223372036854775807", 2, Bytes("\x7f\xff\xff\xff\xff\xff\xff\xff"), "92233720368547758.07",
       "92233720368547758.07"},
      {"-9223372036854775808", 0, Bytes("\x80\x00\x00\x00\x00\x00\x00\x00"), "-9223372036854775808",
       "-9223372036854775808"},
      {"-1", 4, Bytes("\xff"), "-0.0001", "-0.0001"},
      {"0", 2, Bytes("\x00"), "0.00", "0.00"},
  };
  for (const DecimalCase& c : cases) {
    SCOPED_TRACE(std::string(c.integer) + " scale " + std::to_string(c.scale));
    std::string_view integer = c.integer;
    const bool negative = integer.front() == '-';
    if (negative) integer.remove_prefix(1);
    EXPECT_EQ(DigitsToUnscaled(negative, integer), c.unscaled);
    bool decoded_negative = !negative;
    EXPECT_EQ(UnscaledToDigits(c.unscaled, &decoded_negative), integer);
    EXPECT_EQ(decoded_negative, negative);
    EXPECT_EQ(JavaBigDecimalToString(c.unscaled, c.scale), c.to_string);
    EXPECT_EQ(JavaBigDecimalToPlainString(c.unscaled, c.scale), c.to_plain_string);
  }
}

TEST(JavaFormatTest, UnscaledBytesEdgeCases) {
  // Leading zeros, "-0" and an empty unscaled value (not BigInteger's, tolerated as zero).
  EXPECT_EQ(DigitsToUnscaled(false, "000123"), "\x7b");
  EXPECT_EQ(DigitsToUnscaled(true, "0"), Bytes("\x00"));
  EXPECT_EQ(DigitsToUnscaled(false, ""), Bytes("\x00"));
  EXPECT_EQ(JavaBigDecimalToPlainString("", 0), "0");
  // Sign bytes BigInteger.toByteArray adds or drops around 2^63 and 2^64.
  EXPECT_EQ(DigitsToUnscaled(false, "9223372036854775808"),
            Bytes("\x00\x80\x00\x00\x00\x00\x00\x00\x00"));
  EXPECT_EQ(DigitsToUnscaled(true, "9223372036854775809"),
            Bytes("\xff\x7f\xff\xff\xff\xff\xff\xff\xff"));
  EXPECT_EQ(DigitsToUnscaled(true, "18446744073709551616"),
            Bytes("\xff\x00\x00\x00\x00\x00\x00\x00\x00"));
  EXPECT_EQ(DigitsToUnscaled(false, "18446744073709551615"),
            Bytes("\x00\xff\xff\xff\xff\xff\xff\xff\xff"));
  bool negative = false;
  EXPECT_EQ(UnscaledToDigits(Bytes("\x00\x80\x00\x00\x00\x00\x00\x00\x00"), &negative),
            "9223372036854775808");
  EXPECT_FALSE(negative);
  EXPECT_EQ(UnscaledToDigits(Bytes("\xff\x7f\xff\xff\xff\xff\xff\xff\xff"), &negative),
            "9223372036854775809");
  EXPECT_TRUE(negative);
  // A 40-digit round trip through the multi-limb paths.
  const std::string big = "1234567890123456789012345678901234567890";
  EXPECT_EQ(UnscaledToDigits(DigitsToUnscaled(true, big), &negative), big);
  EXPECT_TRUE(negative);
}

// The JDBC sink writes a Decimal as PostgreSQL numeric input with toPlainString.
TEST(JavaFormatTest, BigDecimalToPlainStringFastPathEdges) {
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x30\x39", 2), 2), "123.45");   // 12345
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\xcf\xc7", 2), 2), "-123.45");  // -12345
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x05", 1), 3), "0.005");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\xfb", 1), 3), "-0.005");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x00", 1), 2), "0.00");
  EXPECT_EQ(JavaBigDecimalToPlainString("", 0), "0");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x07", 1), -2), "700");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x80", 1), 0), "-128");
  // The 64-bit fast path at its edges, and the first width past it.
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x80\0\0\0\0\0\0\0", 8), 0),
            "-9223372036854775808");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\x7f\xff\xff\xff\xff\xff\xff\xff", 8), 2),
            "92233720368547758.07");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\xff\xff\xff\xff\xff\xff\xff\xff", 8), 4),
            "-0.0001");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\0\x80\0\0\0\0\0\0\0", 9), 0),
            "9223372036854775808");
  EXPECT_EQ(JavaBigDecimalToPlainString(std::string("\xff\x7f\xff\xff\xff\xff\xff\xff\xff", 9), 0),
            "-9223372036854775809");
  // 2^80 = 1208925819614629174706176, more digits than any machine integer.
  std::string big(11, '\0');
  big[0] = 1;
  EXPECT_EQ(JavaBigDecimalToPlainString(big, 0), "1208925819614629174706176");
  EXPECT_EQ(JavaBigDecimalToPlainString(big, 30), "0.000001208925819614629174706176");
  // -(2^80)
  std::string negbig(11, '\0');
  negbig[0] = static_cast<char>(0xff);
  EXPECT_EQ(JavaBigDecimalToPlainString(negbig, 0), "-1208925819614629174706176");
}

TEST(JavaFormatTest, Base64AsJavaUtilBase64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foob"), "Zm9vYg==");
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf"), "+/+/");
  EXPECT_EQ(Base64Encode("\xfb\xff\xbf", Base64Alphabet::kUrlSafe), "-_-_");
  EXPECT_EQ(Base64Encode("\xfb\xff", Base64Alphabet::kUrlSafe), "-_8=");  // padded, as Java's
  std::string out = "x";
  AppendBase64(&out, "f");
  EXPECT_EQ(out, "xZg==");

  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += 37) {
    std::string decoded;
    ASSERT_TRUE(DecodeBase64(Base64Encode(all.substr(0, n)), &decoded));
    EXPECT_EQ(decoded, all.substr(0, n));
  }
  std::string decoded;
  EXPECT_TRUE(DecodeBase64("Zm8", &decoded));  // padding optional
  EXPECT_EQ(decoded, "fo");
  EXPECT_FALSE(DecodeBase64("Zm8*", &decoded));
  EXPECT_FALSE(DecodeBase64("Z", &decoded));
  EXPECT_FALSE(DecodeBase64("Zm=8", &decoded));
  EXPECT_FALSE(DecodeBase64("-_8=", &decoded));  // the URL-safe alphabet is not basic base64
}

TEST(JavaFormatTest, FloorDivAndMod) {
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
  EXPECT_EQ(FloorMod(-7, 2), 1);
  EXPECT_EQ(FloorMod(7, -2), -1);
  EXPECT_EQ(FloorMod(-86400001, 86400000), 86399999);
}

TEST(JavaFormatTest, EpochDaysAndIsoDates) {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "1970-01-01"},         {19723, "2024-01-01"},    {-1, "1969-12-31"},
      {-719528, "0000-01-01"},   {-719529, "-0001-12-31"}, {2932896, "9999-12-31"},
      {2932897, "+10000-01-01"}, {-719162, "0001-01-01"},  {-999999999, "-2735938-12-30"},
      {11016, "2000-02-29"},
  };
  for (const auto& [days, text] : cases) {
    SCOPED_TRACE(days);
    const CivilDate date = CivilFromDays(days);
    EXPECT_EQ(DaysFromCivil(date.year, date.month, date.day), days);
    std::string out;
    AppendIsoDate(&out, date);
    EXPECT_EQ(out, text);
  }
  // Lenient fields roll over as SimpleDateFormat's do.
  EXPECT_EQ(DaysFromCivil(2023, 13, 1), DaysFromCivil(2024, 1, 1));
  EXPECT_EQ(DaysFromCivil(2024, 0, 1), DaysFromCivil(2023, 12, 1));
  EXPECT_EQ(DaysFromCivil(2024, 2, 30), DaysFromCivil(2024, 3, 1));
  EXPECT_EQ(DaysFromCivil(2024, 1, 0), DaysFromCivil(2023, 12, 31));
}

TEST(JavaFormatTest, IsoTimes) {
  const std::pair<int64_t, const char*> shortest[] = {
      {0, "00:00:00"},
      {1, "00:00:00.000000001"},
      {123000000, "00:00:00.123"},
      {120000000, "00:00:00.12"},
      {999999999, "00:00:00.999999999"},
      {86399999999999, "23:59:59.999999999"},
      {3723000000000, "01:02:03"},
      {3723000004000, "01:02:03.000004"},
  };
  for (const auto& [nanos, text] : shortest) {
    std::string out;
    AppendIsoTime(&out, nanos, 0);
    EXPECT_EQ(out, text) << nanos;
  }
  // A fixed width (Debezium's ZonedTimestamp at a column's precision) truncates or pads.
  std::string out;
  AppendIsoTime(&out, 3723000004000, 3);
  EXPECT_EQ(out, "01:02:03.000");
  out.clear();
  AppendIsoTime(&out, 3723120000000, 6);
  EXPECT_EQ(out, "01:02:03.120000");
}

TEST(JavaFormatTest, StringHashAsJavaHashMapSpreadsIt) {
  EXPECT_EQ(JavaStringHash(""), 0u);
  EXPECT_EQ(JavaStringHash("a"), 97u);
  // "polygenelubricants".hashCode() == Integer.MIN_VALUE; spread: h ^ h >>> 16.
  EXPECT_EQ(JavaStringHash("polygenelubricants"), 0x80008000u);
  EXPECT_EQ(JavaStringHash("\xc3\xa9"), 233u);  // U+00E9: one UTF-16 unit
  // U+1F600: the surrogate pair D83D DE00, hashCode 31 * 0xD83D + 0xDE00 = 0x1B0D63.
  EXPECT_EQ(JavaStringHash("\xf0\x9f\x98\x80"), 0x1B0D63u ^ 0x1Bu);
}

TEST(JavaFormatTest, HashMapOrderIsBucketThenPutOrder) {
  // Buckets (of 16): public.trunc 2, public.ri_nothing 14, public.excluded and public.common 15.
  EXPECT_EQ(JavaHashMapOrder({"public.excluded", "public.ri_nothing"}),
            (std::vector<size_t>{1, 0}));
  EXPECT_EQ(JavaHashMapOrder({"public.common", "public.excluded", "public.trunc"}),
            (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(JavaHashMapOrder({"public.excluded", "public.common"}), (std::vector<size_t>{0, 1}));
  EXPECT_TRUE(JavaHashMapOrder({}).empty());
}

}  // namespace
}  // namespace walrelay
