#include <catch2/catch.hpp>

#include <array>
#include <cmath>

#include "servesim/core/rng.hpp"

using servesim::Rng;

TEST_CASE("A seed and stream give one fixed sequence", "[rng]") {
  Rng a(7, 3);
  Rng b(7, 3);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.next_u64() == b.next_u64());
}

TEST_CASE("Different seeds and streams give different sequences", "[rng]") {
  Rng base(7, 3);
  Rng other_stream(7, 4);
  Rng other_seed(8, 3);
  int same_stream = 0;
  int same_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto x = base.next_u64();
    same_stream += x == other_stream.next_u64();
    same_seed += x == other_seed.next_u64();
  }
  CHECK(same_stream == 0);
  CHECK(same_seed == 0);
}

TEST_CASE("uniform01 is uniform on the open interval (0, 1)", "[rng]") {
  // Chi-square goodness of fit over 100 equal bins, 1e6 draws: the statistic
  // has 99 degrees of freedom, mean 99, sd 14; 99.99 % quantile is about 160.
  Rng rng(42, 0);
  std::array<int, 100> bins{};
  const int n = 1'000'000;
  int outside = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform01();
    outside += u <= 0.0 || u >= 1.0;
    bins[static_cast<std::size_t>(u * 100) % 100] += 1;
  }
  REQUIRE(outside == 0);
  double chi2 = 0.0;
  const double expected = n / 100.0;
  for (int count : bins) chi2 += (count - expected) * (count - expected) / expected;
  CHECK(chi2 < 160.0);
}

TEST_CASE("below(n) stays in range and is unbiased", "[rng]") {
  // Each of 7 values expected 1e6 / 7 times; sd = sqrt(n p (1-p)) ~ 350; allow 5 sd.
  Rng rng(1, 1);
  std::array<int, 7> counts{};
  for (int i = 0; i < 1'000'000; ++i) counts[rng.below(7)] += 1;
  for (int count : counts) CHECK(std::abs(count - 1e6 / 7) < 5 * 350);
}

TEST_CASE("standard_normal has mean 0 and variance 1", "[rng]") {
  // 1e6 draws: SE of the mean 0.001, of the variance sqrt(2/n) = 0.0014; allow 5 SE.
  Rng rng(3, 9);
  double sum = 0.0;
  double sum_sq = 0.0;
  const int n = 1'000'000;
  for (int i = 0; i < n; ++i) {
    const double z = rng.standard_normal();
    sum += z;
    sum_sq += z * z;
  }
  const double mean = sum / n;
  CHECK(std::abs(mean) < 0.005);
  CHECK(std::abs(sum_sq / n - mean * mean - 1.0) < 0.007);
}
