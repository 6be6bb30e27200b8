#include "servesim/model/replicas.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "servesim/errors.hpp"

namespace servesim {
namespace {

std::string copy_name(const std::string& name, int copy) { return name + "#" + std::to_string(copy); }

bool taken(const Scenario& s, const std::string& name) {
  return s.find_host(name) || s.find_server(name) || s.find_balancer(name);
}

}  // namespace

Scenario expand_replicas(const Scenario& scenario) {
  const auto replicated = [](const Server& server) { return server.replicas != 1; };
  if (std::none_of(scenario.servers.begin(), scenario.servers.end(), replicated)) return scenario;
  // Copies per host: the most replicas of the servers it holds.
  std::map<std::string, int> host_copies;
  for (const Server& server : scenario.servers) {
    const std::string path = "servers." + server.name + ".replicas";
    if (server.replicas < 1) {
      throw ScenarioError(path, "must be an integer >= 1, got " + std::to_string(server.replicas));
    }
    for (int copy = 1; copy <= server.replicas && server.replicas > 1; ++copy) {
      if (taken(scenario, copy_name(server.name, copy))) {
        throw ScenarioError(path, "its copies are named " + server.name + "#1, " + server.name +
                                      "#2, ...; '" + copy_name(server.name, copy) + "' is taken");
      }
    }
    int& copies = host_copies[server.host];
    copies = std::max(copies, server.replicas);
  }

  Scenario out = scenario;
  out.servers.clear();
  for (const auto& [host_name, copies] : host_copies) {
    const Host* host = scenario.find_host(host_name);
    if (!host) continue;  // validate() names the missing host
    for (int copy = 2; copy <= copies; ++copy) {
      if (taken(scenario, copy_name(host_name, copy))) {
        throw ScenarioError("hosts." + host_name, "its copies for replicated servers are named " + host_name +
                                                      "#2, ...; '" + copy_name(host_name, copy) + "' is taken");
      }
      Host twin = *host;
      twin.name = copy_name(host_name, copy);
      out.hosts.push_back(twin);
    }
  }
  for (const Server& server : scenario.servers) {
    if (server.replicas == 1) {
      out.servers.push_back(server);
      continue;
    }
    std::vector<std::string> names;
    for (int copy = 1; copy <= server.replicas; ++copy) {
      Server twin = server;
      twin.name = copy_name(server.name, copy);
      twin.replicas = 1;
      if (copy > 1) twin.host = copy_name(server.host, copy);
      names.push_back(twin.name);
      out.servers.push_back(std::move(twin));
    }
    for (Balancer& balancer : out.balancers) {
      auto at = std::find(balancer.servers.begin(), balancer.servers.end(), server.name);
      if (at == balancer.servers.end()) continue;
      at = balancer.servers.erase(at);
      balancer.servers.insert(at, names.begin(), names.end());
    }
    const bool direct = std::any_of(scenario.endpoints.begin(), scenario.endpoints.end(),
                                    [&](const Endpoint& e) { return e.server == server.name; });
    if (direct) {
      Balancer front;
      front.name = server.name;  // the endpoints keep naming it
      front.servers = names;
      out.balancers.push_back(std::move(front));
    }
  }
  return out;
}

}  // namespace servesim
