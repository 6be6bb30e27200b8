#include "servesim/plan/bottleneck.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <utility>

#include "servesim/errors.hpp"
#include "servesim/model/memory.hpp"
#include "rules/admission.hpp"
#include "rules/route.hpp"
#include "rules/scenario_index.hpp"

namespace servesim {
namespace {

using detail::RunsOn;
using detail::Step;
using detail::StepKind;

// A task's route on its pool's server, with each step's reach.
struct TaskRoute {
  const TaskPool* pool = nullptr;
  const Host* host = nullptr;
  std::vector<Step> steps;
  std::vector<double> reach;
};

// Resources by path, in the order they are first met (hosts, then each
// server's), and the scenario's task routes: every request route that
// enqueues or awaits a task charges its route, so it is built once here.
class Ledger {
 public:
  std::vector<TaskRoute> tasks;  ///< numbered as by task_refs
  /// Per server, the requests it accepts (killed at acceptance included), as charged.
  std::map<const Server*, double> accepted;


  void add(const std::string& path, double capacity) {
    if (index_.contains(path)) return;
    index_[path] = loads_.size();
    loads_.push_back({path, capacity, 0.0, 0.0, 0.0, std::nullopt});
  }
  void charge(const std::string& path, double seconds) { loads_[index_.at(path)].demand += seconds; }
  [[nodiscard]] ResourceLoad* find(const std::string& path) {
    const auto it = index_.find(path);
    return it == index_.end() ? nullptr : &loads_[it->second];
  }
  std::vector<ResourceLoad> take() { return std::move(loads_); }

 private:
  std::map<std::string, std::size_t> index_;
  std::vector<ResourceLoad> loads_;
};

// Probability that a request reaches each step: a cache branch goes on with
// its hit ratio and jumps past the hit otherwise; branches only go forward.
std::vector<double> reach_of(const std::vector<Step>& steps) {
  std::vector<double> reach(steps.size() + 1, 0.0);
  reach[0] = 1.0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.kind == StepKind::branch) {
      reach[i + 1] += reach[i] * s.probability;
      reach[s.target] += reach[i] * (1.0 - s.probability);
    } else if (s.kind == StepKind::jump) {
      reach[s.target] += reach[i];
    } else {
      reach[i + 1] += reach[i];
    }
  }
  return reach;
}

// Share of requests that open a connection: every one of an open workload
// (each arrival is a new client) and of gunicorn-sync (it closes them); for
// closed users, those whose think time outlasts the keep-alive.
double new_connection_share(const Scenario& scenario, const Server& server) {
  if (server.kind == ServerKind::gunicorn_sync || !scenario.workload.closed) return 1.0;
  const Distribution& think = scenario.workload.closed->think_time;
  const double keepalive = Scenario::keepalive_of(server);
  if (think.kind() == DistributionKind::exponential) return std::exp(-keepalive / think.mean());
  return think.mean() > keepalive ? 1.0 : 0.0;
}

std::string server_path(const Server& s, const char* what) { return "servers." + s.name + "." + what; }

// The path of whatever holds a request from start to end on `server`, if it is a bounded resource.
std::optional<std::string> slot_path(const Server& s) {
  switch (s.kind) {
    case ServerKind::gunicorn_sync: return server_path(s, "workers");
    case ServerKind::gunicorn_gthread: return server_path(s, "threads");
    case ServerKind::gunicorn_gevent: return server_path(s, "worker_connections");
    case ServerKind::uvicorn:
      if (s.limit_concurrency) return server_path(s, "limit_concurrency");
      return std::nullopt;
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: return std::nullopt;
  }
  return std::nullopt;
}

double slot_capacity(const Server& s) {
  switch (s.kind) {
    case ServerKind::gunicorn_sync: return s.workers;
    case ServerKind::gunicorn_gthread: return double(s.workers) * s.threads;
    case ServerKind::gunicorn_gevent: return double(s.workers) * s.worker_connections;
    case ServerKind::uvicorn: return double(s.workers) * s.limit_concurrency.value_or(0);
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: return 0.0;
  }
  return 0.0;
}

// A process's life from one (re)start to the next, where it is predictable:
// `accepted` requests in all, of which `served` are answered (the rest held
// when memory_limit kills it). Gunicorn's max_requests N (uniform in
// [n, n + j]) recycles it at its N-th request, letting it finish what it
// holds. A leak of L bytes a request under a limit M, from B bytes static,
// kills it as it accepts its K-th request holding H (C bytes each), with
// every request it holds: K = floor((M - B - H C) / L) + 1, the kill coming
// first when N >= K (rules/recycling.hpp). A saturated process holds what its
// admission lets it (held_at_kill), so a pool of c processes, each answering
// mu a second when full, answers c (K - H) / ((K - H) / mu + R) with boot time
// R: c (K - 1) / ((K - 1) S + R) for sync workers (H = 1, mu = 1 / S),
// c (K - H) / ((K - H) S / T + R) for gthread's T threads.
struct RestartCycle {
  double accepted = 0.0;  ///< expected requests per life; 0: no restarts charged
  double served = 0.0;    ///< expected of those answered
};

// Requests a process of `server` holds when the leak kills it at saturation:
// all its admission lets it hold (1 on gunicorn-sync, worker_connections on
// gthread and gevent, limit_concurrency on uvicorn), and no more than a closed
// workload's users over its processes. Under an open workload nothing bounds
// what the other ASGI processes hold: it grows with the load, and only the
// request that triggers the kill is charged (what kills cost at least).
double held_at_kill(const Scenario& scenario, const Server& server) {
  double bound = detail::accept_limit_of(server);
  if (server.kind == ServerKind::uvicorn && server.limit_concurrency) {
    bound = std::min(bound, double(*server.limit_concurrency));
  }
  if (scenario.workload.closed) {
    const double processes = double(server.workers) * server.replicas;
    bound = std::min(bound, std::ceil(scenario.workload.closed->users / processes));
  } else if (bound >= detail::kMaxOpenConnections) {
    return 1.0;
  }
  return bound;
}

RestartCycle restart_cycle(const Scenario& scenario, const Server& server) {
  const double n = server.max_requests;
  const double j = server.max_requests > 0 ? server.max_requests_jitter : 0.0;
  const double leak = server.memory.growth_per_request;
  const bool kills = server.memory_limit && leak > 0.0;
  if (!kills) return n > 0 ? RestartCycle{n + j / 2.0, n + j / 2.0} : RestartCycle{};
  const double room = *server.memory_limit - static_process_memory(scenario, server);
  const double connection = server.memory.connection;
  double held = held_at_kill(scenario, server);
  double k = std::floor((room - held * connection) / leak) + 1.0;
  if (k <= held) {  // killed before it fills: with every request it accepted
    k = std::floor(room / (connection + leak)) + 1.0;
    held = k;
  }
  if (n == 0 || k <= n) return {k, k - held};        // every life ends in a kill
  if (k > n + j) return {n + j / 2.0, n + j / 2.0};  // every life is recycled first
  // N in [n, k - 1] recycles at N; N in [k, n + j] is killed at k.
  const double recycled = k - n;
  const double killed = n + j - k + 1.0;
  const double accepted = ((n + k - 1.0) / 2.0 * recycled + k * killed) / (j + 1.0);
  return {accepted, accepted - held * killed / (j + 1.0)};
}

// Charges `share` runs of task `index` (numbered as by task_refs) to its
// pool's worker processes, its host's cores and its databases; returns the
// seconds a run takes (its queueing left out).
double charge_task(Ledger& ledger, const Scenario& scenario, std::uint32_t index, double share) {
  const TaskRoute& task = ledger.tasks[index];
  const TaskPool& pool = *task.pool;
  const Host& host = *task.host;
  const std::vector<Step>& steps = task.steps;
  const std::vector<double>& reach = task.reach;
  double seconds = 0.0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (detail::is_instant(s.kind)) continue;
    const bool on_cpu = s.kind == StepKind::cpu || s.kind == StepKind::cpu_nogil;
    const double t = reach[i] * s.duration.mean() / (on_cpu ? Scenario::effective_speed(host) : 1.0);
    seconds += t;
    if (on_cpu) ledger.charge("hosts." + host.name + ".cpu", share * t);
    if (s.kind == StepKind::query) ledger.charge("databases." + scenario.databases[s.target].name + ".connections", share * t);
  }
  ledger.charge("task_workers." + pool.name + ".concurrency", share * seconds);
  return seconds;
}

// Charges one request of `endpoint` on `server`, weighing `weight`, to every
// resource it holds; returns the seconds it spends before its response leaves.
double charge_route(Ledger& ledger, const Scenario& scenario, const Endpoint& endpoint, const Server& server,
                    double weight) {
  // A request a process is killed with at acceptance holds nothing: only
  // the served share of the requests runs the route.
  const RestartCycle cycle = restart_cycle(scenario, server);
  const double accepted_weight = weight;
  if (cycle.accepted > 0.0) weight *= cycle.served / cycle.accepted;
  const Host& host = *scenario.find_host(server.host);
  const std::string cpu = "hosts." + host.name + ".cpu";
  const std::vector<Step> steps = detail::build_route(scenario, endpoint, server);
  const std::vector<double> reach = reach_of(steps);
  const double new_connections = new_connection_share(scenario, server);
  const bool loop_server = detail::has_event_loop(server);
  const std::optional<std::string> slots = slot_path(server);
  // A gthread process's threads share its GIL, and so do uvicorn's loop and
  // thread pool; elsewhere one thread runs per process and the GIL queues no one.
  const bool gil_contended = server.kind == ServerKind::gunicorn_gthread || is_asgi(server.kind);

  double before_response = 0.0;
  bool responded = false;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const Step& s = steps[i];
    if (s.kind == StepKind::respond) responded = true;
    if (s.kind == StepKind::enqueue) charge_task(ledger, scenario, s.target, weight * reach[i]);
    if (detail::is_instant(s.kind)) continue;
    const double share = weight * reach[i] * (s.new_connection_only ? new_connections : 1.0);
    const bool on_cpu = s.kind == StepKind::cpu || s.kind == StepKind::cpu_nogil;
    const ModelServer* model = s.kind == StepKind::infer ? &scenario.model_servers[s.target] : nullptr;
    // CPU work in core-seconds; native code on several threads spreads it
    // over up to that many cores, so the step lasts a fraction of it.
    const double work = s.duration.mean() / (on_cpu ? Scenario::effective_speed(host) : 1.0);
    const int parallel = s.kind == StepKind::cpu_nogil ? std::min(s.threads, host.cores) : 1;
    // Awaiting a task holds what the request holds for the task's run.
    // Unloaded, an inference waits out the queue delay (unless batches of one
    // leave at once) and runs in a batch of one.
    const double seconds = s.kind == StepKind::await_task ? charge_task(ledger, scenario, s.target, share)
                           : model != nullptr
                               ? (model->max_batch_size > 1 ? model->max_queue_delay : 0.0) + model->mean_batch_time(1)
                               : work / parallel;
    const double held = share * seconds;
    if (!responded) before_response += reach[i] * (s.new_connection_only ? new_connections : 1.0) * seconds;
    if (on_cpu) ledger.charge(cpu, share * work);
    if (s.kind == StepKind::cpu && gil_contended) ledger.charge(server_path(server, "gil"), held);
    if (s.runs_on == RunsOn::loop) ledger.charge(server_path(server, "event_loop"), held);
    if (s.runs_on == RunsOn::thread && loop_server) ledger.charge(server_path(server, "thread_pool"), held);
    if (slots) ledger.charge(*slots, held);
    if (s.kind == StepKind::query) {
      const Database& db = scenario.databases[s.target];
      ledger.charge("databases." + db.name + ".connections", held);
      ledger.charge(server_path(server, "pool.") + db.name, held);
    }
    if (model != nullptr) {
      // At saturation batches are full: each request takes 1/B of a batch
      // of B on an instance, so the instances answer instances x B / batch_time(B).
      const int full = model->max_batch_size;
      ledger.charge("model_servers." + model->name + ".instances", share * model->mean_batch_time(full) / full);
    }
    const std::uint32_t first_broker = detail::broker_station(scenario, 0);
    const std::uint32_t first_cache = detail::cache_station(scenario, 0);
    if (s.kind == StepKind::call && s.target >= first_broker) {  // a broker's publish
      ledger.charge("brokers." + scenario.brokers[s.target - first_broker].name + ".threads", held);
    } else if (s.kind == StepKind::call && s.target >= first_cache) {  // a cache store's command
      ledger.charge("caches." + scenario.caches[s.target - first_cache].name + ".threads", held);
    } else if (s.kind == StepKind::call && scenario.services[s.target].concurrency) {
      ledger.charge("services." + scenario.services[s.target].name + ".concurrency", held);
    }
  }
  ledger.accepted[&server] += accepted_weight;
  return before_response;
}

// Restarts: a process is away boot_time every E[accepted] requests, and what
// it has of each resource that serves its requests (its slots, loop, GIL,
// thread pool, database pools) is lost meanwhile: a sync pool then serves
// c N / (N S + R) recycled every N, c (K - 1) / ((K - 1) S + R) killed at the
// K-th. Only resources the routes use are charged, so an unused one (Uvicorn's
// GIL beside its loop) stays out of the ranking.
void charge_restarts(Ledger& ledger, const Scenario& scenario) {
  for (const auto& [server, accepted_weight] : ledger.accepted) {
    const RestartCycle cycle = restart_cycle(scenario, *server);
    if (!(cycle.accepted > 0.0)) continue;
    std::vector<std::string> paths = {server_path(*server, "gil"), server_path(*server, "event_loop"),
                                      server_path(*server, "thread_pool")};
    if (const auto slots = slot_path(*server)) paths.push_back(*slots);
    for (const Database& d : scenario.databases) paths.push_back(server_path(*server, "pool.") + d.name);
    // Killed before it answers anything (K <= H): its boots are all it does.
    const bool answers = cycle.served > 0.0;
    const std::string runner = slot_path(*server).value_or(server_path(*server, "event_loop"));
    for (const std::string& path : paths) {
      ResourceLoad* load = ledger.find(path);
      if (load == nullptr || !(load->demand > 0.0 || (!answers && path == runner))) continue;
      load->demand += accepted_weight * load->capacity / server->workers * server->boot_time / cycle.accepted;
    }
  }
}

// Every resource the scenario has, with its capacity and no demand yet.
Ledger open_ledger(const Scenario& scenario) {
  Ledger ledger;
  for (const Host& h : scenario.hosts) ledger.add("hosts." + h.name + ".cpu", h.cores);
  for (const Server& s : scenario.servers) {
    if (const auto slots = slot_path(s)) ledger.add(*slots, slot_capacity(s));
    if (s.kind == ServerKind::gunicorn_gthread || is_asgi(s.kind)) ledger.add(server_path(s, "gil"), s.workers);
    if (detail::has_event_loop(s)) ledger.add(server_path(s, "event_loop"), s.workers);
    if (is_asgi(s.kind)) ledger.add(server_path(s, "thread_pool"), double(s.workers) * s.thread_pool);
    for (const Database& d : scenario.databases) {
      ledger.add(server_path(s, "pool.") + d.name, double(s.workers) * (d.pool.size + d.pool.max_overflow));
    }
  }
  for (const Database& d : scenario.databases) ledger.add("databases." + d.name + ".connections", d.connections);
  for (const Service& v : scenario.services) {
    if (v.concurrency) ledger.add("services." + v.name + ".concurrency", *v.concurrency);
  }
  for (const Cache& c : scenario.caches) ledger.add("caches." + c.name + ".threads", c.threads);
  for (const Broker& b : scenario.brokers) ledger.add("brokers." + b.name + ".threads", b.threads);
  for (const ModelServer& m : scenario.model_servers) ledger.add("model_servers." + m.name + ".instances", m.instances);
  for (const TaskPool& p : scenario.task_workers) {
    ledger.add("task_workers." + p.name + ".concurrency", scenario.concurrency_of(p));
  }
  const std::vector<Server> pool_servers = detail::task_pool_servers(scenario);
  for (const detail::TaskRef& task : detail::task_refs(scenario)) {
    const TaskPool& pool = scenario.task_workers[task.pool];
    std::vector<Step> steps = detail::build_task_route(scenario, *task.task, pool_servers[task.pool]);
    std::vector<double> reach = reach_of(steps);
    ledger.tasks.push_back({&pool, scenario.find_host(pool.host), std::move(steps), std::move(reach)});
  }
  return ledger;
}

// Endpoint weights of the mix, summing to 1 (an empty mix weighs all alike).
std::vector<double> mix_weights(const Scenario& scenario) {
  std::vector<double> weights(scenario.endpoints.size(), scenario.workload.mix.empty() ? 1.0 : 0.0);
  for (const MixEntry& entry : scenario.workload.mix) {
    for (std::size_t e = 0; e < scenario.endpoints.size(); ++e) {
      if (scenario.endpoints[e].name == entry.endpoint) weights[e] += entry.weight;
    }
  }
  double total = 0.0;
  for (double w : weights) total += w;
  for (double& w : weights) w /= total;
  return weights;
}

// Charges `weights[e]` requests of each endpoint (split evenly over a
// balancer's servers); returns the weighted time before the response,
// balancer round trips included, and the used resources.
std::vector<ResourceLoad> charge_all(const Scenario& scenario, const std::vector<double>& weights,
                                     double* response_time) {
  Ledger ledger = open_ledger(scenario);
  double response = 0.0;
  for (std::size_t e = 0; e < scenario.endpoints.size(); ++e) {
    const Endpoint& endpoint = scenario.endpoints[e];
    const std::vector<const Server*> servers = scenario.servers_of(endpoint);
    const double share = weights[e] / double(servers.size());
    for (const Server* server : servers) {
      response += share * charge_route(ledger, scenario, endpoint, *server, share);
    }
    if (const Balancer* b = scenario.find_balancer(endpoint.server)) {
      const double bits = 8.0 * (endpoint.request_bytes + endpoint.response_bytes);
      response += weights[e] * (b->rtt + (b->bandwidth_mbps ? bits / (*b->bandwidth_mbps * 1e6) : 0.0));
    }
  }
  if (response_time != nullptr) *response_time = response;
  // Uvicorn's GIL is contended only when its thread pool runs def endpoints;
  // otherwise the loop alone holds it and the loop is the resource to name.
  for (const Server& s : scenario.servers) {
    const ResourceLoad* pool = ledger.find(server_path(s, "thread_pool"));
    if (ResourceLoad* gil = ledger.find(server_path(s, "gil")); gil != nullptr && pool != nullptr && !(pool->demand > 0.0)) {
      gil->demand = 0.0;
    }
  }
  charge_restarts(ledger, scenario);
  std::vector<ResourceLoad> loads = ledger.take();
  std::erase_if(loads, [](const ResourceLoad& r) { return !(r.demand > 0.0); });
  for (ResourceLoad& r : loads) r.saturation_rate = r.capacity / r.demand;
  return loads;
}

void fill_measured(std::vector<ResourceLoad>& loads, const Scenario& scenario, const Result& result) {
  const auto set = [&](const std::string& path, double value) {
    for (ResourceLoad& r : loads) {
      if (r.path == path) r.measured = value;
    }
  };
  for (const HostSummary& h : result.hosts) set("hosts." + h.name + ".cpu", h.cpu_utilization.value);
  for (const ServerSummary& s : result.servers) {
    const Server* server = scenario.find_server(s.name);
    if (server == nullptr) continue;
    const char* runners = detail::has_event_loop(*server) ? "event_loop"
                          : server->kind == ServerKind::gunicorn_gthread ? "threads" : "workers";
    set(server_path(*server, runners), s.worker_busy_fraction.value);
    set(server_path(*server, "gil"), s.gil_busy_fraction.value);
  }
  for (const DatabaseSummary& d : result.databases) set("databases." + d.name + ".connections", d.utilization.value);
  for (const ServiceSummary& v : result.services) {
    const Service* service = scenario.find_service(v.name);
    if (service != nullptr && service->concurrency) {
      set("services." + v.name + ".concurrency", v.mean_in_use.value / *service->concurrency);
    }
  }
  for (const CacheSummary& c : result.caches) set("caches." + c.name + ".threads", c.utilization.value);
  for (const BrokerSummary& b : result.brokers) set("brokers." + b.name + ".threads", b.utilization.value);
  for (const ModelServerSummary& m : result.model_servers) {
    set("model_servers." + m.name + ".instances", m.utilization.value);
  }
  for (const TaskPoolSummary& p : result.task_workers) {
    set("task_workers." + p.name + ".concurrency", p.utilization.value);
  }
}

}  // namespace

std::vector<ResourceLoad> resource_loads(const Scenario& scenario) {
  scenario.validate();
  std::vector<ResourceLoad> loads = charge_all(scenario, mix_weights(scenario), nullptr);
  std::stable_sort(loads.begin(), loads.end(), [](const ResourceLoad& a, const ResourceLoad& b) {
    return a.saturation_rate < b.saturation_rate;
  });
  return loads;
}

std::vector<ResourceLoad> bottlenecks(const Scenario& scenario, const Result& result) {
  scenario.validate();
  // Each endpoint's measured throughput, so a mix the run drew unevenly counts as it ran.
  std::vector<double> rates(scenario.endpoints.size(), 0.0);
  double total = 0.0;
  for (std::size_t e = 0; e < scenario.endpoints.size(); ++e) {
    for (const EndpointSummary& s : result.endpoints) {
      if (s.name == scenario.endpoints[e].name) rates[e] = s.throughput.value;
    }
    total += rates[e];
  }
  if (!(total > 0.0)) {  // nothing completed: rank by demand at the mix's weights
    rates = mix_weights(scenario);
    total = 0.0;
  }
  std::vector<ResourceLoad> loads = charge_all(scenario, rates, nullptr);
  for (ResourceLoad& r : loads) {
    r.utilization = total > 0.0 ? r.demand / r.capacity : 0.0;
    if (total > 0.0) {
      r.demand /= total;
      r.saturation_rate = r.capacity / r.demand;
    }
  }
  fill_measured(loads, scenario, result);
  std::stable_sort(loads.begin(), loads.end(), [](const ResourceLoad& a, const ResourceLoad& b) {
    return a.saturation_rate < b.saturation_rate;
  });
  return loads;
}

double saturation_population(const Scenario& scenario) {
  scenario.validate();
  if (!scenario.workload.closed) {
    throw ScenarioError("workload", "the knee N* is defined for a closed workload; this one is open");
  }
  double response = 0.0;
  const std::vector<ResourceLoad> loads = charge_all(scenario, mix_weights(scenario), &response);
  double max_demand = 0.0;
  for (const ResourceLoad& r : loads) max_demand = std::max(max_demand, r.demand / r.capacity);
  if (!(max_demand > 0.0)) return std::numeric_limits<double>::infinity();
  return (response + scenario.workload.closed->think_time.mean()) / max_demand;
}

}  // namespace servesim
