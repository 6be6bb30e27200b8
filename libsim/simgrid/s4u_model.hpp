#pragma once
// A scenario mapped onto SimGrid S4U, for one replication.
//
// Hosts become S4U hosts with their cores and speed; every Gunicorn worker
// process is an actor on its server's host; clients (the open-arrival source
// and each closed-loop user) are actors on a separate client host; CPU phases
// are S4U executions, whose sharing of a multicore host gives each of n
// executions min(1, cores / n) of a core, as the native engine's processor
// sharing does; I/O phases are sleeps. Measurement mirrors the native engine's
// definitions (sim/engine.cpp) so both write the same ReplicationResult, but
// CPU work is read back from SimGrid's host-load plugin, not recomputed.
//
// SimGrid keeps global state: one S4uModel per process, run once.

#include <cstdint>
#include <functional>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::simgrid_engine {

/// Where the measured window starts and how finely the timeline is cut (seconds).
struct Measurement {
  double warmup = 0.0;
  double interval = 1.0;
};

/// Told the simulated time at every interval's end.
using IntervalHook = std::function<void(double simulated_time)>;

/**
 * Builds the platform and actors for replication `replication` of `scenario`
 * (valid, and supported: detail::check_simgrid_supported), runs it to run.duration and returns what it measured.
 * Call at most once per process, after simgrid::s4u::Engine is created.
 */
ReplicationResult run_replication(const Scenario& scenario, int replication,
                                  Measurement measurement, const IntervalHook& on_interval);

}  // namespace servesim::simgrid_engine
