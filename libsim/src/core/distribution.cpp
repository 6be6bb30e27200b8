#include "servesim/core/distribution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <string>
#include <utility>

#include "servesim/errors.hpp"

namespace servesim {
namespace {

// Standard normal quantile at 0.99, for the lognormal p50/p99 form.
constexpr double kZ99 = 2.3263478740408408;

// Beyond these CVs the parameters under- or overflow (NaN samples, or a
// hyperexponential branch that is never drawn); no service time needs them.
constexpr double kMaxCv = 1e3;
constexpr double kMinGammaCv = 1e-6;

std::string format_value(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

void require(bool ok, std::string_view family, std::string_view parameter,
             std::string_view expectation, double value) {
  if (!ok) {
    throw Error(std::string(family) + ": " + std::string(parameter) + " must be " +
                std::string(expectation) + ", got " + format_value(value));
  }
}

bool finite(double x) { return std::isfinite(x); }

}  // namespace

std::string_view to_string(DistributionKind kind) noexcept {
  switch (kind) {
    case DistributionKind::constant: return "constant";
    case DistributionKind::exponential: return "exponential";
    case DistributionKind::uniform: return "uniform";
    case DistributionKind::lognormal: return "lognormal";
    case DistributionKind::gamma: return "gamma";
    case DistributionKind::pareto: return "pareto";
    case DistributionKind::hyperexponential: return "hyperexponential";
    case DistributionKind::empirical: return "empirical";
  }
  return "unknown";
}

Distribution Distribution::constant(double value) {
  require(finite(value) && value >= 0.0, "constant", "value", ">= 0", value);
  Distribution d;
  d.kind_ = DistributionKind::constant;
  d.a_ = value;
  d.mean_ = value;
  return d;
}

Distribution Distribution::exponential(double mean) {
  require(finite(mean) && mean > 0.0, "exponential", "mean", "> 0", mean);
  Distribution d;
  d.kind_ = DistributionKind::exponential;
  d.a_ = mean;
  d.mean_ = mean;
  d.cv_ = 1.0;
  return d;
}

Distribution Distribution::uniform(double low, double high) {
  require(finite(low) && low >= 0.0, "uniform", "low", ">= 0", low);
  require(finite(high) && high >= low, "uniform", "high", ">= low (" + format_value(low) + ")",
          high);
  Distribution d;
  d.kind_ = DistributionKind::uniform;
  d.a_ = low;
  d.b_ = high;
  d.mean_ = 0.5 * (low + high);
  d.cv_ = d.mean_ > 0.0 ? (high - low) / std::sqrt(12.0) / d.mean_ : 0.0;
  return d;
}

Distribution Distribution::lognormal(double mean, double cv) {
  require(finite(mean) && mean > 0.0, "lognormal", "mean", "> 0", mean);
  require(cv > 0.0 && cv <= kMaxCv, "lognormal", "cv", "in (0, 1000]", cv);
  const double sigma2 = std::log1p(cv * cv);
  Distribution d;
  d.kind_ = DistributionKind::lognormal;
  d.a_ = std::log(mean) - 0.5 * sigma2;
  d.b_ = std::sqrt(sigma2);
  d.mean_ = mean;
  d.cv_ = cv;
  return d;
}

Distribution Distribution::lognormal_from_percentiles(double p50, double p99) {
  require(finite(p50) && p50 > 0.0, "lognormal", "p50", "> 0", p50);
  require(finite(p99) && p99 > p50, "lognormal", "p99", "> p50 (" + format_value(p50) + ")", p99);
  const double sigma = std::log(p99 / p50) / kZ99;
  const double mean = p50 * std::exp(0.5 * sigma * sigma);
  return lognormal(mean, std::sqrt(std::expm1(sigma * sigma)));
}

Distribution Distribution::gamma(double mean, double cv) {
  require(finite(mean) && mean > 0.0, "gamma", "mean", "> 0", mean);
  require(cv >= kMinGammaCv && cv <= kMaxCv, "gamma", "cv",
          "in [1e-06, 1000] (use constant for no variability)", cv);
  Distribution d;
  d.kind_ = DistributionKind::gamma;
  d.a_ = 1.0 / (cv * cv);  // shape
  d.b_ = mean / d.a_;      // scale
  d.mean_ = mean;
  d.cv_ = cv;
  return d;
}

Distribution Distribution::pareto(double alpha, double scale) {
  require(finite(alpha) && alpha > 1.0, "pareto", "alpha", "> 1 (so the mean is finite)", alpha);
  require(finite(scale) && scale > 0.0, "pareto", "scale", "> 0", scale);
  Distribution d;
  d.kind_ = DistributionKind::pareto;
  d.a_ = alpha;
  d.b_ = scale;
  d.mean_ = alpha * scale / (alpha - 1.0);
  d.cv_ = alpha > 2.0 ? 1.0 / std::sqrt(alpha * (alpha - 2.0))
                      : std::numeric_limits<double>::infinity();
  return d;
}

Distribution Distribution::pareto_from_mean_cv(double mean, double cv) {
  require(finite(mean) && mean > 0.0, "pareto", "mean", "> 0", mean);
  require(cv > 0.0 && cv <= kMaxCv, "pareto", "cv", "in (0, 1000]", cv);
  // CV^2 = 1 / (alpha (alpha - 2))  =>  alpha = 1 + sqrt(1 + 1/CV^2).
  const double alpha = 1.0 + std::sqrt(1.0 + 1.0 / (cv * cv));
  return pareto(alpha, mean * (alpha - 1.0) / alpha);
}

Distribution Distribution::hyperexponential(double mean, double cv) {
  require(finite(mean) && mean > 0.0, "hyperexponential", "mean", "> 0", mean);
  require(cv >= 1.0 && cv <= kMaxCv, "hyperexponential", "cv",
          "in [1, 1000] (use gamma for cv < 1)", cv);
  // Balanced means (p1/mu1 = p2/mu2): the usual two-moment fit (Whitt, 1982).
  const double scv = cv * cv;
  const double p1 = 0.5 * (1.0 + std::sqrt((scv - 1.0) / (scv + 1.0)));
  Distribution d;
  d.kind_ = DistributionKind::hyperexponential;
  d.a_ = p1;
  d.b_ = mean / (2.0 * p1);
  d.c_ = mean / (2.0 * (1.0 - p1));
  d.mean_ = mean;
  d.cv_ = cv;
  return d;
}

Distribution Distribution::empirical(std::vector<double> samples) {
  if (samples.empty()) throw Error("empirical: samples must not be empty");
  for (double x : samples) require(finite(x) && x >= 0.0, "empirical", "every sample", ">= 0", x);
  const auto n = static_cast<double>(samples.size());
  const double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / n;
  double sq = 0.0;
  for (double x : samples) sq += (x - mean) * (x - mean);
  Distribution d;
  d.kind_ = DistributionKind::empirical;
  d.mean_ = mean;
  d.cv_ = mean > 0.0 ? std::sqrt(sq / n) / mean : 0.0;
  d.table_ = std::make_shared<const std::vector<double>>(std::move(samples));
  return d;
}

Distribution Distribution::empirical_histogram(std::vector<double> edges,
                                               std::vector<double> weights) {
  if (weights.empty()) throw Error("empirical: weights must not be empty");
  if (edges.size() != weights.size() + 1) {
    throw Error("empirical: edges must have one more value than weights (" +
                std::to_string(weights.size() + 1) + "), got " + std::to_string(edges.size()));
  }
  for (double e : edges) require(finite(e) && e >= 0.0, "empirical", "every edge", ">= 0", e);
  for (std::size_t i = 1; i < edges.size(); ++i) {
    require(edges[i] >= edges[i - 1], "empirical", "edges", "ascending", edges[i]);
  }
  for (double w : weights) require(finite(w) && w >= 0.0, "empirical", "every weight", ">= 0", w);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  require(total > 0.0, "empirical", "the sum of weights", "> 0", total);

  std::vector<double> cumulative(weights.size());
  double running = 0.0;
  double mean = 0.0;
  double second_moment = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const double p = weights[i] / total;
    const double lo = edges[i];
    const double hi = edges[i + 1];
    running += p;
    cumulative[i] = running;
    mean += p * 0.5 * (lo + hi);
    second_moment += p * (lo * lo + lo * hi + hi * hi) / 3.0;  // E[X^2] of uniform(lo, hi)
  }
  cumulative.back() = 1.0;
  Distribution d;
  d.kind_ = DistributionKind::empirical;
  d.mean_ = mean;
  d.cv_ = mean > 0.0 ? std::sqrt(std::max(0.0, second_moment - mean * mean)) / mean : 0.0;
  d.table_ = std::make_shared<const std::vector<double>>(std::move(edges));
  d.cumulative_ = std::make_shared<const std::vector<double>>(std::move(cumulative));
  return d;
}

Distribution Distribution::scaled(double factor) const {
  require(finite(factor) && factor > 0.0, "scaled", "factor", "> 0", factor);
  Distribution d = *this;
  d.mean_ *= factor;
  switch (kind_) {
    case DistributionKind::lognormal: d.a_ += std::log(factor); break;
    case DistributionKind::gamma:
    case DistributionKind::pareto: d.b_ *= factor; break;
    case DistributionKind::hyperexponential:
      d.b_ *= factor;
      d.c_ *= factor;
      break;
    case DistributionKind::empirical: {
      std::vector<double> values = *table_;
      for (double& v : values) v *= factor;
      d.table_ = std::make_shared<const std::vector<double>>(std::move(values));
      break;
    }
    default:
      d.a_ *= factor;
      d.b_ *= factor;
  }
  return d;
}

std::vector<Distribution::Parameter> Distribution::parameters() const {
  switch (kind_) {
    case DistributionKind::constant: return {{"value", {a_}}};
    case DistributionKind::exponential: return {{"mean", {a_}}};
    case DistributionKind::uniform: return {{"low", {a_}}, {"high", {b_}}};
    case DistributionKind::pareto: return {{"alpha", {a_}}, {"scale", {b_}}};
    case DistributionKind::lognormal:
    case DistributionKind::gamma:
    case DistributionKind::hyperexponential: return {{"mean", {mean_}}, {"cv", {cv_}}};
    case DistributionKind::empirical: {
      if (!cumulative_) return {{"samples", *table_}};
      std::vector<double> weights(cumulative_->size());
      double previous = 0.0;
      for (std::size_t i = 0; i < weights.size(); ++i) {
        weights[i] = std::max(0.0, (*cumulative_)[i] - previous);
        previous = (*cumulative_)[i];
      }
      return {{"edges", *table_}, {"weights", std::move(weights)}};
    }
  }
  return {};
}

double Distribution::sample(Rng& rng) const noexcept {
  switch (kind_) {
    case DistributionKind::constant: return a_;
    case DistributionKind::exponential: return -a_ * std::log(rng.uniform01());
    case DistributionKind::uniform: return a_ + (b_ - a_) * rng.uniform01();
    case DistributionKind::lognormal: return std::exp(a_ + b_ * rng.standard_normal());
    case DistributionKind::gamma: return sample_gamma(rng);
    case DistributionKind::pareto: return b_ * std::pow(rng.uniform01(), -1.0 / a_);
    case DistributionKind::hyperexponential: {
      const double branch_mean = rng.uniform01() < a_ ? b_ : c_;
      return -branch_mean * std::log(rng.uniform01());
    }
    case DistributionKind::empirical: return sample_empirical(rng);
  }
  return 0.0;
}

// Marsaglia & Tsang (2000); shape < 1 through the boost X * U^(1/shape).
double Distribution::sample_gamma(Rng& rng) const noexcept {
  const double shape = a_ < 1.0 ? a_ + 1.0 : a_;
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  double value = 0.0;
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = rng.standard_normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = rng.uniform01();
    if (u < 1.0 - 0.0331 * x * x * x * x || std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) {
      value = d * v;
      break;
    }
  }
  if (a_ < 1.0) value *= std::pow(rng.uniform01(), 1.0 / a_);
  return value * b_;
}

double Distribution::sample_empirical(Rng& rng) const noexcept {
  const std::vector<double>& table = *table_;
  if (!cumulative_) return table[rng.below(table.size())];
  const std::vector<double>& cumulative = *cumulative_;
  const double u = rng.uniform01();
  const auto bin = static_cast<std::size_t>(
      std::upper_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin());
  const std::size_t i = std::min(bin, cumulative.size() - 1);
  return table[i] + (table[i + 1] - table[i]) * rng.uniform01();
}

}  // namespace servesim
