#include "servesim/plan/uncertainty.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <string>

#include "core/messages.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// A uniform in [0, 1) from the generator's top 53 bits: the same on every platform
// (std::uniform_real_distribution is not).
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11U) * 0x1.0p-53; }

}  // namespace

double normal_quantile(double p) {
  // Bisection on the CDF: 200 halvings of [-40, 40] reach double precision,
  // and a few thousand calls per plan cost nothing beside one simulation.
  double lo = -40.0;
  double hi = 40.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15; ++i) {
    const double mid = 0.5 * (lo + hi);
    (normal_cdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double range_value(const UncertainInput& input, double z) {
  if (z == 0.0 || input.low == input.high) return input.mid;
  const double zc = normal_quantile(0.5 * (1.0 + input.confidence));
  const double spread = z > 0.0 ? std::log(input.high / input.mid) : std::log(input.mid / input.low);
  return input.mid * std::exp(z * spread / zc);
}

std::vector<std::vector<double>> draw_inputs(const std::vector<UncertainInput>& inputs, int draws,
                                             std::uint64_t seed) {
  if (draws < 1) throw Error("draws must be >= 1, got " + std::to_string(draws));
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<std::vector<double>> values(static_cast<std::size_t>(draws), std::vector<double>(inputs.size()));
  std::vector<int> strata(static_cast<std::size_t>(draws));
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    std::iota(strata.begin(), strata.end(), 0);
    for (std::size_t k = strata.size(); k > 1; --k) {  // Fisher-Yates, portable unlike std::shuffle
      std::swap(strata[k - 1], strata[static_cast<std::size_t>(rng() % k)]);
    }
    for (std::size_t d = 0; d < strata.size(); ++d) {
      const double u = (strata[d] + std::max(uniform(rng), 1e-12)) / draws;
      values[d][i] = range_value(inputs[i], normal_quantile(u));
    }
  }
  return values;
}

std::vector<Override> draw_overrides(const std::vector<UncertainInput>& inputs, const std::vector<double>& values) {
  std::vector<Override> out;
  out.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) out.push_back({inputs[i].path, detail::format_number(values[i])});
  return out;
}

void check_ranges(const Scenario& scenario) {
  for (const UncertainInput& in : scenario.uncertain) {
    for (const double value : {in.low, std::sqrt(in.low * in.high) * (1.0 + 1e-3), in.high}) {
      try {
        (void)with_overrides(scenario, {{in.path, detail::format_number(value)}});
      } catch (const ScenarioError& e) {
        throw ScenarioError(in.path, "the range [" + detail::format_number(in.low) + ", " + detail::format_number(in.high) +
                                         "] has values this field rejects (" + detail::format_number(value) +
                                         "): " + e.detail());
      }
    }
  }
}

}  // namespace servesim
