#pragma once
// Whether a run kept up with its offered load, judged after the run from
// what every engine reports (the timeline, error counts, utilizations), so
// the native and SimGrid engines share one rule.


#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// One replication, complete but for its stability (see Stability for the rule).
[[nodiscard]] Stability judge_stability(const Scenario& scenario, const ReplicationResult& replication);

}  // namespace servesim::detail
