#pragma once
// Scenario builders shared by the engine tests: each returns a valid
// Scenario for one textbook queueing model.

#include <string>

#include "servesim/model/scenario.hpp"

namespace servesim::test {

/// `workers` Gunicorn sync workers on a host of `cores` cores, one endpoint
/// with one cpu phase of `work`, open Poisson arrivals at `rate`.
inline Scenario sync_pool(int workers, int cores, Distribution work, double rate) {
  Scenario s;
  s.name = "sync-pool";
  s.hosts.push_back(Host{"app", cores, 1.0});
  Server server;
  server.name = "web";
  server.host = "app";
  server.workers = workers;
  s.servers.push_back(server);
  s.endpoints.push_back(Endpoint{"work", "web", {Phase{PhaseKind::cpu, std::move(work)}}});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  s.run.duration = 1000.0;
  s.run.warmup = 50.0;
  s.run.replications = 4;
  s.run.seed = 11;
  return s;
}

/// Sets the run length and replications of a scenario.
inline Scenario with_run(Scenario s, double duration, double warmup, int replications) {
  s.run.duration = duration;
  s.run.warmup = warmup;
  s.run.replications = replications;
  return s;
}

}  // namespace servesim::test
