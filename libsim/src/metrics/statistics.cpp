#include "servesim/metrics/statistics.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <string>

#include "servesim/errors.hpp"

namespace servesim {
namespace {

/// Continued fraction of the incomplete beta function, by the modified Lentz
/// method (Numerical Recipes, 3rd ed., 6.4); converges fast for x < (a+1)/(a+b+2).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-16;
  const auto guard = [](double v) { return std::abs(v) < kTiny ? kTiny : v; };
  double c = 1.0;
  double d = 1.0 / guard(1.0 - (a + b) * x / (a + 1.0));
  double h = d;
  for (int m = 1; m <= 100'000; ++m) {
    const double two_m = 2.0 * m;
    const double even = m * (b - m) * x / ((a - 1.0 + two_m) * (a + two_m));
    d = 1.0 / guard(1.0 + even * d);
    c = guard(1.0 + even / c);
    h *= d * c;
    const double odd = -(a + m) * (a + b + m) * x / ((a + two_m) * (a + 1.0 + two_m));
    d = 1.0 / guard(1.0 + odd * d);
    c = guard(1.0 + odd / c);
    const double step = d * c;
    h *= step;
    if (std::abs(step - 1.0) < kEps) break;
  }
  return h;
}

/// Regularized incomplete beta I_x(a, b), given both x and y = 1 - x so that
/// callers who know y more accurately than 1 - x lose no digits.
double incomplete_beta(double a, double b, double x, double y) {
  if (x <= 0.0) return 0.0;
  if (y <= 0.0) return 1.0;
  const double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) +
                           a * std::log(x) + b * std::log(y);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, y) / b;
}

/// P(T > t) for t >= 0: I_{v/(v+t^2)}(v/2, 1/2) / 2.
double upper_tail(double t, double dof) {
  const double denominator = dof + t * t;
  return 0.5 * incomplete_beta(0.5 * dof, 0.5, dof / denominator, t * t / denominator);
}

}  // namespace

ConfidenceInterval mean_ci(std::span<const double> observations) {
  ConfidenceInterval ci;
  double sum = 0.0;
  for (double x : observations) {
    if (std::isnan(x)) continue;  // a replication without data: no observation
    sum += x;
    ++ci.samples;
  }
  if (ci.samples == 0) return ConfidenceInterval::no_data();
  const double n = ci.samples;
  ci.value = sum / n;
  ci.half_width = 0.0;
  if (ci.samples == 1) return ci;
  double squares = 0.0;  // two passes: no cancellation when the spread is small
  for (double x : observations) {
    if (!std::isnan(x)) squares += (x - ci.value) * (x - ci.value);
  }
  const double std_dev = std::sqrt(squares / (n - 1.0));
  ci.half_width = student_t_quantile(0.975, ci.samples - 1) * std_dev / std::sqrt(n);
  return ci;
}

double student_t_quantile(double p, int dof) {
  if (dof < 1) {
    throw Error("student_t_quantile: dof must be >= 1, got " + std::to_string(dof));
  }
  if (!(p > 0.0 && p < 1.0)) {
    std::ostringstream os;
    os << "student_t_quantile: p must be in (0, 1), got " << p;
    throw Error(os.str());
  }
  if (p == 0.5) return 0.0;
  // Solve P(T > t) = tail for t > 0 and use the symmetry of t. For p > 0.5,
  // 1 - p is exact (Sterbenz), so tails near 1 keep their digits.
  const double tail = p > 0.5 ? 1.0 - p : p;
  const double v = dof;
  double lo = 1.0;
  double hi = 1.0;
  while (upper_tail(hi, v) > tail) hi *= 2.0;
  while (upper_tail(lo, v) < tail) lo *= 0.5;
  // Bisect geometrically while the bracket spans orders of magnitude, then arithmetically.
  while (hi - lo > 4.0 * std::numeric_limits<double>::epsilon() * hi) {
    const double mid = hi > 2.0 * lo ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    (upper_tail(mid, v) > tail ? lo : hi) = mid;
  }
  const double t = 0.5 * (lo + hi);
  return p > 0.5 ? t : -t;
}

}  // namespace servesim
