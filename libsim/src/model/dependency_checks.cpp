// Scenario::validate for what servers depend on: databases, downstream
// services, cache stores, model servers, and the balancers in front of them.
#include <set>

#include "model/checks.hpp"
#include "model/fields.hpp"
#include "model/section_checks.hpp"

namespace servesim::detail {

void validate_databases(const std::vector<Database>& databases) {
  check_names(databases, "databases", "database", /*required=*/false);
  for (std::size_t i = 0; i < databases.size(); ++i) {
    const Database& database = databases[i];
    std::string path = entry_path("databases", i, database.name);
    validate_fields(path, database, database_fields());
    validate_fields(path + ".pool", database.pool, pool_fields());
  }
}

void validate_services(const std::vector<Service>& services) {
  check_names(services, "services", "service", /*required=*/false);
  for (std::size_t i = 0; i < services.size(); ++i) {
    const Service& service = services[i];
    std::string path = entry_path("services", i, service.name);
    validate_fields(path, service, service_fields());
  }
}

void validate_caches(const std::vector<Cache>& caches) {
  check_names(caches, "caches", "cache", /*required=*/false);
  for (std::size_t i = 0; i < caches.size(); ++i) {
    validate_fields(entry_path("caches", i, caches[i].name), caches[i], cache_fields());
  }
}

void validate_model_servers(const std::vector<ModelServer>& model_servers) {
  check_names(model_servers, "model_servers", "model server", /*required=*/false);
  for (std::size_t i = 0; i < model_servers.size(); ++i) {
    validate_fields(entry_path("model_servers", i, model_servers[i].name), model_servers[i], model_server_fields());
  }
}

std::vector<std::string> validate_balancers(const Scenario& scenario, const std::vector<std::string>& servers) {
  auto names = check_names(scenario.balancers, "balancers", "balancer", /*required=*/false);
  for (std::size_t i = 0; i < scenario.balancers.size(); ++i) {
    const Balancer& balancer = scenario.balancers[i];
    std::string path = entry_path("balancers", i, balancer.name);
    for (const std::string& server : servers) {
      if (server == balancer.name) fail(path, "a server is also called '" + server + "'; endpoints name either");
    }
    if (balancer.servers.empty()) fail(path + ".servers", "must list at least one server");
    std::set<std::string> seen;
    for (std::size_t s = 0; s < balancer.servers.size(); ++s) {
      std::string server_path = path + ".servers[" + std::to_string(s) + "]";
      check_reference(server_path, balancer.servers[s], servers, "server");
      if (!seen.insert(balancer.servers[s]).second) fail(server_path, "'" + balancer.servers[s] + "' is listed twice");
    }
    validate_fields(path, balancer, balancer_fields());
  }
  std::vector<std::string> targets = servers;
  targets.insert(targets.end(), names.begin(), names.end());
  return targets;
}

}  // namespace servesim::detail
