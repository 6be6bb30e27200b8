#include "servesim/analytic/usl.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "analytic/require.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

double denominator(double n, double sigma, double kappa) {
  return 1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0);
}

struct Data {
  std::span<const double> n;
  std::span<const double> x;
  bool amdahl;
};

/// Parameters (lambda, sigma, kappa); kappa stays 0 for Amdahl.
using Params = Eigen::Vector3d;

double residual_sum(const Data& d, const Params& p) {
  double sum = 0.0;
  for (std::size_t i = 0; i < d.n.size(); ++i) {
    const double r = d.x[i] - p(0) * d.n[i] / denominator(d.n[i], p(1), p(2));
    sum += r * r;
  }
  return sum;
}

/// Keeps lambda positive and the penalties non-negative (a projected step).
Params feasible(Params p, bool amdahl) {
  p(0) = std::max(p(0), 1e-300);
  p(1) = std::max(p(1), 0.0);
  p(2) = amdahl ? 0.0 : std::max(p(2), 0.0);
  return p;
}

/// Linear least squares on N / X = a + b (N - 1) + c N (N - 1): lambda = 1 / a,
/// sigma = b / a, kappa = c / a. Exact on noiseless data, a good start otherwise.
Params initial_guess(const Data& d) {
  const auto rows = static_cast<Eigen::Index>(d.n.size());
  const Eigen::Index cols = d.amdahl ? 2 : 3;
  Eigen::MatrixXd a(rows, cols);
  Eigen::VectorXd b(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    const double n = d.n[i];
    a(i, 0) = 1.0;
    a(i, 1) = n - 1.0;
    if (!d.amdahl) a(i, 2) = n * (n - 1.0);
    b(i) = n / d.x[i];
  }
  const Eigen::VectorXd c = a.colPivHouseholderQr().solve(b);
  Params p;
  const double scale = c(0) > 0.0 ? c(0) : d.n[0] / d.x[0];
  p << 1.0 / scale, c(1) / scale, d.amdahl ? 0.0 : c(2) / scale;
  return feasible(p, d.amdahl);
}

}  // namespace

double usl_throughput(double concurrency, double sigma, double kappa, double lambda) {
  const char* function = "usl_throughput";
  detail::require_positive(function, "concurrency", concurrency);
  detail::require_non_negative(function, "sigma", sigma);
  detail::require_non_negative(function, "kappa", kappa);
  detail::require_positive(function, "lambda", lambda);
  return lambda * concurrency / denominator(concurrency, sigma, kappa);
}

UslFit usl_fit(std::span<const double> concurrency, std::span<const double> throughput,
               UslModel model) {
  const char* function = "usl_fit";
  const bool amdahl = model == UslModel::amdahl;
  if (concurrency.size() != throughput.size()) {
    throw Error(std::string(function) + ": concurrency and throughput must have the same length, got " +
                std::to_string(concurrency.size()) + " and " + std::to_string(throughput.size()));
  }
  const std::size_t needed = amdahl ? 2 : 3;
  if (concurrency.size() < needed) {
    throw Error(std::string(function) + ": concurrency needs at least " + std::to_string(needed) +
                " points, got " + std::to_string(concurrency.size()));
  }
  for (std::size_t i = 0; i < concurrency.size(); ++i) {
    // Built by append: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
    const std::string index = std::to_string(i).append("]");
    detail::require_positive(function, std::string("concurrency[").append(index).c_str(),
                             concurrency[i]);
    detail::require_positive(function, std::string("throughput[").append(index).c_str(),
                             throughput[i]);
  }
  const auto [lowest, highest] = std::minmax_element(concurrency.begin(), concurrency.end());
  if (*lowest == *highest) {
    throw Error(std::string(function) + ": concurrency needs at least two distinct values, got only " +
                detail::argument_text(*lowest));
  }

  const Data d{concurrency, throughput, amdahl};
  Params p = initial_guess(d);
  double cost = residual_sum(d, p);
  double damping = 1e-3;
  const Eigen::Index free = amdahl ? 2 : 3;
  UslFit fit;
  // Levenberg–Marquardt with Marquardt's diagonal scaling, projected onto the bounds.
  for (fit.iterations = 0; fit.iterations < 500; ++fit.iterations) {
    Eigen::MatrixXd jacobian(static_cast<Eigen::Index>(d.n.size()), free);
    Eigen::VectorXd residual(static_cast<Eigen::Index>(d.n.size()));
    for (std::size_t i = 0; i < d.n.size(); ++i) {
      const auto row = static_cast<Eigen::Index>(i);
      const double n = d.n[i];
      const double den = denominator(n, p(1), p(2));
      const double model_x = p(0) * n / den;
      residual(row) = d.x[i] - model_x;
      // d model / d (lambda, sigma, kappa)
      jacobian(row, 0) = n / den;
      jacobian(row, 1) = -model_x * (n - 1.0) / den;
      if (!amdahl) jacobian(row, 2) = -model_x * n * (n - 1.0) / den;
    }
    const Eigen::MatrixXd normal = jacobian.transpose() * jacobian;
    const Eigen::VectorXd gradient = jacobian.transpose() * residual;
    bool improved = false;
    while (damping < 1e16) {
      Eigen::MatrixXd damped = normal;
      for (Eigen::Index k = 0; k < free; ++k) damped(k, k) += damping * std::max(normal(k, k), 1e-300);
      const Eigen::VectorXd step = damped.ldlt().solve(gradient);
      Params candidate = p;
      candidate.head(free) += step;
      candidate = feasible(candidate, amdahl);
      const double candidate_cost = residual_sum(d, candidate);
      if (candidate_cost <= cost) {
        const double change = (candidate - p).cwiseAbs().maxCoeff();
        const double gain = cost - candidate_cost;
        p = candidate;
        cost = candidate_cost;
        damping = std::max(damping / 10.0, 1e-12);
        improved = true;
        if (change <= 1e-14 * std::max(1.0, p.cwiseAbs().maxCoeff()) ||
            gain <= 1e-15 * std::max(cost, std::numeric_limits<double>::min())) {
          damping = 1e16;  // converged: leave both loops
        }
        break;
      }
      damping *= 10.0;
    }
    if (!improved || damping >= 1e16) break;
  }
  if (!std::isfinite(cost)) throw EngineError("usl_fit: the fit diverged");

  fit.lambda = p(0);
  fit.sigma = p(1);
  fit.kappa = p(2);
  const double infinity = std::numeric_limits<double>::infinity();
  if (fit.kappa > 0.0) {
    fit.peak_concurrency = fit.sigma >= 1.0 ? 1.0 : std::sqrt((1.0 - fit.sigma) / fit.kappa);
    fit.peak_throughput =
        fit.lambda * fit.peak_concurrency / denominator(fit.peak_concurrency, fit.sigma, fit.kappa);
  } else if (fit.sigma >= 1.0) {  // X(N) never exceeds X(1)
    fit.peak_concurrency = 1.0;
    fit.peak_throughput = fit.lambda;
  } else {
    fit.peak_concurrency = infinity;
    fit.peak_throughput = fit.sigma > 0.0 ? fit.lambda / fit.sigma : infinity;
  }
  double mean = 0.0;
  for (double x : throughput) mean += x;
  mean /= static_cast<double>(throughput.size());
  double total = 0.0;
  for (double x : throughput) total += (x - mean) * (x - mean);
  fit.r_squared = total > 0.0 ? 1.0 - cost / total : 1.0;
  return fit;
}

}  // namespace servesim
