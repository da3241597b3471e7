#pragma once
// Counter-based randomness: every random value is a pure function of a key (a hash of a tuple such as
// (seed, identity, expression, k)) and a counter, so results never depend on call order or threads.
#include <cmath>
#include <cstdint>
#include <string_view>

namespace ferguard::detail {

/// The splitmix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mix.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Hash of a tuple of integers, order-sensitive.
template <typename... T>
std::uint64_t hash_tuple(std::uint64_t seed, T... values) {
  std::uint64_t h = splitmix64(seed);
  ((h = splitmix64(h ^ static_cast<std::uint64_t>(values))), ...);
  return h;
}

/// FNV-1a of a string, mixed by splitmix64.
inline std::uint64_t hash_string(std::string_view s, std::uint64_t seed = 0) {
  std::uint64_t h = 0xcbf29ce484222325ull ^ splitmix64(seed);
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return splitmix64(h);
}

/// Uniform [0, 1) from a 64-bit hash.
inline double unit_from_hash(std::uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

/// A stream of random values drawn from splitmix64(key + i * golden) for i = 1, 2, ...
class CounterRng {
 public:
  explicit CounterRng(std::uint64_t key) : key_(key) {}
  std::uint64_t next() { return splitmix64(key_ + 0x9E3779B97F4A7C15ull * ++counter_); }
  double uniform() { return unit_from_hash(next()); }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Symmetric: uniform in [-a, a].
  double sym(double a) { return uniform(-a, a); }
  /// Integer in [0, n).
  int below(int n) { return static_cast<int>(uniform() * n); }
  bool chance(double p) { return uniform() < p; }
  /// Standard normal (Box-Muller).
  double normal() {
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

}  // namespace ferguard::detail
