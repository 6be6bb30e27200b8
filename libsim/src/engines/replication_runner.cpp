#include "engines/replication_runner.hpp"

#include <utility>

#include "child/simgrid_engine.hpp"
#include "io/scenario_writer.hpp"
#include "sim/engine.hpp"

namespace servesim {
namespace detail {

ReplicationRunner::ReplicationRunner(const Scenario& scenario, const SimulationOptions& options)
    : scenario_(scenario) {
  if (options.engine == Engine::simgrid) {
    check_simgrid_supported(scenario);
    simgrid_ = std::make_unique<const SimgridRun>(
        SimgridRun{simgrid_executable(), scenario_to_json(scenario), options.process_timeout});
  }
}

ReplicationRunner::~ReplicationRunner() = default;

ReplicationResult ReplicationRunner::run(int index, Measurement measurement, IntervalHook hook) const {
  if (simgrid_) return run_simgrid_replication(*simgrid_, index, measurement.warmup, measurement.interval, hook);
  NativeSimulation simulation(scenario_, index, measurement, std::move(hook));
  return simulation.run();
}

}  // namespace detail

bool engine_available(Engine engine) noexcept {
  if (engine == Engine::native) return true;
  try {
    (void)detail::simgrid_executable();
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace servesim
