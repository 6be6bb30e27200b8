#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "servesim/analytic/usl.hpp"
#include "servesim/errors.hpp"

using servesim::usl_fit;
using servesim::usl_throughput;
using servesim::UslModel;

TEST_CASE("usl_fit recovers published coefficients", "[analytic][usl]") {
  SECTION("the usl R package's reference data") {
    // The test data of the R package usl (S. Moeding, tests/coef.R): X at N = 1, 2, 4, 6, 8, 10
    // for sigma = kappa = 0.02, lambda = 1, rounded to 5 digits; the package reports
    // sigma = 0.02, kappa = 0.02. Rounding limits the agreement to about 1e-4.
    const std::vector<double> n{1, 2, 4, 6, 8, 10};
    const std::vector<double> x{1, 1.8868, 3.0769, 3.5294, 3.5398, 3.3557};
    const auto fit = usl_fit(n, x);
    CHECK(fit.sigma == Approx(0.02).epsilon(2e-3));
    CHECK(fit.kappa == Approx(0.02).epsilon(2e-3));
    CHECK(fit.lambda == Approx(1.0).epsilon(1e-4));
    // N* = sqrt((1 - sigma) / kappa) = 7 (Gunther, Guerrilla Capacity Planning, eq. 4.33).
    CHECK(fit.peak_concurrency == Approx(7.0).epsilon(1e-3));
    CHECK(fit.peak_throughput == Approx(usl_throughput(7.0, 0.02, 0.02, 1.0)).epsilon(1e-3));
    CHECK(fit.r_squared > 0.999999);
  }
  SECTION("noiseless data is fitted exactly") {
    // X(N) generated from sigma 0.05, kappa 0.0002, lambda 120/s.
    std::vector<double> n, x;
    n.reserve(8);
    x.reserve(8);
    for (double v : {1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0}) {
      n.push_back(v);
      x.push_back(usl_throughput(v, 0.05, 0.0002, 120.0));
    }
    const auto fit = usl_fit(n, x);
    CHECK(fit.sigma == Approx(0.05).epsilon(1e-9));
    CHECK(fit.kappa == Approx(0.0002).epsilon(1e-8));
    CHECK(fit.lambda == Approx(120.0).epsilon(1e-10));
    CHECK(fit.peak_concurrency == Approx(std::sqrt(0.95 / 0.0002)).epsilon(1e-8));
  }
  SECTION("peak of published coefficients") {
    // usl package tests/peak-scalability.R: sigma 0.001, kappa 0.00001 peak at N = 320
    // (two significant digits); the formula gives sqrt(0.999 / 1e-5) = 316.07.
    std::vector<double> n, x;
    n.reserve(8);
    x.reserve(8);
    for (double v : {1.0, 50.0, 100.0, 200.0, 400.0, 800.0}) {
      n.push_back(v);
      x.push_back(usl_throughput(v, 0.001, 0.00001, 1.0));
    }
    const auto fit = usl_fit(n, x);
    CHECK(fit.peak_concurrency == Approx(316.0696).epsilon(1e-6));
  }
  SECTION("Amdahl is kappa = 0") {
    // Amdahl's law with serial fraction 0.1: X(N) = lambda N / (1 + 0.1 (N - 1)) rises to
    // lambda / sigma = 10 lambda and never peaks.
    std::vector<double> n, x;
    n.reserve(8);
    x.reserve(8);
    for (double v : {1.0, 2.0, 4.0, 8.0, 16.0}) {
      n.push_back(v);
      x.push_back(usl_throughput(v, 0.1, 0.0, 50.0));
    }
    const auto fit = usl_fit(n, x, UslModel::amdahl);
    CHECK(fit.kappa == 0.0);
    CHECK(fit.sigma == Approx(0.1).epsilon(1e-10));
    CHECK(std::isinf(fit.peak_concurrency));
    CHECK(fit.peak_throughput == Approx(500.0).epsilon(1e-9));
    // The full model fitted to the same data finds no coherency term either.
    CHECK(usl_fit(n, x).kappa == Approx(0.0).margin(1e-12));
  }
  SECTION("penalties never go negative") {
    // Superlinear data (X(2) > 2 X(1)) would need sigma < 0; the fit stays at the bound.
    const std::vector<double> n{1, 2, 3, 4};
    const std::vector<double> x{10, 21, 31, 40};
    const auto fit = usl_fit(n, x);
    CHECK(fit.sigma >= 0.0);
    CHECK(fit.kappa >= 0.0);
  }
}

TEST_CASE("usl rejects bad input", "[analytic][usl]") {
  const std::vector<double> two{1, 2};
  const std::vector<double> three{1, 2, 3};
  CHECK_THROWS_WITH(usl_fit(two, two), "usl_fit: concurrency needs at least 3 points, got 2");
  CHECK_THROWS_WITH(usl_fit(three, two),
                    "usl_fit: concurrency and throughput must have the same length, got 3 and 2");
  const std::vector<double> bad{1, -2, 3};
  CHECK_THROWS_WITH(usl_fit(bad, three), "usl_fit: concurrency[1] must be finite and > 0, got -2");
  CHECK_THROWS_WITH(usl_fit(three, bad), "usl_fit: throughput[1] must be finite and > 0, got -2");
  const std::vector<double> same{4, 4, 4};
  CHECK_THROWS_AS(usl_fit(same, three), servesim::Error);
  CHECK_THROWS_WITH(usl_throughput(0.0, 0.1, 0.0, 1.0),
                    "usl_throughput: concurrency must be finite and > 0, got 0");
}
