#pragma once
// Running one scenario on both engines and comparing what they measure; shared
// by the cross-validation tests (test_cross_validation.cpp explains the
// reasoning: independent seeds, 4 standard errors of the difference).

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/statistics.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/tolerance.hpp"

namespace servesim::test {

struct Pair {
  Result native;
  Result simgrid;
};

inline Pair run_both(const Scenario& s) {
  SimulationOptions options;
  Pair pair{simulate(s, options), {}};
  options.engine = Engine::simgrid;
  options.seed = s.run.seed + 1000;  // independent of the native run
  pair.simgrid = simulate(s, options);
  return pair;
}

// `max_relative_se`: the SE of the difference must be below this fraction of
// the native value; `known_bias`: a deterministic error of the measurement.
inline void agree(const std::string& what, const ConfidenceInterval& native, const ConfidenceInterval& simgrid,
                  double max_relative_se, double known_bias = 0.0) {
  const double se = std::hypot(test::standard_error(native), test::standard_error(simgrid));
  INFO(what << ": native " << native.value << ", SimGrid " << simgrid.value << ", SE of the difference "
            << se << " (" << native.samples << " + " << simgrid.samples << " replications)");
  CHECK(se <= max_relative_se * std::abs(native.value));
  // Quantities that are exact in both (a pool that is always busy) differ by rounding only.
  CHECK(std::abs(native.value - simgrid.value) <= 4.0 * se + known_bias + 1e-9 * std::abs(native.value));
}

// Means and p99 of the latency, throughput and CPU utilization agree.
inline void agree_on_all(const Pair& p, double max_se) {
  agree("throughput", p.native.throughput, p.simgrid.throughput, max_se);
  agree("mean latency", p.native.latency.mean, p.simgrid.latency.mean, max_se);
  // Each engine's histogram adds at most its relative error to the p99.
  agree("p99 latency", p.native.latency.p99, p.simgrid.latency.p99, 2 * max_se,
        2 * LatencyHistogram::relative_error() * p.native.latency.p99.value);
  for (std::size_t h = 0; h < p.native.hosts.size(); ++h) {
    agree("CPU utilization of " + p.native.hosts[h].name, p.native.hosts[h].cpu_utilization,
          p.simgrid.hosts[h].cpu_utilization, max_se);
  }
  for (std::size_t s = 0; s < p.native.servers.size(); ++s) {
    agree("busy workers of " + p.native.servers[s].name, p.native.servers[s].worker_busy_fraction,
          p.simgrid.servers[s].worker_busy_fraction, max_se);
  }
}

}  // namespace servesim::test
