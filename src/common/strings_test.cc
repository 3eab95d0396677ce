#include "common/strings.h"

#include <gtest/gtest.h>

namespace walrelay {
namespace {

TEST(StringsTest, TrimRemovesAsciiWhitespaceOnly) {
  EXPECT_EQ(Trim(" \t\r\n\f\vvalue \t\r\n\f\v"), "value");
  EXPECT_EQ(Trim("  a b  "), "a b");
  EXPECT_EQ(Trim(" \t "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("\xc2\xa0x\xc2\xa0"),
            "\xc2\xa0x\xc2\xa0");  // U+00A0 is not trimmed (Java neither)
}

TEST(StringsTest, CaseChangesAsciiLettersOnly) {
  EXPECT_EQ(ToLower("Hello, WORLD 42 \xc3\x89"), "hello, world 42 \xc3\x89");
  EXPECT_EQ(ToUpper("Hello, world 42 \xc3\xa9"), "HELLO, WORLD 42 \xc3\xa9");
  EXPECT_TRUE(EqualsIgnoreCase("PgOutput", "pgoutput"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("pgoutput", "pgoutput2"));
  EXPECT_FALSE(EqualsIgnoreCase("a[", "A{"));  // '[' and '{' are not a case pair
}

}  // namespace
}  // namespace walrelay
