#pragma once
/// @file usl.hpp
/// Gunther's Universal Scalability Law: the throughput of a system at
/// concurrency N (users, connections, workers, cores) is
///
///     X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)),
///
/// lambda the throughput of one, sigma the contention (serial fraction,
/// Amdahl) and kappa the coherency (crosstalk) penalty (N. J. Gunther,
/// Guerrilla Capacity Planning, Springer, 2007, ch. 4). kappa = 0 is
/// Amdahl's law. Fitting it to a few measured points predicts the peak.

#include <span>

namespace servesim {

/** Which coefficients a fit estimates. */
enum class UslModel {
  usl,     ///< sigma, kappa and lambda
  amdahl,  ///< sigma and lambda, kappa fixed to 0
};

/** USL coefficients, and what they predict. */
struct UslFit {
  double sigma = 0.0;   ///< contention, >= 0
  double kappa = 0.0;   ///< coherency, >= 0
  double lambda = 0.0;  ///< throughput at N = 1 (the data's unit, e.g. req/s)
  /// N* = sqrt((1 - sigma) / kappa), where X(N) peaks; +inf when kappa = 0
  /// (Amdahl: X rises towards lambda / sigma); 1 when sigma >= 1.
  double peak_concurrency = 0.0;
  /// X(N*); lambda / sigma (the asymptote) when kappa = 0 and 0 < sigma < 1,
  /// +inf when both are 0.
  double peak_throughput = 0.0;
  double r_squared = 0.0;  ///< 1 - residual / total sum of squares of the throughputs
  int iterations = 0;      ///< Levenberg–Marquardt iterations used
};

/**
 * X(N) for given coefficients.
 *
 * @param concurrency  N > 0
 * @throws Error naming the argument on out-of-range input
 */
[[nodiscard]] double usl_throughput(double concurrency, double sigma, double kappa,
                                    double lambda);

/**
 * Least-squares fit of the USL (or Amdahl) to measured (N, X) points:
 * minimises sum (X_i - X(N_i))^2 over lambda > 0, sigma >= 0, kappa >= 0 by
 * Levenberg–Marquardt (Eigen), started from the linear least-squares fit
 * of N / X = (1 + sigma (N - 1) + kappa N (N - 1)) / lambda.
 *
 * @param concurrency  N_i > 0, at least 3 points (2 for amdahl), not all equal
 * @param throughput   X_i > 0, same length
 * @throws Error naming the argument on mismatched sizes, too few points or
 *         out-of-range values; EngineError if the fit does not converge
 *
 * @code
 * const double n[] = {1, 2, 4, 8, 16}, x[] = {100, 190, 340, 520, 600};
 * auto fit = servesim::usl_fit(n, x);  // fit.peak_concurrency, fit.peak_throughput
 * @endcode
 */
[[nodiscard]] UslFit usl_fit(std::span<const double> concurrency,
                             std::span<const double> throughput, UslModel model = UslModel::usl);

}  // namespace servesim
