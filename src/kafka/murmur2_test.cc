#include "kafka/murmur2.h"

#include <gtest/gtest.h>

#include <string>

namespace walrelay::kafka {
namespace {

// The vectors of apache/kafka's UtilsTest.testMurmur2.
TEST(Murmur2Test, MatchesJavaKafkaUtilsTestVectors) {
  EXPECT_EQ(Murmur2("21"), -973932308);
  EXPECT_EQ(Murmur2("foobar"), -790332482);
  EXPECT_EQ(Murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(Murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(Murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(Murmur2("abc"), 479470107);
}

TEST(Murmur2Test, HighBytesAreUnsigned) {
  // Java masks each byte with 0xff: bytes >= 0x80 must not sign-extend into the hash.
  const std::string high("\xff\xfe\x80", 3);
  const std::string low("\x7f\x7e\x00", 3);
  EXPECT_NE(Murmur2(high), Murmur2(low));
  EXPECT_EQ(Murmur2(""), Murmur2(std::string()));
}

TEST(Murmur2Test, PartitionIsPositiveModulo) {
  // murmur2("foobar") = -790332482; toPositive keeps the low 31 bits: 1357151166.
  EXPECT_EQ(PartitionForKey("foobar", 1), 0);
  EXPECT_EQ(PartitionForKey("foobar", 7), 1357151166 % 7);
  EXPECT_EQ(PartitionForKey("abc", 10), 479470107 % 10);
  for (int n = 1; n < 50; ++n) {
    const int32_t p = PartitionForKey("key-" + std::to_string(n), n);
    EXPECT_GE(p, 0);
    EXPECT_LT(p, n);
  }
}

}  // namespace
}  // namespace walrelay::kafka
