#pragma once
/// @file result_json.hpp
/// Results as JSON, the machine-readable form used by the CLI (`--json`),
/// the Python layer and engines running as child processes.

#include <string>

#include "servesim/metrics/result.hpp"

namespace servesim {

/**
 * Serializes a Result. Top-level keys: `scenario`, `seed`, `completed`,
 * `throughput` (req/s, the mean), `throughput_ci` ({mean, half_width, samples}),
 * `errors` ({refused, client_timeout, total}), `error_rate`, `latency`
 * ({mean, p50, p90, p95, p99, p999, max} in seconds), `latency_ci`,
 * `endpoints`, `servers`, `hosts`, `little`, `replications` (each with its
 * own statistics and `timeline`), `histogram` ({relative_error, buckets}).
 *
 * @param indent spaces per level; negative for one line
 */
[[nodiscard]] std::string to_json(const Result& result, int indent = 2);

}  // namespace servesim
