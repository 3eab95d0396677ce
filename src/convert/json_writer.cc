#include "convert/json_writer.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <vector>

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

// ---------------------------------------------------------------------------------------------
// Java's Double.toString / Float.toString as in JDK 8 to 18 (FloatingDecimal's dtoa), which is
// what Kafka Connect 3.x runs on (Java 11 and 17). It is not always the shortest form: integral
// floats >= 1e7 print all their digits (1.69187328E8 for 1.6918733E8f), and JDK 19 changed the
// algorithm. The quirks are reproduced on purpose, so each branch below mirrors one of dtoa's;
// the unit tests compare against output captured from a JDK 17.

constexpr int kExpShift = 52;  // double fraction bits
constexpr uint64_t kFractHob = uint64_t{1} << kExpShift;
constexpr uint64_t kSignifMask = kFractHob - 1;
constexpr int kMaxSmallBinExp = 62;
constexpr int kMinSmallBinExp = -(63 / 3);

// Approximately ceil(log2(5^i)), as dtoa uses it to pick an arithmetic width.
constexpr int kN5Bits[] = {0,  3,  5,  7,  10, 12, 14, 17, 19, 21, 24, 26, 28, 31,
                           33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61};
constexpr int kN5BitsLen = static_cast<int>(std::size(kN5Bits));
// Number of decimal digits of 2^i that are below its precision (insignificantDigitsForPow2).
constexpr int kInsignificantDigitsForPow2[] = {
    0,  0,  0,  0,  1,  1,  1,  2,  2,  2,  3,  3,  3,  3,  4,  4,  4,  5,  5,  5,  6,  6,
    6,  6,  7,  7,  7,  8,  8,  8,  9,  9,  9,  9,  10, 10, 10, 11, 11, 11, 12, 12, 12, 12,
    13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19};

constexpr uint64_t Pow5(int n) {
  uint64_t v = 1;
  for (int i = 0; i < n; ++i) v *= 5;
  return v;
}

// Java int/long arithmetic wraps; so must ours where dtoa relies on it ("m might overflow").
int32_t MulWrap(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) * static_cast<uint32_t>(b));
}
int32_t AddWrap(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
int32_t ShlWrap(int32_t a, int s) { return static_cast<int32_t>(static_cast<uint32_t>(a) << s); }
int64_t MulWrap(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
int64_t AddWrap(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t ShlWrap(int64_t a, int s) { return static_cast<int64_t>(static_cast<uint64_t>(a) << s); }

// Unsigned arbitrary-precision integer for dtoa's exact path: little-endian 32-bit limbs.
class BigNat {
 public:
  // value * 5^p5 * 2^p2
  static BigNat MulPow52(uint64_t value, int p5, int p2) {
    BigNat n;
    n.limbs_ = {static_cast<uint32_t>(value), static_cast<uint32_t>(value >> 32)};
    n.Trim();
    for (; p5 >= 13; p5 -= 13) n.MulSmall(1220703125u);  // 5^13
    if (p5 > 0) n.MulSmall(static_cast<uint32_t>(Pow5(p5)));
    n.ShiftLeft(p2);
    return n;
  }
  void MulSmall(uint32_t f) {
    uint64_t carry = 0;
    for (auto& l : limbs_) {
      const uint64_t cur = uint64_t{l} * f + carry;
      l = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  void ShiftLeft(int bits) {
    if (limbs_.empty() || bits == 0) return;
    const int words = bits / 32;
    const int rest = bits % 32;
    if (rest != 0) {
      uint32_t carry = 0;
      for (auto& l : limbs_) {
        const uint32_t next = l >> (32 - rest);
        l = (l << rest) | carry;
        carry = next;
      }
      if (carry != 0) limbs_.push_back(carry);
    }
    limbs_.insert(limbs_.begin(), static_cast<size_t>(words), 0u);
  }
  void Add(const BigNat& o) {
    uint64_t carry = 0;
    if (limbs_.size() < o.limbs_.size()) limbs_.resize(o.limbs_.size(), 0u);
    for (size_t i = 0; i < limbs_.size(); ++i) {
      const uint64_t cur = uint64_t{limbs_[i]} + (i < o.limbs_.size() ? o.limbs_[i] : 0) + carry;
      limbs_[i] = static_cast<uint32_t>(cur);
      carry = cur >> 32;
    }
    if (carry != 0) limbs_.push_back(static_cast<uint32_t>(carry));
  }
  void Sub(const BigNat& o) {  // requires *this >= o
    int64_t borrow = 0;
    for (size_t i = 0; i < limbs_.size(); ++i) {
      int64_t cur = int64_t{limbs_[i]} - (i < o.limbs_.size() ? o.limbs_[i] : 0) - borrow;
      borrow = cur < 0 ? 1 : 0;
      if (cur < 0) cur += int64_t{1} << 32;
      limbs_[i] = static_cast<uint32_t>(cur);
    }
    Trim();
  }
  int Compare(const BigNat& o) const {
    if (limbs_.size() != o.limbs_.size()) return limbs_.size() < o.limbs_.size() ? -1 : 1;
    for (size_t i = limbs_.size(); i-- > 0;) {
      if (limbs_[i] != o.limbs_[i]) return limbs_[i] < o.limbs_[i] ? -1 : 1;
    }
    return 0;
  }
  bool IsZero() const { return limbs_.empty(); }
  // FDBigInteger.quoRemIteration: returns q = this / s (a digit) and leaves 10 * (this % s).
  int QuoRemIteration(const BigNat& s) {
    int q = 0;
    while (Compare(s) >= 0) {
      Sub(s);
      ++q;
    }
    MulSmall(10);
    Trim();
    return q;
  }

 private:
  void Trim() {
    while (!limbs_.empty() && limbs_.back() == 0) limbs_.pop_back();
  }
  std::vector<uint32_t> limbs_;
};

// dtoa's result: digits d1..dn meaning 0.d1...dn x 10^dec_exponent.
struct JavaDigits {
  char digits[24];
  int n = 0;
  int dec_exponent = 0;

  // FloatingDecimal.roundup: a carry out of the first digit keeps n (1.00E10 style zeros).
  void RoundUp() {
    int i = n - 1;
    char q = digits[i];
    if (q == '9') {
      while (q == '9' && i > 0) {
        digits[i] = '0';
        q = digits[--i];
      }
      if (q == '9') {
        ++dec_exponent;
        digits[0] = '1';
        return;
      }
    }
    digits[i] = static_cast<char>(q + 1);
  }
};

// developLongDigits: the exactly representable integer case.
void DevelopLongDigits(int dec_exponent, uint64_t value, int insignificant, JavaDigits* out) {
  if (insignificant != 0) {
    const uint64_t pow10 = Pow5(insignificant) << insignificant;
    const uint64_t residue = value % pow10;
    value /= pow10;
    dec_exponent += insignificant;
    if (residue >= (pow10 >> 1)) ++value;
  }
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), value);
  int len = static_cast<int>(res.ptr - buf);
  out->dec_exponent = dec_exponent + len;
  while (len > 1 && buf[len - 1] == '0') --len;
  std::memcpy(out->digits, buf, static_cast<size_t>(len));
  out->n = len;
}

// estimateDecExp: floor(log10(value)), estimated in double arithmetic exactly as Java does it.
int EstimateDecExp(uint64_t fract_bits, int bin_exp) {
  const double d2 =
      std::bit_cast<double>((uint64_t{1023} << kExpShift) | (fract_bits & kSignifMask));
  const double a = (d2 - 1.5) * 0.289529654;
  const double b = a + 0.176091259;
  const double c = static_cast<double>(bin_exp) * 0.301029995663981;
  return static_cast<int>(std::floor(b + c));
}

// The int and long branches of dtoa's digit loop, with Java's wrapping arithmetic.
template <typename Int>
void DigitLoop(Int b, Int s, Int m, int* dec_exp, JavaDigits* out, bool* low, bool* high,
               int64_t* low_digit_difference) {
  const Int tens = MulWrap(s, Int{10});
  int q = static_cast<int>(b / s);
  b = MulWrap(Int{10}, static_cast<Int>(b % s));
  m = MulWrap(m, Int{10});
  *low = b < m;
  *high = AddWrap(b, m) > tens;
  if (q == 0 && !*high) {
    --*dec_exp;  // the estimate was one too high
  } else {
    out->digits[out->n++] = static_cast<char>('0' + q);
  }
  // E-form needs a digit after the point, so never stop at the first digit there.
  if (*dec_exp < -3 || *dec_exp >= 8) *high = *low = false;
  while (!*low && !*high) {
    q = static_cast<int>(b / s);
    b = MulWrap(Int{10}, static_cast<Int>(b % s));
    m = MulWrap(m, Int{10});
    if (m > 0) {
      *low = b < m;
      *high = AddWrap(b, m) > tens;
    } else {
      *low = *high = true;  // m overflowed: certainly done
    }
    out->digits[out->n++] = static_cast<char>('0' + q);
  }
  *low_digit_difference = static_cast<int64_t>(AddWrap(ShlWrap(b, 1), static_cast<Int>(-tens)));
}

// FloatingDecimal.BinaryToASCIIBuffer.dtoa for a positive finite value given as a normalized
// fraction (high-order bit at kExpShift), unbiased binary exponent and its significant bits.
void Dtoa(int bin_exp, uint64_t fract_bits, int n_significant_bits, JavaDigits* out) {
  const int tail_zeros = std::countr_zero(fract_bits);
  const int n_fract_bits = kExpShift + 1 - tail_zeros;
  const int n_tiny_bits = std::max(0, n_fract_bits - bin_exp - 1);
  if (bin_exp <= kMaxSmallBinExp && bin_exp >= kMinSmallBinExp && n_tiny_bits < 27 &&
      n_fract_bits + kN5Bits[n_tiny_bits] < 64 && n_tiny_bits == 0) {
    // An integer that fits in a long.
    int insignificant = 0;
    if (bin_exp > n_significant_bits) {
      const int p2 = bin_exp - n_significant_bits - 1;
      if (p2 > 1 && p2 < static_cast<int>(std::size(kInsignificantDigitsForPow2))) {
        insignificant = kInsignificantDigitsForPow2[p2];
      }
    }
    const uint64_t value = bin_exp >= kExpShift ? fract_bits << (bin_exp - kExpShift)
                                                : fract_bits >> (kExpShift - bin_exp);
    DevelopLongDigits(0, value, insignificant, out);
    return;
  }
  int dec_exp = EstimateDecExp(fract_bits, bin_exp);
  const int b5 = std::max(0, -dec_exp);
  int b2 = b5 + n_tiny_bits + bin_exp;
  const int s5 = std::max(0, dec_exp);
  int s2 = s5 + n_tiny_bits;
  const int m5 = b5;
  int m2 = b2 - n_significant_bits;

  fract_bits >>= tail_zeros;
  b2 -= n_fract_bits - 1;
  const int common2 = std::min(b2, s2);
  b2 -= common2;
  s2 -= common2;
  m2 -= common2;
  if (n_fract_bits == 1) m2 -= 1;  // below a power of two the next value is half as far
  if (m2 < 0) {
    b2 -= m2;
    s2 -= m2;
    m2 = 0;
  }
  const int b_bits = n_fract_bits + b2 + (b5 < kN5BitsLen ? kN5Bits[b5] : b5 * 3);
  const int ten_s_bits = s2 + 1 + (s5 + 1 < kN5BitsLen ? kN5Bits[s5 + 1] : (s5 + 1) * 3);

  out->n = 0;
  bool low = false;
  bool high = false;
  int64_t low_digit_difference = 0;
  if (b_bits < 64 && ten_s_bits < 64) {
    if (b_bits < 32 && ten_s_bits < 32) {
      const int32_t b =
          ShlWrap(MulWrap(static_cast<int32_t>(fract_bits), static_cast<int32_t>(Pow5(b5))), b2);
      const int32_t s = ShlWrap(static_cast<int32_t>(Pow5(s5)), s2);
      const int32_t m = ShlWrap(static_cast<int32_t>(Pow5(m5)), m2);
      DigitLoop<int32_t>(b, s, m, &dec_exp, out, &low, &high, &low_digit_difference);
    } else {
      const int64_t b =
          ShlWrap(MulWrap(static_cast<int64_t>(fract_bits), static_cast<int64_t>(Pow5(b5))), b2);
      const int64_t s = ShlWrap(static_cast<int64_t>(Pow5(s5)), s2);
      const int64_t m = ShlWrap(static_cast<int64_t>(Pow5(m5)), m2);
      DigitLoop<int64_t>(b, s, m, &dec_exp, out, &low, &high, &low_digit_difference);
    }
  } else {
    // Exact arithmetic. FDBigInteger also scales everything by a normalization power of two,
    // which changes no comparison, so it is left out.
    const BigNat s = BigNat::MulPow52(1, s5, s2);
    BigNat b = BigNat::MulPow52(fract_bits, b5, b2);
    BigNat m = BigNat::MulPow52(1, m5 + 1, m2 + 1);  // 10 * M, as B is after the first step
    const BigNat ten_s = BigNat::MulPow52(1, s5 + 1, s2 + 1);
    auto sum_reaches_ten_s = [&]() {  // tenSval.addAndCmp(B, M) <= 0
      BigNat sum = b;
      sum.Add(m);
      return ten_s.Compare(sum) <= 0;
    };
    int q = b.QuoRemIteration(s);
    low = b.Compare(m) < 0;
    high = sum_reaches_ten_s();
    if (q == 0 && !high) {
      --dec_exp;
    } else {
      out->digits[out->n++] = static_cast<char>('0' + q);
    }
    if (dec_exp < -3 || dec_exp >= 8) high = low = false;
    while (!low && !high) {
      q = b.QuoRemIteration(s);
      m.MulSmall(10);
      low = b.Compare(m) < 0;
      high = sum_reaches_ten_s();
      out->digits[out->n++] = static_cast<char>('0' + q);
    }
    if (high && low) {
      BigNat twice = b;
      twice.ShiftLeft(1);
      low_digit_difference = twice.Compare(ten_s);
    }
  }
  out->dec_exponent = dec_exp + 1;
  // The last digit is rounded by how the loop stopped.
  if (high) {
    if (low) {
      if (low_digit_difference == 0) {
        if ((out->digits[out->n - 1] & 1) != 0) out->RoundUp();  // a tie: round to even
      } else if (low_digit_difference > 0) {
        out->RoundUp();
      }
    } else {
      out->RoundUp();
    }
  }
}

// BinaryToASCIIBuffer.getChars: plain notation for 1e-3 <= |v| < 1e7, else d.dddE[-]n.
void AppendJavaChars(std::string* out, const JavaDigits& d) {
  const std::string_view digits(d.digits, static_cast<size_t>(d.n));
  const int e = d.dec_exponent;
  if (e > 0 && e < 8) {
    const int int_len = std::min(d.n, e);
    out->append(digits.substr(0, static_cast<size_t>(int_len)));
    if (int_len < e) {
      out->append(static_cast<size_t>(e - int_len), '0');
      out->append(".0");
    } else {
      out->push_back('.');
      if (int_len < d.n) {
        out->append(digits.substr(static_cast<size_t>(int_len)));
      } else {
        out->push_back('0');
      }
    }
  } else if (e <= 0 && e > -3) {
    out->append("0.");
    out->append(static_cast<size_t>(-e), '0');
    out->append(digits);
  } else {
    out->push_back(digits[0]);
    out->push_back('.');
    if (d.n > 1) {
      out->append(digits.substr(1));
    } else {
      out->push_back('0');
    }
    out->push_back('E');
    AppendJsonInt(out, e - 1);
  }
}

// Splits a finite non-zero value into dtoa's inputs, as getBinaryToASCIIConverter does.
void AppendJavaFinite(std::string* out, uint64_t fract_bits, int biased_exp, int fraction_width,
                      int exp_bias) {
  int n_significant_bits;
  int bin_exp;
  if (biased_exp == 0) {  // subnormal: normalize
    const int leading_zeros = std::countl_zero(fract_bits);
    const int shift = leading_zeros - (63 - fraction_width);
    fract_bits <<= shift;
    bin_exp = 1 - shift;
    n_significant_bits = 64 - leading_zeros;
  } else {
    fract_bits |= uint64_t{1} << fraction_width;
    bin_exp = biased_exp;
    n_significant_bits = fraction_width + 1;
  }
  bin_exp -= exp_bias;
  JavaDigits digits;
  Dtoa(bin_exp, fract_bits << (kExpShift - fraction_width), n_significant_bits, &digits);
  AppendJavaChars(out, digits);
}

void AppendJavaDoubleImpl(std::string* out, double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  const int biased_exp = static_cast<int>((bits >> kExpShift) & 0x7FF);
  const uint64_t fract = bits & kSignifMask;
  if (biased_exp == 0x7FF) {
    out->append(fract != 0 ? "NaN" : (bits >> 63) != 0 ? "-Infinity" : "Infinity");
    return;
  }
  if ((bits >> 63) != 0) out->push_back('-');
  if (biased_exp == 0 && fract == 0) {
    out->append("0.0");
    return;
  }
  AppendJavaFinite(out, fract, biased_exp, kExpShift, 1023);
}

void AppendJavaFloatImpl(std::string* out, float v) {
  const auto bits = std::bit_cast<uint32_t>(v);
  const int biased_exp = static_cast<int>((bits >> 23) & 0xFF);
  const uint64_t fract = bits & 0x7FFFFFu;
  if (biased_exp == 0xFF) {
    out->append(fract != 0 ? "NaN" : (bits >> 31) != 0 ? "-Infinity" : "Infinity");
    return;
  }
  if ((bits >> 31) != 0) out->push_back('-');
  if (biased_exp == 0 && fract == 0) {
    out->append("0.0");
    return;
  }
  AppendJavaFinite(out, fract, biased_exp, 23, 127);
}

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

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeBase64Decode() {
  std::array<int8_t, 256> t{};
  for (auto& x : t) x = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kBase64Decode = MakeBase64Decode();

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

void AppendJavaDouble(std::string* out, double v) { AppendJavaDoubleImpl(out, v); }
void AppendJavaFloat(std::string* out, float v) { AppendJavaFloatImpl(out, v); }
void AppendJsonDouble(std::string* out, double v) {
  AppendJsonFloating(out, v, AppendJavaDoubleImpl);
}
void AppendJsonFloat(std::string* out, float v) { AppendJsonFloating(out, v, AppendJavaFloatImpl); }

void AppendBase64(std::string* out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  out->reserve(out->size() + (n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t x = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out->push_back(kBase64Alphabet[(x >> 18) & 63]);
    out->push_back(kBase64Alphabet[(x >> 12) & 63]);
    out->push_back(kBase64Alphabet[(x >> 6) & 63]);
    out->push_back(kBase64Alphabet[x & 63]);
  }
  if (n - i == 1) {
    const uint32_t x = uint32_t{p[i]} << 16;
    out->push_back(kBase64Alphabet[(x >> 18) & 63]);
    out->push_back(kBase64Alphabet[(x >> 12) & 63]);
    out->append("==");
  } else if (n - i == 2) {
    const uint32_t x = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out->push_back(kBase64Alphabet[(x >> 18) & 63]);
    out->push_back(kBase64Alphabet[(x >> 12) & 63]);
    out->push_back(kBase64Alphabet[(x >> 6) & 63]);
    out->push_back('=');
  }
}

bool DecodeBase64(std::string_view text, std::string* out) {
  out->clear();
  size_t len = text.size();
  if (len % 4 == 0 && len > 0 && text[len - 1] == '=') {
    --len;
    if (text[len - 1] == '=') --len;
  }
  if (len % 4 == 1) return false;
  out->reserve(len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int8_t v = kBase64Decode[static_cast<uint8_t>(text[i])];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

}  // namespace walrelay::convert
