#include "servesim/core/rng.hpp"

#include <cmath>

namespace servesim {
namespace {

// SplitMix64 spreads small, similar seeds (1, 2, 3...) over the whole state space.
std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

__extension__ using uint128 = unsigned __int128;

uint128 widen(std::uint64_t hi, std::uint64_t lo) noexcept {
  return (static_cast<uint128>(hi) << 64U) | lo;
}

}  // namespace

Rng::Rng(std::uint64_t seed, std::uint64_t stream) noexcept {
  std::uint64_t s = seed;
  std::uint64_t t = stream ^ 0xD1B54A32D192ED03ULL;
  const std::uint64_t s_hi = splitmix64(s);
  const std::uint64_t s_lo = splitmix64(s);
  const std::uint64_t t_hi = splitmix64(t);
  const std::uint64_t t_lo = splitmix64(t);
  // PCG's seeding procedure: the increment must be odd; advance once around the seed.
  increment_ = (widen(t_hi, t_lo) << 1U) | 1U;
  state_ = 0;
  next_u64();
  state_ += widen(s_hi, s_lo);
  next_u64();
}

double Rng::standard_normal() noexcept {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform01() - 1.0;
    v = 2.0 * uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

}  // namespace servesim
