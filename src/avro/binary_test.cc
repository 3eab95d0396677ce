#include "avro/binary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace walrelay::avro {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string Long(int64_t v) {
  std::string out;
  BinaryWriter(&out).WriteLong(v);
  return out;
}

TEST(BinaryTest, LongsAsTheSpecificationEncodesThem) {
  EXPECT_EQ(Long(0), Bytes({0x00}));
  EXPECT_EQ(Long(-1), Bytes({0x01}));
  EXPECT_EQ(Long(1), Bytes({0x02}));
  EXPECT_EQ(Long(-2), Bytes({0x03}));
  EXPECT_EQ(Long(2), Bytes({0x04}));
  EXPECT_EQ(Long(-64), Bytes({0x7f}));
  EXPECT_EQ(Long(64), Bytes({0x80, 0x01}));
  EXPECT_EQ(Long(std::numeric_limits<int64_t>::max()),
            Bytes({0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
  EXPECT_EQ(Long(std::numeric_limits<int64_t>::min()),
            Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(BinaryTest, LongsRoundTrip) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63}, int64_t{-64}, int64_t{64},
                    int64_t{-65}, int64_t{1} << 31, -(int64_t{1} << 31), int64_t{1} << 62,
                    std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()}) {
    std::string enc = Long(v);
    BinaryReader r(enc);
    int64_t got;
    ASSERT_TRUE(r.ReadLong(&got).ok()) << v;
    EXPECT_EQ(got, v);
    EXPECT_TRUE(r.at_end());
  }
}

TEST(BinaryTest, PrimitivesEncodeAsTheSpecificationSays) {
  std::string out;
  BinaryWriter w(&out);
  w.WriteNull();
  w.WriteBoolean(true);
  w.WriteBoolean(false);
  w.WriteString("foo");
  w.WriteBytes("");
  w.WriteFloat(1.0f);
  w.WriteDouble(-2.0);
  w.WriteFixed("ab");
  w.WriteUnionIndex(1);
  w.WriteBlockCount(-2);
  EXPECT_EQ(out, Bytes({0x01, 0x00, 0x06, 'f', 'o', 'o', 0x00, 0x00, 0x00, 0x80, 0x3f, 0,
                        0,    0,    0,    0,   0,   0,   0xc0, 'a',  'b',  0x02, 0x03}));
  BinaryReader r(out);
  bool b;
  ASSERT_TRUE(r.ReadBoolean(&b).ok());
  EXPECT_TRUE(b);
  ASSERT_TRUE(r.ReadBoolean(&b).ok());
  EXPECT_FALSE(b);
  std::string_view s;
  ASSERT_TRUE(r.ReadString(&s).ok());
  EXPECT_EQ(s, "foo");
  ASSERT_TRUE(r.ReadBytes(&s).ok());
  EXPECT_EQ(s, "");
  float f;
  ASSERT_TRUE(r.ReadFloat(&f).ok());
  EXPECT_EQ(f, 1.0f);
  double d;
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  EXPECT_EQ(d, -2.0);
  ASSERT_TRUE(r.ReadFixed(2, &s).ok());
  EXPECT_EQ(s, "ab");
  int32_t i;
  ASSERT_TRUE(r.ReadUnionIndex(2, &i).ok());
  EXPECT_EQ(i, 1);
  EXPECT_EQ(r.rest(), Bytes({0x03}));  // the block count -2
}

TEST(BinaryTest, NegativeBlockCountCarriesAByteSize) {
  std::string in = Bytes({0x03, 0x04, 'x', 'y', 0x00});  // count -2, 2 bytes
  BinaryReader r(in);
  int64_t count, size;
  ASSERT_TRUE(r.ReadBlockCount(&count, &size).ok());
  EXPECT_EQ(count, 2);
  EXPECT_EQ(size, 2);
  ASSERT_TRUE(r.Skip(2, "block").ok());
  ASSERT_TRUE(r.ReadBlockCount(&count, &size).ok());
  EXPECT_EQ(count, 0);
  EXPECT_EQ(size, -1);
}

Status ReadLongFrom(const std::string& in) {
  BinaryReader r(in);
  int64_t v;
  return r.ReadLong(&v);
}

TEST(BinaryTest, MalformedInputIsADataErrorNamingTheProblem) {
  Status st = ReadLongFrom("");
  EXPECT_EQ(st.kind(), ErrorKind::kDataError);
  EXPECT_EQ(st.message(), "truncated Avro data: varint not terminated");
  EXPECT_EQ(ReadLongFrom(Bytes({0x80})).message(), "truncated Avro data: varint not terminated");
  EXPECT_EQ(ReadLongFrom(std::string(10, '\xff') + '\x01').message(),
            "malformed Avro varint: more than 64 bits");
  EXPECT_EQ(ReadLongFrom(std::string(11, '\x80')).message(),
            "malformed Avro varint: more than 64 bits");

  std::string big = Long(int64_t{1} << 40);
  BinaryReader r1(big);
  int32_t i;
  EXPECT_EQ(r1.ReadInt(&i).message(), "malformed Avro int: 1099511627776 is out of 32-bit range");

  std::string neg = Long(-3);
  BinaryReader r2(neg);
  std::string_view s;
  EXPECT_EQ(r2.ReadString(&s).message(), "malformed Avro string: negative length -3");

  std::string huge = Long(int64_t{1} << 60) + "abc";
  BinaryReader r3(huge);
  EXPECT_EQ(r3.ReadBytes(&s).message(),
            "truncated Avro data: bytes of length 1152921504606846976 with 3 bytes left");

  std::string idx = Long(2);
  BinaryReader r4(idx);
  EXPECT_EQ(r4.ReadUnionIndex(2, &i).message(),
            "malformed Avro union: branch index 2 out of range (2 branches)");
  std::string minus_one = Long(-1);
  BinaryReader r5(minus_one);
  EXPECT_EQ(r5.ReadUnionIndex(2, &i).kind(), ErrorKind::kDataError);
  std::string five = Long(5);
  BinaryReader r6(five);
  EXPECT_EQ(r6.ReadEnum(3, &i).message(), "malformed Avro enum: index 5 out of range (3 symbols)");

  std::string two = Bytes({0x02});
  BinaryReader r7(two);
  bool b;
  EXPECT_EQ(r7.ReadBoolean(&b).message(), "malformed Avro boolean: byte 2");
  BinaryReader r8("abc");
  float f;
  EXPECT_EQ(r8.ReadFloat(&f).message(), "truncated Avro data: float needs 4 bytes");
  double d;
  EXPECT_EQ(r8.ReadDouble(&d).message(), "truncated Avro data: double needs 8 bytes");
  EXPECT_EQ(r8.ReadFixed(4, &s).message(),
            "truncated Avro data: fixed of size 4 with 3 bytes left");

  std::string block = Long(-1) + Long(100);
  BinaryReader r9(block);
  int64_t count;
  EXPECT_EQ(r9.ReadBlockCount(&count).message(),
            "truncated Avro data: block of 100 bytes with 0 bytes left");
}

TEST(BinaryTest, FloatSpecialValuesRoundTrip) {
  std::string out;
  BinaryWriter w(&out);
  w.WriteDouble(std::numeric_limits<double>::infinity());
  w.WriteFloat(std::nanf(""));
  BinaryReader r(out);
  double d;
  float f;
  ASSERT_TRUE(r.ReadDouble(&d).ok());
  ASSERT_TRUE(r.ReadFloat(&f).ok());
  EXPECT_TRUE(std::isinf(d));
  EXPECT_TRUE(std::isnan(f));
}

}  // namespace
}  // namespace walrelay::avro
