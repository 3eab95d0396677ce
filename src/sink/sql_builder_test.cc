#include "sink/sql_builder.h"

#include <gtest/gtest.h>

namespace walrelay::sink {
namespace {

using data::PrimitiveSchema;
using data::SchemaBuilder;
using data::Type;

const TableId kTable{"public", "Or\"ders"};

TEST(SqlBuilderTest, InsertQuotesIdentifiersAndNumbersParamsRowByRow) {
  std::vector<StatementColumn> cols = {{"id", true}, {"Name", false}};
  EXPECT_EQ(BuildInsert(kTable, cols, 1, false),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"id\", \"Name\") VALUES ($1,$2)");
  EXPECT_EQ(BuildInsert(kTable, cols, 3, false),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"id\", \"Name\") VALUES "
            "($1,$2),($3,$4),($5,$6)");
}

TEST(SqlBuilderTest, Upsert) {
  std::vector<StatementColumn> cols = {{"a", true}, {"b", true}, {"v", false}, {"w", false}};
  EXPECT_EQ(BuildInsert(kTable, cols, 2, true),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"a\", \"b\", \"v\", \"w\") VALUES "
            "($1,$2,$3,$4),($5,$6,$7,$8) ON CONFLICT (\"a\", \"b\") DO UPDATE SET "
            "\"v\" = EXCLUDED.\"v\", \"w\" = EXCLUDED.\"w\"");
  std::vector<StatementColumn> keys_only = {{"a", true}};
  EXPECT_EQ(BuildInsert(kTable, keys_only, 1, true),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"a\") VALUES ($1) ON CONFLICT (\"a\") DO "
            "NOTHING");
}

TEST(SqlBuilderTest, UpdateDeleteTruncate) {
  std::vector<StatementColumn> cols = {{"id", true}, {"k2", true}, {"v", false}};
  EXPECT_EQ(BuildUpdate(kTable, cols),
            "UPDATE \"public\".\"Or\"\"ders\" SET \"v\" = $1 WHERE \"id\" = $2 AND \"k2\" = $3");
  EXPECT_EQ(BuildUpdate(kTable, {{"id", true}}), "");
  EXPECT_EQ(BuildDelete(kTable, {"id"}, 3),
            "DELETE FROM \"public\".\"Or\"\"ders\" WHERE \"id\" IN ($1, $2, $3)");
  EXPECT_EQ(BuildDelete(kTable, {"a", "b"}, 2),
            "DELETE FROM \"public\".\"Or\"\"ders\" WHERE (\"a\" = $1 AND \"b\" = $2) OR "
            "(\"a\" = $3 AND \"b\" = $4)");
  EXPECT_EQ(BuildTruncate(kTable), "TRUNCATE TABLE \"public\".\"Or\"\"ders\"");
}

TEST(SqlBuilderTest, ArrayStatementsTakeOneTypedArrayPerColumn) {
  std::vector<StatementColumn> cols = {{"id", true}, {"tags", false}, {"qty", false}};
  std::vector<std::string> types = {"bigint", "text[]", "numeric(12,2)"};
  EXPECT_EQ(BuildInsertFromArrays(kTable, cols, types, /*upsert=*/true),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"id\", \"tags\", \"qty\") SELECT u.c1, "
            "u.c2::text[], u.c3 FROM unnest($1::bigint[], $2::text[], $3::numeric(12,2)[]) AS "
            "u(c1, c2, c3) ORDER BY u.c1 ON CONFLICT (\"id\") DO UPDATE SET \"tags\" = "
            "EXCLUDED.\"tags\", \"qty\" = EXCLUDED.\"qty\"");
  // Upserts go in key order, for every key column of a type the destination can sort by.
  EXPECT_EQ(BuildInsertFromArrays(kTable, {{"v", false}, {"a", true}, {"b", true}},
                                  {"text", "character varying(8)", "bigint"}, /*upsert=*/true),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"v\", \"a\", \"b\") SELECT u.c1, u.c2, u.c3 "
            "FROM unnest($1::text[], $2::character varying(8)[], $3::bigint[]) AS u(c1, c2, c3) "
            "ORDER BY u.c2, u.c3 ON CONFLICT (\"a\", \"b\") DO UPDATE SET \"v\" = EXCLUDED.\"v\"");
  EXPECT_EQ(
      BuildInsertFromArrays(kTable, {{"p", true}, {"v", false}}, {"point", "text"},
                            /*upsert=*/true),
      "INSERT INTO \"public\".\"Or\"\"ders\" (\"p\", \"v\") SELECT u.c1, u.c2 FROM "
      "unnest($1::point[], $2::text[]) AS u(c1, c2) ON CONFLICT (\"p\") DO UPDATE SET \"v\" = "
      "EXCLUDED.\"v\"");
  EXPECT_EQ(BuildInsertFromArrays(kTable, {{"id", true}}, {"integer"}, /*upsert=*/false),
            "INSERT INTO \"public\".\"Or\"\"ders\" (\"id\") SELECT u.c1 FROM "
            "unnest($1::integer[]) AS u(c1)");
  EXPECT_EQ(BuildDeleteFromArrays(kTable, {"a", "b"}, {"bigint", "character varying(8)"}),
            "DELETE FROM \"public\".\"Or\"\"ders\" WHERE (\"a\", \"b\") IN (SELECT u.c1, u.c2 "
            "FROM unnest($1::bigint[], $2::character varying(8)[]) AS u(c1, c2))");
  // One key column: an index scan over = ANY, whatever the planner thinks of the table's size.
  EXPECT_EQ(BuildDeleteFromArrays(kTable, {"id"}, {"bigint"}),
            "DELETE FROM \"public\".\"Or\"\"ders\" WHERE \"id\" = ANY($1::bigint[])");
  // An array-typed key travels as text[] and is cast per element.
  EXPECT_EQ(BuildDeleteFromArrays(kTable, {"tags"}, {"integer[]"}),
            "DELETE FROM \"public\".\"Or\"\"ders\" WHERE (\"tags\") IN (SELECT u.c1::integer[] "
            "FROM unnest($1::text[]) AS u(c1))");
}

TEST(SqlBuilderTest, ArrayElementsAreQuotedSoAnyTextSurvives) {
  std::string a;
  AppendArrayElement(&a, std::string("plain"));
  AppendArrayElement(&a, std::nullopt);
  AppendArrayElement(&a, std::string("NULL"));
  AppendArrayElement(&a, std::string("q\"u\\o,{te} "));
  AppendArrayElement(&a, std::string(""));
  AppendArrayElement(&a, std::string("{1,2}"));
  a.push_back('}');
  EXPECT_EQ(a, "{\"plain\",NULL,\"NULL\",\"q\\\"u\\\\o,{te} \",\"\",\"{1,2}\"}");
}

TEST(SqlBuilderTest, CreateAndAlter) {
  auto with_default =
      SchemaBuilder(Type::kString).Default(std::make_shared<const data::Value>("it's")).Build();
  std::vector<ColumnSpec> specs = {
      {"id", PrimitiveSchema(Type::kInt64, false), true},
      {"name", PrimitiveSchema(Type::kString, true), false},
      {"status", with_default, false},
      {"required", PrimitiveSchema(Type::kInt32, false), false},
  };
  std::vector<ColumnDefinition> defs;
  for (const auto& s : specs) {
    auto d = DefineColumn(s, false);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    defs.push_back(*d);
  }
  EXPECT_EQ(BuildCreateTable(kTable, defs, {"id"}),
            "CREATE TABLE IF NOT EXISTS \"public\".\"Or\"\"ders\" (\"id\" bigint NOT NULL, "
            "\"name\" text, \"status\" text NOT NULL DEFAULT 'it''s', \"required\" integer NOT "
            "NULL, PRIMARY KEY (\"id\"))");
  auto alter = DefineColumn(specs[3], /*for_alter=*/true);
  ASSERT_TRUE(alter.ok());
  EXPECT_EQ(BuildAddColumn(kTable, *alter),
            "ALTER TABLE \"public\".\"Or\"\"ders\" ADD COLUMN IF NOT EXISTS \"required\" integer");
  alter = DefineColumn(specs[2], /*for_alter=*/true);
  ASSERT_TRUE(alter.ok());
  EXPECT_EQ(BuildAddColumn(kTable, *alter),
            "ALTER TABLE \"public\".\"Or\"\"ders\" ADD COLUMN IF NOT EXISTS \"status\" text NOT "
            "NULL DEFAULT 'it''s'");
}

}  // namespace
}  // namespace walrelay::sink
