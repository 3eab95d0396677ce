#include "config/java_properties.h"

#include <gtest/gtest.h>

namespace walrelay::config {
namespace {

std::map<std::string, std::string> Parse(std::string_view text) {
  auto r = ParseJavaProperties(text, "w.properties");
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? r->values : std::map<std::string, std::string>{};
}

using M = std::map<std::string, std::string>;

TEST(JavaPropertiesTest, SeparatorsAndBlanks) {
  EXPECT_EQ(Parse("a=1\nb:2\nc 3\nd\t=\t4\n  e  :  5  \nf\ng=\nh =   = x\n"), (M{{"a", "1"},
                                                                                 {"b", "2"},
                                                                                 {"c", "3"},
                                                                                 {"d", "4"},
                                                                                 {"e", "5  "},
                                                                                 {"f", ""},
                                                                                 {"g", ""},
                                                                                 {"h", "= x"}}));
  // Whitespace then a separator counts as one separator; a second one is part of the value.
  EXPECT_EQ(Parse("k = :v"), (M{{"k", ":v"}}));
  EXPECT_EQ(Parse("k:=v"), (M{{"k", "=v"}}));
}

TEST(JavaPropertiesTest, CommentsAndBlankLines) {
  EXPECT_EQ(Parse("# c\n! c2\n\n   # indented comment\na=1 # not a comment\n\n\n"),
            (M{{"a", "1 # not a comment"}}));
  // A comment's trailing backslash continues nothing.
  EXPECT_EQ(Parse("# comment \\\na=1\n"), (M{{"a", "1"}}));
}

TEST(JavaPropertiesTest, LineTerminators) {
  EXPECT_EQ(Parse("a=1\r\nb=2\rc=3\n"), (M{{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  EXPECT_EQ(Parse("a=1"), (M{{"a", "1"}}));  // no final newline
}

TEST(JavaPropertiesTest, ContinuationDropsLeadingBlanks) {
  EXPECT_EQ(Parse("list=a,\\\n    b,\\\r\n\t c\nnext=1\n"), (M{{"list", "a,b,c"}, {"next", "1"}}));
  // An even number of backslashes is an escaped backslash, not a continuation.
  EXPECT_EQ(Parse("p=C:\\\\\nq=2\n"), (M{{"p", "C:\\"}, {"q", "2"}}));
  // A continuation line starting with '#' is not a comment.
  EXPECT_EQ(Parse("a=x\\\n  #y\n"), (M{{"a", "x#y"}}));
  // A continuation at the end of the file, and an empty continuation line ending the line.
  EXPECT_EQ(Parse("a=x\\"), (M{{"a", "x"}}));
  EXPECT_EQ(Parse("a=x\\\n\nb=y"), (M{{"a", "x"}, {"b", "y"}}));
}

TEST(JavaPropertiesTest, Escapes) {
  EXPECT_EQ(Parse("tab=a\\tb\\nc\\rd\\fe\n"), (M{{"tab", "a\tb\nc\rd\fe"}}));
  EXPECT_EQ(Parse("x=\\q\\=\\:\\#\\\\\n"), (M{{"x", "q=:#\\"}}));
  EXPECT_EQ(Parse("u=\\u0041\\u00e9\\u20AC\n"), (M{{"u", "A\xc3\xa9\xe2\x82\xac"}}));
  // A surrogate pair is one code point; a lone surrogate is '?' as Java's UTF-8 encoder writes.
  EXPECT_EQ(Parse("s=\\uD83D\\uDE00|\\uD83D\n"), (M{{"s", "\xf0\x9f\x98\x80|?"}}));
  // Escaped separators and blanks belong to the key.
  EXPECT_EQ(Parse("a\\=b\\:c\\ d=v\n"), (M{{"a=b:c d", "v"}}));
  // A key starting with an escaped comment character.
  EXPECT_EQ(Parse("\\#k=v\n"), (M{{"#k", "v"}}));
}

TEST(JavaPropertiesTest, BytesAreLatin1) {
  // InputStream form: each byte is one ISO-8859-1 character.
  EXPECT_EQ(Parse("n=\xe9\n"), (M{{"n", "\xc3\xa9"}}));
  EXPECT_EQ(Parse("n=\xc3\xa9\n"), (M{{"n", "\xc3\x83\xc2\xa9"}}));
}

TEST(JavaPropertiesTest, LastOneWinsWithItsLine) {
  auto r = ParseJavaProperties("a=1\n\nb=2\na=3\n", "w");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->values.at("a"), "3");
  EXPECT_EQ(r->lines.at("a"), 4);
  EXPECT_EQ(r->lines.at("b"), 3);
}

TEST(JavaPropertiesTest, MalformedUnicodeNamesTheLine) {
  auto r = ParseJavaProperties("a=1\n# c\nlong=x\\\n  y\\u12\nz=2\n", "w.properties");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "w.properties:3: malformed \\uxxxx encoding in 'long=xy\\u12'");
  r = ParseJavaProperties("\\uZZZZ=1", "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("f:1: malformed", 0), 0u);
  r = ParseJavaProperties("k=\\u", "f");
  EXPECT_FALSE(r.ok());
}

TEST(JavaPropertiesTest, MissingFileIsNotFound) {
  auto r = LoadJavaPropertiesFile("/nonexistent/walrelay/w.properties");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kNotFound);
  EXPECT_NE(r.status().message().find("/nonexistent/walrelay/w.properties"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::config
