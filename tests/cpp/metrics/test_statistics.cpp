#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "servesim/errors.hpp"
#include "servesim/metrics/statistics.hpp"

using servesim::mean_ci;
using servesim::student_t_quantile;

TEST_CASE("student_t_quantile matches t tables", "[metrics][statistics]") {
  SECTION("two-sided 95 %") {
    // t_{0.975, dof} for dof 1, 2, 5, 10, 30, 1000: 12.706, 4.303, 2.571, 2.228, 2.042,
    // 1.962 (NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2), to the
    // table's rounding of +-0.0005.
    CHECK(student_t_quantile(0.975, 1) == Approx(12.706).margin(5e-4));
    CHECK(student_t_quantile(0.975, 2) == Approx(4.303).margin(5e-4));
    CHECK(student_t_quantile(0.975, 5) == Approx(2.571).margin(5e-4));
    CHECK(student_t_quantile(0.975, 10) == Approx(2.228).margin(5e-4));
    CHECK(student_t_quantile(0.975, 30) == Approx(2.042).margin(5e-4));
    CHECK(student_t_quantile(0.975, 1000) == Approx(1.962).margin(5e-4));
  }
  SECTION("closed forms for one and two degrees of freedom") {
    // dof 1 is Cauchy: t_p = tan(pi (p - 1/2)) = 1 / tan(pi (1 - p)) (the second form keeps
    // its digits near p = 1); dof 2: t_p = (2p - 1) sqrt(2 / (4p (1 - p)))
    // (Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions vol. 2, ch. 28).
    const double pi = std::acos(-1.0);
    for (double p : {0.6, 0.9, 0.975, 0.999, 1 - 1e-9}) {
      INFO("p = " << p);
      CHECK(student_t_quantile(p, 1) == Approx(1.0 / std::tan(pi * (1 - p))).epsilon(1e-9));
      CHECK(student_t_quantile(p, 2) ==
            Approx((2 * p - 1) * std::sqrt(2.0 / (4 * p * (1 - p)))).epsilon(1e-9));
    }
  }
  SECTION("symmetry and the median") {
    // t_{1-p} = -t_p; t_{0.5} = 0.
    for (int dof : {1, 3, 7, 50}) {
      CHECK(student_t_quantile(0.5, dof) == 0.0);
      CHECK(student_t_quantile(0.025, dof) == Approx(-student_t_quantile(0.975, dof)).epsilon(1e-12));
      CHECK(student_t_quantile(0.3, dof) == Approx(-student_t_quantile(0.7, dof)).epsilon(1e-12));
    }
  }
  SECTION("large dof approaches the normal") {
    // Cornish-Fisher: t_p = z + (z^3 + z) / (4 dof) + O(dof^-2), z_{0.975} = 1.959963985
    // (Abramowitz & Stegun 26.7.5).
    const double z = 1.959963985;
    CHECK(student_t_quantile(0.975, 1'000'000) == Approx(z + (z * z * z + z) / 4e6).epsilon(1e-9));
  }
  SECTION("bad arguments") {
    CHECK_THROWS_WITH(student_t_quantile(0.975, 0), "student_t_quantile: dof must be >= 1, got 0");
    CHECK_THROWS_WITH(student_t_quantile(1.0, 5), "student_t_quantile: p must be in (0, 1), got 1");
    CHECK_THROWS_AS(student_t_quantile(std::nan(""), 5), servesim::Error);
  }
}

TEST_CASE("mean_ci", "[metrics][statistics]") {
  SECTION("known sample") {
    // {1, 2, 3, 4, 5}: mean 3, s = sqrt(2.5), half-width = t_{0.975,4} s / sqrt(5)
    // = 2.776445 x 0.707107 = 1.963243 (t from the NIST table: 2.776).
    const std::vector<double> x{1, 2, 3, 4, 5};
    const auto e = mean_ci(x);
    CHECK(e.samples == 5);
    CHECK(e.value == 3.0);
    CHECK(e.half_width == Approx(2.776445 * std::sqrt(0.5)).epsilon(1e-6));
    CHECK(e.lower() == Approx(3.0 - e.half_width));
  }
  SECTION("one observation has no spread") {
    // Documented: half-width 0 with one replication.
    const std::vector<double> x{7.5};
    const auto e = mean_ci(x);
    CHECK(e.value == 7.5);
    CHECK(e.half_width == 0.0);
    CHECK(e.samples == 1);
  }
  SECTION("no data") {
    // Documented: no observations, or only NaN ones (replications without data),
    // give no_data(): samples 0, value and half-width NaN, never a made-up 0.
    const auto e = mean_ci({});
    CHECK(e.samples == 0);
    CHECK_FALSE(e.has_data());
    CHECK(std::isnan(e.value));
    CHECK(std::isnan(e.half_width));
    const std::vector<double> none{std::nan(""), std::nan("")};
    CHECK_FALSE(mean_ci(none).has_data());
  }
  SECTION("replications without data are left out") {
    // {NaN, 2, 4}: the mean and spread of {2, 4}: mean 3, s = sqrt(2),
    // half-width t_{0.975,1} s / sqrt(2) = 12.7062.
    const std::vector<double> x{std::nan(""), 2.0, 4.0};
    const auto e = mean_ci(x);
    CHECK(e.samples == 2);
    CHECK(e.value == 3.0);
    CHECK(e.half_width == Approx(12.7062047).epsilon(1e-6));
  }
  SECTION("coverage of 95 % intervals") {
    // 2,000 intervals from 10 normal observations each cover the true mean with
    // probability 0.95; the binomial standard deviation is 0.49 %, so +-1.5 % is 3 sigma.
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> normal(5.0, 2.0);
    int covered = 0;
    std::vector<double> x(10);
    for (int i = 0; i < 2000; ++i) {
      for (double& v : x) v = normal(rng);
      const auto e = mean_ci(x);
      if (e.lower() <= 5.0 && 5.0 <= e.upper()) ++covered;
    }
    CHECK(covered / 2000.0 == Approx(0.95).margin(0.015));
  }
}
