#pragma once
// A plan's candidates differ from their base scenario in a few numbers
// (workers, threads, cores, speed, replicas, connections, pool sizes) or a
// server's kind. with_overrides() writes the whole scenario out and parses it
// again for each one, so every value is read as in a file; setting those
// fields on a copy of the parsed base, each read by its own field description
// (model/scenario_fields.cpp) with the parser's reader, gives the same
// scenario at a fraction of the cost.

#include <vector>

#include "servesim/model/scenario.hpp"
#include "servesim/plan/overrides.hpp"

namespace servesim::detail {

/**
 * with_overrides(base, overrides) when every override sets a described
 * setting of a named host, server (its kind included), database, database
 * pool or service, and the result is valid; unset otherwise (a path that
 * leads elsewhere or nowhere, a value or combination the scenario rejects),
 * where the caller goes the file's way, whose errors are the ones to report.
 */
[[nodiscard]] std::optional<Scenario> with_direct_overrides(const Scenario& base,
                                                            const std::vector<Override>& overrides);

}  // namespace servesim::detail
