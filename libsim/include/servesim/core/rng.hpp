#pragma once
/// @file rng.hpp
/// Seeded random streams with the library's own variate code, so a seed gives
/// the same numbers with any compiler, standard library and thread count.

#include <cmath>
#include <cstdint>

namespace servesim {

/**
 * PCG-XSL-RR 128/64 generator (O'Neill, 2014): a 128-bit LCG with a permuted
 * 64-bit output. Each (seed, stream) pair gives an independent sequence; use a
 * distinct stream per replication and per random source.
 *
 * @code
 * servesim::Rng rng(42, servesim::Rng::stream_id(replication, source));
 * double u = rng.uniform01();
 * @endcode
 */
class Rng {
  // GCC and Clang's 128-bit integer; __extension__ keeps -Wpedantic quiet.
  __extension__ using uint128 = unsigned __int128;

 public:
  /// @param seed   user seed (scenario `run.seed`)
  /// @param stream stream selector; different streams never overlap in practice
  Rng(std::uint64_t seed, std::uint64_t stream) noexcept;

  /// Combines a replication index and a per-source index into one stream id.
  [[nodiscard]] static constexpr std::uint64_t stream_id(std::uint64_t replication,
                                                         std::uint64_t source) noexcept {
    return (replication << 20U) ^ source;
  }

  /// Next 64 uniformly distributed bits.
  std::uint64_t next_u64() noexcept {
    state_ = state_ * kMultiplier + increment_;
    const auto hi = static_cast<std::uint64_t>(state_ >> 64U);
    const auto lo = static_cast<std::uint64_t>(state_);
    const auto rot = static_cast<unsigned>(state_ >> 122U);
    const std::uint64_t x = hi ^ lo;
    return (x >> rot) | (x << ((64U - rot) & 63U));
  }

  /// Uniform double in (0, 1): never exactly 0, so `log(u)` is finite.
  double uniform01() noexcept {
    return (static_cast<double>(next_u64() >> 11U) + 0.5) * 0x1.0p-53;
  }

  /// Uniform integer in [0, n), n >= 1 (Lemire's multiply-shift; bias < n/2^64).
  std::uint64_t below(std::uint64_t n) noexcept {
    return static_cast<std::uint64_t>((static_cast<uint128>(next_u64()) * n) >> 64U);
  }

  /// Exponential variate of rate `rate` > 0 (mean 1 / rate), by inversion.
  double exponential(double rate) noexcept { return -std::log(uniform01()) / rate; }

  /// Standard normal variate (Marsaglia polar method, spare value cached).
  double standard_normal() noexcept;

 private:
  static constexpr uint128 kMultiplier =
      (static_cast<uint128>(2549297995355413924ULL) << 64U) + 4865540595714422341ULL;
  uint128 state_ = 0;
  uint128 increment_ = 0;
  double spare_normal_ = 0.0;
  bool has_spare_normal_ = false;
};

}  // namespace servesim
