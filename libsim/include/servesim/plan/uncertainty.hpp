#pragma once
/// @file uncertainty.hpp
/// Sampling a scenario's ranges (Scenario::uncertain): each draw is the
/// ordinary scenario with every uncertain field set to a sampled value by
/// overrides. plan() and find_saturation() judge a deployment over draws.

#include <cstdint>
#include <vector>

#include "servesim/model/scenario.hpp"
#include "servesim/plan/overrides.hpp"

namespace servesim {

/**
 * The value of `input` at standard normal score `z`: a split lognormal with
 * median `mid`, whose central `confidence` mass is [low, high]:
 * mid * exp(z * ln(high / mid) / z_c) for z >= 0, mid * exp(z * ln(mid / low) / z_c)
 * below, with z_c the standard normal's (1 + confidence) / 2 quantile.
 * Collapsed ranges (low = mid = high) always give `mid` exactly.
 */
[[nodiscard]] double range_value(const UncertainInput& input, double z);

/// The standard normal's `p` quantile, p in (0, 1).
[[nodiscard]] double normal_quantile(double p);

/**
 * `draws` samples of every input, a Latin hypercube on the normal scores
 * (each input's draws fall one in each of `draws` equal-probability strata,
 * in an order shuffled by `seed`): values[d][i] is input i in draw d.
 * Same seed, same draws.
 */
[[nodiscard]] std::vector<std::vector<double>> draw_inputs(const std::vector<UncertainInput>& inputs, int draws,
                                                           std::uint64_t seed);

/// The overrides that set each input to its value in one draw.
[[nodiscard]] std::vector<Override> draw_overrides(const std::vector<UncertainInput>& inputs,
                                                   const std::vector<double>& values);

/**
 * Checks that `scenario` accepts each of its ranges' values: a range at low,
 * at high, and between (a range on an integer field is rejected there).
 * @throws ScenarioError naming the input's path and the value rejected
 */
void check_ranges(const Scenario& scenario);

}  // namespace servesim
