#include "sim/engine.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <utility>

#include "rules/wait_crowding.hpp"

namespace servesim::detail {

void NativeSimulation::start_workload() {
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
  start_connections();
}

ReplicationResult NativeSimulation::run() {
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

void NativeSimulation::dispatch(const Event& event) {
  switch (event.type) {
    case EventType::open_arrival: on_open_arrival(); break;
    case EventType::user_send: arrive(mix_.pick(), event.subject); break;
    case EventType::wait_done:
      if (requests_[event.subject].generation == event.tag) advance(event.subject);
      break;
    case EventType::client_timeout: on_client_timeout(event.subject, event.tag); break;
    case EventType::gil_switch: on_gil_switch(event.subject, event.tag); break;
    case EventType::worker_timeout: on_worker_timeout(event.subject); break;
    case EventType::worker_boot: on_worker_boot(event.subject); break;
    case EventType::graceful_timeout: on_graceful_timeout(event.subject, event.tag); break;
    case EventType::interval_end: on_interval_end(); break;
    case EventType::warmup_end: on_warmup_end(); break;
    case EventType::dependency_done: on_dependency_done(event.subject, event.tag); break;
    case EventType::pool_timeout: on_pool_timeout(event.subject, event.tag); break;
    case EventType::network_arrival: reach_server(event.subject); break;
    case EventType::retry_send: send(event.subject); break;
    case EventType::connection_open: on_connection_open(event.subject); break;
    case EventType::connection_reconnect: on_connection_reconnect(event.subject); break;
    case EventType::connection_close:
      if (connections_[event.subject].generation == event.tag) close_connection(event.subject);
      break;
    case EventType::connection_message: on_connection_message(event.subject, event.tag); break;
    case EventType::stream_chunk:
      if (connections_[event.subject].generation == event.tag) send_message(event.subject);
      break;
    case EventType::batch_timer: start_batches(event.subject); break;
    case EventType::batch_done: on_batch_done(event.subject, event.tag); break;
  }
}

void NativeSimulation::on_open_arrival() {
  arrive(mix_.pick(), kNoUser);
  const double next = open_arrivals_->next();
  if (std::isfinite(next)) calendar_.schedule(next, EventType::open_arrival);
}

// ---------------------------------------------------------------------------
// A request's way through a server.

bool NativeSimulation::opens_connection(const ServerRuntime& server, std::uint32_t user) const {
  return server.opens_connection(user == kNoUser ? kNoConnection : connection_idle_since_[user], now_);
}

// The client sends a request's first attempt.
void NativeSimulation::arrive(std::uint32_t endpoint, std::uint32_t user) {
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
void NativeSimulation::send(std::uint32_t id) {
  const std::uint32_t endpoint = requests_[id].endpoint;
  const EndpointRuntime& runtime = endpoints_[endpoint];
  {
    Request& request = requests_[id];
    request.route = runtime.first_route;
    if (runtime.balancer) request.route += static_cast<std::uint32_t>(balancers_[*runtime.balancer].pick());
  }
  tally_.sent(endpoint, requests_[id].attempt > 1);
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
void NativeSimulation::leave_balancer(const Request& request) {
  const EndpointRuntime& runtime = endpoints_[request.endpoint];
  if (runtime.balancer) balancers_[*runtime.balancer].answered(request.route - runtime.first_route);
}

void NativeSimulation::reach_server(std::uint32_t id) {
  ServerRoute& route = routes_[requests_[id].route];
  ServerRuntime& server = servers_[route.server];
  {
    Request& request = requests_[id];
    request.arrival = now_;
    request.new_connection = opens_connection(server, request.user);
  }
  const std::optional<std::uint32_t> process = process_for(server, id);
  if (!process) {
    if (server.backlog.size() >= static_cast<std::size_t>(Scenario::backlog_of(*server.spec))) {
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
  admit(*process, id);
}

// The process takes the connection: it accepts the request, or (at Uvicorn's
// limit_concurrency) answers it 503.
void NativeSimulation::admit(std::uint32_t process, std::uint32_t id) {
  if (answers_503(*servers_[processes_[process].server].spec, processes_[process].accepted)) {
    processes_[process].rejecting += 1;
    Request& request = requests_[id];
    request.rejected = true;
    request.held = true;
    request.process = process;
    advance(id);
    return;
  }
  accept(process, id);
}

// Gunicorn sync: the oldest idle worker. Otherwise the least loaded process with room.
std::optional<std::uint32_t> NativeSimulation::pick_process(ServerRuntime& server) {
  if (queues_idle_processes(*server.spec)) {
    if (server.idle_processes.empty()) return std::nullopt;
    return server.idle_processes.pop();
  }
  const std::optional<std::size_t> best =
      least_loaded(server, static_cast<std::size_t>(server.spec->workers),
                   [&](std::size_t i) -> const ProcessLoad& { return processes_[server.first_process + i]; });
  if (!best) return std::nullopt;
  return server.first_process + static_cast<std::uint32_t>(*best);
}

// A closed user's request on its open connection goes to the process that
// holds it; a new connection goes where the server's accepts send it.
std::optional<std::uint32_t> NativeSimulation::process_for(ServerRuntime& server, std::uint32_t id) {
  Request& request = requests_[id];
  if (request.user == kNoUser || !pins_connections(server)) return pick_process(server);
  const auto load = [&](std::size_t i) -> const ProcessLoad& { return processes_[server.first_process + i]; };
  if (!request.new_connection) {
    if (const auto held = pinned_process(server, pinned_[request.user], load)) {
      if (!has_room(server, load(*held))) return std::nullopt;  // at its accept limit: the backlog
      return server.first_process + static_cast<std::uint32_t>(*held);
    }
    request.new_connection = true;  // its process exited, and closed it
  }
  const std::optional<std::size_t> chosen = accepting_process(
      server, server.accepts, now_, server.accept_rng, static_cast<std::size_t>(server.spec->workers), load);
  if (!chosen) return std::nullopt;
  return server.first_process + static_cast<std::uint32_t>(*chosen);
}

void NativeSimulation::accept(std::uint32_t process, std::uint32_t id) {
  processes_[process].accepted += 1;
  Request& request = requests_[id];
  request.process = process;
  request.held = true;
  WorkerProcess& worker = processes_[process];
  ServerRuntime& server = servers_[worker.server];
  server.count_accept(process - server.first_process, tally_.measuring());
  if (request.user != kNoUser) pinned_[request.user] = pin(server, process - server.first_process, worker);
  worker.serving = id;
  const Server& spec = *server.spec;
  if (kills_slow_workers(spec)) {
    worker.serving_since = now_;
    arm_watchdog(process, now_ + spec.timeout);
  }
  switch (on_accept(server, worker.life, worker.accepted, tally_.measuring())) {
    case Restart::none: break;
    case Restart::recycle:
      worker.retiring = true;
      calendar_.schedule(now_ + spec.graceful_timeout, EventType::graceful_timeout, process, worker.restarts);
      break;
    case Restart::kill: kill_process(process, Failure::out_of_memory); return;
  }
  advance(id);
}

// Moves request `id` to its next step: lets go of what that step does not
// run on, takes what it does (or queues for it), and starts it.
void NativeSimulation::advance(std::uint32_t id) {
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
      } else if (step.kind == StepKind::enqueue) {
        enqueue_task(id, step.target, false);
      } else if (step.kind == StepKind::jump ||
                 endpoints_[request.endpoint].branch_rng.uniform01() >= step.probability) {
        request.phase = static_cast<std::int32_t>(step.target) - 1;
      }
      continue;
    }
    if (step.new_connection_only && !request.new_connection) continue;
    if (request.holds_loop && step.runs_on != RunsOn::loop) release_loop(id);
    if (requests_[id].holds_thread && step.runs_on != RunsOn::thread) release_thread(id);
    if (step.runs_on == RunsOn::thread && !requests_[id].holds_thread && !take_thread(id)) return;
    if (step.runs_on == RunsOn::loop && !requests_[id].holds_loop && !take_loop(id)) return;
    start_step(id);
    return;
  }
}

void NativeSimulation::start_step(std::uint32_t id) {
  Request& request = requests_[id];
  if (!request.started) {
    request.started = true;
    server_of(request).began_service(tally_.measuring(), request.rejected, request.queued);
    if (is_task(request)) request.arrival = now_;  // a worker took it
  }
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  const Step& step = route_of(request)[static_cast<std::size_t>(request.phase)];
  const WorkerProcess& process = processes_[request.process];
  double duration = step.duration.sample(endpoint.rng);
  if (step.crowded) duration += crowding_cost(*servers_[process.server].spec, process.accepted);
  const std::uint32_t host = process.host;
  switch (step.kind) {
    case StepKind::cpu: take_gil(id, stalls_[host].stretch(duration)); break;
    case StepKind::cpu_nogil:
      request.on_cpu = true;
      hosts_[host].add(now_, id, stalls_[host].stretch(duration), step.threads);
      break;
    case StepKind::wait:
      calendar_.schedule(now_ + duration, EventType::wait_done, id, request.generation);
      break;
    case StepKind::query: start_query(id, step.target, duration); break;
    case StepKind::call: start_call(id, step.target, duration); break;
    case StepKind::await_task: enqueue_task(id, step.target, true); break;
    case StepKind::infer: start_inference(id, step.target); break;
    case StepKind::respond:
    case StepKind::branch:
    case StepKind::jump:
    case StepKind::enqueue: break;  // handled by advance()
  }
}

void NativeSimulation::on_cpu_done(std::uint32_t id) {
  Request& request = requests_[id];
  request.on_cpu = false;
  if (request.holds_gil) release_gil(id);
  advance(id);
}

// The response leaves the server; through a balancer it reaches the client
// network.to_client seconds later, and the latency runs from the client's send.
void NativeSimulation::respond(std::uint32_t id) {
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
  tally_.answered(request.endpoint, latency, now_ + network.to_client - request.first_sent);
  if (request.user != kNoUser) {
    connection_idle_since_[request.user] = now_;
    schedule_next_send(request.user, network.to_client);
  }
}

void NativeSimulation::finish(std::uint32_t id) {
  if (is_message(id)) {
    finish_message(id);
    return;
  }
  const Request& request = requests_[id];
  const std::uint32_t process = request.process;
  const bool rejected = request.rejected;
  // A task's end: counted, and the request awaiting it (if it still does)
  // goes on once the worker is free.
  std::uint32_t waiter = kNoUser;
  if (is_task(request)) {
    if (tally_.measuring()) {
      const TaskRef& task = tasks_[request.endpoint - scenario_.endpoints.size()];
      task_tallies_[task.pool].ended(request.arrival - request.first_sent, now_ - request.arrival);
    }
    if (request.parent != kNoUser && requests_[request.parent].generation == request.parent_generation &&
        requests_[request.parent].at == DependencyState::task) {
      waiter = request.parent;
    }
  }
  leave_server(id);
  if (rejected) {
    processes_[process].rejecting -= 1;
  } else {
    processes_[process].accepted -= 1;
  }
  requests_.release(id);
  process_freed(process);
  if (waiter != kNoUser) {
    requests_[waiter].at = DependencyState::none;
    advance(waiter);
  }
}

// Publishes task `task` (its broker's command is done): a request to its
// pool's server, arriving now. With `wait` the publisher awaits its end.
void NativeSimulation::enqueue_task(std::uint32_t parent, std::uint32_t task, bool wait) {
  const std::uint32_t parent_generation = requests_[parent].generation;
  if (wait) requests_[parent].at = DependencyState::task;
  const std::uint32_t id = requests_.acquire();
  Request& request = requests_[id];
  request.endpoint = static_cast<std::uint32_t>(scenario_.endpoints.size()) + task;
  request.route = endpoints_[request.endpoint].first_route;
  request.first_sent = now_;
  if (wait) {
    request.parent = parent;
    request.parent_generation = parent_generation;
  }
  reach_server(id);
}

// Bookkeeping shared by every way out of a server once admitted: Little's
// law counts, and the thread or loop it held.
void NativeSimulation::leave_server(std::uint32_t id) {
  Request& request = requests_[id];
  if (!is_task(request)) tally_.departed(now_ - request.arrival);
  server_of(request).in_system.add(now_, -1.0);
  if (request.holds_loop) release_loop(id);
  if (requests_[id].holds_thread) release_thread(id);
}

// The process has room again: it takes the oldest connection of the backlog.
void NativeSimulation::process_freed(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  ServerRuntime& server = servers_[worker.server];
  if (worker.retiring) {
    if (worker.accepted + worker.rejecting == 0) restart_process(process);
    return;
  }
  if (!has_room(server, worker)) return;
  if (server.backlog.empty()) {
    if (queues_idle_processes(*server.spec)) server.idle_processes.push(process);
    return;
  }
  const std::uint32_t next = server.backlog.pop();
  mark_waiting(next, -1.0);
  admit(process, next);
}

// ---------------------------------------------------------------------------
// Threads, event loops and GILs.

void NativeSimulation::mark_waiting(std::uint32_t id, double delta) {
  Request& request = requests_[id];
  if (delta > 0.0 && !request.started) request.queued = true;
  server_of(request).waiting.add(now_, delta);
}

bool NativeSimulation::take_thread(std::uint32_t id) {
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

void NativeSimulation::release_thread(std::uint32_t id) {
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

bool NativeSimulation::take_loop(std::uint32_t id) {
  Request& request = requests_[id];
  WorkerProcess& process = processes_[request.process];
  const std::uint32_t connection = loop_connection(request);
  if (process.loop_busy) {
    process.loop_queue.push(id, connection, now_);
    mark_waiting(id, 1.0);
    return false;
  }
  process.loop_queue.run_alone(connection);
  process.loop_busy = true;
  request.holds_loop = true;
  ServerRuntime& server = servers_[process.server];
  server.busy_runners.add(now_, 1.0);
  if (server.watches_loop) {
    process.heartbeat.loop_taken(now_, server.spec->timeout);
    arm_watchdog(request.process, process.heartbeat.deadline(server.spec->timeout));
  }
  return true;
}

// A request's first step on the loop is its read, of its user's keep-alive
// connection unless it opened one (rules/loop_order.hpp).
std::uint32_t NativeSimulation::loop_connection(const Request& request) {
  const bool keep_alive_read = !request.started && !request.new_connection && request.user != kNoUser;
  return keep_alive_read ? request.user : detail::kNotKeepAlive;
}

// The loop runs the next ready callback, in its poll order.
void NativeSimulation::release_loop(std::uint32_t id) {
  Request& request = requests_[id];
  request.holds_loop = false;
  WorkerProcess& process = processes_[request.process];
  ServerRuntime& server = servers_[process.server];
  if (server.watches_loop) process.heartbeat.loop_released(now_, server.spec->timeout);
  if (process.loop_queue.empty()) {
    process.loop_busy = false;
    server.busy_runners.add(now_, -1.0);
    return;
  }
  const std::uint32_t next = process.loop_queue.pop(now_);
  mark_waiting(next, -1.0);
  requests_[next].holds_loop = true;
  start_step(next);
}

// A cpu step runs once its thread holds the GIL; until then it waits, with
// its work kept for when it gets it.
void NativeSimulation::take_gil(std::uint32_t id, double work) {
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

void NativeSimulation::release_gil(std::uint32_t id) {
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
// has passed without a hand-over (CPython's gil_drop_request): an event then.
void NativeSimulation::request_switch(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  const std::optional<std::uint32_t> switches = worker.gil.ask_switch();
  if (!switches) return;
  calendar_.schedule(now_ + servers_[worker.server].spec->switch_interval, EventType::gil_switch, process,
                     *switches);
}

void NativeSimulation::on_gil_switch(std::uint32_t process, std::uint32_t switches) {
  WorkerProcess& worker = processes_[process];
  if (!worker.gil.switch_due(switches)) return;
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

}  // namespace servesim::detail
