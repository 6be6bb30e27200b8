// Scenario::validate for hosts and servers.
#include "model/checks.hpp"
#include "model/fields.hpp"
#include "model/section_checks.hpp"

namespace servesim::detail {

std::vector<std::string> validate_hosts(const std::vector<Host>& hosts) {
  auto names = check_names(hosts, "hosts", "host");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    std::string path = entry_path("hosts", i, hosts[i].name);
    validate_fields(path, hosts[i], host_fields());
    validate_fields(path + ".stalls", hosts[i].stalls, stalls_fields());
    if (hosts[i].stalls.share > 0.0) require_positive(path + ".stalls.length", hosts[i].stalls.length.mean(), "a mean");
  }
  return names;
}

std::vector<std::string> validate_servers(const std::vector<Server>& servers, const std::vector<std::string>& hosts) {
  auto names = check_names(servers, "servers", "server");
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Server& server = servers[i];
    std::string path = entry_path("servers", i, server.name);
    check_reference(path + ".host", server.host, hosts, "host");
    validate_fields(path, server, server_fields(), server.kind);
    validate_fields(path + ".memory", server.memory, memory_fields());
    if (server.free_threaded_slowdown && server.python != PythonBuild::free_threaded) {
      fail(path + ".free_threaded_slowdown",
           "applies to the free-threaded build only; add 'python: free-threaded' or leave it out");
    }
  }
  return names;
}

}  // namespace servesim::detail
