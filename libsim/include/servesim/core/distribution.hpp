#pragma once
/// @file distribution.hpp
/// Service-time, think-time and latency distributions. Planners think in mean
/// and coefficient of variation (CV = stddev / mean), so every family that can
/// be given by mean and CV offers that form.

#include <memory>
#include <string_view>
#include <vector>

#include "servesim/core/rng.hpp"

namespace servesim {

/// The distribution families servesim samples from.
enum class DistributionKind {
  constant,
  exponential,
  uniform,
  lognormal,
  gamma,
  pareto,
  hyperexponential,
  empirical,
};

/// Lower-case name used in scenario files (`exponential`, `lognormal`, ...).
[[nodiscard]] std::string_view to_string(DistributionKind kind) noexcept;

/**
 * A non-negative random duration (seconds) or quantity.
 *
 * A small value type: sampling is a switch, not a virtual call, because the
 * engine samples several times per simulated request. Factories check their
 * arguments and throw servesim::Error naming the parameter and value; the
 * scenario parser adds the field path.
 *
 * @code
 * auto cpu = servesim::Distribution::lognormal(0.010, 1.5);   // mean 10 ms, CV 1.5
 * servesim::Rng rng(7, 0);
 * double seconds = cpu.sample(rng);
 * @endcode
 */
class Distribution {
 public:
  /// Always `value` (>= 0).
  static Distribution constant(double value);
  /// Exponential with the given mean (> 0). CV = 1.
  static Distribution exponential(double mean);
  /// Uniform on [low, high], 0 <= low <= high.
  static Distribution uniform(double low, double high);
  /// Lognormal by mean (> 0) and CV (> 0).
  static Distribution lognormal(double mean, double cv);
  /// Lognormal by median and 99th percentile (0 < p50 <= p99).
  static Distribution lognormal_from_percentiles(double p50, double p99);
  /// Gamma by mean (> 0) and CV (> 0); CV < 1 is less variable than exponential.
  static Distribution gamma(double mean, double cv);
  /// Pareto (type I) by shape alpha (> 1, so the mean exists) and scale xm (> 0).
  static Distribution pareto(double alpha, double scale);
  /// Pareto (type I) by mean (> 0) and CV (> 0); alpha = 1 + sqrt(1 + 1/CV^2).
  static Distribution pareto_from_mean_cv(double mean, double cv);
  /// Two-phase hyperexponential with balanced means, by mean (> 0) and CV (>= 1).
  static Distribution hyperexponential(double mean, double cv);
  /// Resamples the given observations uniformly (non-empty, all >= 0).
  static Distribution empirical(std::vector<double> samples);
  /// Piecewise-uniform histogram: `edges` ascending (n+1 values >= 0), `weights` n values >= 0, sum > 0.
  static Distribution empirical_histogram(std::vector<double> edges, std::vector<double> weights);

  /// Default: constant 0.
  Distribution() = default;

  [[nodiscard]] DistributionKind kind() const noexcept { return kind_; }
  /// Exact mean of the distribution.
  [[nodiscard]] double mean() const noexcept { return mean_; }
  /// Exact coefficient of variation (stddev / mean); 0 when the mean is 0.
  [[nodiscard]] double cv() const noexcept { return cv_; }
  /// Same family and parameters, every value multiplied by `factor` (> 0).
  [[nodiscard]] Distribution scaled(double factor) const;

  /// A parameter as scenario files name it.
  struct Parameter {
    /// `value`, `mean`, `cv`, `low`, `high`, `alpha`, `scale`, `samples`, `edges` or `weights`
    std::string_view name;
    std::vector<double> values;  ///< one value; a list for `samples`, `edges` and `weights`
  };
  /**
   * The parameters that rebuild this distribution from a scenario file under
   * `dist: <to_string(kind())>`. Exact for distributions made by the
   * factories; for scaled() ones and histograms, to within rounding.
   */
  [[nodiscard]] std::vector<Parameter> parameters() const;

  /// One variate (>= 0).
  double sample(Rng& rng) const noexcept;

 private:
  double sample_gamma(Rng& rng) const noexcept;
  double sample_empirical(Rng& rng) const noexcept;

  DistributionKind kind_ = DistributionKind::constant;
  // Family parameters; their meaning depends on kind_ (see distribution.cpp).
  double a_ = 0.0;
  double b_ = 0.0;
  double c_ = 0.0;
  double mean_ = 0.0;
  double cv_ = 0.0;
  // Empirical families: sample values, or histogram edges then cumulative weights.
  std::shared_ptr<const std::vector<double>> table_;
  std::shared_ptr<const std::vector<double>> cumulative_;
};

}  // namespace servesim
