#pragma once
/// @file statistics.hpp
/// Across-replication estimates with Student-t confidence intervals.

#include <span>

namespace servesim {

/** A point estimate with a two-sided 95 % confidence half-width. */
struct Estimate {
  double mean = 0.0;
  /// Half-width of the 95 % Student-t interval; 0 with one replication
  /// (no spread to estimate from).
  double half_width = 0.0;
  int samples = 0;

  [[nodiscard]] double lower() const noexcept { return mean - half_width; }
  [[nodiscard]] double upper() const noexcept { return mean + half_width; }
};

/// Mean and 95 % Student-t half-width t_{0.975, n-1} s / sqrt(n) of independent
/// observations; Estimate{} (samples 0) for an empty span.
[[nodiscard]] Estimate estimate_mean(std::span<const double> observations);

/// Quantile of Student's t distribution with `dof` (>= 1) degrees of freedom, 0 < p < 1,
/// to about 1e-13 relative (bisection on the regularized incomplete beta function).
/// @throws Error when dof < 1 or p is outside (0, 1)
[[nodiscard]] double student_t_quantile(double p, int dof);

}  // namespace servesim
