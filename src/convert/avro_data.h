#pragma once

#include <string>

#include "avro/datum.h"
#include "avro/schema.h"
#include "common/status.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::convert {

// The options of Confluent's AvroData that change the Avro schema or the bytes (AvroDataConfig),
// as the AvroConverter reads them from `<role>.converter.*`.
struct AvroDataOptions {
  // connect.meta.data: write connect.name / connect.version / connect.doc / connect.parameters /
  // connect.default / connect.type into the Avro schema so a reader gets the Connect schema back.
  bool connect_meta_data = true;
  // enhanced.avro.schema.support: Connect strings carrying io.confluent.connect.avro.Enum
  // parameters become Avro enums (and back), and record namespaces are kept.
  bool enhanced_schema_support = false;
  // scrub.invalid.names: replace characters Avro names may not hold with '_'.
  bool scrub_invalid_names = false;
  // allow.optional.map.keys: a map with optional string keys is still an Avro map.
  bool allow_optional_map_keys = false;
  // discard.type.doc.default: take docs and defaults from the Connect schema itself rather than
  // from the io.confluent.connect.avro.* parameters a previous Avro -> Connect mapping left.
  bool discard_type_doc_default = false;
};

// Confluent's AvroData in the Connect -> Avro direction (what AvroConverter.fromConnectData does
// before it writes the wire format), on walrelay's record model:
//
// - ConnectSchemaToAvro is the Avro schema, as the JSON text Avro Java's Schema.toString()
//   prints for the schema AvroData builds: structs are records named after the Connect schema
//   (namespace = up to the last dot; unnamed ones io.confluent.connect.avro.ConnectDefault,
//   ConnectDefault2, ...), a named type written in full once and by name afterwards, optional
//   schemas a union with null first and a null default (null second when the schema has a
//   default, which then is the field's default), int8/int16 as int with connect.type, Decimal
//   as bytes with the decimal logical type, Date / Time / Timestamp with theirs, maps with
//   non-string keys as arrays of MapEntry records, and the connect.* properties that let a
//   reader rebuild the Connect schema.
// - EncodeConnectValue appends the Avro binary encoding of a value under that schema. It follows
//   Connect's Struct.get: a null field value whose schema has a default writes the default.
//
// Both are pure and stateless; callers cache the schema text per Connect schema (AvroConverter).
// Errors are kDataError naming the problem and the field path, as Connect's DataException
// would: a name Avro does not accept ("Illegal character in: my-server"), two different
// schemas with one name, a null for a required field, a value of the wrong kind.
Result<std::string> ConnectSchemaToAvro(const data::Schema& schema, const AvroDataOptions& options);

Status EncodeConnectValue(const data::Schema& schema, const data::Value& value,
                          const AvroDataOptions& options, std::string* out);

// The other direction (AvroData.toConnectSchema / toConnectData), for sink tasks reading Avro:
// records become structs named by connect.name (else the record's full name, except the
// ConnectDefault names), a union of null and one type an optional schema, int with connect.type
// int8 / int16 those types, the decimal / date / time-millis / timestamp-millis logical types
// Connect's Decimal / Date / Time / Timestamp, enums strings with the
// io.confluent.connect.avro.Enum parameters, fixed bytes with connect.fixed.size, arrays of
// MapEntry records maps, and connect.version / connect.doc / connect.parameters /
// connect.default back in the schema. A schema of the one the Connect -> Avro direction made
// comes back equal to the Connect schema it was made from.
//
// Refused with kDataError naming the place: unions other than null + one type (Confluent maps
// them to io.confluent.connect.avro.Union structs, which walrelay's sinks could not apply
// anyway), a standalone null schema, and recursive records (Connect schemas cannot hold them).
Result<data::SchemaPtr> AvroToConnectSchema(const avro::Node& schema,
                                            const AvroDataOptions& options);

// The Connect value of a datum decoded with `schema`, shaped by `connect` (what
// AvroToConnectSchema made of `schema`). kDataError when the datum does not fit.
Result<data::Value> AvroToConnectValue(const avro::Node& schema, const data::SchemaPtr& connect,
                                       const avro::Datum& datum);

}  // namespace walrelay::convert
