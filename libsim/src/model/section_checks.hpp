#pragma once
// Scenario::validate, one section at a time. Each check returns the names
// the next sections refer to.

#include <string>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

std::vector<std::string> validate_hosts(const std::vector<Host>& hosts);
std::vector<std::string> validate_servers(const std::vector<Server>& servers, const std::vector<std::string>& hosts);
void validate_databases(const std::vector<Database>& databases);
void validate_services(const std::vector<Service>& services);
void validate_caches(const std::vector<Cache>& caches);
/// brokers: and task_workers:, their tasks' phases included.
void validate_task_queues(const Scenario& scenario, const std::vector<std::string>& hosts);
void validate_model_servers(const std::vector<ModelServer>& model_servers);
/// Returns the names an endpoint's `server` may take: servers, then balancers.
std::vector<std::string> validate_balancers(const Scenario& scenario, const std::vector<std::string>& servers);
std::vector<std::string> validate_endpoints(const Scenario& scenario, const std::vector<std::string>& targets);
/// Connection groups: a server that can hold them, a population, their phases.
void validate_connections(const Scenario& scenario, const std::vector<std::string>& servers);
void validate_workload(const Workload& workload, const std::vector<std::string>& endpoints);
void validate_run(const RunConfig& run);
/// A run whose simulated clock could not move forward would never end.
void validate_time_advances(const Scenario& scenario);

/// Mean time of a phase (cache: weighted by its hit ratio), for that check.
double mean_time(const Scenario& scenario, const Phase& phase);

}  // namespace servesim::detail
