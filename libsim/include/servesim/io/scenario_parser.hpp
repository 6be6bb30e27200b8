#pragma once
/// @file scenario_parser.hpp
/// Reading scenarios from YAML or JSON (JSON is read as the YAML subset it is).

#include <filesystem>
#include <string>
#include <string_view>

#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * Parses and validates a scenario from YAML or JSON text.
 *
 * Durations are numbers of seconds or strings with a unit suffix
 * (`250us`, `5ms`, `2s`, `1m`). The format is documented in docs/scenario-format.md.
 *
 * @param text   the document
 * @param origin the file name, may be empty: the default scenario name (its
 *               stem) and the path of errors about the whole document, such
 *               as invalid YAML (reported with line and column)
 * @throws ScenarioError naming the path of the bad field, the value and what
 *         was expected (`servers.web.workers: must be an integer >= 1, got 0`);
 *         unknown keys get a "did you mean" suggestion.
 */
[[nodiscard]] Scenario parse_scenario(std::string_view text, std::string_view origin = {});

/// Reads and parses a scenario file. @throws ScenarioError (also when unreadable).
[[nodiscard]] Scenario load_scenario(const std::filesystem::path& path);

}  // namespace servesim
