#include "common/java_format.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <iterator>
#include <vector>

namespace walrelay {

namespace {

// ---------------------------------------------------------------------------------------------
// Double.toString / Float.toString as in JDK 8 to 18 (FloatingDecimal's dtoa), which is what
// Kafka Connect 4.x runs on with its baseline Java 17 (see java_format.h). It is not always the
// shortest form: integral floats >= 1e7 print all their digits (1.69187328E8 for 1.6918733E8f),
// and JDK 19 changed the algorithm. The quirks are reproduced on purpose, so each branch below
// mirrors one of dtoa's; the unit tests compare against output captured from OpenJDK 17.

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

void AppendInt(std::string* out, int64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, res.ptr);
}

// BinaryToASCIIBuffer.getChars: plain notation for 1e-3 <= |v| < 1e7, else d.dddE[-]n. The text
// is built in a local buffer and appended once: this runs for every double the JsonConverter
// writes.
void AppendJavaChars(std::string* out, bool negative, const JavaDigits& d) {
  // Longest text: a sign, 7 integer digits, '.', and the rest of at most 24 digits.
  char buf[8 + sizeof(d.digits) + 8];
  char* p = buf;
  if (negative) *p++ = '-';
  const char* digits = d.digits;
  const int n = d.n;
  const int e = d.dec_exponent;
  if (e > 0 && e < 8) {
    const int int_len = std::min(n, e);
    p = std::copy_n(digits, int_len, p);
    if (int_len < e) {
      p = std::fill_n(p, e - int_len, '0');
      *p++ = '.';
      *p++ = '0';
    } else {
      *p++ = '.';
      if (int_len < n) {
        p = std::copy_n(digits + int_len, n - int_len, p);
      } else {
        *p++ = '0';
      }
    }
  } else if (e <= 0 && e > -3) {
    *p++ = '0';
    *p++ = '.';
    p = std::fill_n(p, -e, '0');
    p = std::copy_n(digits, n, p);
  } else {
    *p++ = digits[0];
    *p++ = '.';
    if (n > 1) {
      p = std::copy_n(digits + 1, n - 1, p);
    } else {
      *p++ = '0';
    }
    *p++ = 'E';
    p = std::to_chars(p, buf + sizeof(buf), e - 1).ptr;
  }
  out->append(buf, static_cast<size_t>(p - buf));
}

// Splits a finite non-zero value into dtoa's inputs, as getBinaryToASCIIConverter does, and runs
// dtoa.
inline void FiniteDigits(uint64_t fract_bits, int biased_exp, int fraction_width, int exp_bias,
                         JavaDigits* digits) {
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
  Dtoa(bin_exp, fract_bits << (kExpShift - fraction_width), n_significant_bits, digits);
}

void AppendJavaFinite(std::string* out, bool negative, uint64_t fract_bits, int biased_exp,
                      int fraction_width, int exp_bias) {
  JavaDigits digits;
  FiniteDigits(fract_bits, biased_exp, fraction_width, exp_bias, &digits);
  AppendJavaChars(out, negative, digits);
}

void AppendJavaDoubleImpl(std::string* out, double v) {
  const auto bits = std::bit_cast<uint64_t>(v);
  const int biased_exp = static_cast<int>((bits >> kExpShift) & 0x7FF);
  const uint64_t fract = bits & kSignifMask;
  if (biased_exp == 0x7FF) {
    out->append(fract != 0 ? "NaN" : (bits >> 63) != 0 ? "-Infinity" : "Infinity");
    return;
  }
  const bool negative = (bits >> 63) != 0;
  if (biased_exp == 0 && fract == 0) {
    out->append(negative ? "-0.0" : "0.0");
    return;
  }
  AppendJavaFinite(out, negative, fract, biased_exp, kExpShift, 1023);
}

void AppendJavaFloatImpl(std::string* out, float v) {
  const auto bits = std::bit_cast<uint32_t>(v);
  const int biased_exp = static_cast<int>((bits >> 23) & 0xFF);
  const uint64_t fract = bits & 0x7FFFFFu;
  if (biased_exp == 0xFF) {
    out->append(fract != 0 ? "NaN" : (bits >> 31) != 0 ? "-Infinity" : "Infinity");
    return;
  }
  const bool negative = (bits >> 31) != 0;
  if (biased_exp == 0 && fract == 0) {
    out->append(negative ? "-0.0" : "0.0");
    return;
  }
  AppendJavaFinite(out, negative, fract, biased_exp, 23, 127);
}

// ---------------------------------------------------------------------------------------------
// Base64.

constexpr char kBase64Basic[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> MakeBase64Decode() {
  std::array<int8_t, 256> t{};
  for (auto& x : t) x = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kBase64Basic[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kBase64Decode = MakeBase64Decode();

// ---------------------------------------------------------------------------------------------
// Decimals.

void AppendZeros(std::string* out, int64_t n) {
  if (n > 0) out->append(static_cast<size_t>(n), '0');
}

// Writes the magnitude of two's-complement `bytes` longer than 8 bytes as decimal digits.
void AppendLongMagnitudeDigits(std::string* out, std::string_view bytes, bool negative) {
  std::vector<uint8_t> mag(bytes.begin(), bytes.end());
  if (negative) {  // magnitude = ~x + 1
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  // Repeated division of the base-256 number by 1e9 yields base-1e9 chunks, least significant
  // first.
  std::vector<uint32_t> chunks;
  size_t start = 0;
  while (start < mag.size() && mag[start] == 0) ++start;
  while (start < mag.size()) {
    uint64_t rem = 0;
    for (size_t i = start; i < mag.size(); ++i) {
      const uint64_t cur = (rem << 8) | mag[i];
      mag[i] = static_cast<uint8_t>(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    chunks.push_back(static_cast<uint32_t>(rem));
    while (start < mag.size() && mag[start] == 0) ++start;
  }
  if (chunks.empty()) {
    out->push_back('0');
    return;
  }
  char buf[16];
  for (size_t i = chunks.size(); i-- > 0;) {
    const char* end = std::to_chars(buf, buf + sizeof(buf), chunks[i]).ptr;
    const auto len = static_cast<size_t>(end - buf);
    if (i + 1 < chunks.size()) out->append(9 - len, '0');  // inner chunks have nine digits
    out->append(buf, len);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Double.toString / Float.toString.

void AppendJavaDouble(std::string* out, double v) { AppendJavaDoubleImpl(out, v); }
void AppendJavaFloat(std::string* out, float v) { AppendJavaFloatImpl(out, v); }

std::string JavaDoubleToString(double v) {
  std::string out;
  AppendJavaDoubleImpl(&out, v);
  return out;
}

void JavaDoubleDigits(double v, std::string* digits, int* point) {
  digits->clear();
  *point = 0;
  if (!std::isfinite(v) || v == 0) return;
  const auto bits = std::bit_cast<uint64_t>(v);
  JavaDigits d;
  FiniteDigits(bits & kSignifMask, static_cast<int>((bits >> kExpShift) & 0x7FF), kExpShift, 1023,
               &d);
  int n = d.n;
  while (n > 1 && d.digits[n - 1] == '0') --n;
  digits->assign(d.digits, static_cast<size_t>(n));
  *point = d.dec_exponent;
}

std::string JavaFloatToString(float v) {
  std::string out;
  AppendJavaFloatImpl(&out, v);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Decimals.

std::string UnscaledToDigits(std::string_view unscaled, bool* negative) {
  *negative = !unscaled.empty() && (static_cast<uint8_t>(unscaled[0]) & 0x80) != 0;
  std::string digits;
  if (unscaled.size() <= 8) {
    // Fits 64 bits (the usual case): sign-extend, then print the magnitude.
    uint64_t bits = *negative ? ~uint64_t{0} : 0;
    for (char c : unscaled) bits = (bits << 8) | static_cast<uint8_t>(c);
    const uint64_t magnitude = *negative ? ~bits + 1 : bits;
    char buf[24];
    const char* end = std::to_chars(buf, buf + sizeof(buf), magnitude).ptr;
    digits.assign(buf, static_cast<size_t>(end - buf));
    return digits;
  }
  AppendLongMagnitudeDigits(&digits, unscaled, *negative);
  return digits;
}

std::string DigitsToUnscaled(bool negative, std::string_view digits) {
  while (!digits.empty() && digits.front() == '0') digits.remove_prefix(1);
  std::string bytes;
  if (digits.size() <= 18) {
    int64_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    if (negative) v = -v;
    int n = 1;
    while (n < 8 && (v < -(int64_t{1} << (8 * n - 1)) || v >= (int64_t{1} << (8 * n - 1)))) ++n;
    bytes.resize(static_cast<size_t>(n));
    for (int i = n - 1; i >= 0; --i) {
      bytes[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
      v >>= 8;  // arithmetic shift keeps the sign
    }
    return bytes;
  }
  // Magnitude in base 2^32 limbs (least significant first), built 9 decimal digits at a time.
  std::vector<uint32_t> limbs;
  size_t pos = 0;
  size_t chunk = digits.size() % 9 == 0 ? 9 : digits.size() % 9;
  while (pos < digits.size()) {
    uint32_t add = 0;
    uint64_t mul = 1;
    for (size_t i = 0; i < chunk; ++i) {
      add = add * 10 + static_cast<uint32_t>(digits[pos + i] - '0');
      mul *= 10;
    }
    pos += chunk;
    chunk = 9;
    uint64_t carry = add;
    for (auto& limb : limbs) {
      const uint64_t t = static_cast<uint64_t>(limb) * mul + carry;
      limb = static_cast<uint32_t>(t);
      carry = t >> 32;
    }
    if (carry != 0) limbs.push_back(static_cast<uint32_t>(carry));
  }
  bytes.reserve(limbs.size() * 4 + 1);
  bytes.push_back('\0');  // room for the sign bit
  for (auto it = limbs.rbegin(); it != limbs.rend(); ++it) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(*it >> shift));
  }
  if (negative) {  // two's complement: invert and add one
    unsigned carry = 1;
    for (size_t i = bytes.size(); i-- > 0;) {
      const unsigned b = (~static_cast<unsigned char>(bytes[i]) & 0xffu) + carry;
      bytes[i] = static_cast<char>(b & 0xff);
      carry = b >> 8;
    }
  }
  // Minimal form: drop leading sign-extension bytes that the next byte's top bit repeats.
  const char fill = negative ? '\xff' : '\0';
  size_t drop = 0;
  while (drop + 1 < bytes.size() && bytes[drop] == fill &&
         ((static_cast<unsigned char>(bytes[drop + 1]) & 0x80) != 0) == negative) {
    ++drop;
  }
  bytes.erase(0, drop);
  return bytes;
}

void AppendJavaBigDecimal(std::string* out, bool negative, std::string_view digits, int32_t scale) {
  const auto len = static_cast<int64_t>(digits.size());
  const int64_t adjusted = -static_cast<int64_t>(scale) + (len - 1);
  if (scale >= 0 && adjusted >= -6) {
    AppendJavaBigDecimalPlain(out, negative, digits, scale);
    return;
  }
  if (negative && digits != "0") out->push_back('-');
  out->push_back(digits[0]);
  if (len > 1) {
    out->push_back('.');
    out->append(digits.substr(1));
  }
  out->push_back('E');
  if (adjusted > 0) out->push_back('+');
  AppendInt(out, adjusted);
}

void AppendJavaBigDecimalPlain(std::string* out, bool negative, std::string_view digits,
                               int32_t scale) {
  const bool zero = digits == "0";
  if (negative && !zero) out->push_back('-');
  const auto len = static_cast<int64_t>(digits.size());
  if (scale <= 0) {
    out->append(digits);
    if (!zero) AppendZeros(out, -static_cast<int64_t>(scale));
  } else if (len > scale) {
    out->append(digits.substr(0, static_cast<size_t>(len - scale)));
    out->push_back('.');
    out->append(digits.substr(static_cast<size_t>(len - scale)));
  } else {
    out->append("0.");
    AppendZeros(out, scale - len);
    out->append(digits);
  }
}

std::string JavaBigDecimalToString(std::string_view unscaled, int32_t scale) {
  bool negative = false;
  const std::string digits = UnscaledToDigits(unscaled, &negative);
  std::string out;
  out.reserve(digits.size() + 8);
  AppendJavaBigDecimal(&out, negative, digits, scale);
  return out;
}

std::string JavaBigDecimalToPlainString(std::string_view unscaled, int32_t scale) {
  bool negative = false;
  const std::string digits = UnscaledToDigits(unscaled, &negative);
  std::string out;
  out.reserve(digits.size() + 3 + static_cast<size_t>(scale > 0 ? scale : 0));
  AppendJavaBigDecimalPlain(&out, negative, digits, scale);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Base64.

void AppendBase64(std::string* out, std::string_view bytes, Base64Alphabet alphabet) {
  const char* table = alphabet == Base64Alphabet::kUrlSafe ? kBase64Url : kBase64Basic;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  out->reserve(out->size() + (n + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t x = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out->push_back(table[(x >> 18) & 63]);
    out->push_back(table[(x >> 12) & 63]);
    out->push_back(table[(x >> 6) & 63]);
    out->push_back(table[x & 63]);
  }
  if (n - i == 1) {
    const uint32_t x = uint32_t{p[i]} << 16;
    out->push_back(table[(x >> 18) & 63]);
    out->push_back(table[(x >> 12) & 63]);
    out->append("==");
  } else if (n - i == 2) {
    const uint32_t x = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out->push_back(table[(x >> 18) & 63]);
    out->push_back(table[(x >> 12) & 63]);
    out->push_back(table[(x >> 6) & 63]);
    out->push_back('=');
  }
}

std::string Base64Encode(std::string_view bytes, Base64Alphabet alphabet) {
  std::string out;
  AppendBase64(&out, bytes, alphabet);
  return out;
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

// ---------------------------------------------------------------------------------------------
// Days and dates (Howard Hinnant's days_from_civil / civil_from_days).

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year += FloorDiv(month - 1, 12);
  month = FloorMod(month - 1, 12) + 1;
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468 + (day - 1);
}

CivilDate CivilFromDays(int64_t epoch_day) {
  const int64_t z = epoch_day + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilDate date;
  date.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  date.year = yoe + era * 400 + (date.month <= 2);
  return date;
}

namespace {

void AppendPadded(std::string* out, uint64_t v, int width) {
  char buf[24];
  const char* end = std::to_chars(buf, buf + sizeof(buf), v).ptr;
  AppendZeros(out, width - (end - buf));
  out->append(buf, static_cast<size_t>(end - buf));
}

}  // namespace

void AppendIsoDate(std::string* out, const CivilDate& date) {
  if (date.year > 9999) out->push_back('+');
  if (date.year < 0) out->push_back('-');
  // The magnitude as unsigned: -INT64_MIN does not fit int64.
  const uint64_t year =
      date.year < 0 ? 0 - static_cast<uint64_t>(date.year) : static_cast<uint64_t>(date.year);
  AppendPadded(out, year, 4);
  out->push_back('-');
  AppendPadded(out, static_cast<uint64_t>(date.month), 2);
  out->push_back('-');
  AppendPadded(out, static_cast<uint64_t>(date.day), 2);
}

void AppendIsoTime(std::string* out, int64_t nanos_of_day, int fraction_digits) {
  const auto nanos = static_cast<uint64_t>(nanos_of_day);
  const uint64_t seconds = nanos / 1000000000u;
  AppendPadded(out, seconds / 3600, 2);
  out->push_back(':');
  AppendPadded(out, seconds / 60 % 60, 2);
  out->push_back(':');
  AppendPadded(out, seconds % 60, 2);
  char digits[9];
  uint64_t fraction = nanos % 1000000000u;
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  int n = std::min(fraction_digits, 9);
  if (n <= 0) {
    n = 9;
    while (n > 0 && digits[n - 1] == '0') --n;
    if (n == 0) return;
  }
  out->push_back('.');
  out->append(digits, static_cast<size_t>(n));
}

uint32_t JavaStringHash(std::string_view utf8) {
  uint32_t h = 0;
  auto add = [&h](uint32_t unit) { h = 31 * h + unit; };
  for (size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<unsigned char>(utf8[i]);
    uint32_t cp = 0;
    size_t len = 1;
    if (c < 0x80) {
      cp = c;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4;
    } else {
      cp = 0xFFFD;  // what Java's decoder makes of a stray byte
    }
    if (i + len > utf8.size()) {
      add(0xFFFD);
      break;
    }
    for (size_t k = 1; k < len; ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(utf8[i + k]) & 0x3F);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return h ^ (h >> 16);
}

std::vector<size_t> JavaHashMapOrder(const std::vector<std::string_view>& keys) {
  size_t table = 16;
  while (keys.size() > table * 3 / 4) table *= 2;  // resized once size exceeds the threshold
  std::vector<size_t> order(keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<size_t> bucket(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) bucket[i] = JavaStringHash(keys[i]) & (table - 1);
  // A resize splits each bucket keeping its keys' relative order: put order within a bucket.
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return bucket[a] < bucket[b]; });
  return order;
}

}  // namespace walrelay
