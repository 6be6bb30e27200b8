#pragma once
// The document an engine running in a child process (servesim-simgrid) writes
// for one replication, and its reading back. It is the result JSON of
// servesim::to_json for a one-replication Result, plus each endpoint's latency
// histogram in `replications[0].endpoints[i].histogram`
// ({count, sum, min, max, buckets: [[lower_s, upper_s, count], ...]}), so that
// replications from separate processes merge exactly as in-process ones do.

#include <cstdint>
#include <string>
#include <string_view>

#include "servesim/metrics/result.hpp"

namespace servesim::detail {

/// The document for `replication` of the scenario named `scenario` run with `seed`.
[[nodiscard]] std::string engine_output_json(const std::string& scenario, std::uint64_t seed,
                                             ReplicationResult replication);

/**
 * Reads engine_output_json()'s document back.
 * @throws EngineError naming what is missing or malformed.
 */
[[nodiscard]] ReplicationResult replication_from_engine_output(std::string_view document);

}  // namespace servesim::detail
