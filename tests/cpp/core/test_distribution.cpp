#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include "servesim/core/distribution.hpp"
#include "servesim/errors.hpp"

using servesim::Distribution;
using servesim::Rng;

namespace {

struct Moments {
  double mean;
  double cv;
  std::vector<double> sorted;
};

Moments sample_moments(const Distribution& d, int n, std::uint64_t seed = 5) {
  Rng rng(seed, 0);
  std::vector<double> xs(static_cast<std::size_t>(n));
  double sum = 0.0;
  for (double& x : xs) {
    x = d.sample(rng);
    sum += x;
  }
  REQUIRE(*std::min_element(xs.begin(), xs.end()) >= 0.0);
  const double mean = sum / n;
  double sq = 0.0;
  for (double x : xs) sq += (x - mean) * (x - mean);
  std::sort(xs.begin(), xs.end());
  return {mean, std::sqrt(sq / n) / mean, std::move(xs)};
}

double quantile(const std::vector<double>& sorted, double q) {
  return sorted[static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

TEST_CASE("Sample means and CVs match each family's exact moments", "[distribution]") {
  // 1e6 draws: the sample mean's relative SE is cv / 1000, so 5 SE is
  // 0.005 cv. The sample CV converges more slowly (it needs the fourth
  // moment); 3 % is over 5 SE for the light-tailed families checked here.
  struct Case {
    const char* name;
    Distribution d;
    double mean;
    double cv;
    bool check_cv;
  };
  const Case cases[] = {
      {"constant", Distribution::constant(0.004), 0.004, 0.0, true},
      {"exponential", Distribution::exponential(0.010), 0.010, 1.0, true},
      {"uniform", Distribution::uniform(0.002, 0.006), 0.004, 0.002 / std::sqrt(3.0) / 0.004, true},
      {"lognormal", Distribution::lognormal(0.010, 0.5), 0.010, 0.5, true},
      {"gamma cv 0.3", Distribution::gamma(0.010, 0.3), 0.010, 0.3, true},
      {"gamma cv 2", Distribution::gamma(0.010, 2.0), 0.010, 2.0, true},
      {"hyperexponential", Distribution::hyperexponential(0.010, 2.0), 0.010, 2.0, true},
      // Pareto with cv 1 has alpha = 1 + sqrt 2 < 4: infinite fourth moment,
      // so only the mean is checked.
      {"pareto", Distribution::pareto_from_mean_cv(0.010, 1.0), 0.010, 1.0, false},
      {"empirical samples", Distribution::empirical({0.001, 0.002, 0.009}), 0.004,
       std::sqrt((9.0 + 4.0 + 25.0) / 3.0) / 4.0, true},
      {"empirical histogram", Distribution::empirical_histogram({0.0, 0.002, 0.010}, {1.0, 1.0}),
       0.0035, 0.0, false},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      CHECK(c.d.mean() == Approx(c.mean).epsilon(1e-12));
      if (c.check_cv) CHECK(c.d.cv() == Approx(c.cv).epsilon(1e-9).margin(1e-12));
      const Moments m = sample_moments(c.d, 1'000'000);
      CHECK(m.mean == Approx(c.mean).epsilon(0.005 * std::max(c.cv, 0.2) + 1e-12));
      if (c.check_cv) CHECK(m.cv == Approx(c.cv).epsilon(0.03).margin(1e-9));
    }
  }
}

TEST_CASE("Lognormal by percentiles reproduces them", "[distribution]") {
  // 1e6 draws: the sample p99's relative SE is about 0.3 %; allow 2 %.
  const Distribution d = Distribution::lognormal_from_percentiles(0.020, 0.200);
  const Moments m = sample_moments(d, 1'000'000);
  CHECK(quantile(m.sorted, 0.50) == Approx(0.020).epsilon(0.02));
  CHECK(quantile(m.sorted, 0.99) == Approx(0.200).epsilon(0.02));
}

TEST_CASE("Exponential tail: P(X > mean) = 1/e", "[distribution]") {
  // Binomial SE with 1e6 draws: sqrt(0.37 * 0.63 / 1e6) = 0.00048; allow 5 SE.
  const Moments m = sample_moments(Distribution::exponential(1.0), 1'000'000);
  const auto above = std::count_if(m.sorted.begin(), m.sorted.end(), [](double x) { return x > 1.0; });
  CHECK(std::abs(static_cast<double>(above) / 1e6 - std::exp(-1.0)) < 0.0025);
}

TEST_CASE("scaled() multiplies every value", "[distribution]") {
  const Distribution base = Distribution::gamma(0.010, 0.7);
  const Distribution doubled = base.scaled(2.0);
  CHECK(doubled.mean() == Approx(0.020));
  CHECK(doubled.cv() == Approx(0.7));
  Rng a(1, 1);
  Rng b(1, 1);
  for (int i = 0; i < 100; ++i) CHECK(doubled.sample(a) == Approx(2.0 * base.sample(b)));
}

TEST_CASE("Bad parameters are rejected with the parameter and value", "[distribution]") {
  using servesim::Error;
  CHECK_THROWS_WITH(Distribution::exponential(-1.0), "exponential: mean must be > 0, got -1");
  CHECK_THROWS_WITH(Distribution::uniform(0.5, 0.1), Catch::Contains("high must be >= low"));
  CHECK_THROWS_WITH(Distribution::lognormal(0.01, 0.0), Catch::Contains("cv must be in (0, 1000], got 0"));
  CHECK_THROWS_WITH(Distribution::lognormal_from_percentiles(0.2, 0.1), Catch::Contains("p99 must be > p50"));
  CHECK_THROWS_WITH(Distribution::hyperexponential(0.01, 0.5), Catch::Contains("cv must be in [1, 1000]"));
  CHECK_THROWS_WITH(Distribution::pareto(1.0, 1.0), Catch::Contains("alpha must be > 1"));
  CHECK_THROWS_AS(Distribution::empirical({}), Error);
  CHECK_THROWS_WITH(Distribution::empirical_histogram({0.0, 1.0}, {1.0, 2.0}),
                    Catch::Contains("one more value"));
  CHECK_THROWS_WITH(Distribution::constant(std::nan("")), Catch::Contains("value must be >= 0"));
}

TEST_CASE("CVs whose parameters would overflow are rejected, not sampled as NaN", "[distribution]") {
  // cv^2 overflows past ~1e154 (lognormal sigma, gamma scale) and underflows
  // below ~1e-154 (gamma shape); a hyperexponential's branch probability
  // rounds to 1 past ~1e8. Each would give NaN or a wrong mean.
  CHECK_THROWS_WITH(Distribution::lognormal(0.01, 1e155), Catch::Contains("lognormal: cv must be in (0, 1000]"));
  CHECK_THROWS_WITH(Distribution::gamma(0.01, 1e-160), Catch::Contains("gamma: cv must be in [1e-06, 1000]"));
  CHECK_THROWS_WITH(Distribution::gamma(0.01, 1e155), Catch::Contains("gamma: cv must be in [1e-06, 1000]"));
  CHECK_THROWS_WITH(Distribution::hyperexponential(0.01, 1e9), Catch::Contains("hyperexponential: cv must be in [1, 1000]"));
  CHECK_THROWS_WITH(Distribution::pareto_from_mean_cv(0.01, std::nan("")), Catch::Contains("pareto: cv must be in (0, 1000]"));
  // The bounds themselves still sample finite values with the stated mean.
  Rng rng(9, 9);
  for (const Distribution& d : {Distribution::lognormal(0.01, 1000.0), Distribution::gamma(0.01, 1e-6),
                                Distribution::gamma(0.01, 1000.0), Distribution::hyperexponential(0.01, 1000.0)}) {
    bool all_finite = true;
    for (int i = 0; i < 1000; ++i) all_finite = all_finite && std::isfinite(d.sample(rng));
    CHECK(all_finite);
  }
}

