#include "data/value.h"

#include <gtest/gtest.h>

#include "common/lsn.h"

namespace walrelay::data {
namespace {

TEST(ValueTest, StructCopyOnWrite) {
  auto schema =
      SchemaBuilder(Type::kStruct).AddField("id", PrimitiveSchema(Type::kInt32, false)).Build();
  Value a(Struct{schema, {Value(int64_t{1})}});
  Value b = a;
  b.mutable_struct().values[0] = Value(int64_t{2});
  EXPECT_EQ(a.as_struct().Get("id")->as_int(), 1);
  EXPECT_EQ(b.as_struct().Get("id")->as_int(), 2);
  EXPECT_EQ(a.as_struct().Get("missing"), nullptr);
}

TEST(LsnTest, PrintsAndParsesAsPostgres) {
  Lsn lsn((uint64_t{0x16} << 32) | 0xB374D848);
  EXPECT_EQ(lsn.ToString(), "16/B374D848");
  EXPECT_EQ(Lsn::Parse("16/B374D848"), lsn);
  EXPECT_FALSE(Lsn::Parse("16B374D848").has_value());
  EXPECT_FALSE(Lsn::Parse("zz/1").has_value());
  EXPECT_EQ(Lsn::Parse("0/0"), Lsn(0));
}

}  // namespace
}  // namespace walrelay::data
