#pragma once

// Debezium-shaped fixtures shared by the transforms unit tests (not used by the library).

#include <optional>
#include <string>

#include "data/record.h"

namespace walrelay::transforms::testing {

inline data::SchemaPtr Prim(data::Type t, bool optional = false) {
  return data::PrimitiveSchema(t, optional);
}

// A PostgreSQL table "public.customers" (id int4 primary key, name text, status text with a
// default 'active') as Debezium's PostgreSQL connector emits it from server "dbserver1".
struct CustomersFixture {
  data::SchemaPtr key = data::SchemaBuilder(data::Type::kStruct)
                            .Name("dbserver1.public.customers.Key")
                            .AddField("id", Prim(data::Type::kInt32))
                            .Build();
  data::SchemaPtr row =
      data::SchemaBuilder(data::Type::kStruct)
          .Name("dbserver1.public.customers.Value")
          .Optional()
          .AddField("id", Prim(data::Type::kInt32))
          .AddField("name", Prim(data::Type::kString, true))
          .AddField("status", data::SchemaBuilder(data::Type::kString)
                                  .Optional()
                                  .Default(std::make_shared<const data::Value>("active"))
                                  .Build())
          .Build();
  data::SchemaPtr source = data::SchemaBuilder(data::Type::kStruct)
                               .Name("io.debezium.connector.postgresql.Source")
                               .AddField("version", Prim(data::Type::kString))
                               .AddField("connector", Prim(data::Type::kString))
                               .AddField("name", Prim(data::Type::kString))
                               .AddField("ts_ms", Prim(data::Type::kInt64))
                               .AddField("db", Prim(data::Type::kString))
                               .AddField("schema", Prim(data::Type::kString))
                               .AddField("table", Prim(data::Type::kString))
                               .AddField("txId", Prim(data::Type::kInt64, true))
                               .AddField("lsn", Prim(data::Type::kInt64, true))
                               .Build();
  data::SchemaPtr transaction = data::SchemaBuilder(data::Type::kStruct)
                                    .Name("event.block")
                                    .Version(1)
                                    .Optional()
                                    .AddField("id", Prim(data::Type::kString))
                                    .AddField("total_order", Prim(data::Type::kInt64))
                                    .AddField("data_collection_order", Prim(data::Type::kInt64))
                                    .Build();
  data::SchemaPtr envelope = data::SchemaBuilder(data::Type::kStruct)
                                 .Name("dbserver1.public.customers.Envelope")
                                 .Version(2)
                                 .AddField("before", row)
                                 .AddField("after", row)
                                 .AddField("source", source)
                                 .AddField("transaction", transaction)
                                 .AddField("op", Prim(data::Type::kString))
                                 .AddField("ts_ms", Prim(data::Type::kInt64, true))
                                 .Build();

  data::Value Row(int32_t id, std::optional<std::string> name,
                  std::optional<std::string> status = std::string("active")) const {
    return data::Value(data::Struct{row,
                                    {data::Value(id), name ? data::Value(*name) : data::Value(),
                                     status ? data::Value(*status) : data::Value()}});
  }

  data::Value Source(int64_t lsn) const {
    return data::Value(data::Struct{
        source,
        {data::Value("2.7.0.Final"), data::Value("postgresql"), data::Value("dbserver1"),
         data::Value(int64_t{1700000000000}), data::Value("inventory"), data::Value("public"),
         data::Value("customers"), data::Value(int64_t{777}), data::Value(lsn)}});
  }

  // A change event; `op` is c, u, d, r or t.
  data::Record Event(const std::string& op, data::Value before, data::Value after,
                     bool with_transaction = false) const {
    data::Record r;
    r.topic = "dbserver1.public.customers";
    r.key_schema = key;
    const data::Value& row_value = after.is_null() ? before : after;
    r.key = row_value.is_null() ? data::Value()
                                : data::Value(data::Struct{key, {row_value.as_struct().values[0]}});
    r.value_schema = envelope;
    data::Value tx =
        with_transaction
            ? data::Value(data::Struct{
                  transaction,
                  {data::Value("777:24023128"), data::Value(int64_t{3}), data::Value(int64_t{1})}})
            : data::Value();
    r.value = data::Value(
        data::Struct{envelope,
                     {std::move(before), std::move(after), Source(24023128), std::move(tx),
                      data::Value(op), data::Value(int64_t{1700000000123})}});
    r.timestamp_ms = 1700000000123;
    return r;
  }

  data::Record Tombstone(int32_t id) const {
    data::Record r;
    r.topic = "dbserver1.public.customers";
    r.key_schema = key;
    r.key = data::Value(data::Struct{key, {data::Value(id)}});
    return r;
  }
};

inline const data::Header* FindHeader(const data::Record& r, const std::string& key) {
  for (const auto& h : r.headers) {
    if (h.key == key) return &h;
  }
  return nullptr;
}

}  // namespace walrelay::transforms::testing
