#pragma once
/// @file comparison_parser.hpp
/// Reading comparison files (YAML or JSON): deployments x cases x users, each
/// run an ordinary scenario (model/comparison.hpp).

#include <filesystem>
#include <string_view>

#include "servesim/model/comparison.hpp"

namespace servesim {

/**
 * Parses and validates a comparison from YAML or JSON text.
 *
 * Keys: `name`, `question` (optional), `hosts`, `deployments` (name -> a
 * scenario's server settings), `databases` and `services` (optional, as in a
 * scenario), `cases` (name -> `phases` and optionally `style`), `users` (a
 * number or a list), `think_time`, `client_timeout` and `run` (optional).
 * Sections shared with scenarios are read by the scenario's own parsers, so
 * they accept and reject the same things, with the comparison's paths.
 *
 * @param text   the document
 * @param origin the file name, may be empty: the default name (its stem) and
 *               the path of errors about the whole document
 * @throws ScenarioError naming the comparison field
 *         (`deployments.flask.workers: must be an integer >= 1, got 0`),
 *         after checking every deployment x case x users scenario
 */
[[nodiscard]] Comparison parse_comparison(std::string_view text, std::string_view origin = {});

/// Reads and parses a comparison file. @throws ScenarioError (also when unreadable).
[[nodiscard]] Comparison load_comparison(const std::filesystem::path& path);

}  // namespace servesim
