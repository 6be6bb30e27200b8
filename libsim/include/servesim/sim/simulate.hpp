#pragma once
/// @file simulate.hpp
/// Running a scenario: on the native discrete-event engine, or on SimGrid.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

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
   * replication within milliseconds and rethrows the exception.
   */
  std::function<void(double done_fraction)> on_progress;
  /**
   * Called every 50 ms of wall-clock time on the calling thread while the
   * replications run (they run on other threads). It may throw to cancel,
   * as on_progress: the native engine checks every 16,384 events, a SimGrid
   * replication's process is killed within 100 ms. Python's binding turns
   * Ctrl-C into KeyboardInterrupt here.
   */
  std::function<void()> on_poll;
  /// Engine::simgrid: wall-clock seconds one replication's process may run
  /// before it is killed and simulate() throws EngineError; 0 = no limit.
  double process_timeout = 0.0;
};

/**
 * What simulate() will cost, estimated from the scenario before it runs:
 * within a factor of a few, on the high side (rates at their peak, servers
 * keeping up). Callers announce large runs (the CLI and ss.simulate warn).
 *
 * @code
 * if (auto cost = servesim::run_cost(scenario); cost.is_large()) std::cerr << cost.describe() << "\n";
 * @endcode
 */
struct RunCost {
  double requests = 0.0;  ///< requests simulated, every replication and pilot run
  double events = 0.0;    ///< events simulated
  double seconds = 0.0;   ///< wall-clock seconds at the engine's usual speed on the run's threads
  double bytes = 0.0;     ///< memory at the end: results kept and requests in flight
  /// Longer than a minute, or more than 1 GiB.
  [[nodiscard]] bool is_large() const noexcept;
  /// "this run simulates about 1e+11 events (2e+10 requests): about ..."
  [[nodiscard]] std::string describe() const;
};

/// The estimate of RunCost for `scenario` (valid) run with `options`.
[[nodiscard]] RunCost run_cost(const Scenario& scenario, const SimulationOptions& options = {});

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
