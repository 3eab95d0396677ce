#include "convert/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>

#include "common/java_format.h"

namespace walrelay::convert {

namespace {

// 0: copy as is; 1: \u00XX; any other value: the character written after a backslash.
constexpr std::array<char, 256> MakeEscapeTable() {
  std::array<char, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<size_t>(c)] = 1;
  t['\b'] = 'b';
  t['\t'] = 't';
  t['\n'] = 'n';
  t['\f'] = 'f';
  t['\r'] = 'r';
  t['"'] = '"';
  t['\\'] = '\\';
  return t;
}
constexpr std::array<char, 256> kEscape = MakeEscapeTable();
constexpr char kHexUpper[] = "0123456789ABCDEF";

template <typename T, typename Fn>
void AppendJsonFloating(std::string* out, T v, Fn append_java) {
  if (std::isfinite(v)) {
    append_java(out, v);
    return;
  }
  out->push_back('"');
  append_java(out, v);
  out->push_back('"');
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char esc = kEscape[static_cast<uint8_t>(s[i])];
    if (esc == 0) continue;
    out->append(s.data() + run_start, i - run_start);
    run_start = i + 1;
    out->push_back('\\');
    if (esc == 1) {
      const auto c = static_cast<uint8_t>(s[i]);
      out->append("u00");
      out->push_back(kHexUpper[c >> 4]);
      out->push_back(kHexUpper[c & 0xF]);
    } else {
      out->push_back(esc);
    }
  }
  out->append(s.data() + run_start, s.size() - run_start);
  out->push_back('"');
}

void AppendJsonInt(std::string* out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendJsonUint(std::string* out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

void AppendJsonDouble(std::string* out, double v) { AppendJsonFloating(out, v, AppendJavaDouble); }
void AppendJsonFloat(std::string* out, float v) { AppendJsonFloating(out, v, AppendJavaFloat); }

}  // namespace walrelay::convert
