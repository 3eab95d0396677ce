#pragma once

// Test support: compares two values of a plain aggregate (a parsed config struct) member by
// member without naming the members, so a test written today also compares the members added
// tomorrow. Members are reached with structured bindings; their number is found by brace
// initialisation (the technique of Boost.PFR, written small). Types without operator== are
// compared by what can be compared: containers by size and elements, shared pointers by
// presence and pointee, nested aggregates member by member; anything else (std::regex) counts as
// equal, and the text it was built from (kept beside it in every config) tells the difference.

#include <concepts>
#include <cstddef>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace walrelay::testing {
namespace aggregate_internal {

// Converts to anything; only used unevaluated, to count an aggregate's members.
struct AnyMember {
  template <class T>
  operator T() const;  // NOLINT: implicit on purpose
};

template <class T, size_t... I>
constexpr bool BraceInitializable(std::index_sequence<I...>) {
  return requires { T{(void(I), AnyMember{})...}; };
}

template <class T, size_t N = 0>
constexpr size_t MemberCount() {
  if constexpr (!BraceInitializable<T>(std::make_index_sequence<N + 1>())) {
    return N;
  } else {
    return MemberCount<T, N + 1>();
  }
}

template <class T>
struct IsVector : std::false_type {};
template <class T, class A>
struct IsVector<std::vector<T, A>> : std::true_type {};
template <class T>
struct IsPair : std::false_type {};
template <class A, class B>
struct IsPair<std::pair<A, B>> : std::true_type {};
template <class T>
struct IsSharedPtr : std::false_type {};
template <class T>
struct IsSharedPtr<std::shared_ptr<T>> : std::true_type {};

#define WR_FIELDS(n, ...)              \
  if constexpr (kCount == n) {         \
    const auto& [__VA_ARGS__] = value; \
    return std::tie(__VA_ARGS__);      \
  } else

// The members of `value` as a tuple of references (up to 48 members).
template <class T>
auto Members(const T& value) {
  constexpr size_t kCount = MemberCount<T>();
  static_assert(kCount > 0 && kCount <= 48, "an aggregate of 1 to 48 members");
  WR_FIELDS(1, f0)
  WR_FIELDS(2, f0, f1)
  WR_FIELDS(3, f0, f1, f2)
  WR_FIELDS(4, f0, f1, f2, f3)
  WR_FIELDS(5, f0, f1, f2, f3, f4)
  WR_FIELDS(6, f0, f1, f2, f3, f4, f5)
  WR_FIELDS(7, f0, f1, f2, f3, f4, f5, f6)
  WR_FIELDS(8, f0, f1, f2, f3, f4, f5, f6, f7)
  WR_FIELDS(9, f0, f1, f2, f3, f4, f5, f6, f7, f8)
  WR_FIELDS(10, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9)
  WR_FIELDS(11, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10)
  WR_FIELDS(12, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11)
  WR_FIELDS(13, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12)
  WR_FIELDS(14, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13)
  WR_FIELDS(15, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14)
  WR_FIELDS(16, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15)
  WR_FIELDS(17, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16)
  WR_FIELDS(18, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17)
  WR_FIELDS(19, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18)
  WR_FIELDS(20, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19)
  WR_FIELDS(21, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20)
  WR_FIELDS(22, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21)
  WR_FIELDS(23, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22)
  WR_FIELDS(24, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23)
  WR_FIELDS(25, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24)
  WR_FIELDS(26, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25)
  WR_FIELDS(27, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26)
  WR_FIELDS(28, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27)
  WR_FIELDS(29, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28)
  WR_FIELDS(30, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29)
  WR_FIELDS(31, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30)
  WR_FIELDS(32, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31)
  WR_FIELDS(33, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32)
  WR_FIELDS(34, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33)
  WR_FIELDS(35, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34)
  WR_FIELDS(36, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35)
  WR_FIELDS(37, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36)
  WR_FIELDS(38, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37)
  WR_FIELDS(39, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38)
  WR_FIELDS(40, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39)
  WR_FIELDS(41, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40)
  WR_FIELDS(42, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41)
  WR_FIELDS(43, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42)
  WR_FIELDS(44, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42, f43)
  WR_FIELDS(45, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42, f43, f44)
  WR_FIELDS(46, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42, f43, f44, f45)
  WR_FIELDS(47, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42, f43, f44, f45, f46)
  WR_FIELDS(48, f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18,
            f19, f20, f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33, f34, f35,
            f36, f37, f38, f39, f40, f41, f42, f43, f44, f45, f46, f47) {
    return std::tuple<>();
  }
}

#undef WR_FIELDS

}  // namespace aggregate_internal

// True when `a` and `b` hold the same configuration (see the file comment).
template <class T>
bool SameMembers(const T& a, const T& b) {
  using namespace aggregate_internal;  // NOLINT
  if constexpr (IsVector<T>::value) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (!SameMembers(a[i], b[i])) return false;
    }
    return true;
  } else if constexpr (IsPair<T>::value) {
    return SameMembers(a.first, b.first) && SameMembers(a.second, b.second);
  } else if constexpr (IsSharedPtr<T>::value) {
    if (a == nullptr || b == nullptr) return (a == nullptr) == (b == nullptr);
    return SameMembers(*a, *b);
  } else if constexpr (std::is_aggregate_v<T> && !std::is_array_v<T>) {
    return std::apply(
        [&](const auto&... ma) {
          return std::apply([&](const auto&... mb) { return (SameMembers(ma, mb) && ...); },
                            Members(b));
        },
        Members(a));
  } else if constexpr (std::equality_comparable<T>) {
    return a == b;
  } else {
    return true;
  }
}

}  // namespace walrelay::testing
