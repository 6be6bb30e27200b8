#include "servesim/io/comparison_parser.hpp"

#include <fstream>
#include <iterator>
#include <string>

#include "io/distribution_parser.hpp"
#include "io/section_parsers.hpp"
#include "io/yaml_document.hpp"
#include "io/yaml_field.hpp"
#include "model/fields.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

using detail::Bound;
using detail::YamlField;

Endpoint parse_case(const std::string& name, const YamlField& f) {
  auto keys = detail::field_keys(detail::endpoint_fields());
  keys.emplace_back("connections");
  f.expect_keys(keys, "a map like {style: async, phases: [{cpu: 1ms}, {io: 50ms}]}");
  if (f.has("server")) f.child("server").fail("a case runs on every deployment; remove 'server'");
  // An endpoint without a server: the one candidate "" is what an absent `server` reads as.
  return detail::parse_endpoint(name, f.without("connections"), {""});
}

// A case's connection groups: as a scenario's, held by whichever deployment
// runs the case, so without `server` (read as "", as a case's endpoint).
std::vector<ConnectionGroup> parse_case_connections(const YamlField& f) {
  std::vector<ConnectionGroup> groups;
  for (const auto& [name, group] : f.optional_named_entries("connections", "connection group")) {
    if (group.has("server")) {
      group.child("server").fail("a case's connections go to every deployment it runs on; remove 'server'");
    }
    groups.push_back(detail::parse_connection_group(name, group, {""}));
  }
  return groups;
}

// A number, or a list of numbers; Comparison::validate checks their range.
std::vector<int> parse_users(const YamlField& f) {
  if (!f.is_sequence()) return {f.as_int(1)};
  std::vector<int> users;
  for (const YamlField& item : f.items("a number of users or a list of them")) users.push_back(item.as_int(1));
  if (users.empty()) f.fail("must list at least one number of users");
  return users;
}

std::string text_field(const YamlField& f, const char* what) {
  // describe() quotes text and leaves numbers bare: `question: 3` is a slip.
  if (!f.is_scalar() || f.describe().front() != '\'') f.fail(std::string("must be ") + what + ", got " + f.describe());
  return f.as_string();
}

std::string default_comparison_name(const std::string& origin) {
  std::string stem = std::filesystem::path(origin).stem().string();
  return stem.empty() ? Comparison{}.name : stem;
}

}  // namespace

Comparison parse_comparison(std::string_view text, std::string_view origin) {
  const std::string origin_name(origin);
  const YamlField doc(detail::load_yaml_document(text, origin_name), "");
  if (doc.is_empty() || !doc.is_map()) {
    throw ScenarioError(origin_name, "a comparison must be a map with hosts, deployments, cases and users, got " +
                                         doc.describe());
  }
  if (!doc.has("deployments") && (doc.has("servers") || doc.has("endpoints") || doc.has("workload"))) {
    throw ScenarioError(origin_name,
                        "this is a scenario file (servers, endpoints, workload), not a comparison file "
                        "(deployments, cases, users); simulate it with `servesim run`, or see "
                        "docs/scenario-format.md#comparison-files");
  }
  doc.expect_keys({"name", "question", "hosts", "deployments", "databases", "services", "brokers", "task_workers",
                   "cases", "users", "think_time", "client_timeout", "run"});
  Comparison comparison;
  comparison.name = default_comparison_name(origin_name);
  if (auto name = doc.optional("name")) comparison.name = text_field(*name, "a non-empty string");
  if (comparison.name.empty()) doc.child("name").fail("must be a non-empty string, got ''");
  if (auto question = doc.optional("question")) comparison.question = text_field(*question, "a string");
  for (const auto& [name, f] : doc.required("hosts").named_entries("host", "{app: {cores: 4}}")) {
    comparison.hosts.push_back(detail::parse_host(name, f));
  }
  for (const auto& [name, f] :
       doc.required("deployments").named_entries("deployment", "{flask: {kind: gunicorn-sync, workers: 9}}")) {
    comparison.deployments.push_back(detail::parse_server(name, f, comparison.hosts));
  }
  for (const auto& [name, f] : doc.optional_named_entries("databases", "database")) {
    comparison.databases.push_back(detail::parse_database(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("services", "service")) {
    comparison.services.push_back(detail::parse_service(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("brokers", "broker")) {
    comparison.brokers.push_back(detail::parse_broker(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("task_workers", "task pool")) {
    comparison.task_workers.push_back(detail::parse_task_pool(name, f, comparison.hosts, comparison.brokers));
  }
  const YamlField cases = doc.required("cases");
  for (const auto& [name, f] : cases.named_entries("case", "{read: {phases: [{cpu: 1ms}, {io: 50ms}]}}")) {
    comparison.cases.push_back(parse_case(name, f));
    auto groups = parse_case_connections(f);
    if (!groups.empty()) comparison.connections[name] = std::move(groups);
  }
  comparison.users = parse_users(doc.required("users"));
  if (auto think = doc.optional("think_time")) comparison.think_time = detail::parse_distribution(*think);
  if (auto timeout = doc.optional("client_timeout")) comparison.client_timeout = timeout->as_duration(Bound::positive);
  if (auto run = doc.optional("run")) comparison.run = detail::parse_run(*run);
  comparison.validate();
  return comparison;
}

Comparison load_comparison(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) throw ScenarioError(name, "no such file");
  if (std::filesystem::is_directory(path, ignored)) throw ScenarioError(name, "is a directory, not a comparison file");
  std::ifstream file(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file.is_open() || file.bad()) throw ScenarioError(name, "cannot read the file");
  return parse_comparison(text, name);
}

}  // namespace servesim
