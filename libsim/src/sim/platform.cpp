// The native engine's set-up: hosts as processor-sharing cores, servers and
// their processes, balancers and each endpoint's routes, from the rules.

#include <utility>
#include <vector>

#include "rules/scenario_index.hpp"
#include "servesim/model/memory.hpp"
#include "sim/engine.hpp"

namespace servesim::detail {

NativeSimulation::NativeSimulation(const Scenario& scenario, int replication, Measurement measurement,
                                   IntervalHook on_interval, PollHook on_poll)
    : scenario_(scenario),
      replication_(replication),
      streams_(scenario.run.seed, replication),
      measurement_(measurement),
      on_interval_(std::move(on_interval)),
      guard_(scenario, std::move(on_poll)),
      client_timeout_(scenario.workload.client_timeout),
      retries_(scenario.workload.retries, streams_.retry_backoffs()),
      mix_(scenario, streams_.endpoint_mix()),
      think_rng_(streams_.think_times()),
      tally_(scenario, {}, {}) {
  for (std::size_t h = 0; h < scenario.hosts.size(); ++h) {
    hosts_.emplace_back(scenario.hosts[h].cores, scenario.hosts[h].speed);
    stalls_.emplace_back(scenario.hosts[h], streams_.stalls(h));
  }
  build_servers();
  build_dependencies();
  build_model_servers();
  build_balancers();
  build_endpoints();
  build_connections();
  if (scenario.workload.open) {
    open_arrivals_.emplace(*scenario.workload.open, scenario.run.duration, streams_.arrivals());
  }
  std::vector<double> runners;
  std::vector<double> cores;
  for (std::size_t s = 0; s < scenario.servers.size(); ++s) runners.push_back(servers_[s].runner_count());
  for (const SharedCpu& host : hosts_) cores.push_back(host.cores());
  tally_ = Tally(scenario, std::move(runners), std::move(cores));
  if (scenario.workload.closed) {
    connection_idle_since_.assign(static_cast<std::size_t>(scenario.workload.closed->users), kNoConnection);
  }
}

// The scenario's servers, then the servers task pools run as: complete
// before pointers into them are taken.
void NativeSimulation::build_servers() {
  pool_servers_ = task_pool_servers(scenario_);
  tasks_ = task_refs(scenario_);
  task_tallies_.resize(pool_servers_.size());
  const std::size_t count = scenario_.servers.size() + pool_servers_.size();
  for (std::uint32_t s = 0; s < count; ++s) {
    const bool pool = s >= scenario_.servers.size();
    const Server& spec = pool ? pool_servers_[s - scenario_.servers.size()] : scenario_.servers[s];
    ServerRuntime server(spec, static_cast<std::uint32_t>(processes_.size()));
    server.base_memory = static_process_memory(scenario_, spec);
    server.peak_memory = server.base_memory;
    server.watches_loop = !pool && watches_loop(spec);
    restart_rngs_.push_back(streams_.restarts(s));
    const std::uint32_t host = index_of(scenario_.hosts, spec.host);
    for (int w = 0; w < spec.workers; ++w) {
      WorkerProcess process;
      process.server = s;
      process.host = host;
      process.idle_threads = threads_of(spec);
      process.loop_queue = LoopOrder(orders_by_poll(spec.kind));
      begin_life(spec, process.life, restart_rngs_.back());
      if (queues_idle_processes(spec)) server.idle_processes.push(server.first_process + w);
      processes_.push_back(std::move(process));
    }
    servers_.push_back(std::move(server));
  }
}

void NativeSimulation::build_balancers() {
  for (std::size_t b = 0; b < scenario_.balancers.size(); ++b) {
    const Balancer& spec = scenario_.balancers[b];
    balancers_.emplace_back(spec.policy, spec.servers.size(),
                            streams_.balancer(b));
  }
}

// One route per server that can serve the endpoint: server kinds (and so
// where each phase runs) may differ behind one balancer.
void NativeSimulation::build_endpoints() {
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    EndpointRuntime runtime{static_cast<std::uint32_t>(routes_.size()), std::nullopt, NetworkPath{},
                            streams_.durations(i), streams_.cache_hits(i)};
    if (const Balancer* balancer = scenario_.find_balancer(endpoint.server)) {
      runtime.balancer = index_of(scenario_.balancers, balancer->name);
      runtime.network = network_path(*balancer, endpoint);
    }
    for (const Server* spec : scenario_.servers_of(endpoint)) {
      routes_.push_back(ServerRoute{index_of(scenario_.servers, spec->name), build_route(scenario_, endpoint, *spec),
                                    build_rejection_route(*spec)});
    }
    endpoints_.push_back(runtime);
  }
  // Tasks after the endpoints, each with one route on its pool's server.
  for (std::size_t t = 0; t < tasks_.size(); ++t) {
    const std::uint32_t server = static_cast<std::uint32_t>(scenario_.servers.size()) + tasks_[t].pool;
    endpoints_.push_back(EndpointRuntime{static_cast<std::uint32_t>(routes_.size()), std::nullopt, NetworkPath{},
                                         streams_.task_durations(t), streams_.task_cache_hits(t)});
    routes_.push_back(ServerRoute{server, build_task_route(scenario_, *tasks_[t].task, *servers_[server].spec), {}});
  }
}

}  // namespace servesim::detail
