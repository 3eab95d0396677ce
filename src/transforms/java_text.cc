#include "transforms/java_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "common/java_format.h"
#include "common/strings.h"

namespace walrelay::transforms {

namespace {

constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};

std::string Pad(int64_t v, int count) {
  std::string s = std::to_string(v < 0 ? -v : v);
  if (static_cast<int>(s.size()) < count) s.insert(0, static_cast<size_t>(count) - s.size(), '0');
  return v < 0 ? "-" + s : s;
}

bool IsNumericField(char letter, int count) {
  return letter != 0 && letter != 'a' && !(letter == 'M' && count >= 3);
}

}  // namespace

Result<DateFormat> DateFormat::Compile(std::string_view pattern) {
  DateFormat f;
  f.pattern_ = std::string(pattern);
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      std::string lit;
      if (i + 1 < pattern.size() && pattern[i + 1] == '\'') {
        lit = "'";
        i += 2;
      } else {
        size_t j = i + 1;
        while (true) {
          if (j >= pattern.size()) {
            return InvalidArgument("Unterminated quote in date format pattern '" + f.pattern_ +
                                   "'");
          }
          if (pattern[j] == '\'') {
            if (j + 1 < pattern.size() && pattern[j + 1] == '\'') {
              lit += '\'';
              j += 2;
              continue;
            }
            break;
          }
          lit += pattern[j++];
        }
        i = j + 1;
      }
      if (!f.tokens_.empty() && f.tokens_.back().letter == 0) {
        f.tokens_.back().literal += lit;
      } else {
        f.tokens_.push_back({0, 0, lit});
      }
      continue;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      if (std::string_view("yMdHhmsSa").find(c) == std::string_view::npos) {
        return InvalidArgument("Unsupported pattern letter '" + std::string(1, c) +
                               "' in date format pattern '" + f.pattern_ +
                               "' (supported: y M d H h m s S a and quoted literals)");
      }
      size_t j = i;
      while (j < pattern.size() && pattern[j] == c) ++j;
      f.tokens_.push_back({c, static_cast<int>(j - i), ""});
      i = j;
      continue;
    }
    if (!f.tokens_.empty() && f.tokens_.back().letter == 0) {
      f.tokens_.back().literal += c;
    } else {
      f.tokens_.push_back({0, 0, std::string(1, c)});
    }
    ++i;
  }
  return f;
}

std::string DateFormat::Format(int64_t epoch_ms) const {
  int64_t days = FloorDiv(epoch_ms, kMillisPerDay);
  int64_t ms_of_day = FloorMod(epoch_ms, kMillisPerDay);
  CivilDate date = CivilFromDays(days);
  int hour = static_cast<int>(ms_of_day / 3600000);
  int minute = static_cast<int>(ms_of_day / 60000 % 60);
  int second = static_cast<int>(ms_of_day / 1000 % 60);
  int millis = static_cast<int>(ms_of_day % 1000);
  std::string out;
  for (const auto& t : tokens_) {
    switch (t.letter) {
      case 0:
        out += t.literal;
        break;
      case 'y':
        // Java prints the year of era (no sign): year 0 is 1 BC.
        if (t.count == 2) {
          out += Pad(FloorMod(date.year <= 0 ? 1 - date.year : date.year, 100), 2);
        } else {
          out += Pad(date.year <= 0 ? 1 - date.year : date.year, t.count);
        }
        break;
      case 'M':
        if (t.count >= 4) {
          out += kMonths[date.month - 1];
        } else if (t.count == 3) {
          out += std::string(kMonths[date.month - 1]).substr(0, 3);
        } else {
          out += Pad(date.month, t.count);
        }
        break;
      case 'd':
        out += Pad(date.day, t.count);
        break;
      case 'H':
        out += Pad(hour, t.count);
        break;
      case 'h':
        out += Pad(hour % 12 == 0 ? 12 : hour % 12, t.count);
        break;
      case 'm':
        out += Pad(minute, t.count);
        break;
      case 's':
        out += Pad(second, t.count);
        break;
      case 'S':
        out += Pad(millis, t.count);
        break;
      case 'a':
        out += hour < 12 ? "AM" : "PM";
        break;
    }
  }
  return out;
}

Result<int64_t> DateFormat::Parse(std::string_view text) const {
  auto fail = [&] {
    return DataError("Could not parse timestamp: value (" + std::string(text) +
                     ") does not match pattern (" + pattern_ + ")");
  };
  int64_t year = 1970, month = 1, day = 1, hour = 0, hour12 = -1, minute = 0, second = 0,
          millis = 0;
  int pm = -1;
  size_t pos = 0;
  for (size_t ti = 0; ti < tokens_.size(); ++ti) {
    const Token& t = tokens_[ti];
    if (t.letter == 0) {
      if (text.substr(pos, t.literal.size()) != t.literal) return fail();
      pos += t.literal.size();
      continue;
    }
    if (t.letter == 'a') {
      std::string word = ToUpper(text.substr(pos, 2));
      if (word == "AM") {
        pm = 0;
      } else if (word == "PM") {
        pm = 1;
      } else {
        return fail();
      }
      pos += 2;
      continue;
    }
    if (t.letter == 'M' && t.count >= 3) {
      bool found = false;
      for (int m = 0; m < 12 && !found; ++m) {
        std::string full = kMonths[m];
        for (const std::string& name : {full, full.substr(0, 3)}) {
          if (ToUpper(text.substr(pos, name.size())) == ToUpper(name)) {
            month = m + 1;
            pos += name.size();
            found = true;
            break;
          }
        }
      }
      if (!found) return fail();
      continue;
    }
    // Numeric field: exactly `count` digits when the next field abuts it, else all digits.
    bool abutting =
        ti + 1 < tokens_.size() && IsNumericField(tokens_[ti + 1].letter, tokens_[ti + 1].count);
    bool negative = false;
    if (t.letter == 'y' && pos < text.size() && text[pos] == '-' && !abutting) {
      negative = true;
      ++pos;
    }
    size_t start = pos;
    size_t limit =
        abutting ? std::min(text.size(), pos + static_cast<size_t>(t.count)) : text.size();
    while (pos < limit && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos == start || pos - start > 18) return fail();
    int64_t v = 0;
    std::from_chars(text.data() + start, text.data() + pos, v);
    if (negative) v = -v;
    switch (t.letter) {
      case 'y':
        if (t.count <= 2 && pos - start == 2 && !negative) {
          // SimpleDateFormat's default century: within 80 years before and 20 after now.
          auto now = std::chrono::system_clock::now().time_since_epoch();
          int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
          int64_t this_year = CivilFromDays(FloorDiv(now_ms, kMillisPerDay)).year;
          int64_t start_year = this_year - 80;
          int64_t candidate = start_year / 100 * 100 + v;
          if (candidate < start_year) candidate += 100;
          v = candidate;
        }
        year = v;
        break;
      case 'M':
        month = v;
        break;
      case 'd':
        day = v;
        break;
      case 'H':
        hour = v;
        break;
      case 'h':
        hour12 = v;
        break;
      case 'm':
        minute = v;
        break;
      case 's':
        second = v;
        break;
      case 'S':
        millis = v;
        break;
    }
  }
  if (hour12 >= 0) hour = hour12 % 12 + (pm == 1 ? 12 : 0);
  if (hour12 < 0 && pm == 1 && hour < 12) hour += 12;
  return DaysFromCivil(year, month, day) * kMillisPerDay + hour * 3600000 + minute * 60000 +
         second * 1000 + millis;
}

}  // namespace walrelay::transforms
