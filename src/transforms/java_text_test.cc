#include "transforms/java_text.h"

#include <gtest/gtest.h>

namespace walrelay::transforms {
namespace {

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
