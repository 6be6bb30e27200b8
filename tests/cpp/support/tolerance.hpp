#pragma once
// Comparing a simulated estimate with an exact value. The tolerance comes from
// the run itself: replications are independent, so their spread gives the
// standard error of the mean; a correct simulator lands within 4 standard
// errors of the exact value (a false alarm about 1 time in 200 with 8
// replications, and fixed seeds make each outcome repeatable). A tolerance
// that is only wide because the run is too noisy would prove nothing, so each
// check also requires the standard error to be below `max_relative_se` of the
// exact value: the run is long enough to see a real error of that size.

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/statistics.hpp"

namespace servesim::test {

inline double standard_error(const ConfidenceInterval& e) {
  return e.samples > 1 ? e.half_width / student_t_quantile(0.975, e.samples - 1) : 0.0;
}

/// `known_bias` widens the band by a deterministic error bound of the
/// measurement itself (e.g. the latency histogram's relative error).
inline void check_estimate(const std::string& what, const ConfidenceInterval& e, double exact,
                           double max_relative_se, double known_bias = 0.0) {
  const double se = standard_error(e);
  INFO(what << ": simulated " << e.value << " +- " << se << " (1 SE, " << e.samples
            << " replications), exact " << exact);
  REQUIRE(e.samples > 1);
  CHECK(se <= max_relative_se * std::abs(exact));
  CHECK(std::abs(e.value - exact) <= 4.0 * se + known_bias);
}

/// A quantile read off the latency histogram is within the histogram's relative error of the exact one.
inline void check_quantile(const char* what, const ConfidenceInterval& q, double exact) {
  INFO(what << ": simulated " << q.value << ", exact " << exact);
  CHECK(std::abs(q.value - exact) <= LatencyHistogram::relative_error() * exact);
}

}  // namespace servesim::test
