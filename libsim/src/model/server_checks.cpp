// Scenario::validate for hosts and servers.
#include "model/checks.hpp"
#include "model/kind_names.hpp"
#include "model/section_checks.hpp"

namespace servesim::detail {
namespace {

// Settings that only some server kinds have must not be set on the others.
void validate_kind_settings(const std::string& path, const Server& server) {
  const std::string kind = server_kind_name(server.kind);
  if (server.kind != ServerKind::gunicorn_gthread && server.threads != 1) {
    fail(path + ".threads", kind + " workers have one thread each; use kind gunicorn-gthread for " +
                                "threads > 1, got " + std::to_string(server.threads));
  }
  if (server.kind != ServerKind::uvicorn && server.limit_concurrency) {
    fail(path + ".limit_concurrency", "is a uvicorn setting; " + kind + " has none");
  }
}

}  // namespace

std::vector<std::string> validate_hosts(const std::vector<Host>& hosts) {
  auto names = check_names(hosts, "hosts", "host");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    std::string path = entry_path("hosts", i, hosts[i].name);
    require_int_at_least(path + ".cores", hosts[i].cores, 1);
    require_positive(path + ".speed", hosts[i].speed, "a number");
  }
  return names;
}

std::vector<std::string> validate_servers(const std::vector<Server>& servers, const std::vector<std::string>& hosts) {
  auto names = check_names(servers, "servers", "server");
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Server& server = servers[i];
    std::string path = entry_path("servers", i, server.name);
    check_reference(path + ".host", server.host, hosts, "host");
    require_int_at_least(path + ".workers", server.workers, 1);
    require_int_at_least(path + ".backlog", server.backlog, 1);
    require_int_at_least(path + ".threads", server.threads, 1);
    require_int_at_least(path + ".worker_connections", server.worker_connections, 1);
    require_int_at_least(path + ".thread_pool", server.thread_pool, 1);
    if (server.limit_concurrency) {
      require_int_at_least(path + ".limit_concurrency", *server.limit_concurrency, 1);
    }
    require_non_negative(path + ".timeout", server.timeout, "a duration");
    require_non_negative(path + ".boot_time", server.boot_time, "a duration");
    require_positive(path + ".switch_interval", server.switch_interval, "a duration");
    if (server.keepalive) require_non_negative(path + ".keepalive", *server.keepalive, "a duration");
    validate_kind_settings(path, server);
  }
  return names;
}

}  // namespace servesim::detail
