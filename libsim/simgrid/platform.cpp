// The platform: the scenario's hosts as S4U hosts with their cores and
// speed, a host for the clients, a host per balancer linked to its servers'
// hosts, and the actors that run the workload.

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model.hpp"
#include "servesim/model/memory.hpp"
#include "rules/scenario_index.hpp"
#include "s4u_model.hpp"

namespace servesim::simgrid_engine {

using detail::index_of;

Model::Model(const Scenario& scenario, int replication, Measurement measurement, const IntervalHook& on_interval)
    : scenario_(scenario),
      replication_(replication),
      streams_(scenario.run.seed, replication),
      measurement_(measurement),
      on_interval_(on_interval),
      retries_(scenario.workload.retries, streams_.retry_backoffs()),
      mix_(scenario, streams_.endpoint_mix()),
      think_rng_(streams_.think_times()),
      tally_(scenario, {}, {}) {}

void Model::build() {
  sg4::NetZone* zone = sg4::create_full_zone("servesim");
  for (std::size_t h = 0; h < scenario_.hosts.size(); ++h) {
    const Host& host = scenario_.hosts[h];
    hosts_.push_back(zone->create_host(host.name, host.speed * kFlopsPerSecond)->set_core_count(host.cores)->seal());
    host_work_.emplace_back(detail::CpuStalls(host, streams_.stalls(h)));
  }
  // Clients only sleep: their host never computes. Its name cannot clash
  // with a scenario host's, which must be unique.
  client_host_ = zone->create_host(unused_host_name("clients"), kFlopsPerSecond)->seal();
  build_servers();
  build_balancers(*zone);
  zone->seal();
  std::vector<double> runners;
  std::vector<double> cores;
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) runners.push_back(servers_[s].runner_count());
  for (const Host& host : scenario_.hosts) cores.push_back(host.cores);
  tally_ = detail::Tally(scenario_, std::move(runners), std::move(cores));
  build_endpoints();
  build_connections();
  build_dependencies();
  build_model_servers();
}

// The scenario's servers, then the servers task pools run as (complete before
// pointers into them are taken).
void Model::build_servers() {
  pool_servers_ = detail::task_pool_servers(scenario_);
  tasks_ = detail::task_refs(scenario_);
  task_tallies_.resize(pool_servers_.size());
  std::vector<const Server*> specs;
  for (const Server& spec : scenario_.servers) specs.push_back(&spec);
  for (const Server& spec : pool_servers_) specs.push_back(&spec);
  for (const Server* pointer : specs) {
    const Server& spec = *pointer;
    ServerRuntime& server = servers_.emplace_back(spec, streams_.restarts(servers_.size()));
    server.base_memory = static_process_memory(scenario_, spec);
    server.peak_memory = server.base_memory;
    server.watches_loop = detail::watches_loop(spec);
    server.host = hosts_[index_of(scenario_.hosts, spec.host)];
    server.work = &host_work_[index_of(scenario_.hosts, spec.host)];
    for (int w = 0; w < spec.workers; ++w) {
      Process& process = processes_.emplace_back();
      process.server = &server;
      process.idle_threads = detail::threads_of(spec);
      process.loop_queue = detail::BasicLoopOrder<Request*>(detail::orders_by_poll(spec.kind));
      detail::begin_life(spec, process.life, server.restart_rng);
      server.processes.push_back(&process);
      if (detail::queues_idle_processes(spec)) server.idle_processes.push_back(&process);
    }
  }
}

// Each balancer is a host of its own. A link of the balancer's latency (half
// its round trip) and bandwidth joins it to each of its servers' hosts, and
// every transfer has the whole bandwidth (a fat pipe), as in the native
// engine. SimGrid times each transfer: latency + bytes / bandwidth.
void Model::build_balancers(sg4::NetZone& zone) {
  constexpr double kBytesPerMegabit = 1e6 / 8.0;
  // Without a bandwidth, transfers take no time: a megabyte in a femtosecond.
  constexpr double kUnlimitedBandwidth = 1e21;
  for (std::size_t b = 0; b < scenario_.balancers.size(); ++b) {
    const Balancer& spec = scenario_.balancers[b];
    sg4::Host* host = zone.create_host(unused_host_name("balancer-" + spec.name), kFlopsPerSecond)->seal();
    balancers_.push_back(
        BalancerRuntime{detail::LoadBalancer(spec.policy, spec.servers.size(), streams_.balancer(b)), host});
    const double bandwidth = spec.bandwidth_mbps ? *spec.bandwidth_mbps * kBytesPerMegabit : kUnlimitedBandwidth;
    std::unordered_set<const sg4::Host*> linked;
    for (const std::string& server_name : spec.servers) {
      sg4::Host* server_host = hosts_[index_of(scenario_.hosts, scenario_.find_server(server_name)->host)];
      if (!linked.insert(server_host).second) continue;
      sg4::Link* link = zone.create_link(host->get_name() + "-" + server_host->get_name(), bandwidth)
                            ->set_latency(spec.rtt / 2.0)
                            ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)
                            ->seal();
      zone.add_route(host->get_netpoint(), server_host->get_netpoint(), nullptr, nullptr,
                     {sg4::LinkInRoute(link)}, true);
    }
  }
}

// One target per server that can answer the endpoint: server kinds (and so
// where each phase runs) may differ behind one balancer. Routes are the
// rules': where each phase runs is one definition for both engines.
void Model::build_endpoints() {
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    EndpointRuntime& runtime = endpoints_.emplace_back(
        EndpointRuntime{{}, nullptr, streams_.durations(i), streams_.cache_hits(i)});
    if (const Balancer* balancer = scenario_.find_balancer(endpoint.server)) {
      runtime.balancer = &balancers_[index_of(scenario_.balancers, balancer->name)];
    }
    for (const Server* spec : scenario_.servers_of(endpoint)) {
      ServerRuntime& server = servers_[index_of(scenario_.servers, spec->name)];
      runtime.targets.push_back(
          Target{&server, detail::build_route(scenario_, endpoint, *spec), detail::build_rejection_route(*spec)});
    }
  }
  // Tasks after the endpoints, each with one target: its pool's server.
  for (std::size_t t = 0; t < tasks_.size(); ++t) {
    ServerRuntime& server = servers_[scenario_.servers.size() + tasks_[t].pool];
    endpoints_.push_back(EndpointRuntime{{Target{&server, detail::build_task_route(scenario_, *tasks_[t].task, *server.spec), {}}},
                                         nullptr, streams_.task_durations(t), streams_.task_cache_hits(t)});
  }
}

// A name for a host of the engine's own that no scenario host (nor another
// of its own) has.
std::string Model::unused_host_name(std::string name) const {
  while (scenario_.find_host(name) != nullptr || sg4::Host::by_name_or_null(name) != nullptr) name += "_";
  return name;
}

void Model::start_actors() {
  for (Process& process : processes_) {
    sg4::Actor::create("gil-switch", process.server->host, [this, &process] { gil_switcher(process); });
  }
  const Workload& workload = scenario_.workload;
  if (workload.open) {
    sg4::Actor::create("open-arrivals", client_host_, [this] { open_source(); });
  } else {
    for (int u = 0; u < workload.closed->users; ++u) {
      // As the native engine: users start at a random point of their first think.
      const double first = think() * think_rng_.uniform01();
      User& state = users_.emplace_back();
      state.index = static_cast<std::uint32_t>(u);
      sg4::Actor::create("user", client_host_, [this, &state, first] { user(state, first); });
    }
  }
  if (workload.client_timeout) {
    sg4::Actor::create("client-timeouts", client_host_, [this] { timeout_watch(); });
  }
  start_connections();
  start_model_servers();
  sg4::Actor::create("timeline", client_host_, [this] { timeline(); });
}

ReplicationResult Model::run() {
  build();
  // Without a warm-up, requests sent at time 0 count: measure before any actor runs.
  if (measurement_.warmup <= 0.0) start_measuring();
  start_actors();
  sg4::Engine::get_instance()->run_until(scenario_.run.duration);
  close_interval();
  return collect();
}

ReplicationResult run_replication(const Scenario& scenario, int replication, Measurement measurement,
                                  const IntervalHook& on_interval) {
  // Never destroyed: actors still block on its semaphores when the run
  // stops, and SimGrid aborts on destroying a semaphore in use. The process
  // ends right after the run.
  auto* model = new Model(scenario, replication, measurement, on_interval);
  return model->run();
}

}  // namespace servesim::simgrid_engine
