#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/strings.h"

// Small text helpers shared by the config subsystem (property values are text, and Kafka Connect
// and Debezium trim, split and compare them in specific ways that every config file must agree on).
namespace walrelay::config {

// Trim, ToLower and EqualsIgnoreCase are common/strings.h's.
using ::walrelay::EqualsIgnoreCase;
using ::walrelay::ToLower;
using ::walrelay::Trim;
// Splits on `sep`, trims each item and drops empty items.
std::vector<std::string> SplitTrimmed(std::string_view s, char sep);
// Debezium's RegExSplitterByComma: splits on commas not escaped by a backslash, trims each
// item, drops empty ones and turns "\," into "," so a pattern like "a{1\,3}" survives.
std::vector<std::string> SplitRegexList(std::string_view s);
// A decimal integer, surrounding whitespace ignored and a leading '+' accepted (Java's
// Long.parseLong after Kafka's trim); nullopt when malformed or out of int64 range.
std::optional<int64_t> ParseInt64(std::string_view s);
// "a, b, c".
std::string Join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace walrelay::config
