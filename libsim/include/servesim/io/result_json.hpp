#pragma once
/// @file result_json.hpp
/// Results as JSON, the machine-readable form used by the CLI (`--json`),
/// the Python layer and engines running as child processes.

#include <string>
#include <string_view>

#include "servesim/analytic/estimate.hpp"
#include "servesim/metrics/result.hpp"

namespace servesim {

/**
 * Serializes a Result. Times are in seconds, rates in requests per second.
 *
 * The keys are the records' field lists (metrics/result.hpp and
 * metrics/replication.hpp, docs/results.md), so they cannot drift from the
 * structs. A ConfidenceInterval field `x` is written as `x` (its value) and
 * `x_ci` (`{mean, half_width, samples}`, 95 % Student-t half-width); the
 * latency summary as `latency` (the values, plus `max`, the largest response
 * over all replications) and `latency_ci` (the intervals). Per-server and
 * per-host values of a timeline interval are objects keyed by name.
 * `histogram` is `{relative_error, count, buckets}`, `buckets` being
 * [lower_s, upper_s, count] triples of the non-empty buckets, ascending.
 *
 * No data (the latency of a run that completed nothing) and other
 * non-finite numbers are written as `null`, an interval without samples too.
 *
 * @code
 * std::cout << servesim::to_json(servesim::simulate(scenario)) << "\n";
 * @endcode
 *
 * @param result what to serialize
 * @param indent spaces per level; negative for one line
 */
[[nodiscard]] std::string to_json(const Result& result, int indent = 2);

/**
 * Serializes an analytic Prediction (servesim::estimate) by its field list:
 * `scenario`, `server`, `host`, `model`, `assumptions`, `saturated`,
 * `offered_rate`, `throughput`, `saturation_rate`, `saturation_population`
 * (null for open workloads), `error_rate`, `error_kind`, `latency` (`max` is
 * null: unbounded), utilizations and queue lengths.
 *
 * @param prediction what to serialize
 * @param indent spaces per level; negative for one line
 */
[[nodiscard]] std::string to_json(const Prediction& prediction, int indent = 2);

/**
 * Reads to_json()'s document back, strictly: every field of the records'
 * field lists must be there, and nothing else. The overall histogram comes
 * back with its buckets (all the document holds); its sum, min and max are
 * taken from them.
 *
 * @throws EngineError naming the path of a missing, unknown or mistyped field
 */
[[nodiscard]] Result result_from_json(std::string_view text);

}  // namespace servesim
