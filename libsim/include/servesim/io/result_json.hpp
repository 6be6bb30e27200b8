#pragma once
/// @file result_json.hpp
/// Results as JSON, the machine-readable form used by the CLI (`--json`),
/// the Python layer and engines running as child processes.

#include <string>

#include "servesim/metrics/result.hpp"

namespace servesim {

/**
 * Serializes a Result. Times are in seconds, rates in requests per second.
 *
 * An estimate across replications is written as `{mean, half_width, samples}`
 * (95 % Student-t half-width). For each such statistic `x`, `x` holds the mean
 * and `x_ci` the estimate. Top-level keys:
 *
 * - `scenario`, `seed`, `completed` (summed over replications)
 * - `throughput`, `throughput_ci`
 * - `errors` ({refused, client_timeout, total}), `error_rate`
 * - `latency` ({mean, p50, p90, p95, p99, p999, max}: the means, plus the
 *   largest response over all replications), `latency_ci` (the same keys
 *   but `max`, each an estimate)
 * - `endpoints`: [{name, completed, throughput, throughput_ci, errors,
 *   latency, latency_ci}]
 * - `servers`: [{name, worker_busy_fraction(_ci), mean_queue_length(_ci),
 *   queued_fraction(_ci)}]
 * - `hosts`: [{name, cpu_utilization, cpu_utilization_ci}]
 * - `little`: {mean_in_system, throughput, mean_response, relative_error}
 * - `replications`: [{index, warmup, measured_duration, arrivals, completed,
 *   throughput, errors, latency, endpoints, servers, hosts, little, timeline,
 *   events}], each statistic a plain number; `timeline` is [{start, end,
 *   arrivals, completed, errors, mean_latency}] over the whole run
 * - `histogram`: {relative_error, count, buckets}, `buckets` being
 *   [lower_s, upper_s, count] triples of the non-empty buckets, ascending
 *
 * Non-finite numbers are written as `null`.
 *
 * @code
 * std::cout << servesim::to_json(servesim::simulate(scenario)) << "\n";
 * @endcode
 *
 * @param result what to serialize
 * @param indent spaces per level; negative for one line
 */
[[nodiscard]] std::string to_json(const Result& result, int indent = 2);

}  // namespace servesim
