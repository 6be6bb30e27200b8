#pragma once
// Each host's expected resident memory in a Result, which summarize() leaves
// at 0: simulate() fills it, and so do the callers that pool replications of
// their own (plan's confirmation and short replications).

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/**
 * Sets each host's static_memory and memory in `result` (model/memory.hpp):
 * the static part, plus each server's per-connection memory times its
 * time-average requests (Little's L) averaged over the replications, plus
 * its open long-lived connections' memory.
 * @param scenario the scenario as run: replicas expanded (expand_replicas)
 */
void add_host_memory(const Scenario& scenario, Result& result);

}  // namespace servesim::detail
