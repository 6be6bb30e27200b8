#pragma once
// Parsers of the scenario file's sections, each reading a field at whatever
// path it has: a comparison file (io/comparison_parser.cpp) reads its hosts,
// deployments, cases and run with them, so its errors carry its own paths.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "io/yaml_field.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// The YAML document, with aliases bounded; errors name `origin` (and line and column).
YAML::Node load_yaml(std::string_view text, const std::string& origin);
Host parse_host(const std::string& name, const YamlField& f);
/// `hosts`: the server's `host` may be left out when there is exactly one.
Server parse_server(const std::string& name, const YamlField& f, const std::vector<Host>& hosts);
std::vector<Phase> parse_phases(const YamlField& f);
EndpointStyle parse_style(const YamlField& f);
RunConfig parse_run(const YamlField& f);

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
