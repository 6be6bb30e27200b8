#pragma once
// Engine choice, above both engines: a replication runs on the native
// engine in the calling thread, or on SimGrid in a servesim-simgrid child
// process given the scenario's text. simulate() sees only this.

#include <memory>

#include "rules/measurement.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"
#include "servesim/sim/simulate.hpp"

namespace servesim::detail {

struct SimgridRun;

class ReplicationRunner {
 public:
  /// `scenario` must be valid and outlive the runner.
  /// @throws ScenarioError if options.engine cannot express the scenario.
  /// @throws EngineError if options.engine is unavailable.
  ReplicationRunner(const Scenario& scenario, const SimulationOptions& options);
  ReplicationRunner(const ReplicationRunner&) = delete;
  ReplicationRunner& operator=(const ReplicationRunner&) = delete;
  ~ReplicationRunner();

  /// Replication `index` of the scenario, measured as `measurement` says.
  [[nodiscard]] ReplicationResult run(int index, Measurement measurement, IntervalHook hook) const;

 private:
  const Scenario& scenario_;
  std::unique_ptr<const SimgridRun> simgrid_;  ///< none: the native engine
};

}  // namespace servesim::detail
