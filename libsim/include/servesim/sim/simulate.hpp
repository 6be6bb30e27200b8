#pragma once
/// @file simulate.hpp
/// Running a scenario: on the native discrete-event engine, or on SimGrid.

#include <cstdint>
#include <functional>
#include <optional>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/// Which simulator runs a scenario. Both read the same Scenario and report the same Result.
enum class Engine {
  /// The library's own discrete-event engine, in threads of the calling process (default).
  native,
  /**
   * SimGrid S4U: each replication runs in its own `servesim-simgrid` process
   * (SimGrid keeps global state), replications in parallel processes. Found
   * through $SERVESIM_SIMGRID, next to the library, in the install prefix's
   * libexec directory, or in the build tree; see engine_available().
   */
  simgrid,
};

/** Overrides and execution settings for simulate(). */
struct SimulationOptions {
  Engine engine = Engine::native;  ///< which simulator runs the replications
  /// Replications run at once (threads, or processes for Engine::simgrid);
  /// 0 = one per hardware thread. Results do not depend on it.
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
  /// Engine::simgrid: wall-clock seconds one replication's process may run
  /// before it is killed and simulate() throws EngineError; 0 = no limit.
  double process_timeout = 0.0;
};

/// Whether simulate() can run `engine` here (Engine::simgrid needs the
/// `servesim-simgrid` executable; simulate() names what is missing).
[[nodiscard]] bool engine_available(Engine engine) noexcept;

/**
 * Simulates `scenario` on `options.engine`: every replication, in parallel,
 * then aggregates them. Same scenario and seed give the same Result on any
 * thread count.
 *
 * @throws ScenarioError if the scenario is invalid (Scenario::validate()), or
 *         uses a feature the chosen engine cannot express (naming it).
 * @throws EngineError if the engine is unavailable, or a SimGrid process
 *         crashes, times out or writes a malformed result.
 *
 * @code
 * auto scenario = servesim::load_scenario("scenarios/two-sync-workers.yaml");
 * servesim::Result r = servesim::simulate(scenario);
 * std::cout << r.throughput.value << " req/s, p99 " << r.latency.p99.value << " s\n";
 * @endcode
 */
[[nodiscard]] Result simulate(const Scenario& scenario, const SimulationOptions& options = {});

}  // namespace servesim
