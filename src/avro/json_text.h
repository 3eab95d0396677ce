#pragma once

// JSON text as Jackson's JsonGenerator writes it, for the schema texts Avro Java produces
// (Schema.toString, SchemaNormalization): compact, strings escaped as Jackson does (the short
// escapes for \b \t \n \f \r, \u00XX with upper-case hex for other control characters, '"' and
// '\\'; everything else, '/' and non-ASCII included, as is) and floating-point numbers as Java's
// Double.toString. Internal to avro/.

#include <string>
#include <string_view>
#include <vector>

#include "avro/schema.h"

namespace walrelay::avro {

void AppendJsonString(std::string* out, std::string_view s);
// A JSON array of strings: ["a","b"].
void AppendJsonStringArray(std::string* out, const std::vector<std::string>& items);
// A JSON value; a non-finite double (never produced by ParseSchema) is written as Jackson quotes
// it: "NaN", "Infinity", "-Infinity".
void AppendJsonValue(std::string* out, const Json& v);

}  // namespace walrelay::avro
