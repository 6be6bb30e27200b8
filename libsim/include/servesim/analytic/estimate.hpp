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
#include <tuple>
#include <vector>

#include "servesim/metrics/fields.hpp"
#include "servesim/metrics/replication.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * What estimate() predicts for a scenario from queueing theory, with the model
 * and assumptions behind it: a record of its own (not a simulation Result), so
 * nothing in it pretends to be counted. Its field list drives its JSON
 * (servesim::to_json) and its Python record (servesim.Prediction).
 */
struct Prediction {
  std::string scenario;
  std::string server;
  std::string host;
  std::string model;
  std::vector<std::string> assumptions;
  bool saturated = false;
  double offered_rate = 0.0;
  double throughput = 0.0;
  double saturation_rate = 0.0;
  std::optional<double> saturation_population;
  double error_rate = 0.0;
  std::string error_kind = "refused";
  LatencyStats latency;
  double worker_busy_fraction = 0.0;
  double cpu_utilization = 0.0;
  double mean_in_system = 0.0;
  double mean_queue_length = 0.0;
  double queued_fraction = 0.0;

  static constexpr auto fields() {
    using T = Prediction;
    return std::tuple{
        field("scenario", &T::scenario, "the scenario's name"),
        field("server", &T::server, "the server modelled"),
        field("host", &T::host, "its host"),
        field("model", &T::model, "the queueing model used, in words"),
        field("assumptions", &T::assumptions, "what the numbers take for granted"),
        field("saturated", &T::saturated,
              "open workloads: the offered rate reaches the saturation rate (the backlog is full and the excess "
              "refused); closed ones: always false, since users wait rather than overflow: compare the users "
              "with saturation_population (N*)"),
        field("offered_rate", &T::offered_rate, "open: the workload's rate; closed: throughput + errors, req/s"),
        field("throughput", &T::throughput, "completed requests per second, req/s"),
        field("saturation_rate", &T::saturation_rate, "the most the server completes per second, req/s"),
        field("saturation_population", &T::saturation_population,
              "closed workloads: N* = (E[S] + Z) x saturation_rate, the users at which the server saturates "
              "(Lazowska et al. 1984, 5.2); None for open ones"),
        field("error_rate", &T::error_rate, "share of requests refused (backlog full) or answered 503, [0, 1]"),
        field("error_kind", &T::error_kind,
              "what the errors are: 'refused' (backlog full) or 'unavailable' (503 above limit_concurrency)"),
        field("latency", &T::latency,
              "response time, s: exact mean within the model, percentiles from a two-moment (gamma) fit; "
              "max is +inf"),
        field("worker_busy_fraction", &T::worker_busy_fraction,
              "busy slots (workers, threads) or event-loop busy fraction, [0, 1]"),
        field("cpu_utilization", &T::cpu_utilization, "busy fraction of the host's cores, [0, 1]"),
        field("mean_in_system", &T::mean_in_system, "requests queued or in service, whole server"),
        field("mean_queue_length", &T::mean_queue_length, "requests waiting for a slot, whole server"),
        field("queued_fraction", &T::queued_fraction, "accepted requests that waited for a slot, [0, 1]")};
  }
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
 * servesim::Prediction e = servesim::estimate(scenario);
 * std::cout << e.model << ": p99 " << e.latency.p99 << " s\n";
 * @endcode
 */
[[nodiscard]] Prediction estimate(const Scenario& scenario);

}  // namespace servesim
