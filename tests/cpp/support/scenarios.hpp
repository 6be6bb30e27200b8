#pragma once
// Scenario builders shared by the engine tests: each returns a valid
// Scenario for one textbook queueing model, or the parts tests add to one.

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::test {

/// Sets the run length and replications of a scenario.
inline Scenario with_run(Scenario s, double duration, double warmup, int replications) {
  s.run.duration = duration;
  s.run.warmup = warmup;
  s.run.replications = replications;
  return s;
}

/// One server `web` of `kind` with `workers` workers on a host `app` of
/// `cores` cores of speed 1; no endpoint or workload yet.
inline Scenario one_server(ServerKind kind, int workers, int cores) {
  Scenario s;
  s.name = "one-server";
  s.hosts.push_back(Host{"app", cores, 1.0});
  Server server;
  server.name = "web";
  server.host = "app";
  server.kind = kind;
  server.workers = workers;
  s.servers.push_back(server);
  return s;
}

/// Adds endpoint `name` on `server` (a server or balancer) doing `phases`.
inline void add_endpoint(Scenario& s, const std::string& name, const std::string& server, std::vector<Phase> phases,
                         std::optional<EndpointStyle> style = std::nullopt) {
  s.endpoints.push_back(Endpoint{name, server, std::move(phases), style});
}

/// `workers` Gunicorn sync workers on a host of `cores` cores, one endpoint
/// with one cpu phase of `work`, open Poisson arrivals at `rate`.
inline Scenario sync_pool(int workers, int cores, Distribution work, double rate) {
  Scenario s = with_run(one_server(ServerKind::gunicorn_sync, workers, cores), 1000.0, 50.0, 4);
  s.name = "sync-pool";
  add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, std::move(work)}});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  s.run.seed = 11;
  return s;
}

/// One single-worker Gunicorn sync server per speed, each on a one-core host
/// of that speed, behind balancer `lb` of `policy`; one endpoint `work` of
/// one cpu phase; open Poisson arrivals at `rate`.
inline Scenario farm(const std::vector<double>& speeds, BalancingPolicy policy, double rate, Distribution work) {
  Scenario s;
  s.name = "farm";
  Balancer balancer;
  balancer.name = "lb";
  balancer.policy = policy;
  for (std::size_t i = 0; i < speeds.size(); ++i) {
    const std::string index = std::to_string(i);
    s.hosts.push_back(Host{"host" + index, 1, speeds[i]});
    Server server;
    server.name = "web" + index;
    server.host = "host" + index;
    s.servers.push_back(server);
    balancer.servers.push_back(server.name);
  }
  s.balancers.push_back(balancer);
  add_endpoint(s, "work", "lb", {Phase{PhaseKind::cpu, std::move(work)}});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  s.run.duration = 400.0;
  s.run.warmup = 40.0;
  s.run.replications = 8;
  s.run.seed = 17;
  return s;
}

/// `servers` identical servers at speed 1.
inline Scenario farm(int servers, BalancingPolicy policy, double rate, Distribution work) {
  return farm(std::vector<double>(static_cast<std::size_t>(servers), 1.0), policy, rate, std::move(work));
}

/// Database `name` processing `connections` queries at once, each taking
/// `query_time`, behind per-process pools of `pool_size` + `max_overflow`.
inline Database database(const std::string& name, int connections, Distribution query_time, int pool_size,
                         int max_overflow) {
  Database d;
  d.name = name;
  d.connections = connections;
  d.query_time = std::move(query_time);
  d.pool.size = pool_size;
  d.pool.max_overflow = max_overflow;
  return d;
}

/// A query on database `target`, taking the database's query time.
inline Phase db(const std::string& target) {
  Phase phase;
  phase.kind = PhaseKind::db;
  phase.target = target;
  phase.has_duration = false;
  return phase;
}

/// A call to service `target`, taking the service's latency.
inline Phase call(const std::string& target) {
  Phase phase;
  phase.kind = PhaseKind::call;
  phase.target = target;
  return phase;
}

/// A `count` group `chat` of long-lived connections to server `web`, each
/// sending `rate` messages a second that run `phases`.
inline ConnectionGroup chat_group(int count, double rate, std::vector<Phase> phases) {
  ConnectionGroup group;
  group.name = "chat";
  group.server = "web";
  group.count = count;
  group.messages = rate;
  group.phases = std::move(phases);
  return group;
}

/// Two processes of `kind` that accept one request each and then take no
/// more: max_requests 1 retires each until its request (1 s of awaited I/O)
/// is done, and it boots again 1 s later (two, as a lone uvicorn process
/// would not restart). `burst` requests all arrive at t = 0; the run ends at
/// 1.5 s, before a process boots again.
inline Scenario blocked_burst(ServerKind kind, int burst) {
  Scenario s = with_run(one_server(kind, 2, 1), 1.5, 0.0, 1);
  s.name = "blocked-burst";
  s.servers[0].max_requests = 1;
  add_endpoint(s, "work", "web", {Phase{PhaseKind::io, Distribution::constant(1.0)}});
  OpenWorkload open{1.0, ArrivalProcess::trace};
  open.trace.assign(static_cast<std::size_t>(burst), 0.0);
  s.workload.open = open;
  return s;
}

}  // namespace servesim::test
