#pragma once
/// @file estimate.hpp
/// Instant answers for a scenario from queueing theory instead of simulation,
/// where the scenario maps onto a model: a server's concurrency slots
/// (Gunicorn sync workers, gthread threads, gevent connections, Uvicorn's
/// limit_concurrency) in front of a product-form subnetwork (CPU cores by
/// processor sharing, the GIL or event loop as one server, I/O as a delay),
/// reduced to a flow-equivalent server (Chandy, Herzog & Woo 1975) whose
/// rate with n requests in service comes from exact MVA, then solved as a
/// birth-death chain with the accept backlog as its waiting room. Times in
/// seconds, rates in requests per second.

#include <optional>
#include <string>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/** What estimate() predicts for a scenario, with the model and assumptions behind it. */
struct ScenarioEstimate {
  std::string scenario;
  std::string model;                     ///< the queueing model used, in words
  std::vector<std::string> assumptions;  ///< what the numbers take for granted
  /// Open workloads: the offered rate reaches the saturation rate (the backlog is
  /// full and the excess refused). Closed ones: always false, since users wait
  /// rather than overflow; compare the users with saturation_population (N*).
  bool saturated = false;
  double offered_rate = 0.0;     ///< open: the workload's rate; closed: throughput + errors
  double throughput = 0.0;       ///< completed requests per second
  double saturation_rate = 0.0;  ///< the most the server completes per second
  /// Closed workloads: N* = (E[S] + Z) x saturation_rate, the users at which the
  /// server saturates (Lazowska et al. 1984, section 5.2); unset for open ones.
  std::optional<double> saturation_population;
  double error_rate = 0.0;  ///< share of requests refused (backlog full) or answered 503
  /// What the errors are: `refused` (backlog full) or `unavailable` (503 above
  /// uvicorn's limit_concurrency), as in ErrorCounts.
  std::string error_kind = "refused";
  /// Response time: exact mean within the model, percentiles from a two-moment
  /// (gamma) fit of the wait and of the time in service; max is +inf.
  LatencyStats latency;
  double worker_busy_fraction = 0.0;  ///< busy slots (workers, threads) or loop busy fraction
  double cpu_utilization = 0.0;       ///< busy fraction of the host's cores
  double mean_in_system = 0.0;        ///< requests queued or in service, whole server
  double mean_queue_length = 0.0;     ///< requests waiting for a slot, whole server
  double queued_fraction = 0.0;       ///< accepted requests that waited for a slot
};

/**
 * Estimates throughput, utilization, latency and the saturation rate of a
 * scenario in microseconds to milliseconds.
 *
 * Applies to one server on one host, open (Poisson or constant) or closed
 * workloads, any mix of endpoints, and
 * - gunicorn_sync: workers = slots, CPU phases on the host's cores (PS, as
 *   a multi-server station), io as a delay; exact for exponential work
 *   without CPU contention (M/M/c/K), Allen–Cunneen's factor (ca² + cs²) / 2
 *   on the wait otherwise;
 * - gunicorn_gthread (workers <= cores): per process, threads = slots, the
 *   GIL as one queue for cpu phases;
 * - gunicorn_gevent and uvicorn with async endpoints (workers <= cores): per
 *   process, the event loop as one queue for cpu, cpu_nogil, blocking_io and
 *   background work, io as a delay; uvicorn's slots are limit_concurrency
 *   (503 beyond) or unlimited.
 * Arrivals are split evenly over processes; the GIL switch interval, client
 * timeouts, retries and worker timeouts are left out (assumptions lists those
 * that matter for this scenario).
 *
 * @throws ScenarioError if the scenario is invalid
 * @throws NotApplicableError naming the field that no model here covers
 *         (several servers, uvicorn `sync` endpoints, more processes than
 *         cores for a GIL-bound kind, client timeouts below the estimated p99)
 * @throws UnstableSystemError when an open workload exceeds the saturation
 *         rate of a server without a bounded queue (uvicorn without
 *         limit_concurrency): its queue grows without bound
 *
 * @code
 * auto scenario = servesim::load_scenario("scenarios/two-sync-workers.yaml");
 * servesim::ScenarioEstimate e = servesim::estimate(scenario);
 * std::cout << e.model << ": p99 " << e.latency.p99 << " s\n";
 * @endcode
 */
[[nodiscard]] ScenarioEstimate estimate(const Scenario& scenario);

}  // namespace servesim
