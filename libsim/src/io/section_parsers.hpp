#pragma once
// Parsers of the scenario file's sections beyond hosts, servers and endpoints
// (io/scenario_parser.cpp): what servers depend on, and the workload.

#include <filesystem>
#include <string>
#include <vector>

#include "io/yaml_field.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

Database parse_database(const std::string& name, const YamlField& f);
Service parse_service(const std::string& name, const YamlField& f);
Balancer parse_balancer(const std::string& name, const YamlField& f);
/// `base`: the directory trace files are relative to.
Workload parse_workload(const YamlField& f, const std::filesystem::path& base);

/**
 * Arrival times from a trace file: one time in seconds per line, or CSV whose
 * first column (or the column named `time` or `timestamp`) holds them; a
 * header line and lines starting with `#` are skipped.
 * @throws ScenarioError at `path` naming the file and line of a bad value.
 */
std::vector<double> read_trace(const std::filesystem::path& file, const std::string& path);

}  // namespace servesim::detail
