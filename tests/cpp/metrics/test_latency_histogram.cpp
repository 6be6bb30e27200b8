#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "servesim/errors.hpp"
#include "servesim/metrics/latency_histogram.hpp"

using servesim::LatencyHistogram;

namespace {

/// The nearest-rank sample quantile quantile() promises: the r-th smallest value,
/// r = max(1, ceil(q n)).
double exact_quantile(const std::vector<double>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * n)));
  return sorted[rank - 1];
}

template <class Distribution>
std::vector<double> draw(Distribution dist, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<double> values(n);
  for (double& v : values) v = dist(rng);
  return values;
}

void check_quantiles(std::vector<double> values) {
  LatencyHistogram h;
  for (double v : values) h.record(v);
  std::sort(values.begin(), values.end());
  for (double q : {0.0, 1e-4, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999,
                   1.0}) {
    INFO("q = " << q);
    const double exact = exact_quantile(values, q);
    CHECK(std::abs(h.quantile(q) - exact) <= LatencyHistogram::relative_error() * exact);
  }
}

}  // namespace

TEST_CASE("relative_error is the bound of the midpoint rule", "[metrics][histogram]") {
  // Buckets span a factor <= 1 + 2^-7; the geometric midpoint is off by at most
  // sqrt(1 + 2^-7) - 1 = 0.0038986 (derivation in latency_histogram.cpp).
  CHECK(LatencyHistogram::relative_error() == Approx(0.0038985).epsilon(1e-4));
}

TEST_CASE("quantiles of a million samples are within relative_error", "[metrics][histogram]") {
  SECTION("uniform on (0, 1) s") {
    // Oracle: the sorted samples (nearest rank), error <= relative_error() x the true value.
    check_quantiles(draw(std::uniform_real_distribution<double>(0.0, 1.0), 1'000'000, 42));
  }
  SECTION("exponential, mean 10 ms") {
    check_quantiles(draw(std::exponential_distribution<double>(100.0), 1'000'000, 7));
  }
  SECTION("lognormal spanning microseconds to minutes") {
    // Many binades: exercises the exponent part of the bucket index.
    check_quantiles(draw(std::lognormal_distribution<double>(std::log(0.01), 2.5), 1'000'000, 3));
  }
}

TEST_CASE("worst case of the bucket rule", "[metrics][histogram]") {
  SECTION("values at both edges of the widest bucket") {
    // [1, 1 + 2^-7) is a bucket (bucket edges sit on powers of two): its midpoint
    // sqrt(1 + 2^-7) is off by relative_error() from 1, and less from the top.
    LatencyHistogram h;
    h.record(1.0);
    h.record(std::nextafter(1.0 + 1.0 / 128, 0.0));
    h.record(3.0);  // widens [min, max] so that clamping does not help
    h.record(0.5);
    const double median = h.quantile(0.5);  // rank 2 of 4: the value 1.0
    CHECK(median == Approx(std::sqrt(1.0 + 1.0 / 128)).epsilon(1e-15));
    CHECK(std::abs(median - 1.0) <= LatencyHistogram::relative_error() * (1 + 1e-12));
  }
}

TEST_CASE("merge equals one histogram of all values", "[metrics][histogram]") {
  // Counts add bucket by bucket, so every quantile, count and extreme must be identical;
  // the mean equal up to the order of summation.
  const auto values = draw(std::exponential_distribution<double>(20.0), 100'000, 11);
  LatencyHistogram all, first, second;
  for (std::size_t i = 0; i < values.size(); ++i) {
    all.record(values[i]);
    (i < 30'000 ? first : second).record(values[i]);
  }
  first.merge(second);
  CHECK(first.count() == all.count());
  CHECK(first.min() == all.min());
  CHECK(first.max() == all.max());
  CHECK(first.mean() == Approx(all.mean()).epsilon(1e-12));
  for (double q : {0.0, 0.3, 0.5, 0.99, 1.0}) CHECK(first.quantile(q) == all.quantile(q));
  const auto a = first.buckets();
  const auto b = all.buckets();
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].lower == b[i].lower);
    CHECK(a[i].count == b[i].count);
  }
}

TEST_CASE("empty histogram", "[metrics][histogram]") {
  // Documented: 0 for every statistic, no buckets.
  const LatencyHistogram h;
  CHECK(h.count() == 0);
  CHECK(h.mean() == 0.0);
  CHECK(h.min() == 0.0);
  CHECK(h.max() == 0.0);
  CHECK(h.quantile(0.5) == 0.0);
  CHECK(h.fraction_at_most(1.0) == 0.0);
  CHECK(h.buckets().empty());
  LatencyHistogram other;
  other.merge(h);
  CHECK(other.count() == 0);
  CHECK(other.min() == 0.0);
}

TEST_CASE("mean, min and max are exact", "[metrics][histogram]") {
  // 0.001 + 0.002 + 0.0105 = 0.0135 s over 3: mean 0.0045 s.
  LatencyHistogram h;
  for (double v : {0.002, 0.0105, 0.001}) h.record(v);
  CHECK(h.count() == 3);
  CHECK(h.mean() == Approx(0.0045).epsilon(1e-15));
  CHECK(h.min() == 0.001);
  CHECK(h.max() == 0.0105);
  // Quantiles are clamped to the exact extremes.
  CHECK(h.quantile(0.0) >= 0.001);
  CHECK(h.quantile(1.0) <= 0.0105);
}

TEST_CASE("values outside the range", "[metrics][histogram]") {
  SECTION("below kMinValue share the first bucket") {
    // 1e-12 and 1e-10 fall below 1 ns; quantiles are clamped to the exact min and max.
    LatencyHistogram h;
    h.record(1e-12);
    h.record(1e-10);
    REQUIRE(h.buckets().size() == 1);
    CHECK(h.buckets()[0].count == 2);
    CHECK(h.quantile(0.0) >= 1e-12);
    CHECK(h.quantile(1.0) <= 1e-10);
    CHECK(h.min() == 1e-12);
  }
  SECTION("above kMaxValue share the last bucket") {
    // 2e6 s and infinity land in the last bucket, whose lower bound is <= kMaxValue.
    LatencyHistogram h;
    h.record(2e6);
    h.record(std::numeric_limits<double>::infinity());
    REQUIRE(h.buckets().size() == 1);
    CHECK(h.buckets()[0].lower <= LatencyHistogram::kMaxValue);
    CHECK(h.max() == std::numeric_limits<double>::infinity());
  }
  SECTION("negative and NaN count as zero") {
    // Documented: both are recorded as 0 s.
    LatencyHistogram h;
    h.record(-1.0);
    h.record(std::nan(""));
    CHECK(h.count() == 2);
    CHECK(h.min() == 0.0);
    CHECK(h.mean() == 0.0);
    CHECK(h.quantile(0.5) == 0.0);
  }
}

TEST_CASE("fraction_at_most and buckets", "[metrics][histogram]") {
  // 1,000 values 1..1000 ms: 100 are <= 100 ms; bucket resolution 0.8 % around 100 ms
  // lets at most the 100.x ms neighbours in.
  LatencyHistogram h;
  for (int i = 1; i <= 1000; ++i) h.record(i * 1e-3);
  CHECK(h.fraction_at_most(0.1) == Approx(0.1).margin(0.001));
  CHECK(h.fraction_at_most(0.0005) == 0.0);
  CHECK(h.fraction_at_most(1.0) == 1.0);
  std::uint64_t total = 0;
  double previous_upper = 0.0;
  for (const auto& b : h.buckets()) {
    CHECK(b.lower < b.upper);
    CHECK(b.upper / b.lower <= 1.0 + 1.0 / 128 + 1e-15);  // at most 2^-7 wide
    CHECK(b.lower >= previous_upper);
    previous_upper = b.upper;
    total += b.count;
  }
  CHECK(total == 1000);
}

TEST_CASE("from_buckets rebuilds a histogram exactly", "[histogram]") {
  servesim::LatencyHistogram h;
  for (double v : {1e-10, 0.001, 0.0015, 0.0015, 0.2, 3.0, 2e6}) h.record(v);
  const auto copy = servesim::LatencyHistogram::from_buckets(h.buckets(), h.mean() * 7, h.min(), h.max());
  CHECK(copy.count() == h.count());
  CHECK(copy.mean() == Approx(h.mean()).epsilon(1e-15));
  CHECK(copy.min() == h.min());
  CHECK(copy.max() == h.max());
  for (double q : {0.0, 0.3, 0.5, 0.9, 1.0}) CHECK(copy.quantile(q) == h.quantile(q));
  auto buckets = h.buckets();
  buckets[1].lower *= 1.0001;
  CHECK_THROWS_AS(servesim::LatencyHistogram::from_buckets(buckets, 0.0, 0.0, 0.0), servesim::Error);
}
