#include "config/java_properties.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "common/strings.h"

namespace walrelay::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// One logical line: its characters (Latin-1 bytes, continuation backslashes removed) and the
// natural line it starts on.
struct LogicalLine {
  std::string chars;
  int line = 0;
};

// Splits `text` into logical lines as Properties.LineReader does.
std::vector<LogicalLine> ReadLogicalLines(std::string_view text) {
  std::vector<LogicalLine> out;
  size_t pos = 0;
  int line_no = 1;
  const size_t n = text.size();
  while (pos < n) {
    // Start of a natural line that may begin a logical line.
    size_t i = pos;
    while (i < n && IsBlank(text[i])) ++i;
    if (i >= n) break;
    if (text[i] == '\n' || text[i] == '\r') {  // blank line
      if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      pos = i + 1;
      ++line_no;
      continue;
    }
    if (text[i] == '#' || text[i] == '!') {  // comment: skip to the end of this natural line
      while (i < n && text[i] != '\n' && text[i] != '\r') ++i;
      if (i < n && text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
      pos = i + 1;
      ++line_no;
      continue;
    }
    LogicalLine logical;
    logical.line = line_no;
    for (;;) {
      // Read characters up to the end of this natural line.
      size_t start = i;
      while (i < n && text[i] != '\n' && text[i] != '\r') ++i;
      std::string_view part = text.substr(start, i - start);
      size_t backslashes = 0;
      while (backslashes < part.size() && part[part.size() - 1 - backslashes] == '\\') {
        ++backslashes;
      }
      const bool continues = backslashes % 2 == 1;
      if (continues) part.remove_suffix(1);
      logical.chars.append(part);
      // Step over the terminator.
      if (i < n) {
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n') ++i;
        ++i;
        ++line_no;
      }
      if (!continues || i >= n) break;
      while (i < n && IsBlank(text[i])) ++i;  // the continuation's leading blanks
    }
    pos = i;
    out.push_back(std::move(logical));
  }
  return out;
}

// Properties.loadConvert: unescapes `in` into UTF-16 code units.
Result<std::u16string> Unescape(std::string_view in) {
  std::u16string out;
  for (size_t i = 0; i < in.size();) {
    char c = in[i++];
    if (c != '\\') {
      out.push_back(static_cast<unsigned char>(c));  // ISO-8859-1
      continue;
    }
    if (i >= in.size()) break;  // a lone trailing backslash stands for nothing
    c = in[i++];
    if (c == 'u') {
      uint32_t unit = 0;
      for (int k = 0; k < 4; ++k) {
        int d = i < in.size() ? HexDigitValue(in[i]) : -1;
        if (d < 0) return InvalidArgument("malformed \\uxxxx encoding");
        unit = unit * 16 + static_cast<uint32_t>(d);
        ++i;
      }
      out.push_back(static_cast<char16_t>(unit));
    } else if (c == 't') {
      out.push_back(u'\t');
    } else if (c == 'r') {
      out.push_back(u'\r');
    } else if (c == 'n') {
      out.push_back(u'\n');
    } else if (c == 'f') {
      out.push_back(u'\f');
    } else {
      out.push_back(static_cast<unsigned char>(c));
    }
  }
  return out;
}

// UTF-16 -> UTF-8, an unpaired surrogate written as '?' like Java's String.getBytes(UTF_8).
std::string ToUtf8(const std::u16string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    uint32_t u = s[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 &&
        s[i + 1] <= 0xDFFF) {
      uint32_t cp = 0x10000 + ((u - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      AppendUtf8(&out, cp);
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      out.push_back('?');
    } else {
      AppendUtf8(&out, u);
    }
  }
  return out;
}

std::string Latin1ToUtf8(std::string_view s) {
  std::string out;
  for (char c : s) AppendUtf8(&out, static_cast<unsigned char>(c));
  return out;
}

}  // namespace

Result<JavaProperties> ParseJavaProperties(std::string_view text, const std::string& label) {
  JavaProperties props;
  for (const LogicalLine& logical : ReadLogicalLines(text)) {
    const std::string& line = logical.chars;
    const size_t limit = line.size();
    size_t key_len = 0;
    size_t value_start = limit;
    bool has_separator = false;
    bool preceding_backslash = false;
    while (key_len < limit) {
      char c = line[key_len];
      if ((c == '=' || c == ':') && !preceding_backslash) {
        value_start = key_len + 1;
        has_separator = true;
        break;
      }
      if (IsBlank(c) && !preceding_backslash) {
        value_start = key_len + 1;
        break;
      }
      preceding_backslash = c == '\\' ? !preceding_backslash : false;
      ++key_len;
    }
    while (value_start < limit) {
      char c = line[value_start];
      if (!IsBlank(c)) {
        if (!has_separator && (c == '=' || c == ':')) {
          has_separator = true;
        } else {
          break;
        }
      }
      ++value_start;
    }
    auto key = Unescape(std::string_view(line).substr(0, key_len));
    auto value = Unescape(std::string_view(line).substr(value_start));
    for (const auto* part : {&key, &value}) {
      if (!part->ok()) {
        return InvalidArgument(label + ":" + std::to_string(logical.line) + ": " +
                               part->status().message() + " in '" + Latin1ToUtf8(line) + "'");
      }
    }
    std::string k = ToUtf8(*key);
    props.values[k] = ToUtf8(*value);
    props.lines[k] = logical.line;
  }
  return props;
}

Result<JavaProperties> LoadJavaPropertiesFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(path + ": cannot read: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return NotFound(path + ": cannot read: " + std::strerror(errno));
  return ParseJavaProperties(buf.str(), path);
}

}  // namespace walrelay::config
