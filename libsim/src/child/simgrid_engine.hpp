#pragma once
// The SimGrid engine seen from the library: each replication runs in its own
// servesim-simgrid process (SimGrid keeps global state), which gets the
// scenario as JSON on stdin and answers with io/engine_output.hpp's document.

#include <functional>
#include <string>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/**
 * The servesim-simgrid executable: $SERVESIM_SIMGRID if set, else the one
 * installed next to the code of this library (a shared object or Python
 * module), in the install prefix's libexec directory, or in the build tree.
 * @throws EngineError saying why the engine is unavailable.
 */
[[nodiscard]] std::string simgrid_executable();

/// Throws ScenarioError naming the first feature of a valid `scenario` that
/// the SimGrid engine cannot express.
void check_simgrid_supported(const Scenario& scenario);

/// One servesim-simgrid run of a scenario.
struct SimgridRun {
  std::string executable;
  std::string scenario_json;  ///< io/scenario_writer.hpp's text of the scenario
  double timeout_s = 0.0;     ///< wall-clock limit per process; 0 = none
};

/**
 * Runs replication `index` with the given warm-up and time-series interval
 * (seconds) in a child process. `on_interval` is called with the simulated
 * time as the child reports progress, and about every 100 ms with the last
 * one; if it throws, the child is killed and the exception propagates.
 * @throws EngineError if the child crashes, times out or writes a malformed result.
 */
ReplicationResult run_simgrid_replication(const SimgridRun& run, int index, double warmup,
                                          double interval,
                                          const std::function<void(double)>& on_interval);

}  // namespace servesim::detail
