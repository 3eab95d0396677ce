#include "rest/http_message.h"

#include "common/strings.h"

namespace walrelay::rest {
namespace {

const std::string* FindParam(const Params& params, std::string_view name, bool ignore_case) {
  for (const auto& [key, value] : params) {
    if (ignore_case ? EqualsIgnoreCase(key, name) : key == name) return &value;
  }
  return nullptr;
}

}  // namespace

const std::string* Request::Header(std::string_view name) const {
  return FindParam(headers, name, true);
}

const std::string* Request::Query(std::string_view name) const {
  return FindParam(query, name, false);
}

std::vector<std::string> Request::QueryValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : query) {
    if (key == name) out.push_back(value);
  }
  return out;
}

std::string Request::Target() const {
  std::string target = path;
  char sep = '?';
  for (const auto& [key, value] : query) {
    target += sep;
    target += PercentEncode(key);
    target += '=';
    target += PercentEncode(value);
    sep = '&';
  }
  return target;
}

const std::string* Response::Header(std::string_view name) const {
  return FindParam(headers, name, true);
}

Result<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      int hi = i + 2 < text.size() ? HexDigitValue(text[i + 1]) : -1;
      int lo = i + 2 < text.size() ? HexDigitValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgument("malformed percent escape in '" + std::string(text) + "'");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status ParseTarget(std::string_view target, std::string* path, Params* query) {
  size_t q = target.find('?');
  *path = std::string(target.substr(0, q));
  query->clear();
  if (q == std::string_view::npos) return Status::Ok();
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    WR_ASSIGN_OR_RETURN(std::string key, PercentDecode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      WR_ASSIGN_OR_RETURN(value, PercentDecode(pair.substr(eq + 1), true));
    }
    query->emplace_back(std::move(key), std::move(value));
  }
  return Status::Ok();
}

}  // namespace walrelay::rest
