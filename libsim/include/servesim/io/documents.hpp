#pragma once
/// @file documents.hpp
/// Scenario and comparison files as JSON text, read and written by the C++
/// parsers alone, so Python's dicts never come from a second YAML reader.

#include <string>
#include <string_view>

#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * A YAML or JSON document as JSON, as the C++ parsers read it: maps keep
 * their order; unquoted scalars that are integers, decimal numbers, `true`,
 * `false` or `null`/`~` become those JSON values, everything else a string
 * (`5ms` stays `"5ms"`). Aliases are bounded as in parse_scenario().
 * @param origin names the document in errors (invalid YAML)
 * @throws ScenarioError at `origin` for invalid YAML, and for a map key that
 *         is not a plain name (naming its path)
 */
[[nodiscard]] std::string document_to_json(std::string_view text, std::string_view origin = {});

/**
 * The scenario in the scenario format, as JSON that parse_scenario() reads
 * back into the same scenario: every setting explicit (defaults and
 * framework presets written out), times in seconds at full precision.
 */
[[nodiscard]] std::string scenario_to_json(const Scenario& scenario);

}  // namespace servesim
