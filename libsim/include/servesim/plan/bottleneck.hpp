#pragma once
/// @file bottleneck.hpp
/// The resources requests queue for, named by their scenario paths, with the
/// work each request brings them: what saturates first, and at what rate
/// (the utilization and bottleneck laws; Lazowska et al., Quantitative System
/// Performance, 1984, ch. 3 and 5). Times in seconds, rates in requests per second.

#include <optional>
#include <string>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * One resource: its capacity, the demand a request of the workload's mix puts
 * on it, and how busy it is.
 *
 * Paths: `hosts.H.cpu` (cores), `servers.S.workers` (gunicorn-sync processes),
 * `servers.S.threads` (gthread threads, all processes), `servers.S.gil` (one
 * per process, gthread and uvicorn with `def` endpoints), `servers.S.event_loop`
 * (uvicorn and gevent, one per process), `servers.S.thread_pool` (uvicorn's
 * threads for `def` endpoints), `servers.S.limit_concurrency`,
 * `servers.S.worker_connections` (gevent), `servers.S.pool.D` (the server's
 * connection pools to database D, size + max_overflow per process),
 * `databases.D.connections`, `services.V.concurrency` (when capped). A
 * balancer's link is no resource: the model gives every transfer the whole
 * bandwidth, so it adds delay but never queues.
 */
struct ResourceLoad {
  std::string path;
  double capacity = 0.0;  ///< servers of the resource: cores, workers, threads, connections
  /// Seconds of the resource one request holds, averaged over the mix and
  /// without contention (query and call waits excluded, so a lower bound for
  /// pools held across them), CPU at the host's speed.
  double demand = 0.0;
  /// capacity / demand: the arrival rate at which it is busy all the time
  /// (the bottleneck law); +inf when no request uses it.
  double saturation_rate = 0.0;
  /// throughput x demand / capacity (the utilization law) at the throughput
  /// given to bottlenecks(); 0 from resource_loads().
  double utilization = 0.0;
  /// The busy fraction a simulation measured, for resources a Result reports
  /// (host CPU, workers, threads, event loops, GIL, databases, capped services).
  std::optional<double> measured;
};

/**
 * Every resource of the scenario, from the one that saturates at the lowest
 * rate (the bottleneck) up. Endpoints weigh as the workload's mix; a balancer
 * splits its endpoints' requests evenly over its servers; new connections cost
 * `connection_overhead` on every request of an open workload and of
 * gunicorn-sync, and for closed users when the think time exceeds the keep-alive.
 *
 * @throws ScenarioError if the scenario is invalid
 *
 * @code
 * auto loads = servesim::resource_loads(scenario);
 * std::cout << loads.front().path << " saturates at " << loads.front().saturation_rate << " req/s\n";
 * @endcode
 */
[[nodiscard]] std::vector<ResourceLoad> resource_loads(const Scenario& scenario);

/**
 * The resources of `scenario` as busy as `result` (a simulation of it) made
 * them, the busiest first: utilization from each endpoint's measured
 * throughput and its demands (the utilization law, which ranks a pool held
 * while waiting for a saturated database below that database), with the
 * measured busy fraction alongside where the result has one.
 *
 * @code
 * auto ranked = servesim::bottlenecks(scenario, servesim::simulate(scenario));
 * // ranked[0].path == "hosts.app.cpu", ranked[0].utilization == 0.93
 * @endcode
 */
[[nodiscard]] std::vector<ResourceLoad> bottlenecks(const Scenario& scenario, const Result& result);

/// The users at which a closed workload reaches its bottleneck's capacity,
/// N* = (D + Z) / D_max, from resource_loads(): D the time a lone request
/// spends in the deployment without contention, Z the mean think time.
/// @throws ScenarioError if the scenario is invalid or its workload is open
[[nodiscard]] double saturation_population(const Scenario& scenario);

}  // namespace servesim
