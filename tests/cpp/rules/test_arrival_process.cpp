// Tests for rules/arrival_process.hpp: open-workload arrival times against
// the closed forms of the processes they claim to be.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "servesim/metrics/statistics.hpp"
#include "rules/arrival_process.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::detail::OpenArrivals;
using servesim::test::check_estimate;

namespace {

OpenWorkload bursty(double base_rate, Burst burst) {
  OpenWorkload open;
  open.rate = base_rate;
  open.arrivals = ArrivalProcess::bursty;
  open.burst = burst;
  return open;
}

// Arrivals in consecutive windows of `window` seconds up to `horizon`.
std::vector<double> window_counts(OpenArrivals& arrivals, double horizon, double window) {
  std::vector<double> counts(static_cast<std::size_t>(horizon / window), 0.0);
  for (double t = arrivals.next(); std::isfinite(t); t = arrivals.next()) {
    const auto w = static_cast<std::size_t>(t / window);
    if (w < counts.size()) counts[w] += 1.0;
  }
  return counts;
}

}  // namespace

TEST_CASE("A two-state MMPP has the mean rate and count dispersion of its closed form", "[arrivals]") {
  // Rates r0 outside bursts and r1 in them; bursts start at rate a = 1/every
  // and end at rate b = 1/duration, so a fraction p1 = a / (a + b) of the
  // time is in bursts and the mean rate is r0 p0 + r1 p1. Counts in a window
  // of T seconds have the index of dispersion (variance / mean)
  //   IDC(T) = 1 + 2 (r1 - r0)^2 p0 p1 / ((a + b)^2 m T) * ((a + b) T - 1 + exp(-(a + b) T))
  // (Fischer and Meier-Hellstern, "The MMPP cookbook", 1993, section 4).
  // A Poisson process has IDC 1. Run: 8 x 20,000 s, 2,000 windows each.
  struct Case {
    const char* name;
    double r0;
    Burst burst;
  };
  const double horizon = 20'000.0;
  const double window = 10.0;
  for (const Case& c : {Case{"bursts over a base rate", 10.0, Burst{100.0, 2.0, 8.0}},
                        Case{"on/off", 0.0, Burst{50.0, 1.0, 3.0}}}) {
    DYNAMIC_SECTION(c.name) {
      const double a = 1.0 / c.burst.every;
      const double b = 1.0 / c.burst.duration;
      const double p1 = a / (a + b);
      const double mean_rate = c.r0 * (1.0 - p1) + c.burst.rate * p1;
      REQUIRE(mean_rate == Approx((c.r0 * c.burst.every + c.burst.rate * c.burst.duration) /
                                  (c.burst.every + c.burst.duration)));
      const double s = (a + b) * window;
      const double idc = 1.0 + 2.0 * std::pow(c.burst.rate - c.r0, 2) * (1.0 - p1) * p1 /
                                   ((a + b) * (a + b) * mean_rate * window) * (s - 1.0 + std::exp(-s));
      std::vector<double> rates;
      std::vector<double> dispersions;
      const OpenWorkload open = bursty(c.r0, c.burst);
      for (std::uint64_t replication = 0; replication < 8; ++replication) {
        OpenArrivals arrivals(open, horizon, Rng(3, replication));
        const std::vector<double> counts = window_counts(arrivals, horizon, window);
        const Estimate count = estimate_mean(counts);
        double squares = 0.0;
        for (double n : counts) squares += (n - count.mean) * (n - count.mean);
        rates.push_back(count.mean / window);
        dispersions.push_back(squares / static_cast<double>(counts.size() - 1) / count.mean);
      }
      check_estimate("mean rate", estimate_mean(rates), mean_rate, 0.01);
      check_estimate("index of dispersion", estimate_mean(dispersions), idc, 0.03);
      CHECK(idc > 5.0);  // far from Poisson: the check above can tell them apart
    }
  }
}

TEST_CASE("Steady arrivals start at 0 and stop at the horizon", "[arrivals]") {
  // Expected: evenly spaced arrivals at 0, 0.25, 0.5, ..., 2.0 (9 of them), then none.
  OpenWorkload open;
  open.rate = 4.0;
  open.arrivals = ArrivalProcess::constant;
  OpenArrivals arrivals(open, 2.0, Rng(1, 0));
  for (int i = 0; i <= 8; ++i) CHECK(arrivals.next() == Approx(0.25 * i));
  CHECK(std::isinf(arrivals.next()));
}

TEST_CASE("A trace is replayed exactly, up to the horizon", "[arrivals]") {
  // Expected: the trace's own times, repeats included, and nothing after 10 s.
  OpenWorkload open;
  open.arrivals = ArrivalProcess::trace;
  open.trace = {0.0, 0.5, 0.5, 3.25, 9.999, 10.0, 10.5, 20.0};
  OpenArrivals arrivals(open, 10.0, Rng(1, 0));
  for (std::size_t i = 0; i < 6; ++i) CHECK(arrivals.next() == open.trace[i]);
  CHECK(std::isinf(arrivals.next()));
}

TEST_CASE("Rate profiles: the rate at each time and the peak thinning draws at", "[arrivals]") {
  // Expected values follow from each profile's definition.
  RateProfile ramp;
  ramp.kind = RateProfileKind::ramp;
  ramp.from = 100.0;
  ramp.to = 20.0;
  CHECK(OpenArrivals::profile_rate(ramp, 200.0, 50.0) == Approx(80.0));
  CHECK(OpenArrivals::profile_peak(ramp) == 100.0);

  RateProfile steps;
  steps.kind = RateProfileKind::steps;
  steps.steps = {{0.0, 5.0}, {10.0, 0.0}, {30.0, 40.0}};
  CHECK(OpenArrivals::profile_rate(steps, 100.0, 9.99) == 5.0);
  CHECK(OpenArrivals::profile_rate(steps, 100.0, 10.0) == 0.0);
  CHECK(OpenArrivals::profile_rate(steps, 100.0, 99.0) == 40.0);
  CHECK(OpenArrivals::profile_peak(steps) == 40.0);

  RateProfile diurnal;
  diurnal.kind = RateProfileKind::diurnal;
  diurnal.min = 10.0;
  diurnal.max = 50.0;
  diurnal.period = 100.0;
  CHECK(OpenArrivals::profile_rate(diurnal, 1000.0, 0.0) == Approx(10.0));
  CHECK(OpenArrivals::profile_rate(diurnal, 1000.0, 25.0) == Approx(30.0));
  CHECK(OpenArrivals::profile_rate(diurnal, 1000.0, 50.0) == Approx(50.0));
  CHECK(OpenArrivals::profile_rate(diurnal, 1000.0, 100.0) == Approx(10.0));
}
