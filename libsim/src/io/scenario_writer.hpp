#pragma once
// A Scenario written back in the scenario format, as JSON: how the library
// hands a scenario to an engine running in a child process.

#include <string>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// JSON that parse_scenario() reads back into the same scenario: every number
/// at full precision, every setting explicit (no defaults or presets relied
/// on). Covers what the SimGrid engine simulates (check_simgrid_supported()):
/// databases and services are left out.
[[nodiscard]] std::string scenario_to_json(const Scenario& scenario);

}  // namespace servesim::detail
