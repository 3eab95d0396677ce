#include "convert/json_reader.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "common/strings.h"

namespace walrelay::convert {

const JsonNode* JsonNode::Get(std::string_view key) const {
  for (size_t i = members.size(); i-- > 0;) {
    if (members[i].key == key) return &members[i].value;
  }
  return nullptr;
}

std::string JsonNode::NumberText() const {
  if (kind == Kind::kInt) return std::to_string(int_value);
  if (kind == Kind::kUint) return std::to_string(uint_value);
  return text;
}

const char* JsonKindName(const JsonNode& node) {
  switch (node.kind) {
    case JsonNode::Kind::kNull:
      return "null";
    case JsonNode::Kind::kBool:
      return "boolean";
    case JsonNode::Kind::kInt:
    case JsonNode::Kind::kUint:
    case JsonNode::Kind::kFloat:
      return "number";
    case JsonNode::Kind::kString:
      return "string";
    case JsonNode::Kind::kArray:
      return "array";
    case JsonNode::Kind::kObject:
      return "object";
  }
  return "unknown";
}

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates,
// nothing above U+10FFFF) at the start of `s`, or 0.
size_t Utf8SequenceLength(std::string_view s) {
  const auto b0 = static_cast<uint8_t>(s[0]);
  size_t len = 0;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return 0;
  }
  return len;
}

class Reader {
 public:
  Reader(std::string_view text, size_t max_depth, std::string_view unbuilt_member,
         std::span<const std::string_view> known_values)
      : text_(text),
        max_depth_(max_depth),
        unbuilt_member_(unbuilt_member),
        known_values_(known_values) {}

  Result<JsonNode> Document() {
    JsonNode root;
    SkipSpace();
    if (!Value(&root, 0)) return Error();
    SkipSpace();
    if (pos_ != text_.size()) {
      Fail("unexpected character after the JSON value");
      return Error();
    }
    return root;
  }

 private:
  Status Error() const {
    return DataError("invalid JSON: " + error_ + " at byte " + std::to_string(error_pos_));
  }

  bool Fail(std::string what) {
    if (error_.empty()) {
      error_ = std::move(what);
      error_pos_ = pos_;
    }
    return false;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }

  void SkipSpace() {
    while (!AtEnd()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) {
      return Fail("invalid literal, expected " + std::string(word));
    }
    pos_ += word.size();
    return true;
  }

  bool Value(JsonNode* out, size_t depth) {
    out->begin = pos_;
    if (!Token(out, depth)) return false;
    out->end = pos_;
    return true;
  }

  bool Token(JsonNode* out, size_t depth) {
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    switch (text_[pos_]) {
      case '{':
        return Object(out, depth + 1);
      case '[':
        return Array(out, depth + 1);
      case '"':
        out->kind = JsonNode::Kind::kString;
        return String(&out->text);
      case 't':
        out->kind = JsonNode::Kind::kBool;
        out->boolean = true;
        return Literal("true");
      case 'f':
        out->kind = JsonNode::Kind::kBool;
        out->boolean = false;
        return Literal("false");
      case 'n':
        out->kind = JsonNode::Kind::kNull;
        return Literal("null");
      default:
        if (text_[pos_] == '-' || IsDigit(text_[pos_])) return Number(out);
        return Fail("unexpected character, expected a value");
    }
  }

  bool Object(JsonNode* out, size_t depth) {
    if (depth > max_depth_) {
      return Fail("JSON nested deeper than " + std::to_string(max_depth_) + " levels");
    }
    out->kind = JsonNode::Kind::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (!AtEnd() && text_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      if (AtEnd() || text_[pos_] != '"') return Fail("expected a member name in quotes");
      JsonMember member;
      if (!String(&member.key)) return false;
      SkipSpace();
      if (AtEnd() || text_[pos_] != ':') return Fail("expected ':' after a member name");
      ++pos_;
      SkipSpace();
      if (depth == 1 && !unbuilt_member_.empty() && member.key == unbuilt_member_) {
        member.value.begin = pos_;
        member.value.unbuilt = true;
        if (!Known(&member.value.kind) && !Check(&member.value.kind, depth)) return false;
        member.value.end = pos_;
      } else if (!Value(&member.value, depth)) {
        return false;
      }
      out->members.push_back(std::move(member));
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input in an object");
      if (text_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (text_[pos_] != ',') return Fail("expected ',' or '}' in an object");
      ++pos_;
      SkipSpace();
    }
  }

  bool Array(JsonNode* out, size_t depth) {
    if (depth > max_depth_) {
      return Fail("JSON nested deeper than " + std::to_string(max_depth_) + " levels");
    }
    out->kind = JsonNode::Kind::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (!AtEnd() && text_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      out->items.emplace_back();
      if (!Value(&out->items.back(), depth)) return false;
      SkipSpace();
      if (AtEnd()) return Fail("unexpected end of input in an array");
      if (text_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (text_[pos_] != ',') return Fail("expected ',' or ']' in an array");
      ++pos_;
      SkipSpace();
    }
  }

  // Moves past a known value the text continues with, if any, and sets *kind.
  bool Known(JsonNode::Kind* kind) {
    const std::string_view rest = text_.substr(pos_);
    for (std::string_view known : known_values_) {
      if (known.empty() || (known.front() != '{' && known.front() != '[')) continue;
      if (rest.substr(0, known.size()) != known) continue;
      *kind = known.front() == '{' ? JsonNode::Kind::kObject : JsonNode::Kind::kArray;
      pos_ += known.size();
      return true;
    }
    return false;
  }

  // Checks one value as Token would read it, building nothing; sets *kind.
  bool Check(JsonNode::Kind* kind, size_t depth) {
    if (AtEnd()) return Fail("unexpected end of input, expected a value");
    const char c = text_[pos_];
    if (c == '{' || c == '[') {
      const bool object = c == '{';
      const char close = object ? '}' : ']';
      *kind = object ? JsonNode::Kind::kObject : JsonNode::Kind::kArray;
      if (depth + 1 > max_depth_) {
        return Fail("JSON nested deeper than " + std::to_string(max_depth_) + " levels");
      }
      ++pos_;
      SkipSpace();
      if (!AtEnd() && text_[pos_] == close) {
        ++pos_;
        return true;
      }
      JsonNode::Kind ignored;
      while (true) {
        if (object) {
          if (AtEnd() || text_[pos_] != '"') return Fail("expected a member name in quotes");
          if (!String(nullptr)) return false;
          SkipSpace();
          if (AtEnd() || text_[pos_] != ':') return Fail("expected ':' after a member name");
          ++pos_;
          SkipSpace();
        }
        if (!Check(&ignored, depth + 1)) return false;
        SkipSpace();
        if (AtEnd()) {
          return Fail(object ? "unexpected end of input in an object"
                             : "unexpected end of input in an array");
        }
        if (text_[pos_] == close) {
          ++pos_;
          return true;
        }
        if (text_[pos_] != ',') {
          return Fail(object ? "expected ',' or '}' in an object"
                             : "expected ',' or ']' in an array");
        }
        ++pos_;
        SkipSpace();
      }
    }
    if (c == '"') {
      *kind = JsonNode::Kind::kString;
      return String(nullptr);
    }
    if (c == '-' || IsDigit(c)) {
      JsonNode number;
      if (!Number(&number)) return false;
      *kind = number.kind;
      return true;
    }
    JsonNode literal;
    if (!Token(&literal, depth)) return false;
    *kind = literal.kind;
    return true;
  }

  // Four hex digits after "\u".
  bool Hex4(uint32_t* out) {
    if (text_.size() - pos_ < 4) return Fail("incomplete \\u escape");
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) {
      const int h = HexDigitValue(text_[pos_ + i]);
      if (h < 0) return Fail("invalid \\u escape");
      v = (v << 4) | static_cast<uint32_t>(h);
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  // Reads a string into *out; checks it only when `out` is null.
  bool String(std::string* out) {
    ++pos_;  // opening quote
    size_t run = pos_;
    while (true) {
      // Plain ASCII needs no more than this (most of what a record holds).
      while (pos_ < text_.size()) {
        const auto b = static_cast<uint8_t>(text_[pos_]);
        if (b < 0x20 || b >= 0x80 || b == '"' || b == '\\') break;
        ++pos_;
      }
      if (AtEnd()) return Fail("unterminated string");
      const char c = text_[pos_];
      if (c == '"') {
        if (out != nullptr) out->append(text_.data() + run, pos_ - run);
        ++pos_;
        return true;
      }
      if (static_cast<uint8_t>(c) < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        const size_t len = Utf8SequenceLength(text_.substr(pos_));
        if (len == 0) return Fail("invalid UTF-8 in a string");
        pos_ += len;
        continue;
      }
      if (out != nullptr) out->append(text_.data() + run, pos_ - run);
      ++pos_;
      if (AtEnd()) return Fail("unterminated string");
      const char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          if (out != nullptr) out->push_back(e);
          break;
        case 'b':
          if (out != nullptr) out->push_back('\b');
          break;
        case 'f':
          if (out != nullptr) out->push_back('\f');
          break;
        case 'n':
          if (out != nullptr) out->push_back('\n');
          break;
        case 'r':
          if (out != nullptr) out->push_back('\r');
          break;
        case 't':
          if (out != nullptr) out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return Fail("lone low surrogate in a \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low = 0;
            if (text_.substr(pos_, 2) != "\\u") return Fail("high surrogate without a low one");
            pos_ += 2;
            if (!Hex4(&low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return Fail("high surrogate without a low one");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (out != nullptr) AppendUtf8(out, cp);
          break;
        }
        default:
          --pos_;
          return Fail("invalid escape in a string");
      }
      run = pos_;
    }
  }

  bool Number(JsonNode* out) {
    const size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    if (AtEnd() || !IsDigit(text_[pos_])) return Fail("expected a digit in a number");
    if (text_[pos_] == '0') {
      ++pos_;
    } else {
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    bool integral = true;
    if (!AtEnd() && text_[pos_] == '.') {
      integral = false;
      ++pos_;
      if (AtEnd() || !IsDigit(text_[pos_])) return Fail("expected a digit after '.'");
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    if (!AtEnd() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integral = false;
      ++pos_;
      if (!AtEnd() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (AtEnd() || !IsDigit(text_[pos_])) return Fail("expected a digit in an exponent");
      while (!AtEnd() && IsDigit(text_[pos_])) ++pos_;
    }
    const std::string_view token = text_.substr(start, pos_ - start);
    const char* first = token.data();
    const char* last = token.data() + token.size();
    if (integral) {
      int64_t i = 0;
      if (std::from_chars(first, last, i).ec == std::errc()) {
        out->kind = JsonNode::Kind::kInt;
        out->int_value = i;
        return true;
      }
      uint64_t u = 0;
      if (token[0] != '-' && std::from_chars(first, last, u).ec == std::errc()) {
        out->kind = JsonNode::Kind::kUint;
        out->uint_value = u;
        return true;
      }
    }
    out->kind = JsonNode::Kind::kFloat;
    out->text = std::string(token);
    double d = 0;
    const auto res = std::from_chars(first, last, d);
    if (res.ec == std::errc::result_out_of_range) {
      // Too large (infinite) or too small (zero, or a subnormal): strtod says which, with the
      // sign. The token is a valid C number and locale-independent (no decimal separator other
      // than '.' is involved unless the process changed LC_NUMERIC, which walrelay never does).
      d = std::strtod(out->text.c_str(), nullptr);
    }
    out->float_value = d;
    return true;
  }

  std::string_view text_;
  size_t max_depth_;
  std::string_view unbuilt_member_;
  std::span<const std::string_view> known_values_;
  size_t pos_ = 0;
  std::string error_;
  size_t error_pos_ = 0;
};

}  // namespace

Result<JsonNode> ParseJson(std::string_view text, size_t max_depth, std::string_view unbuilt_member,
                           std::span<const std::string_view> known_values) {
  return Reader(text, max_depth, unbuilt_member, known_values).Document();
}

}  // namespace walrelay::convert
