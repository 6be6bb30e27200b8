#include "sim/engine.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>


namespace servesim::detail {
namespace {

// A refused closed-loop client waits Linux's initial SYN retransmission
// timeout (TCP_TIMEOUT_INIT, 1 s) before it tries again; without a delay a
// client with no think time would retry forever at the same instant.
constexpr double kRefusedRetryDelay = 1.0;

// Random stream ids within a replication: one per independent source.
constexpr std::uint64_t kArrivalStream = 0;
constexpr std::uint64_t kMixStream = 1;
constexpr std::uint64_t kThinkStream = 2;
constexpr std::uint64_t kRetryStream = 3;
constexpr std::uint64_t kFirstEndpointStream = 16;
// Endpoints take 16 up to the branch streams, one per endpoint for its cache
// hits; balancers come after both.
constexpr std::uint64_t kFirstBranchStream = 0x40000;
constexpr std::uint64_t kFirstBalancerStream = std::uint64_t{1} << 19U;

constexpr double kNoConnection = std::numeric_limits<double>::quiet_NaN();

// Connections one server process holds at most, as its open-file limit
// (`ulimit -n`, commonly raised to 65,536 on servers) allows: past it new
// connections wait in the accept backlog, and are refused when that is full.
// This bounds an overloaded event loop's memory (some 200 bytes a request).
constexpr int kMaxOpenConnections = 65'536;

template <class T>
std::uint32_t index_of(const std::vector<T>& items, const std::string& name) {
  const auto it = std::find_if(items.begin(), items.end(),
                               [&](const T& item) { return item.name == name; });
  return static_cast<std::uint32_t>(it - items.begin());
}

std::uint64_t stream(int replication, std::uint64_t source) {
  return Rng::stream_id(static_cast<std::uint64_t>(replication), source);
}

}  // namespace

Engine::Engine(const Scenario& scenario, int replication, Measurement measurement,
               IntervalHook on_interval, PollHook on_poll)
    : scenario_(scenario),
      replication_(replication),
      measurement_(measurement),
      on_interval_(std::move(on_interval)),
      guard_(scenario, std::move(on_poll)),
      client_timeout_(scenario.workload.client_timeout),
      retries_(scenario.workload.retries, Rng(scenario.run.seed, stream(replication, kRetryStream))),
      mix_rng_(scenario.run.seed, stream(replication, kMixStream)),
      think_rng_(scenario.run.seed, stream(replication, kThinkStream)) {
  for (const Host& host : scenario.hosts) hosts_.emplace_back(host.cores, host.speed);
  build_servers();
  build_dependencies();
  build_balancers();
  build_endpoints();
  build_mix();
  build_slos();
  endpoint_counts_.resize(endpoints_.size());
  if (scenario.workload.open) {
    open_arrivals_.emplace(*scenario.workload.open, scenario.run.duration,
                           Rng(scenario.run.seed, stream(replication, kArrivalStream)));
  }
  std::vector<double> runners;
  std::vector<double> cores;
  for (const ServerRuntime& server : servers_) runners.push_back(server.runner_count());
  for (const SharedCpu& host : hosts_) cores.push_back(host.cores());
  timeline_ = Timeline(std::move(runners), std::move(cores));
  if (scenario.workload.closed) {
    connection_idle_since_.assign(static_cast<std::size_t>(scenario.workload.closed->users), kNoConnection);
  }
}

void Engine::build_servers() {
  for (std::uint32_t s = 0; s < scenario_.servers.size(); ++s) {
    const Server& spec = scenario_.servers[s];
    ServerRuntime server;
    server.spec = &spec;
    server.first_process = static_cast<std::uint32_t>(processes_.size());
    server.runs_loop = has_event_loop(spec);
    server.closes_connections = spec.kind == ServerKind::gunicorn_sync;
    server.keepalive = Scenario::keepalive_of(spec);
    switch (spec.kind) {
      case ServerKind::gunicorn_sync: server.accept_limit = 1; break;
      case ServerKind::gunicorn_gthread:
      case ServerKind::gunicorn_gevent:
        server.accept_limit = std::min(spec.worker_connections, kMaxOpenConnections);
        break;
      // Uvicorn accepts every connection it has a file descriptor for;
      // limit_concurrency answers 503 instead.
      case ServerKind::uvicorn: server.accept_limit = kMaxOpenConnections; break;
    }
    const std::uint32_t host = index_of(scenario_.hosts, spec.host);
    for (int w = 0; w < spec.workers; ++w) {
      WorkerProcess process;
      process.server = s;
      process.host = host;
      process.idle_threads = spec.kind == ServerKind::uvicorn ? spec.thread_pool : spec.threads;
      if (spec.kind == ServerKind::gunicorn_sync) server.idle_processes.push(server.first_process + w);
      processes_.push_back(std::move(process));
    }
    servers_.push_back(std::move(server));
  }
}

void Engine::build_balancers() {
  for (std::size_t b = 0; b < scenario_.balancers.size(); ++b) {
    const Balancer& spec = scenario_.balancers[b];
    balancers_.emplace_back(spec.policy, spec.servers.size(),
                            Rng(scenario_.run.seed, stream(replication_, kFirstBalancerStream + b)));
  }
}

// One route per server that can serve the endpoint: server kinds (and so
// where each phase runs) may differ behind one balancer.
void Engine::build_endpoints() {
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    EndpointRuntime runtime{static_cast<std::uint32_t>(routes_.size()), std::nullopt, NetworkPath{},
                            Rng(scenario_.run.seed, stream(replication_, kFirstEndpointStream + i)),
                            Rng(scenario_.run.seed, stream(replication_, kFirstBranchStream + i))};
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
}

void Engine::build_mix() {
  // An empty mix means every endpoint, equally weighted.
  std::vector<double> weights(endpoints_.size(), scenario_.workload.mix.empty() ? 1.0 : 0.0);
  for (const MixEntry& entry : scenario_.workload.mix) {
    weights[index_of(scenario_.endpoints, entry.endpoint)] += entry.weight;
  }
  double total = 0.0;
  for (double w : weights) total += w;
  double running = 0.0;
  for (double w : weights) {
    running += w / total;
    mix_cumulative_.push_back(running);
  }
  mix_cumulative_.back() = 1.0;
}

void Engine::build_slos() {
  slo_.assign(endpoints_.size(), std::numeric_limits<double>::infinity());
  for (const MixEntry& entry : scenario_.workload.mix) {
    if (entry.slo) slo_[index_of(scenario_.endpoints, entry.endpoint)] = *entry.slo;
  }
}

std::uint32_t Engine::pick_endpoint() {
  if (mix_cumulative_.size() == 1) return 0;
  const double u = mix_rng_.uniform01();
  const auto it = std::upper_bound(mix_cumulative_.begin(), mix_cumulative_.end(), u);
  return static_cast<std::uint32_t>(
      std::min<std::ptrdiff_t>(it - mix_cumulative_.begin(),
                               static_cast<std::ptrdiff_t>(mix_cumulative_.size()) - 1));
}

void Engine::start_workload() {
  const Workload& workload = scenario_.workload;
  if (workload.open) {
    const double first = open_arrivals_->next();
    if (std::isfinite(first)) calendar_.schedule(first, EventType::open_arrival);
  } else {
    const ClosedWorkload& closed = *workload.closed;
    for (int user = 0; user < closed.users; ++user) {
      // Users start at a random point of their first think, not all at once.
      calendar_.schedule(closed.think_time.sample(think_rng_) * think_rng_.uniform01(),
                         EventType::user_send, static_cast<std::uint32_t>(user));
    }
  }
}

ReplicationResult Engine::run() {
  const double end = scenario_.run.duration;
  if (measurement_.warmup > 0.0) {
    calendar_.schedule(measurement_.warmup, EventType::warmup_end);
  } else {
    on_warmup_end();
  }
  if (measurement_.interval < end) calendar_.schedule(measurement_.interval, EventType::interval_end);
  start_workload();

  for (;;) {
    // CPU completions live in the hosts, not in the calendar: a change in the
    // number of runnable jobs moves them, and recomputing beats cancelling.
    double cpu_time = std::numeric_limits<double>::infinity();
    std::size_t cpu_host = 0;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
      if (hosts_[h].next_completion() < cpu_time) {
        cpu_time = hosts_[h].next_completion();
        cpu_host = h;
      }
    }
    const double event_time =
        calendar_.empty() ? std::numeric_limits<double>::infinity() : calendar_.next_time();
    if (std::min(cpu_time, event_time) > end) break;
    ++events_;
    if (cpu_time < event_time) {
      now_ = cpu_time;
      on_cpu_done(hosts_[cpu_host].complete(now_));
    } else {
      const Event event = calendar_.pop();
      now_ = event.time;
      dispatch(event);
    }
    guard_.check(events_, now_);
  }
  now_ = end;
  on_interval_end();
  return collect();
}

void Engine::dispatch(const Event& event) {
  switch (event.type) {
    case EventType::open_arrival: on_open_arrival(); break;
    case EventType::user_send: arrive(pick_endpoint(), event.subject); break;
    case EventType::wait_done:
      if (requests_[event.subject].generation == event.tag) advance(event.subject);
      break;
    case EventType::client_timeout: on_client_timeout(event.subject, event.tag); break;
    case EventType::gil_switch: on_gil_switch(event.subject, event.tag); break;
    case EventType::worker_timeout: on_worker_timeout(event.subject); break;
    case EventType::worker_boot: on_worker_boot(event.subject); break;
    case EventType::interval_end: on_interval_end(); break;
    case EventType::warmup_end: on_warmup_end(); break;
    case EventType::dependency_done: on_dependency_done(event.subject, event.tag); break;
    case EventType::pool_timeout: on_pool_timeout(event.subject, event.tag); break;
    case EventType::network_arrival: reach_server(event.subject); break;
    case EventType::retry_send: send(event.subject); break;
  }
}

void Engine::on_open_arrival() {
  arrive(pick_endpoint(), kNoUser);
  const double next = open_arrivals_->next();
  if (std::isfinite(next)) calendar_.schedule(next, EventType::open_arrival);
}

// ---------------------------------------------------------------------------
// A request's way through a server.

bool Engine::opens_connection(const ServerRuntime& server, std::uint32_t user) const {
  if (server.closes_connections || user == kNoUser) return true;
  const double idle_since = connection_idle_since_[user];
  return std::isnan(idle_since) || now_ - idle_since > server.keepalive;
}

// The client sends a request's first attempt.
void Engine::arrive(std::uint32_t endpoint, std::uint32_t user) {
  const std::uint32_t id = requests_.acquire();
  Request& request = requests_[id];
  request.endpoint = endpoint;
  request.user = user;
  request.first_sent = now_;
  send(id);
}

// Sends an attempt of request `id`, a first one or a retry after its
// backoff: through a balancer it crosses the network first, and its timeout
// runs from now.
void Engine::send(std::uint32_t id) {
  const std::uint32_t endpoint = requests_[id].endpoint;
  const EndpointRuntime& runtime = endpoints_[endpoint];
  {
    Request& request = requests_[id];
    request.route = runtime.first_route;
    if (runtime.balancer) request.route += static_cast<std::uint32_t>(balancers_[*runtime.balancer].pick());
  }
  const bool retry = requests_[id].attempt > 1;
  timeline_.arrival(retry);
  if (measuring_) {
    arrivals_ += 1;
    if (retry) endpoint_counts_[endpoint].retries += 1;
  }
  if (client_timeout_) {
    calendar_.schedule(now_ + *client_timeout_, EventType::client_timeout, id, requests_[id].generation);
  }
  if (runtime.network.to_server > 0.0) {
    calendar_.schedule(now_ + runtime.network.to_server, EventType::network_arrival, id);
    return;
  }
  reach_server(id);
}

// The server's answer or failure leaves it: the balancer stops counting the request.
void Engine::leave_balancer(const Request& request) {
  const EndpointRuntime& runtime = endpoints_[request.endpoint];
  if (runtime.balancer) balancers_[*runtime.balancer].answered(request.route - runtime.first_route);
}

void Engine::reach_server(std::uint32_t id) {
  ServerRoute& route = routes_[requests_[id].route];
  ServerRuntime& server = servers_[route.server];
  {
    Request& request = requests_[id];
    request.arrival = now_;
    request.new_connection = opens_connection(server, request.user);
  }
  const std::optional<std::uint32_t> process = pick_process(server);
  if (!process) {
    if (server.backlog.size() >= static_cast<std::size_t>(server.spec->backlog)) {
      const Request& request = requests_[id];
      leave_balancer(request);
      // A client that gave up while the request crossed the network has its error already.
      if (!request.timed_out) fail_request(id, Failure::refused, endpoints_[request.endpoint].network.to_client);
      requests_.release(id);
      return;
    }
    server.in_system.add(now_, 1.0);
    server.backlog.push(id);
    mark_waiting(id, 1.0);
    return;
  }
  server.in_system.add(now_, 1.0);
  const std::optional<int>& limit = server.spec->limit_concurrency;
  if (limit && processes_[*process].accepted >= *limit) {
    processes_[*process].rejecting += 1;
    Request& request = requests_[id];
    request.rejected = true;
    request.process = *process;
    advance(id);
    return;
  }
  accept(*process, id);
}

// Gunicorn sync: any idle worker. Otherwise the process with the fewest
// requests among those with room, as a busy process is slower to accept.
std::optional<std::uint32_t> Engine::pick_process(ServerRuntime& server) {
  if (server.spec->kind == ServerKind::gunicorn_sync) {
    if (server.idle_processes.empty()) return std::nullopt;
    return server.idle_processes.pop();
  }
  std::optional<std::uint32_t> best;
  const std::uint32_t end = server.first_process + static_cast<std::uint32_t>(server.spec->workers);
  for (std::uint32_t p = server.first_process; p < end; ++p) {
    const WorkerProcess& process = processes_[p];
    if (process.booting || process.accepted + process.rejecting >= server.accept_limit) continue;
    if (!best || process.accepted < processes_[*best].accepted) best = p;
  }
  return best;
}

void Engine::accept(std::uint32_t process, std::uint32_t id) {
  processes_[process].accepted += 1;
  Request& request = requests_[id];
  request.process = process;
  const Server& spec = *servers_[processes_[process].server].spec;
  if (spec.kind == ServerKind::gunicorn_sync && spec.timeout > 0.0) {
    WorkerProcess& worker = processes_[process];
    worker.serving = id;
    worker.serving_since = now_;
    if (!worker.watchdog_pending) {
      worker.watchdog_pending = true;
      calendar_.schedule(now_ + spec.timeout, EventType::worker_timeout, process);
    }
  }
  advance(id);
}

// Moves request `id` to its next step: lets go of what that step does not
// run on, takes what it does (or queues for it), and starts it.
void Engine::advance(std::uint32_t id) {
  for (;;) {
    Request& request = requests_[id];
    const std::vector<Step>& route = route_of(request);
    request.phase += 1;
    if (static_cast<std::size_t>(request.phase) == route.size()) {
      finish(id);
      return;
    }
    const Step& step = route[static_cast<std::size_t>(request.phase)];
    if (is_instant(step.kind)) {
      if (step.kind == StepKind::respond) {
        respond(id);
      } else if (step.kind == StepKind::jump ||
                 endpoints_[request.endpoint].branch_rng.uniform01() >= step.probability) {
        request.phase = static_cast<std::int32_t>(step.target) - 1;
      }
      continue;
    }
    if (step.new_connection_only && !request.new_connection) continue;
    if (request.holds_loop && step.runner != Runner::loop) release_loop(id);
    if (requests_[id].holds_thread && step.runner != Runner::thread) release_thread(id);
    if (step.runner == Runner::thread && !requests_[id].holds_thread && !take_thread(id)) return;
    if (step.runner == Runner::loop && !requests_[id].holds_loop && !take_loop(id)) return;
    start_step(id);
    return;
  }
}

void Engine::start_step(std::uint32_t id) {
  Request& request = requests_[id];
  if (!request.started) {
    request.started = true;
    if (measuring_ && !request.rejected) {
      ServerRuntime& server = server_of(request);
      server.started += 1;
      if (request.queued) server.queued += 1;
    }
  }
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  const Step& step = route_of(request)[static_cast<std::size_t>(request.phase)];
  const double duration = step.duration.sample(endpoint.rng);
  switch (step.kind) {
    case StepKind::cpu: take_gil(id, duration); break;
    case StepKind::cpu_nogil:
      request.on_cpu = true;
      hosts_[processes_[request.process].host].add(now_, id, duration);
      break;
    case StepKind::wait:
      calendar_.schedule(now_ + duration, EventType::wait_done, id, request.generation);
      break;
    case StepKind::query: start_query(id, step.target, duration); break;
    case StepKind::call: start_call(id, step.target, duration); break;
    case StepKind::respond:
    case StepKind::branch:
    case StepKind::jump: break;  // handled by advance()
  }
}

void Engine::on_cpu_done(std::uint32_t id) {
  Request& request = requests_[id];
  request.on_cpu = false;
  if (request.holds_gil) release_gil(id);
  advance(id);
}

// The response leaves the server; through a balancer it reaches the client
// network.to_client seconds later, and the latency runs from the client's send.
void Engine::respond(std::uint32_t id) {
  Request& request = requests_[id];
  request.responded = true;
  leave_balancer(request);
  if (request.timed_out) return;  // the client left; its error is counted
  const NetworkPath& network = endpoints_[request.endpoint].network;
  if (request.rejected) {
    fail_request(id, Failure::unavailable, network.to_client);
    return;
  }
  const double latency = now_ - request.arrival + network.to_server + network.to_client;
  if (client_timeout_ && latency > *client_timeout_) {
    // Still on its way when the client gives up, at its deadline.
    request.timed_out = true;
    fail_request(id, Failure::client_timeout, *client_timeout_ - (latency - network.to_client));
    return;
  }
  // The client's SLO runs from its first attempt: failed attempts and backoffs count.
  const bool within_slo = now_ + network.to_client - request.first_sent <= slo_[request.endpoint];
  timeline_.completion(latency, within_slo);
  if (measuring_) {
    EndpointCounts& counts = endpoint_counts_[request.endpoint];
    counts.completed += 1;
    if (within_slo) counts.within_slo += 1;
    counts.histogram.record(latency);
  }
  if (request.user != kNoUser) {
    connection_idle_since_[request.user] = now_;
    schedule_next_send(request.user, network.to_client);
  }
}

void Engine::finish(std::uint32_t id) {
  const std::uint32_t process = requests_[id].process;
  const bool rejected = requests_[id].rejected;
  leave_server(id);
  if (rejected) {
    processes_[process].rejecting -= 1;
  } else {
    processes_[process].accepted -= 1;
  }
  requests_.release(id);
  process_freed(process);
}

// Bookkeeping shared by every way out of a server once admitted: Little's
// law counts, and the thread or loop it held.
void Engine::leave_server(std::uint32_t id) {
  Request& request = requests_[id];
  if (measuring_) {
    departures_ += 1;
    residence_sum_ += now_ - request.arrival;
  }
  server_of(request).in_system.add(now_, -1.0);
  if (request.holds_loop) release_loop(id);
  if (requests_[id].holds_thread) release_thread(id);
}

// The process has room again: it takes the oldest connection of the backlog.
void Engine::process_freed(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  ServerRuntime& server = servers_[worker.server];
  if (worker.booting || worker.accepted + worker.rejecting >= server.accept_limit) return;
  if (server.backlog.empty()) {
    if (server.spec->kind == ServerKind::gunicorn_sync) server.idle_processes.push(process);
    return;
  }
  const std::uint32_t next = server.backlog.pop();
  mark_waiting(next, -1.0);
  accept(process, next);
}

// Gunicorn's arbiter kills a sync worker whose request outlives `timeout`:
// the client's connection is reset, and the worker serves again after booting.
// The check comes due when the oldest possible deadline passes; a worker
// that has moved on to a newer request is checked again at that one's.
void Engine::on_worker_timeout(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  worker.watchdog_pending = false;
  if (worker.booting || worker.accepted == 0) return;
  const double deadline = worker.serving_since + servers_[worker.server].spec->timeout;
  if (deadline <= now_) {
    kill_worker(worker.serving);
    return;
  }
  worker.watchdog_pending = true;
  calendar_.schedule(deadline, EventType::worker_timeout, process);
}

void Engine::kill_worker(std::uint32_t id) {
  Request& request = requests_[id];
  const std::uint32_t process = request.process;
  if (request.on_cpu) {
    hosts_[processes_[process].host].preempt(now_, id);
    request.on_cpu = false;
  }
  if (request.holds_gil) release_gil(id);
  leave_dependency(id);
  leave_balancer(requests_[id]);
  if (!requests_[id].timed_out) {
    fail_request(id, Failure::worker_killed, endpoints_[requests_[id].endpoint].network.to_client);
  }
  leave_server(id);
  processes_[process].accepted -= 1;
  requests_.release(id);  // a pending wait is now stale
  processes_[process].booting = true;
  calendar_.schedule(now_ + servers_[processes_[process].server].spec->boot_time, EventType::worker_boot,
                     process);
}

void Engine::on_worker_boot(std::uint32_t process) {
  processes_[process].booting = false;
  process_freed(process);
}

// ---------------------------------------------------------------------------
// Threads, event loops and GILs.

void Engine::mark_waiting(std::uint32_t id, double delta) {
  Request& request = requests_[id];
  if (delta > 0.0 && !request.started) request.queued = true;
  server_of(request).waiting.add(now_, delta);
}

bool Engine::take_thread(std::uint32_t id) {
  Request& request = requests_[id];
  WorkerProcess& process = processes_[request.process];
  if (process.idle_threads == 0) {
    process.thread_queue.push(id);
    mark_waiting(id, 1.0);
    return false;
  }
  process.idle_threads -= 1;
  request.holds_thread = true;
  ServerRuntime& server = servers_[process.server];
  if (!server.runs_loop) server.busy_runners.add(now_, 1.0);
  return true;
}

void Engine::release_thread(std::uint32_t id) {
  Request& request = requests_[id];
  request.holds_thread = false;
  WorkerProcess& process = processes_[request.process];
  if (process.thread_queue.empty()) {
    process.idle_threads += 1;
    ServerRuntime& server = servers_[process.server];
    if (!server.runs_loop) server.busy_runners.add(now_, -1.0);
    return;
  }
  const std::uint32_t next = process.thread_queue.pop();
  mark_waiting(next, -1.0);
  requests_[next].holds_thread = true;
  start_step(next);
}

bool Engine::take_loop(std::uint32_t id) {
  Request& request = requests_[id];
  WorkerProcess& process = processes_[request.process];
  if (process.loop_busy) {
    process.loop_queue.push(id);
    mark_waiting(id, 1.0);
    return false;
  }
  process.loop_busy = true;
  request.holds_loop = true;
  servers_[process.server].busy_runners.add(now_, 1.0);
  return true;
}

// The loop runs the next ready callback, in the order they became ready.
void Engine::release_loop(std::uint32_t id) {
  Request& request = requests_[id];
  request.holds_loop = false;
  WorkerProcess& process = processes_[request.process];
  if (process.loop_queue.empty()) {
    process.loop_busy = false;
    servers_[process.server].busy_runners.add(now_, -1.0);
    return;
  }
  const std::uint32_t next = process.loop_queue.pop();
  mark_waiting(next, -1.0);
  requests_[next].holds_loop = true;
  start_step(next);
}

// A cpu step runs once its thread holds the GIL; until then it waits, with
// its work kept for when it gets it.
void Engine::take_gil(std::uint32_t id, double work) {
  Request& request = requests_[id];
  WorkerProcess& process = processes_[request.process];
  if (process.gil.acquire(now_, id)) {
    request.holds_gil = true;
    request.on_cpu = true;
    hosts_[process.host].add(now_, id, work);
    return;
  }
  request.remaining_work = work;
  request_switch(request.process);
}

void Engine::release_gil(std::uint32_t id) {
  Request& request = requests_[id];
  request.holds_gil = false;
  WorkerProcess& process = processes_[request.process];
  const std::optional<std::uint32_t> next = process.gil.release(now_);
  if (!next) return;
  Request& taker = requests_[*next];
  taker.holds_gil = true;
  taker.on_cpu = true;
  hosts_[process.host].add(now_, *next, taker.remaining_work);
  if (process.gil.contended()) request_switch(taker.process);
}

// A waiting thread asks the holder to drop the GIL once the switch interval
// has passed without a hand-over (CPython's gil_drop_request).
void Engine::request_switch(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  if (worker.switch_pending_for == worker.gil.switches()) return;
  worker.switch_pending_for = worker.gil.switches();
  calendar_.schedule(now_ + servers_[worker.server].spec->switch_interval, EventType::gil_switch, process,
                     worker.gil.switches());
}

void Engine::on_gil_switch(std::uint32_t process, std::uint32_t switches) {
  WorkerProcess& worker = processes_[process];
  if (worker.gil.switches() != switches || !worker.gil.contended()) return;
  const auto [previous, next] = worker.gil.force_switch();
  SharedCpu& host = hosts_[worker.host];
  Request& dropped = requests_[previous];
  dropped.remaining_work = host.preempt(now_, previous);
  dropped.holds_gil = false;
  dropped.on_cpu = false;
  Request& taker = requests_[next];
  taker.holds_gil = true;
  taker.on_cpu = true;
  host.add(now_, next, taker.remaining_work);
  request_switch(process);
}

// ---------------------------------------------------------------------------
// Clients.

void Engine::on_client_timeout(std::uint32_t id, std::uint32_t generation) {
  Request& request = requests_[id];
  if (request.generation != generation || request.responded) return;  // answered in time
  request.timed_out = true;
  fail_request(id, Failure::client_timeout);
}

// Counts the failed attempt, which the client learns of `news_delay`
// seconds from now; it retries if its policy allows. Otherwise the request
// has failed, and a closed-loop user moves on: after a refusal it tries
// again later, otherwise it thinks as after an answer. Either way its
// connection is gone. May grow the request pool: callers re-read
// requests_[id] afterwards.
void Engine::fail_request(std::uint32_t id, Failure failure, double news_delay) {
  const Request& request = requests_[id];
  const std::uint32_t user = request.user;
  count_error(request.endpoint, failure);
  if (user != kNoUser) connection_idle_since_[user] = kNoConnection;
  if (retries_.again(request.attempt)) {
    schedule_retry(id, news_delay);
    return;
  }
  if (measuring_) endpoint_counts_[request.endpoint].failed += 1;
  if (user == kNoUser) return;
  schedule_next_send(user, news_delay + (failure == Failure::refused ? kRefusedRetryDelay : 0.0));
}

// The retry is a new attempt (the failed one may still be in a server,
// e.g. after a client timeout), sent once the client has learnt of the
// failure and its backoff has passed.
void Engine::schedule_retry(std::uint32_t failed, double news_delay) {
  const Request before = requests_[failed];
  const std::uint32_t id = requests_.acquire();
  Request& retry = requests_[id];
  retry.endpoint = before.endpoint;
  retry.user = before.user;
  retry.first_sent = before.first_sent;
  retry.attempt = static_cast<std::uint8_t>(before.attempt + 1);
  calendar_.schedule(now_ + news_delay + retries_.backoff(before.attempt), EventType::retry_send, id);
}

void Engine::schedule_next_send(std::uint32_t user, double extra_delay) {
  const double think = scenario_.workload.closed->think_time.sample(think_rng_);
  calendar_.schedule(now_ + think + extra_delay, EventType::user_send, user);
}

void Engine::count_error(std::uint32_t endpoint, Failure failure) {
  timeline_.error();
  if (!measuring_) return;
  ErrorCounts& errors = endpoint_counts_[endpoint].errors;
  switch (failure) {
    case Failure::refused: errors.refused += 1; break;
    case Failure::client_timeout: errors.client_timeout += 1; break;
    case Failure::unavailable: errors.unavailable += 1; break;
    case Failure::worker_killed: errors.worker_killed += 1; break;
    case Failure::pool_timeout: errors.pool_timeout += 1; break;
    case Failure::downstream: errors.downstream += 1; break;
  }
}

// ---------------------------------------------------------------------------
// Measurement.

Engine::ServerAreas Engine::server_areas(std::size_t s, double now) const {
  const ServerRuntime& server = servers_[s];
  ServerAreas areas{server.busy_runners.area_until(now), server.waiting.area_until(now),
                    server.in_system.area_until(now), 0.0};
  for (int w = 0; w < server.spec->workers; ++w) {
    areas.gil += processes_[server.first_process + static_cast<std::uint32_t>(w)].gil.held_seconds(now);
  }
  return areas;
}

double Engine::system_area(double now) const {
  double area = 0.0;
  for (const ServerRuntime& server : servers_) area += server.in_system.area_until(now);
  return area;
}

void Engine::on_warmup_end() {
  measuring_ = true;
  system_area_at_warmup_ = system_area(now_);
  busy_core_seconds_at_warmup_.clear();
  server_areas_at_warmup_.clear();
  for (const SharedCpu& host : hosts_) busy_core_seconds_at_warmup_.push_back(host.busy_core_seconds(now_));
  for (std::size_t s = 0; s < servers_.size(); ++s) server_areas_at_warmup_.push_back(server_areas(s, now_));
  mark_dependencies_warmup();
  for (LoadBalancer& balancer : balancers_) balancer.start_measuring();
}

Timeline::Areas Engine::resource_areas(double now) const {
  Timeline::Areas areas;
  for (const ServerRuntime& server : servers_) {
    areas.waiting.push_back(server.waiting.area_until(now));
    areas.busy.push_back(server.busy_runners.area_until(now));
  }
  for (const SharedCpu& host : hosts_) areas.cpu.push_back(host.busy_core_seconds(now));
  return areas;
}

void Engine::on_interval_end() {
  if (now_ <= timeline_.start()) return;
  timeline_.close(now_, resource_areas(now_));
  const double next = timeline_.next_end(measurement_.interval);
  if (next < scenario_.run.duration) calendar_.schedule(next, EventType::interval_end);
  if (on_interval_) on_interval_(now_);
}

ServerStats Engine::server_stats(std::size_t s) const {
  const ServerRuntime& server = servers_[s];
  const ServerAreas now = server_areas(s, now_);
  const ServerAreas& before = server_areas_at_warmup_[s];
  const double span = scenario_.run.duration - measurement_.warmup;
  ServerStats stats;
  stats.name = server.spec->name;
  stats.worker_busy_fraction = (now.busy - before.busy) / (span * server.runner_count());
  stats.gil_busy_fraction = (now.gil - before.gil) / (span * server.spec->workers);
  stats.mean_queue_length = (now.waiting - before.waiting) / span;
  stats.mean_in_system = (now.in_system - before.in_system) / span;
  stats.queued_fraction =
      server.started ? static_cast<double>(server.queued) / static_cast<double>(server.started) : 0.0;
  return stats;
}

ReplicationResult Engine::collect() {
  ReplicationResult result;
  result.index = replication_;
  result.warmup = measurement_.warmup;
  result.measured_duration = scenario_.run.duration - measurement_.warmup;
  result.arrivals = arrivals_;
  result.events = events_;
  const double span = result.measured_duration;

  add_endpoint_results(scenario_, endpoint_counts_, span, result);

  for (std::size_t s = 0; s < servers_.size(); ++s) result.servers.push_back(server_stats(s));
  for (std::size_t b = 0; b < balancers_.size(); ++b) {
    result.balancers.push_back(split_of(scenario_.balancers[b], balancers_[b]));
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const double busy = hosts_[h].busy_core_seconds(now_) - busy_core_seconds_at_warmup_[h];
    result.hosts.push_back(HostStats{scenario_.hosts[h].name, busy / (span * hosts_[h].cores())});
  }
  for (std::size_t d = 0; d < databases_.size(); ++d) result.databases.push_back(database_stats(d));
  for (std::size_t s = 0; s < services_.size(); ++s) result.services.push_back(service_stats(s));

  result.little.mean_in_system = (system_area(now_) - system_area_at_warmup_) / span;
  result.little.throughput = static_cast<double>(departures_) / span;
  result.little.mean_response = departures_ ? residence_sum_ / static_cast<double>(departures_) : 0.0;
  result.timeline = timeline_.take();
  return result;
}

}  // namespace servesim::detail
