#pragma once
/// @file statistics.hpp
/// Across-replication means with Student-t confidence intervals.

#include <limits>
#include <span>

namespace servesim {

/**
 * A mean over replications with its two-sided 95 % confidence half-width.
 * Without samples (a statistic of nothing: the latency of a run that
 * completed no request) value and half_width are NaN and samples 0; JSON
 * writes it as null, Python as None.
 *
 * @code
 * const servesim::ConfidenceInterval& p99 = result.latency.p99;
 * std::cout << p99.value << " s +- " << p99.half_width << "\n";
 * @endcode
 */
struct ConfidenceInterval {
  /// The mean over replications, in the metric's unit.
  double value = std::numeric_limits<double>::quiet_NaN();
  /// Half-width of the 95 % Student-t interval; 0 with one replication
  /// (no spread to estimate from).
  double half_width = std::numeric_limits<double>::quiet_NaN();
  int samples = 0;  ///< replications it is computed from

  [[nodiscard]] double lower() const noexcept { return value - half_width; }
  [[nodiscard]] double upper() const noexcept { return value + half_width; }
  /// Whether any replication had a value (false: "no data").
  [[nodiscard]] bool has_data() const noexcept { return samples > 0; }
  /// The interval of no observations (the default).
  [[nodiscard]] static constexpr ConfidenceInterval no_data() noexcept { return {}; }
};

/// Mean and 95 % Student-t half-width t_{0.975, n-1} s / sqrt(n) of independent
/// observations. NaN observations (replications without data, e.g. the latency
/// of one that completed nothing) are left out; with none left, no_data().
[[nodiscard]] ConfidenceInterval mean_ci(std::span<const double> observations);

/// Quantile of Student's t distribution with `dof` (>= 1) degrees of freedom, 0 < p < 1,
/// to about 1e-13 relative (bisection on the regularized incomplete beta function).
/// @throws Error when dof < 1 or p is outside (0, 1)
[[nodiscard]] double student_t_quantile(double p, int dof);

}  // namespace servesim
