#include "transforms/java_text.h"

#include <gtest/gtest.h>

namespace walrelay::transforms {
namespace {

TEST(JavaTextTest, DoubleToStringAsJava) {
  EXPECT_EQ(JavaDoubleToString(1.0), "1.0");
  EXPECT_EQ(JavaDoubleToString(0.001), "0.001");
  EXPECT_EQ(JavaDoubleToString(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDoubleToString(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDoubleToString(12345678.9), "1.23456789E7");
  EXPECT_EQ(JavaDoubleToString(-2.5), "-2.5");
  EXPECT_EQ(JavaDoubleToString(0.1), "0.1");
  EXPECT_EQ(JavaFloatToString(0.1f), "0.1");
  EXPECT_EQ(JavaDoubleToString(-0.0), "-0.0");
}

TEST(JavaTextTest, DecimalToStringAsBigDecimal) {
  EXPECT_EQ(DecimalToString(std::string("\x30\x39", 2), 2), "123.45");
  EXPECT_EQ(DecimalToString(std::string("\x01", 1), 3), "0.001");
  EXPECT_EQ(DecimalToString(std::string("\x00", 1), 0), "0");
  EXPECT_EQ(DecimalToString(std::string("\xFF", 1), 0), "-1");
  EXPECT_EQ(DecimalToString(std::string("\x01", 1), 8), "1E-8");
}

TEST(JavaTextTest, Base64) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
}

TEST(DateFormatTest, FormatsAndParsesInUtc) {
  auto f = DateFormat::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Format(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(f->Format(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(f->Format(951782400000), "2000-02-29T00:00:00.000Z");
  auto parsed = f->Parse("2000-02-29T00:00:00.000Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, 951782400000);

  auto lenient = DateFormat::Compile("yyyy-MM-dd");
  EXPECT_EQ(*lenient->Parse("2023-13-01"), *lenient->Parse("2024-01-01"));  // rolls over
  EXPECT_FALSE(lenient->Parse("2023/01/01").ok());

  auto words = DateFormat::Compile("dd MMM yyyy hh:mm a");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(words->Format(1696291200000 + 13 * 3600000), "03 Oct 2023 01:00 PM");
  EXPECT_EQ(*words->Parse("03 Oct 2023 01:00 PM"), 1696291200000 + 13 * 3600000);

  EXPECT_FALSE(DateFormat::Compile("yyyy 'unterminated").ok());
  EXPECT_FALSE(DateFormat::Compile("yyyy-MM-dd Z").ok());
}

}  // namespace
}  // namespace walrelay::transforms
