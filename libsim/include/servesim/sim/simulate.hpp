#pragma once
/// @file simulate.hpp
/// Running a scenario on the native discrete-event engine.

#include <cstdint>
#include <functional>
#include <optional>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/** Overrides and execution settings for simulate(). */
struct SimulationOptions {
  /// Worker threads for replications; 0 = one per hardware thread. Results
  /// do not depend on it.
  int threads = 0;
  std::optional<std::uint64_t> seed;       ///< overrides RunConfig::seed
  std::optional<int> replications;         ///< overrides RunConfig::replications
  /**
   * Called with the fraction of the whole run simulated so far, in (0, 1],
   * about a hundred times per replication, from the simulating threads but
   * never two at once. It may throw to cancel: simulate() then stops every
   * replication at its next time-series interval and rethrows the exception.
   */
  std::function<void(double done_fraction)> on_progress;
};

/**
 * Simulates `scenario` on the native engine: every replication, in parallel,
 * then aggregates them. Same scenario and seed give the same Result on any
 * thread count.
 *
 * @throws ScenarioError if the scenario is invalid (Scenario::validate()).
 *
 * @code
 * auto scenario = servesim::load_scenario("scenarios/two-sync-workers.yaml");
 * servesim::Result r = servesim::simulate(scenario);
 * std::cout << r.throughput.mean << " req/s, p99 " << r.latency.p99.mean << " s\n";
 * @endcode
 */
[[nodiscard]] Result simulate(const Scenario& scenario, const SimulationOptions& options = {});

}  // namespace servesim
