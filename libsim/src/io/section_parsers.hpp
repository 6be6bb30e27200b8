#pragma once
// Parsers of the scenario file's sections, each reading one entry (a map
// from its field description, model/fields.hpp) at the path its YamlField
// carries: usable for any file that embeds scenario sections (comparison
// files' deployments are servers, their cases endpoints).

#include <filesystem>
#include <string>
#include <vector>

#include "io/yaml_field.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

Host parse_host(const std::string& name, const YamlField& f);
/// `hosts`: the scenario's hosts, for `host:` (may be left out when there is one).
Server parse_server(const std::string& name, const YamlField& f, const std::vector<Host>& hosts);
/// `targets`: the names `server:` may take (servers, then balancers; may be left out when there is one).
Endpoint parse_endpoint(const std::string& name, const YamlField& f, const std::vector<std::string>& targets);
RunConfig parse_run(const YamlField& f);
Database parse_database(const std::string& name, const YamlField& f);
Service parse_service(const std::string& name, const YamlField& f);
Cache parse_cache_store(const std::string& name, const YamlField& f);
ConnectionGroup parse_connection_group(const std::string& name, const YamlField& f,
                                       const std::vector<std::string>& servers);
Broker parse_broker(const std::string& name, const YamlField& f);
ModelServer parse_model_server(const std::string& name, const YamlField& f);
/// `hosts`, `brokers`: for `host:` and `broker:` (each may be left out when there is one).
TaskPool parse_task_pool(const std::string& name, const YamlField& f, const std::vector<Host>& hosts,
                         const std::vector<Broker>& brokers);
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
