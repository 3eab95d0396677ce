#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace walrelay::rest {

// Header and query lists keep the order and the repetitions they arrived with
// (`expand=status&expand=info`).
using Params = std::vector<std::pair<std::string, std::string>>;

// An HTTP request as the API router sees it, independent of the HTTP library.
struct Request {
  std::string method;  // "GET", "POST", ... as sent
  // The path as sent, still percent-encoded, without the query: the router splits it on '/'
  // before decoding, so a connector name may hold an encoded slash ("a%2Fb").
  std::string path;
  Params query;    // decoded names and values ('+' is a space), in order
  Params headers;  // names as sent; look them up with Header()
  std::string body;
  std::string scheme = "http";  // of the listener that received it, for Location headers

  // The first header called `name` (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
  // Every value of query parameter `name`, in order.
  std::vector<std::string> QueryValues(std::string_view name) const;
  // The first value of query parameter `name`, or nullptr.
  const std::string* Query(std::string_view name) const;
  // path?query, the query encoded again: what a forwarded request is sent to.
  std::string Target() const;
};

struct Response {
  int status = 200;
  Params headers;
  std::string body;

  const std::string* Header(std::string_view name) const;
};

// Splits "path?query" into the raw path and the decoded query parameters. Fails (kInvalidArgument)
// on a malformed percent escape in the query.
Status ParseTarget(std::string_view target, std::string* path, Params* query);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, for queries). Fails on a '%' not
// followed by two hex digits.
Result<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Escapes every byte outside RFC 3986's unreserved set (ALPHA DIGIT - . _ ~).
std::string PercentEncode(std::string_view text);

}  // namespace walrelay::rest
