#pragma once
// A scenario mapped onto SimGrid S4U, for one replication.
//
// Hosts become S4U hosts with their cores and speed. Clients are actors on a
// client host of their own: one for open arrivals, one per closed-loop user.
// Every request a server admits is an actor on the server's host that walks
// its route the way the Python code runs: it takes a worker thread, the
// process's event loop and the process's GIL as each step needs them, each a
// FIFO resource handed from actor to actor through S4U semaphores (the GIL
// also preempts a holder after the switch interval, by cancelling its
// execution and keeping the remaining work); CPU steps are S4U executions,
// which SimGrid's CPU model shares out at min(1, cores / n) of a core each;
// waits are sleeps. Databases, each process's connection pools and capped
// downstream services are S4U semaphores (FIFO, checkouts timed with
// acquire_timeout); a cache lookup branches to its hit or miss steps.
// What is random, admitted, counted and reported follows the rules both
// engines share (libsim/src/rules), so both fill the same ReplicationResult;
// CPU utilization is read back from the executions' done and remaining work.
//
// SimGrid keeps global state: one replication per process, run once.

#include "rules/measurement.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::simgrid_engine {

/**
 * Builds the platform and actors for replication `replication` of `scenario`
 * (valid, and supported: detail::check_simgrid_supported), runs it to run.duration and returns what it measured.
 * Call at most once per process, after simgrid::s4u::Engine is created.
 */
ReplicationResult run_replication(const Scenario& scenario, int replication,
                                  detail::Measurement measurement, const detail::IntervalHook& on_interval);

}  // namespace servesim::simgrid_engine
