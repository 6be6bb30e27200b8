#pragma once
// A Scenario written back in the scenario format, as JSON: how the library
// hands a scenario to an engine running in a child process.

#include <string>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// JSON that parse_scenario() reads back into the same scenario: every number
/// at full precision, every setting explicit (no defaults or presets relied
/// on), so that an engine in a child process simulates the same model.
[[nodiscard]] std::string scenario_to_json(const Scenario& scenario);

}  // namespace servesim::detail
