#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "servesim/metrics/warmup.hpp"

using servesim::mser5_truncation;

TEST_CASE("mser5_truncation", "[metrics][warmup]") {
  std::mt19937_64 rng(17);
  std::normal_distribution<double> noise(0.0, 0.5);

  SECTION("an obvious initial transient is cut at its end") {
    // 200 of 1,000 observations at level 10, then level 1: MSER-5 removes the transient
    // and little more (White & Robinson 2010, fig. 2 shows the same shape).
    std::vector<double> x(1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = (i < 200 ? 10.0 : 1.0) + noise(rng);
    const std::size_t d = mser5_truncation(x);
    CHECK(d >= 200);
    CHECK(d <= 230);
    CHECK(d % 5 == 0);
  }
  SECTION("a decaying transient") {
    // 1 + 9 e^{-i/50}: the bias drops below the noise (0.5) after about 50 ln 18 = 145
    // observations, so the cut lands there rather than at 0 or at the end.
    std::vector<double> x(2000);
    for (std::size_t i = 0; i < x.size(); ++i) {
      x[i] = 1.0 + 9.0 * std::exp(-static_cast<double>(i) / 50.0) + noise(rng);
    }
    const std::size_t d = mser5_truncation(x);
    CHECK(d >= 75);
    CHECK(d <= 400);
  }
  SECTION("a stationary series is hardly truncated") {
    // No transient: the statistic grows like s^2 / (m - d), so d stays small.
    std::vector<double> x(1000);
    for (double& v : x) v = 1.0 + noise(rng);
    CHECK(mser5_truncation(x) <= 100);
  }
  SECTION("the search stops at half the run") {
    // A series that only rises: the smallest variance would be at the very end, but the rule
    // looks at the first half only: d <= (m - 1) / 2 batches = 495 observations.
    std::vector<double> x(1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
    CHECK(mser5_truncation(x) <= 495);
  }
  SECTION("series shorter than two batches") {
    // Fewer than 10 observations: nothing to compare, discard nothing.
    const std::vector<double> x{9, 9, 9, 9, 1, 1, 1, 1, 1};
    CHECK(mser5_truncation(x) == 0);
    CHECK(mser5_truncation({}) == 0);
  }
}
