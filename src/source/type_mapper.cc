#include "source/type_mapper.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "common/java_format.h"
#include "common/log.h"
#include "common/strings.h"
#include "pg/connection.h"

// Conversions follow Debezium 2.x's PostgreSQL connector (PostgresValueConverter and the
// io.debezium.time / io.debezium.data helpers) as it behaves when streaming with pgoutput, where
// every value arrives as PostgreSQL's text output. Where Debezium's behaviour is surprising it is
// reproduced on purpose and explained next to the code, because downstream consumers compare
// walrelay's events with Debezium's byte for byte.

namespace walrelay::source {
namespace {

using data::SchemaBuilder;
using data::SchemaPtr;
using data::Type;
using data::Value;

constexpr std::string_view kComponent = "type_mapper";

// Built-in type oids (PostgreSQL's pg_type.dat; stable across versions).
enum : uint32_t {
  kBoolOid = 16,
  kByteaOid = 17,
  kCharOid = 18,
  kNameOid = 19,
  kInt8Oid = 20,
  kInt2Oid = 21,
  kInt4Oid = 23,
  kTextOid = 25,
  kOidOid = 26,
  kJsonOid = 114,
  kXmlOid = 142,
  kPointOid = 600,
  kCidrOid = 650,
  kFloat4Oid = 700,
  kFloat8Oid = 701,
  kMacaddr8Oid = 774,
  kMoneyOid = 790,
  kMacaddrOid = 829,
  kInetOid = 869,
  kBpcharOid = 1042,
  kVarcharOid = 1043,
  kDateOid = 1082,
  kTimeOid = 1083,
  kTimestampOid = 1114,
  kTimestamptzOid = 1184,
  kIntervalOid = 1186,
  kTimetzOid = 1266,
  kBitOid = 1560,
  kVarbitOid = 1562,
  kNumericOid = 1700,
  kUuidOid = 2950,
  kTsvectorOid = 3614,
  kJsonbOid = 3802,
  kInt4rangeOid = 3904,
  kNumrangeOid = 3906,
  kTsrangeOid = 3908,
  kTstzrangeOid = 3910,
  kDaterangeOid = 3912,
  kInt8rangeOid = 3926,
};

constexpr uint32_t kFirstNormalObjectId = 16384;  // oids below are built in

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400 * kMicrosPerSecond;

// pgjdbc's PGStatement.DATE_POSITIVE_INFINITY / DATE_NEGATIVE_INFINITY: Debezium turns timestamp
// 'infinity' into the LocalDateTime of these microseconds and emits its epoch micros (or millis).
constexpr int64_t kTimestampPositiveInfinityMicros = 9223372036825200000LL;
constexpr int64_t kTimestampNegativeInfinityMicros = -9223372036832400000LL;
// Debezium maps date 'infinity' / '-infinity' to LocalDate -5877611-06-21 / -22, whose epoch days
// are these (they equal PostgreSQL's DATEVAL_NOEND / NOBEGIN shifted to the Unix epoch, wrapped).
constexpr int32_t kDatePositiveInfinityDays = -2147472692;
constexpr int32_t kDateNegativeInfinityDays = -2147472691;

// MicroDuration's average month: 365.25 / 12 days.
constexpr double kDaysPerMonthAvg = 365.25 / 12.0;

SchemaPtr Named(Type type, std::string name, bool optional,
                std::vector<std::pair<std::string, std::string>> params = {}) {
  SchemaBuilder b(type);
  b.Name(std::move(name)).Version(1).Optional(optional);
  for (auto& [k, v] : params) b.Parameter(std::move(k), std::move(v));
  return b.Build();
}

// ---------------------------------------------------------------------------------------------
// Small parsers. All take the whole text and fail unless every character is consumed.

bool ParseInt64(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

template <typename F>
bool ParseFloat(std::string_view s, F& out) {
  // PostgreSQL prints "NaN", "Infinity", "-Infinity"; from_chars accepts those spellings.
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, size_t n, int64_t& out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  out = v;
  return true;
}

// Reads one or more digits (at most 18) at `pos`.
bool SomeDigits(std::string_view s, size_t& pos, int64_t& out, size_t* count = nullptr) {
  size_t start = pos;
  int64_t v = 0;
  while (pos < s.size() && IsDigit(s[pos]) && pos - start < 18) v = v * 10 + (s[pos++] - '0');
  if (pos == start || (pos < s.size() && IsDigit(s[pos]))) return false;
  if (count != nullptr) *count = pos - start;
  out = v;
  return true;
}

// Optional ".ffffff" (1 to 6 digits) -> microseconds.
bool FractionMicros(std::string_view s, size_t& pos, int64_t& micros) {
  micros = 0;
  if (pos >= s.size() || s[pos] != '.') return true;
  ++pos;
  size_t n = 0;
  while (pos < s.size() && IsDigit(s[pos])) {
    if (++n > 6) return false;
    micros = micros * 10 + (s[pos++] - '0');
  }
  if (n == 0) return false;
  for (size_t i = n; i < 6; ++i) micros *= 10;
  return true;
}

bool ValidDate(int64_t y, int64_t m, int64_t d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

// "YYYY-MM-DD" (year of 4+ digits) at `pos`; the era suffix " BC" is handled by the caller.
bool ParseDatePart(std::string_view s, size_t& pos, int64_t& year, int64_t& month, int64_t& day) {
  size_t n = 0;
  if (!SomeDigits(s, pos, year, &n) || n < 4) return false;
  if (pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, month)) return false;
  if (pos >= s.size() || s[pos++] != '-' || !Digits(s, pos, 2, day)) return false;
  return true;
}

// "HH:MM:SS[.ffffff]" -> microseconds of day; hour 24 is allowed only as 24:00:00.
bool ParseTimePart(std::string_view s, size_t& pos, int64_t& micros) {
  int64_t h, m, sec, frac;
  if (!Digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':') return false;
  if (!Digits(s, pos, 2, m) || pos >= s.size() || s[pos++] != ':') return false;
  if (!Digits(s, pos, 2, sec) || !FractionMicros(s, pos, frac)) return false;
  if (m > 59 || sec > 60 || h > 24) return false;
  micros = ((h * 60 + m) * 60 + sec) * kMicrosPerSecond + frac;
  return micros <= kMicrosPerDay;
}

// "+HH", "+HH:MM" or "+HH:MM:SS" -> seconds east of UTC.
bool ParseOffset(std::string_view s, size_t& pos, int64_t& seconds) {
  if (pos >= s.size() || (s[pos] != '+' && s[pos] != '-')) return false;
  const int64_t sign = s[pos++] == '-' ? -1 : 1;
  int64_t h = 0, m = 0, sec = 0;
  if (!Digits(s, pos, 2, h)) return false;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!Digits(s, pos, 2, m)) return false;
    if (pos < s.size() && s[pos] == ':') {
      ++pos;
      if (!Digits(s, pos, 2, sec)) return false;
    }
  }
  seconds = sign * (h * 3600 + m * 60 + sec);
  return true;
}

// Applies a trailing " BC" (PostgreSQL's ISO output for years <= 0): year N BC is year 1 - N.
bool ApplyEra(std::string_view s, size_t& pos, int64_t& year) {
  if (s.substr(pos) == " BC") {
    pos += 3;
    year = 1 - year;
  }
  return pos == s.size();
}

// date: "2024-01-02", "0044-03-15 BC" -> epoch days.
bool ParseDate(std::string_view s, int64_t& days) {
  if (s == "infinity") {
    days = kDatePositiveInfinityDays;
    return true;
  }
  if (s == "-infinity") {
    days = kDateNegativeInfinityDays;
    return true;
  }
  size_t pos = 0;
  int64_t y, m, d;
  if (!ParseDatePart(s, pos, y, m, d) || !ApplyEra(s, pos, y) || !ValidDate(y, m, d)) return false;
  days = DaysFromCivil(y, m, d);
  return true;
}

// timestamp / timestamptz: "2024-01-02 03:04:05.123456[+05:30][ BC]" -> epoch micros (UTC when an
// offset is present). `with_offset` requires the offset.
bool ParseTimestamp(std::string_view s, bool with_offset, int64_t& micros) {
  size_t pos = 0;
  int64_t y, m, d, tod, offset = 0;
  if (!ParseDatePart(s, pos, y, m, d)) return false;
  if (pos >= s.size() || (s[pos] != ' ' && s[pos] != 'T')) return false;
  ++pos;
  if (!ParseTimePart(s, pos, tod)) return false;
  if (with_offset && !ParseOffset(s, pos, offset)) return false;
  if (!ApplyEra(s, pos, y) || !ValidDate(y, m, d)) return false;
  micros = DaysFromCivil(y, m, d) * kMicrosPerDay + tod - offset * kMicrosPerSecond;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Formatting.

// io.debezium.time.ZonedTimestamp: ISO-8601 in UTC like Java's ISO_OFFSET_DATE_TIME (years past
// 9999 get a '+', negative years a '-' and at least four digits).
std::string FormatZonedTimestamp(int64_t epoch_micros, int fraction_width) {
  const int64_t days = FloorDiv(epoch_micros, kMicrosPerDay);
  const int64_t tod = epoch_micros - days * kMicrosPerDay;
  std::string out;
  out.reserve(32);
  AppendIsoDate(&out, CivilFromDays(days));
  out.push_back('T');
  AppendIsoTime(&out, tod * 1000, fraction_width);
  out.push_back('Z');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decimals.

// PostgreSQL numeric text: [-]digits[.digits]. NaN and infinities are reported separately.
struct DecimalText {
  bool negative = false;
  std::string_view int_digits;
  std::string_view frac_digits;
};

enum class Special { kNone, kNaN, kPositiveInfinity, kNegativeInfinity };

Special SpecialOf(std::string_view s) {
  if (s == "NaN") return Special::kNaN;
  if (s == "Infinity") return Special::kPositiveInfinity;
  if (s == "-Infinity") return Special::kNegativeInfinity;
  return Special::kNone;
}

bool ParseDecimalText(std::string_view s, DecimalText& out) {
  size_t pos = 0;
  out = DecimalText();
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) out.negative = s[pos++] == '-';
  size_t start = pos;
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  out.int_digits = s.substr(start, pos - start);
  if (pos < s.size() && s[pos] == '.') {
    start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    out.frac_digits = s.substr(start, pos - start);
  }
  return pos == s.size() && (!out.int_digits.empty() || !out.frac_digits.empty());
}

// bytea text output: hex ("\x0102") or the legacy escape format ("a\\b\001").
bool ParseBytea(std::string_view s, std::string& out) {
  out.clear();
  if (s.size() >= 2 && s[0] == '\\' && s[1] == 'x') {
    out.reserve((s.size() - 2) / 2);
    for (size_t i = 2; i < s.size();) {
      if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {  // byteain allows these
        ++i;
        continue;
      }
      if (i + 1 >= s.size()) return false;
      int hi = HexDigitValue(s[i]), lo = HexDigitValue(s[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    }
    return true;
  }
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out.push_back(s[i]);
    } else if (i + 1 < s.size() && s[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < s.size() && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' &&
               s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + s[i + 3] - '0'));
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

// One 'postgres'-style interval ("1 year 2 mons -3 days +04:05:06.78") split as pgjdbc's
// PGInterval does: seconds are whole seconds plus microseconds, each carrying the sign.
struct IntervalParts {
  int64_t years = 0, months = 0, days = 0, hours = 0, minutes = 0;
  int64_t whole_seconds = 0, micros = 0;
  double Seconds() const {
    return static_cast<double>(whole_seconds) + static_cast<double>(micros) / 1e6;
  }
};

bool ParseInterval(std::string_view s, IntervalParts& out) {
  out = IntervalParts();
  size_t pos = 0;
  bool any = false;
  auto skip_spaces = [&] {
    while (pos < s.size() && s[pos] == ' ') ++pos;
  };
  skip_spaces();
  while (pos < s.size()) {
    size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    std::string_view token = s.substr(pos, end - pos);
    if (token.find(':') != std::string_view::npos) {
      // [+-]H+:MM[:SS[.ffffff]]
      size_t p = 0;
      int64_t sign = 1;
      if (token[p] == '-' || token[p] == '+') sign = token[p++] == '-' ? -1 : 1;
      int64_t h, m, sec = 0, frac = 0;
      if (!SomeDigits(token, p, h) || p >= token.size() || token[p++] != ':') return false;
      if (!Digits(token, p, 2, m)) return false;
      if (p < token.size()) {
        if (token[p++] != ':' || !Digits(token, p, 2, sec) || !FractionMicros(token, p, frac)) {
          return false;
        }
      }
      if (p != token.size()) return false;
      out.hours = sign * h;
      out.minutes = sign * m;
      out.whole_seconds = sign * sec;
      out.micros = sign * frac;
      pos = end;
    } else {
      int64_t v;
      if (!ParseInt64(token, v)) return false;
      pos = end;
      skip_spaces();
      size_t uend = s.find(' ', pos);
      if (uend == std::string_view::npos) uend = s.size();
      std::string_view unit = s.substr(pos, uend - pos);
      if (unit == "year" || unit == "years") {
        out.years = v;
      } else if (unit == "mon" || unit == "mons") {
        out.months = v;
      } else if (unit == "day" || unit == "days") {
        out.days = v;
      } else {
        return false;
      }
      pos = uend;
    }
    any = true;
    skip_spaces();
  }
  return any;
}

// io.debezium.time.MicroDuration.durationMicros with the same double arithmetic (so rounding
// matches bit for bit) and Java's saturating (long) cast.
int64_t DurationMicros(const IntervalParts& p) {
  const double days =
      static_cast<double>(static_cast<int32_t>(p.years * 12 + p.months)) * kDaysPerMonthAvg +
      static_cast<double>(p.days);
  const double seconds =
      (((days * 24 + static_cast<double>(p.hours)) * 60) + static_cast<double>(p.minutes)) * 60 +
      p.Seconds();
  const double micros = seconds * 1e6;
  if (std::isnan(micros)) return 0;
  if (micros >= 9.2233720368547758e18) return std::numeric_limits<int64_t>::max();
  if (micros <= -9.2233720368547758e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(micros);
}

// io.debezium.time.Interval.toIsoString: seconds as BigDecimal.valueOf(double), cut to 6
// decimals, trailing zeros stripped, plain notation.
std::string IntervalIsoString(const IntervalParts& p) {
  std::string out = "P" + std::to_string(p.years) + "Y" + std::to_string(p.months) + "M" +
                    std::to_string(p.days) + "DT" + std::to_string(p.hours) + "H" +
                    std::to_string(p.minutes) + "M";
  const double secs = p.Seconds();
  std::string digits;
  int point;
  JavaDoubleDigits(secs, &digits, &point);
  if (digits.empty()) return out + "0S";
  // Keep at most 6 fractional digits (RoundingMode.DOWN), then strip trailing zeros again.
  const int64_t keep = static_cast<int64_t>(point) + 6;
  if (keep <= 0) return out + "0S";
  if (static_cast<int64_t>(digits.size()) > keep) digits.resize(static_cast<size_t>(keep));
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  if (digits.empty()) return out + "0S";
  if (secs < 0) out.push_back('-');
  if (point <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-point), '0');
    out += digits;
  } else if (static_cast<size_t>(point) >= digits.size()) {
    out += digits;
    out.append(static_cast<size_t>(point) - digits.size(), '0');
  } else {
    out += digits.substr(0, static_cast<size_t>(point));
    out.push_back('.');
    out += digits.substr(static_cast<size_t>(point));
  }
  return out + "S";
}

// money text output with lc_monetary=C: "$1,234.56", "-$1,234.56" (also "($1.00)").
bool ParseMoney(std::string_view s, bool& negative, std::string& digits, size_t& frac_len) {
  negative = false;
  digits.clear();
  frac_len = 0;
  bool seen_point = false, any = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '-' && !any) {
      negative = true;
    } else if (c == '(' && i == 0 && s.back() == ')') {
      negative = true;
      s.remove_suffix(1);
    } else if (c == '$' || c == ',' || c == ' ') {
      continue;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else if (IsDigit(c)) {
      digits.push_back(c);
      any = true;
      if (seen_point) ++frac_len;
    } else {
      return false;
    }
  }
  return any;
}

}  // namespace

// ---------------------------------------------------------------------------------------------

// Everything FromText needs, decided once in TypeMapper::Map.
struct ColumnMapping::Impl {
  enum class Kind : uint8_t {
    kBool,
    kInt,
    kFloat32,
    kFloat64,
    kText,
    kDecimal,          // precise, declared scale: Connect Decimal
    kVariableDecimal,  // precise, no typmod: VariableScaleDecimal struct
    kDecimalDouble,
    kDecimalString,
    kMoney,
    kMoneyDouble,
    kMoneyString,
    kBytes,
    kBytesBase64,
    kBytesBase64Url,
    kBytesHex,
    kDate,
    kTimeMicros,
    kTimeMillis,
    kTimestampMicros,
    kTimestampMillis,
    kTimestampTz,
    kTimeTz,
    kIntervalMicros,
    kIntervalString,
    kBitBool,
    kBits,
    kArray,
  };

  Kind kind = Kind::kText;
  int64_t min = 0, max = 0;  // kInt range
  int32_t scale = 0;         // kDecimal / kDecimalString (declared scale, -1 none); kTimestampTz
                             // fraction width (0 = shortest)
  std::string type_name;
  SchemaPtr schema;  // this level's schema (struct values carry it)
  std::shared_ptr<const Impl> element;

  Result<Value> Convert(std::string_view text) const;
  Status Error(std::string_view text, std::string_view why = {}) const;
  Result<Value> ConvertArray(std::string_view text) const;
  Result<Value> ParseArrayLevel(std::string_view text, size_t& pos, std::string& buf,
                                int depth) const;

  // Fills `impl` and returns its schema; nullptr when the type is not one walrelay maps.
  static SchemaPtr Build(const TypeCatalog* catalog, const TypeModes& modes, uint32_t oid,
                         int32_t typmod, bool optional, int depth, Impl& impl);
};

Status ColumnMapping::Impl::Error(std::string_view text, std::string_view why) const {
  constexpr size_t kMaxShown = 200;
  std::string shown(text.substr(0, kMaxShown));
  if (text.size() > kMaxShown) shown += "...";
  std::string msg = "cannot convert " + type_name + " value '" + shown + "'";
  if (!why.empty()) msg.append(": ").append(why);
  return DataError(std::move(msg));
}

Result<Value> ColumnMapping::FromText(std::string_view text) const {
  if (!impl_) return DataError("column mapping used before TypeMapper::Map built it");
  return impl_->Convert(text);
}

Result<Value> ColumnMapping::Impl::Convert(std::string_view text) const {
  switch (kind) {
    case Kind::kBool:
      if (text == "t" || text == "true") return Value(true);
      if (text == "f" || text == "false") return Value(false);
      return Error(text);
    case Kind::kInt: {
      int64_t v;
      if (!ParseInt64(text, v)) return Error(text);
      if (v < min || v > max) return Error(text, "out of range");
      return Value(v);
    }
    case Kind::kFloat32: {
      // Float.parseFloat then widened: the value is exactly the float PostgreSQL printed.
      float f;
      if (!ParseFloat(text, f)) return Error(text);
      return Value(static_cast<double>(f));
    }
    case Kind::kFloat64: {
      double d;
      if (!ParseFloat(text, d)) return Error(text);
      return Value(d);
    }
    case Kind::kText:
      return Value(std::string(text));
    case Kind::kDecimal:
    case Kind::kVariableDecimal:
    case Kind::kDecimalString: {
      const Special special = SpecialOf(text);
      if (special != Special::kNone) {
        if (kind == Kind::kDecimalString) {
          // SpecialValueDecimal.toString() is the enum constant's name.
          return Value(special == Special::kNaN                ? "NAN"
                       : special == Special::kPositiveInfinity ? "POSITIVE_INFINITY"
                                                               : "NEGATIVE_INFINITY");
        }
        // Debezium throws here ("Got a special value (NaN/Infinity) for Decimal type ... set
        // decimal handling mode to 'string'") and the connector fails; a Decimal cannot hold it
        // and emitting null would silently lose data, so this is a data error too.
        return Error(text,
                     "NaN and Infinity cannot be represented with decimal.handling.mode=precise; "
                     "use 'string' or 'double'");
      }
      DecimalText d;
      if (!ParseDecimalText(text, d)) return Error(text);
      std::string digits;
      digits.reserve(d.int_digits.size() + d.frac_digits.size() + 8);
      digits.append(d.int_digits);
      size_t frac = d.frac_digits.size();
      if (kind == Kind::kVariableDecimal) {
        // BigDecimal.stripTrailingZeros, never going below scale 0.
        std::string_view f = d.frac_digits;
        while (!f.empty() && f.back() == '0') f.remove_suffix(1);
        digits.append(f);
        frac = f.size();
      } else if (scale >= 0) {
        // withScaleAdjustedIfNeeded: setScale(declared scale) without rounding.
        const size_t want = static_cast<size_t>(scale);
        if (frac > want) {
          for (size_t i = want; i < frac; ++i) {
            if (d.frac_digits[i] != '0') return Error(text, "more decimals than the column scale");
          }
          digits.append(d.frac_digits.substr(0, want));
        } else {
          digits.append(d.frac_digits);
          digits.append(want - frac, '0');
        }
        frac = want;
      } else if (kind == Kind::kDecimal) {
        // Negative declared scale (PostgreSQL 15+): the unscaled value drops -scale zeros.
        digits.append(d.frac_digits);
        for (size_t i = frac; i > 0; --i) {
          if (digits.back() != '0') return Error(text, "more decimals than the column scale");
          digits.pop_back();
        }
        frac = 0;
        for (int32_t i = 0; i < -scale; ++i) {
          if (digits.empty() || digits.back() != '0') {
            return Error(text, "not a multiple of the column's negative scale");
          }
          digits.pop_back();
        }
      } else {
        digits.append(d.frac_digits);
      }
      if (kind == Kind::kDecimalString) {
        std::string_view u = digits;
        while (u.size() > 1 && u.front() == '0') u.remove_prefix(1);
        if (u.empty()) u = "0";
        std::string out;
        AppendJavaBigDecimal(&out, d.negative, u, static_cast<int32_t>(frac));
        return Value(std::move(out));
      }
      data::Bytes unscaled{DigitsToUnscaled(d.negative, digits)};
      if (kind == Kind::kDecimal) return Value(std::move(unscaled));
      data::Struct s;
      s.schema = schema;
      s.values.reserve(2);
      s.values.emplace_back(static_cast<int64_t>(frac));
      s.values.emplace_back(std::move(unscaled));
      return Value(std::move(s));
    }
    case Kind::kDecimalDouble: {
      double v;
      if (!ParseFloat(text, v)) return Error(text);
      return Value(v);
    }
    case Kind::kMoney:
    case Kind::kMoneyDouble:
    case Kind::kMoneyString: {
      bool negative;
      std::string digits;
      size_t frac;
      if (!ParseMoney(text, negative, digits, frac)) return Error(text);
      if (kind != Kind::kMoneyDouble) {
        // money.fraction.digits=2: setScale(2, HALF_UP).
        if (frac < 2) {
          digits.append(2 - frac, '0');
        } else if (frac > 2) {
          const bool round_up = digits[digits.size() - frac + 2] >= '5';
          digits.resize(digits.size() - frac + 2);
          for (size_t i = digits.size(); round_up && i-- > 0;) {
            if (digits[i] == '9') {
              digits[i] = '0';
              if (i == 0) digits.insert(digits.begin(), '1');
            } else {
              ++digits[i];
              break;
            }
          }
        }
        if (kind == Kind::kMoney) return Value(data::Bytes{DigitsToUnscaled(negative, digits)});
        // String mode: that BigDecimal's toString ("-0.50", never an exponent at scale 2), as
        // Debezium 3.x prints it (2.x printed pgjdbc's double with Double.toString: "-0.5").
        while (digits.size() < 3) digits.insert(digits.begin(), '0');
        digits.insert(digits.size() - 2, ".");
        const bool zero = digits.find_first_not_of("0.") == std::string::npos;
        return Value((negative && !zero ? "-" : "") + digits);
      }
      // pgjdbc's PGmoney holds a double; Debezium emits it.
      std::string plain = digits;
      if (frac > 0) plain.insert(plain.size() - frac, ".");
      double v;
      if (!ParseFloat(plain, v)) return Error(text);
      return Value(negative ? -v : v);
    }
    case Kind::kBytes:
    case Kind::kBytesBase64:
    case Kind::kBytesBase64Url:
    case Kind::kBytesHex: {
      std::string raw;
      if (!ParseBytea(text, raw)) return Error(text);
      if (kind == Kind::kBytes) return Value(data::Bytes{std::move(raw)});
      if (kind == Kind::kBytesHex) {
        static constexpr char kHex[] = "0123456789abcdef";
        std::string hex;
        hex.reserve(raw.size() * 2);
        for (unsigned char c : raw) {
          hex.push_back(kHex[c >> 4]);
          hex.push_back(kHex[c & 15]);
        }
        return Value(std::move(hex));
      }
      return Value(Base64Encode(
          raw, kind == Kind::kBytesBase64Url ? Base64Alphabet::kUrlSafe : Base64Alphabet::kBasic));
    }
    case Kind::kDate: {
      int64_t days;
      if (!ParseDate(text, days)) return Error(text);
      if (days < std::numeric_limits<int32_t>::min() ||
          days > std::numeric_limits<int32_t>::max()) {
        return Error(text, "out of range");
      }
      return Value(days);
    }
    case Kind::kTimeMicros:
    case Kind::kTimeMillis: {
      size_t pos = 0;
      int64_t micros;
      if (!ParseTimePart(text, pos, micros) || pos != text.size()) return Error(text);
      return Value(kind == Kind::kTimeMicros ? micros : micros / 1000);
    }
    case Kind::kTimestampMicros:
    case Kind::kTimestampMillis: {
      int64_t micros;
      if (text == "infinity") {
        micros = kTimestampPositiveInfinityMicros;
      } else if (text == "-infinity") {
        micros = kTimestampNegativeInfinityMicros;
      } else if (!ParseTimestamp(text, false, micros)) {
        return Error(text);
      }
      return Value(kind == Kind::kTimestampMicros ? micros : FloorDiv(micros, 1000));
    }
    case Kind::kTimestampTz: {
      // Debezium passes the infinities on as PostgreSQL spells them.
      if (text == "infinity" || text == "-infinity") return Value(std::string(text));
      int64_t micros;
      if (!ParseTimestamp(text, true, micros)) return Error(text);
      return Value(FormatZonedTimestamp(micros, scale));
    }
    case Kind::kTimeTz: {
      size_t pos = 0;
      int64_t micros, offset;
      if (!ParseTimePart(text, pos, micros) || !ParseOffset(text, pos, offset) ||
          pos != text.size()) {
        return Error(text);
      }
      std::string out;
      out.reserve(20);
      if (micros == kMicrosPerDay && offset == 0) {
        out = "24:00:00";  // PostgreSQL's end-of-day boundary, kept as Debezium does
      } else {
        int64_t utc = (micros - offset * kMicrosPerSecond) % kMicrosPerDay;
        if (utc < 0) utc += kMicrosPerDay;
        AppendIsoTime(&out, utc * 1000, 0);
      }
      out.push_back('Z');
      return Value(std::move(out));
    }
    case Kind::kIntervalMicros:
    case Kind::kIntervalString: {
      IntervalParts parts;
      if (!ParseInterval(text, parts)) return Error(text);
      if (kind == Kind::kIntervalMicros) return Value(DurationMicros(parts));
      return Value(IntervalIsoString(parts));
    }
    case Kind::kBitBool:
      if (text == "1") return Value(true);
      if (text == "0") return Value(false);
      return Error(text);
    case Kind::kBits: {
      // Like Debezium's BitSet: the last character is bit 0; bytes are little-endian and only as
      // many as the highest set bit needs (empty when no bit is set).
      std::string bytes;
      const size_t n = text.size();
      for (size_t i = 0; i < n; ++i) {
        const char c = text[n - 1 - i];
        if (c == '1') {
          if (bytes.size() < i / 8 + 1) bytes.resize(i / 8 + 1, '\0');
          bytes[i / 8] = static_cast<char>(bytes[i / 8] | (1 << (i % 8)));
        } else if (c != '0') {
          return Error(text);
        }
      }
      return Value(data::Bytes{std::move(bytes)});
    }
    case Kind::kArray:
      return ConvertArray(text);
  }
  return Error(text, "unhandled kind");
}

// PostgreSQL array output: "{1,2,NULL}", "{\"a b\",\"c\\\"d\"}", "{{1,2},{3,4}}", optionally
// preceded by dimension bounds ("[0:1]={1,2}"). Multi-dimensional arrays become nested arrays.
Result<Value> ColumnMapping::Impl::ConvertArray(std::string_view text) const {
  size_t pos = 0;
  if (!text.empty() && text[0] == '[') {
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) return Error(text, "bad array dimensions");
    pos = eq + 1;
  }
  std::string buf;
  auto value = ParseArrayLevel(text, pos, buf, 0);
  if (!value.ok()) return value;
  while (pos < text.size() && text[pos] == ' ') ++pos;
  if (pos != text.size()) return Error(text, "trailing characters after array");
  return value;
}

Result<Value> ColumnMapping::Impl::ParseArrayLevel(std::string_view text, size_t& pos,
                                                   std::string& buf, int depth) const {
  constexpr int kMaxDepth = 6;  // PostgreSQL's MAXDIM
  if (depth > kMaxDepth) return Error(text, "too many array dimensions");
  auto skip_ws = [&] {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n')) {
      ++pos;
    }
  };
  skip_ws();
  if (pos >= text.size() || text[pos] != '{') return Error(text, "expected '{'");
  ++pos;
  data::Array items;
  skip_ws();
  if (pos < text.size() && text[pos] == '}') {
    ++pos;
    return Value(std::move(items));
  }
  while (true) {
    skip_ws();
    if (pos >= text.size()) return Error(text, "unterminated array");
    if (text[pos] == '{') {
      auto nested = ParseArrayLevel(text, pos, buf, depth + 1);
      if (!nested.ok()) return nested;
      items.push_back(std::move(nested).value());
    } else {
      buf.clear();
      bool quoted = false, escaped = false;
      if (text[pos] == '"') {
        quoted = true;
        ++pos;
        while (pos < text.size() && text[pos] != '"') {
          if (text[pos] == '\\') {
            if (++pos >= text.size()) break;
          }
          buf.push_back(text[pos++]);
        }
        if (pos >= text.size()) return Error(text, "unterminated quoted array element");
        ++pos;
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '}') {
          if (text[pos] == '\\') {
            escaped = true;
            if (++pos >= text.size()) break;
          }
          buf.push_back(text[pos++]);
        }
        while (!buf.empty() && (buf.back() == ' ' || buf.back() == '\t' || buf.back() == '\n')) {
          buf.pop_back();
        }
      }
      if (!quoted && !escaped && EqualsIgnoreCase(buf, "NULL")) {
        items.emplace_back();
      } else {
        auto item = element->Convert(buf);
        if (!item.ok()) return Error(text, item.status().message());
        items.push_back(std::move(item).value());
      }
    }
    skip_ws();
    if (pos >= text.size()) return Error(text, "unterminated array");
    if (text[pos] == ',') {
      ++pos;
      continue;
    }
    if (text[pos] == '}') {
      ++pos;
      return Value(std::move(items));
    }
    return Error(text, "expected ',' or '}' in array");
  }
}

SchemaPtr ColumnMapping::Impl::Build(const TypeCatalog* catalog, const TypeModes& modes,
                                     uint32_t oid, int32_t typmod, bool optional, int depth,
                                     Impl& impl) {
  constexpr int kMaxDomainDepth = 16;
  const PgType* type = catalog != nullptr ? catalog->Find(oid) : nullptr;
  // Domains are their base type; a domain's own typmod applies when the column has none.
  while (type != nullptr && type->typtype == 'd' && depth < kMaxDomainDepth) {
    if (typmod == -1) typmod = type->base_typmod;
    oid = type->base_oid;
    type = catalog->Find(oid);
    ++depth;
  }
  impl.type_name = type != nullptr ? type->name : "oid " + std::to_string(oid);

  auto simple = [&](Kind kind, Type t) {
    impl.kind = kind;
    return data::PrimitiveSchema(t, optional);
  };
  auto integer = [&](Type t, int64_t lo, int64_t hi) {
    impl.kind = Kind::kInt;
    impl.min = lo;
    impl.max = hi;
    return data::PrimitiveSchema(t, optional);
  };
  // time / timestamp precision: typmod is the precision, 6 when unspecified.
  const int32_t time_precision = typmod >= 0 ? typmod : 6;

  switch (oid) {
    case kBoolOid:
      return simple(Kind::kBool, Type::kBoolean);
    case kInt2Oid:
      return integer(Type::kInt16, std::numeric_limits<int16_t>::min(),
                     std::numeric_limits<int16_t>::max());
    case kInt4Oid:
      return integer(Type::kInt32, std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max());
    case kInt8Oid:
      return integer(Type::kInt64, std::numeric_limits<int64_t>::min(),
                     std::numeric_limits<int64_t>::max());
    case kOidOid:
      return integer(Type::kInt64, 0, std::numeric_limits<uint32_t>::max());
    case kFloat4Oid:
      return simple(Kind::kFloat32, Type::kFloat32);
    case kFloat8Oid:
      return simple(Kind::kFloat64, Type::kFloat64);
    case kTextOid:
    case kVarcharOid:
    case kBpcharOid:  // char(n) keeps its blank padding, as PostgreSQL prints it
    case kNameOid:
    case kCharOid:
    case kInetOid:
    case kCidrOid:
    case kMacaddrOid:
    case kMacaddr8Oid:
    case kInt4rangeOid:  // Debezium emits the built-in ranges as plain strings
    case kNumrangeOid:
    case kTsrangeOid:
    case kTstzrangeOid:
    case kDaterangeOid:
    case kInt8rangeOid:
      return simple(Kind::kText, Type::kString);
    case kUuidOid:
      impl.kind = Kind::kText;
      return Named(Type::kString, "io.debezium.data.Uuid", optional);
    case kJsonOid:
    case kJsonbOid:
      impl.kind = Kind::kText;
      return Named(Type::kString, "io.debezium.data.Json", optional);
    case kXmlOid:
      impl.kind = Kind::kText;
      return Named(Type::kString, "io.debezium.data.Xml", optional);
    case kNumericOid: {
      // typmod = ((precision << 16) | scale) + VARHDRSZ; scale is an 11-bit signed field.
      const bool declared = typmod >= 4;
      const int32_t precision = declared ? ((typmod - 4) >> 16) & 0xffff : 0;
      const int32_t scale = declared ? ((((typmod - 4) & 0x7ff) ^ 1024) - 1024) : 0;
      switch (modes.decimal) {
        case DecimalHandlingMode::kDouble:
          return simple(Kind::kDecimalDouble, Type::kFloat64);
        case DecimalHandlingMode::kString:
          impl.kind = Kind::kDecimalString;
          impl.scale = declared ? scale : -1;
          return data::PrimitiveSchema(Type::kString, optional);
        case DecimalHandlingMode::kPrecise:
          break;
      }
      if (!declared) {
        impl.kind = Kind::kVariableDecimal;
        impl.schema = SchemaBuilder(Type::kStruct)
                          .Name("io.debezium.data.VariableScaleDecimal")
                          .Version(1)
                          .Doc("Variable scaled decimal")
                          .Optional(optional)
                          .AddField("scale", data::PrimitiveSchema(Type::kInt32, false))
                          .AddField("value", data::PrimitiveSchema(Type::kBytes, false))
                          .Build();
        return impl.schema;
      }
      impl.kind = Kind::kDecimal;
      impl.scale = scale;
      return Named(Type::kBytes, "org.apache.kafka.connect.data.Decimal", optional,
                   {{"scale", std::to_string(scale)},
                    {"connect.decimal.precision", std::to_string(precision)}});
    }
    case kMoneyOid:
      switch (modes.decimal) {
        case DecimalHandlingMode::kDouble:
          return simple(Kind::kMoneyDouble, Type::kFloat64);
        case DecimalHandlingMode::kString:
          return simple(Kind::kMoneyString, Type::kString);
        case DecimalHandlingMode::kPrecise:
          break;
      }
      // Decimal.builder(money.fraction.digits): no precision parameter.
      impl.kind = Kind::kMoney;
      return Named(Type::kBytes, "org.apache.kafka.connect.data.Decimal", optional,
                   {{"scale", "2"}});
    case kByteaOid:
      switch (modes.binary) {
        case BinaryHandlingMode::kBytes:
          return simple(Kind::kBytes, Type::kBytes);
        case BinaryHandlingMode::kBase64:
          return simple(Kind::kBytesBase64, Type::kString);
        case BinaryHandlingMode::kBase64UrlSafe:
          return simple(Kind::kBytesBase64Url, Type::kString);
        case BinaryHandlingMode::kHex:
          return simple(Kind::kBytesHex, Type::kString);
      }
      break;
    case kDateOid:
      impl.kind = Kind::kDate;
      return Named(Type::kInt32,
                   modes.time == TimePrecisionMode::kConnect ? "org.apache.kafka.connect.data.Date"
                                                             : "io.debezium.time.Date",
                   optional);
    case kTimeOid:
      if (modes.time == TimePrecisionMode::kConnect) {
        impl.kind = Kind::kTimeMillis;
        return Named(Type::kInt32, "org.apache.kafka.connect.data.Time", optional);
      }
      if (modes.time == TimePrecisionMode::kAdaptive && time_precision <= 3) {
        impl.kind = Kind::kTimeMillis;
        return Named(Type::kInt32, "io.debezium.time.Time", optional);
      }
      impl.kind = Kind::kTimeMicros;
      return Named(Type::kInt64, "io.debezium.time.MicroTime", optional);
    case kTimestampOid:
      if (modes.time == TimePrecisionMode::kConnect) {
        impl.kind = Kind::kTimestampMillis;
        return Named(Type::kInt64, "org.apache.kafka.connect.data.Timestamp", optional);
      }
      if (time_precision <= 3) {
        impl.kind = Kind::kTimestampMillis;
        return Named(Type::kInt64, "io.debezium.time.Timestamp", optional);
      }
      impl.kind = Kind::kTimestampMicros;
      return Named(Type::kInt64, "io.debezium.time.MicroTimestamp", optional);
    case kTimestamptzOid:
      // Since Debezium 2.2 (DBZ-6163) the fraction has exactly the column's precision digits
      // (6 when unspecified); precision 0 falls back to ISO_OFFSET_DATE_TIME's shortest form.
      impl.kind = Kind::kTimestampTz;
      impl.scale = typmod == -1 ? 6 : (typmod > 6 ? 6 : typmod);
      return Named(Type::kString, "io.debezium.time.ZonedTimestamp", optional);
    case kTimetzOid:
      impl.kind = Kind::kTimeTz;
      return Named(Type::kString, "io.debezium.time.ZonedTime", optional);
    case kIntervalOid:
      if (modes.interval == IntervalHandlingMode::kString) {
        impl.kind = Kind::kIntervalString;
        return Named(Type::kString, "io.debezium.time.Interval", optional);
      }
      impl.kind = Kind::kIntervalMicros;
      return Named(Type::kInt64, "io.debezium.time.MicroDuration", optional);
    case kBitOid:
    case kVarbitOid: {
      // bit without length is bit(1); varbit without length is unbounded (Integer.MAX_VALUE).
      const int64_t length = typmod >= 0 ? typmod : (oid == kBitOid ? 1 : 2147483647);
      if (length <= 1) return simple(Kind::kBitBool, Type::kBoolean);
      impl.kind = Kind::kBits;
      return Named(Type::kBytes, "io.debezium.data.Bits", optional,
                   {{"length", std::to_string(length)}});
    }
    default:
      break;
  }

  if (type == nullptr) return nullptr;
  if (type->typtype == 'e') {
    impl.kind = Kind::kText;
    std::string allowed;
    for (size_t i = 0; i < type->enum_labels.size(); ++i) {
      if (i > 0) allowed.push_back(',');
      allowed += type->enum_labels[i];
    }
    return Named(Type::kString, "io.debezium.data.Enum", optional, {{"allowed", allowed}});
  }
  if (type->element_oid != 0 && depth < kMaxDomainDepth) {
    auto element = std::make_shared<Impl>();
    SchemaPtr items =
        Build(catalog, modes, type->element_oid, typmod, /*optional=*/true, depth + 1, *element);
    if (items == nullptr || element->kind == Kind::kArray) return nullptr;
    const PgType* element_type = catalog->Find(type->element_oid);
    if (element_type != nullptr && element_type->typtype == 'e') {
      // Debezium builds enum array items without optional() (PostgresValueConverter).
      items = data::WithOptional(items, false);
    }
    if (element->schema == nullptr) element->schema = items;
    impl.kind = Kind::kArray;
    impl.element = std::move(element);
    return SchemaBuilder(Type::kArray).Items(std::move(items)).Optional(optional).Build();
  }
  if (type->name == "citext") return simple(Kind::kText, Type::kString);
  return nullptr;
}

// ---------------------------------------------------------------------------------------------

ColumnMapping TypeMapper::Map(uint32_t type_oid, int32_t type_modifier, bool optional) {
  using Kind = ColumnMapping::Impl::Kind;
  auto impl = std::make_shared<ColumnMapping::Impl>();
  ColumnMapping mapping;
  SchemaPtr schema =
      ColumnMapping::Impl::Build(catalog_, modes_, type_oid, type_modifier, optional, 0, *impl);
  if (schema == nullptr) {
    if (!warned_[type_oid]) {
      warned_[type_oid] = true;
      LogWarn(kComponent, "PostgreSQL type " + impl->type_name + " (oid " +
                              std::to_string(type_oid) +
                              ") has no Debezium mapping; passing its text form on as an "
                              "optional string");
    }
    impl = std::make_shared<ColumnMapping::Impl>();
    impl->kind = Kind::kText;
    impl->type_name = "oid " + std::to_string(type_oid);
    schema = data::PrimitiveSchema(Type::kString, true);
    mapping.passthrough_ = true;
  }
  if (impl->schema == nullptr) impl->schema = schema;
  mapping.schema_ = std::move(schema);
  mapping.impl_ = std::move(impl);
  return mapping;
}

// ---------------------------------------------------------------------------------------------

TypeCatalog::TypeCatalog() {
  struct Seed {
    uint32_t oid;
    const char* name;
    uint32_t array_oid;
    char typtype;
  };
  static constexpr Seed kSeeds[] = {
      {kBoolOid, "bool", 1000, 'b'},
      {kByteaOid, "bytea", 1001, 'b'},
      {kCharOid, "char", 1002, 'b'},
      {kNameOid, "name", 1003, 'b'},
      {kInt8Oid, "int8", 1016, 'b'},
      {kInt2Oid, "int2", 1005, 'b'},
      {kInt4Oid, "int4", 1007, 'b'},
      {kTextOid, "text", 1009, 'b'},
      {kOidOid, "oid", 1028, 'b'},
      {kJsonOid, "json", 199, 'b'},
      {kXmlOid, "xml", 143, 'b'},
      {kPointOid, "point", 1017, 'b'},
      {kCidrOid, "cidr", 651, 'b'},
      {kFloat4Oid, "float4", 1021, 'b'},
      {kFloat8Oid, "float8", 1022, 'b'},
      {kMacaddr8Oid, "macaddr8", 775, 'b'},
      {kMoneyOid, "money", 791, 'b'},
      {kMacaddrOid, "macaddr", 1040, 'b'},
      {kInetOid, "inet", 1041, 'b'},
      {kBpcharOid, "bpchar", 1014, 'b'},
      {kVarcharOid, "varchar", 1015, 'b'},
      {kDateOid, "date", 1182, 'b'},
      {kTimeOid, "time", 1183, 'b'},
      {kTimestampOid, "timestamp", 1115, 'b'},
      {kTimestamptzOid, "timestamptz", 1185, 'b'},
      {kIntervalOid, "interval", 1187, 'b'},
      {kTimetzOid, "timetz", 1270, 'b'},
      {kBitOid, "bit", 1561, 'b'},
      {kVarbitOid, "varbit", 1563, 'b'},
      {kNumericOid, "numeric", 1231, 'b'},
      {kUuidOid, "uuid", 2951, 'b'},
      {kTsvectorOid, "tsvector", 3643, 'b'},
      {kJsonbOid, "jsonb", 3807, 'b'},
      {kInt4rangeOid, "int4range", 3905, 'r'},
      {kNumrangeOid, "numrange", 3907, 'r'},
      {kTsrangeOid, "tsrange", 3909, 'r'},
      {kTstzrangeOid, "tstzrange", 3911, 'r'},
      {kDaterangeOid, "daterange", 3913, 'r'},
      {kInt8rangeOid, "int8range", 3927, 'r'},
  };
  for (const Seed& s : kSeeds) {
    PgType base;
    base.oid = s.oid;
    base.name = s.name;
    base.typtype = s.typtype;
    Add(std::move(base));
    PgType array;
    array.oid = s.array_oid;
    array.name = std::string("_") + s.name;
    array.element_oid = s.oid;
    Add(std::move(array));
  }
}

void TypeCatalog::Add(PgType type) {
  const uint32_t oid = type.oid;
  types_[oid] = std::move(type);
}

const PgType* TypeCatalog::Find(uint32_t oid) const {
  auto it = types_.find(oid);
  return it == types_.end() ? nullptr : &it->second;
}

Status TypeCatalog::Load(pg::Connection& conn) {
  // Arrays are the types whose subscripting is array_subscript_handler (PostgreSQL 14+), or of
  // category 'A' before that; typelem alone also marks fixed-length types such as point.
  const std::string array_test = conn.ServerVersion() >= 140000
                                     ? "t.typsubscript = 'array_subscript_handler'::regproc"
                                     : "t.typcategory = 'A'";
  const std::string sql =
      "SELECT t.oid, t.typname, t.typtype, t.typbasetype, t.typtypmod, "
      "CASE WHEN " +
      array_test +
      " THEN t.typelem ELSE 0 END "
      "FROM pg_catalog.pg_type t WHERE t.oid >= " +
      std::to_string(kFirstNormalObjectId);
  auto types = conn.Exec(sql);
  if (!types.ok()) return types.status().WithContext("reading pg_type");
  auto labels =
      conn.Exec("SELECT e.enumtypid, e.enumlabel FROM pg_catalog.pg_enum e WHERE e.enumtypid >= " +
                std::to_string(kFirstNormalObjectId) + " ORDER BY e.enumtypid, e.enumsortorder");
  if (!labels.ok()) return labels.status().WithContext("reading pg_enum");

  auto parse_u32 = [](std::string_view s, uint32_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
  };
  std::unordered_map<uint32_t, PgType> loaded;
  const pg::PgResult& r = *types;
  for (int row = 0; row < r.rows(); ++row) {
    PgType t;
    int64_t typmod = -1;
    const std::string_view typtype = r.Get(row, 2);
    if (!parse_u32(r.Get(row, 0), t.oid) || !parse_u32(r.Get(row, 3), t.base_oid) ||
        !ParseInt64(r.Get(row, 4), typmod) || !parse_u32(r.Get(row, 5), t.element_oid) ||
        typtype.size() != 1) {
      return DataError("unexpected pg_type row for type " + std::string(r.Get(row, 1)));
    }
    t.name = std::string(r.Get(row, 1));
    t.typtype = typtype[0];
    t.base_typmod = static_cast<int32_t>(typmod);
    loaded.emplace(t.oid, std::move(t));
  }
  const pg::PgResult& e = *labels;
  for (int row = 0; row < e.rows(); ++row) {
    uint32_t oid;
    if (!parse_u32(e.Get(row, 0), oid)) return DataError("unexpected pg_enum row");
    auto it = loaded.find(oid);
    if (it != loaded.end()) it->second.enum_labels.emplace_back(e.Get(row, 1));
  }
  for (auto& [oid, t] : loaded) Add(std::move(t));
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Column defaults, as Debezium's PostgresDefaultValueConverter reads pg_get_expr's text.

namespace {

// What a default of one type family is read as when it is computed by a function (nextval(),
// now(), CURRENT_TIMESTAMP, ...): Debezium's "generated value placeholder", in PostgreSQL's text
// form. nullopt: no default then (Debezium's interval, bit and enum mappers end without one).
struct DefaultRule {
  const char* type_name;
  const char* generated;  // nullptr: a function default gives no default
};
constexpr DefaultRule kDefaultRules[] = {
    {"bool", "false"},
    {"int2", "0"},
    {"int4", "0"},
    {"int8", "0"},
    {"float4", "0.0"},
    {"float8", "0.0"},
    {"numeric", "0.0"},
    {"bpchar", ""},
    {"varchar", ""},
    {"text", ""},
    {"xml", ""},
    {"json", "{}"},
    {"jsonb", "{}"},
    {"uuid", "00000000-0000-0000-0000-000000000000"},
    {"date", "1970-01-01"},
    {"time", "00:00:00"},
    {"timestamp", "1970-01-01 00:00:00"},
    {"timestamptz", "1970-01-01 00:00:00+00"},
    {"interval", nullptr},
    {"bit", nullptr},
    {"varbit", nullptr},
};

// Debezium's FUNCTION_DEFAULT_PATTERN `^[(]?[A-Za-z0-9_.]+\((?:.+(?:, ?.+)*)?\)`: an optional
// '(', a name, '(' and a later ')' on the same line.
bool IsFunctionCall(std::string_view e) {
  size_t i = 0;
  if (i < e.size() && e[i] == '(') ++i;
  const size_t name_start = i;
  while (i < e.size() &&
         (std::isalnum(static_cast<unsigned char>(e[i])) != 0 || e[i] == '_' || e[i] == '.')) {
    ++i;
  }
  if (i == name_start || i >= e.size() || e[i] != '(') return false;
  const size_t close = e.find(')', i + 1);
  return close != std::string_view::npos &&
         e.substr(i, close - i).find('\n') == std::string_view::npos;
}

bool IsCurrentDateTime(std::string_view e) {
  const std::string lower = ToLower(e);
  return lower == "current_timestamp" || lower == "current_time" || lower == "current_date" ||
         lower == "localtime" || lower == "localtimestamp";
}

// The first quoted literal of `e` with '' unescaped ('abc'::character varying -> abc), or `e`
// itself when it has no quote (42, true, 1.5). nullopt for NULL::type or an unterminated quote.
std::optional<std::string> DefaultLiteral(std::string_view e) {
  const size_t open = e.find('\'');
  if (open == std::string_view::npos) {
    if (e.substr(0, 6) == "NULL::") return std::nullopt;
    return std::string(e);
  }
  std::string out;
  for (size_t i = open + 1; i < e.size(); ++i) {
    if (e[i] != '\'') {
      out.push_back(e[i]);
    } else if (i + 1 < e.size() && e[i + 1] == '\'') {
      out.push_back('\'');
      ++i;
    } else {
      return out;
    }
  }
  return std::nullopt;
}

}  // namespace

std::shared_ptr<const data::Value> TypeMapper::Default(uint32_t type_oid,
                                                       const ColumnMapping& mapping,
                                                       std::string_view expression) const {
  const PgType* type = catalog_->Find(type_oid);
  if (type == nullptr || mapping.passthrough() || !mapping.schema()) return nullptr;
  const std::string_view e = Trim(expression);
  std::optional<std::string> text;
  if (type->typtype == 'e') {
    // Debezium takes an enum default only as '<label>'::<the enum type>.
    if (e.empty() || e.front() != '\'' || e.find("::") == std::string_view::npos) return nullptr;
    text = DefaultLiteral(e);
  } else {
    if (type->typtype != 'b') return nullptr;  // domains, arrays of them, ranges, composites
    const DefaultRule* rule = nullptr;
    for (const DefaultRule& r : kDefaultRules) {
      if (type->name == r.type_name) rule = &r;
    }
    if (rule == nullptr) return nullptr;  // bytea, money, arrays, geometric, network types...
    if (IsFunctionCall(e) || IsCurrentDateTime(e)) {
      if (rule->generated == nullptr) return nullptr;
      text = rule->generated;
    } else {
      text = DefaultLiteral(e);
    }
  }
  if (!text) return nullptr;
  Result<data::Value> value = mapping.FromText(*text);
  // A default Connect cannot hold (Debezium: KAFKA-12694 for structs, e.g. a variable-scale
  // numeric) or an expression that is not a constant of the type: no default, as in Debezium.
  if (!value.ok() || value->is_null() || value->is_struct()) {
    if (LogEnabled(LogLevel::kDebug)) {
      LogDebug(kComponent, "no Connect default for " + type->name + " default expression '" +
                               std::string(expression) + "'");
    }
    return nullptr;
  }
  return std::make_shared<const data::Value>(std::move(value).value());
}

}  // namespace walrelay::source
