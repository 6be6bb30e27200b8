// A request's way through a server: the backlog, a process, then an actor on
// the server's host that walks the request's route, taking a worker thread
// and the process's event loop as each step needs them. Threads and loops
// are handed over in FIFO order: the waiting actor blocks on its own
// semaphore until the releasing one hands the resource over.

#include <algorithm>
#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include <simgrid/simix.hpp>

#include "model.hpp"
#include "rules/wait_crowding.hpp"

namespace servesim::simgrid_engine {
namespace {

// Every request in a server is an actor with its own stack, two memory
// mappings (the stack and its guard page) of the 65,530 Linux allows a
// process by default (vm.max_map_count): past this many requests at once, as
// an overloaded event loop accepts without bound, the run stops with an error
// rather than crash. (Closed-loop users, at most 10,000, take one more each.)
constexpr std::size_t kMaxInFlight = 20'000;

}  // namespace

// The request reaches its server: a process takes it, it waits in the
// backlog, or it is refused (false) when the backlog is full.
bool Model::reach_server(const RequestPtr& request) {
  ServerRuntime& server = *request->server;
  request->arrival = now();
  request->new_connection = opens_connection(server, request->user);
  Process* process = process_for(server, *request);
  if (process == nullptr && server.backlog.size() >= static_cast<std::size_t>(Scenario::backlog_of(*server.spec))) {
    return false;
  }
  if (++in_flight_ > kMaxInFlight) {
    std::fprintf(stderr,
                 "servesim-simgrid: more than %zu requests in the servers at t = %.6g s (overload?): "
                 "the SimGrid engine runs an actor per request and stops here; the native engine "
                 "simulates overload in bounded memory\n",
                 kMaxInFlight, now());
    std::_Exit(1);
  }
  server.in_system.add(now(), 1.0);
  if (process == nullptr) {
    server.backlog.push_back(request);
    mark_waiting(*request, 1.0);
    return true;
  }
  admit(*process, request);
  return true;
}

// The process takes the connection: it accepts the request, or (at Uvicorn's
// limit_concurrency) answers it 503.
void Model::admit(Process& process, const RequestPtr& request) {
  if (detail::answers_503(*process.server->spec, process.accepted)) {
    process.rejecting += 1;
    request->rejected = true;
    request->process = &process;
    start_request(process, request);
    return;
  }
  accept(process, request);
}

// Gunicorn sync: the oldest idle worker. Otherwise the least loaded process with room.
Process* Model::pick_process(ServerRuntime& server) {
  if (detail::queues_idle_processes(*server.spec)) {
    if (server.idle_processes.empty()) return nullptr;
    Process* process = server.idle_processes.front();
    server.idle_processes.pop_front();
    return process;
  }
  const std::optional<std::size_t> best = detail::least_loaded(
      server, server.processes.size(), [&](std::size_t i) -> const detail::ProcessLoad& { return *server.processes[i]; });
  return best ? server.processes[*best] : nullptr;
}

// A closed user's request on its open connection goes to the process that
// holds it; a new connection goes where the server's accepts send it.
Process* Model::process_for(ServerRuntime& server, Request& request) {
  if (request.user == nullptr || !detail::pins_connections(server)) return pick_process(server);
  const auto load = [&](std::size_t i) -> const detail::ProcessLoad& { return *server.processes[i]; };
  if (!request.new_connection) {
    if (const auto held = detail::pinned_process(server, request.user->pinned, load)) {
      if (!detail::has_room(server, load(*held))) return nullptr;  // at its accept limit: the backlog
      return server.processes[*held];
    }
    request.new_connection = true;  // its process exited, and closed it
  }
  const std::optional<std::size_t> chosen =
      detail::accepting_process(server, server.accepts, now(), server.accept_rng, server.processes.size(), load);
  return chosen ? server.processes[*chosen] : nullptr;
}

void Model::accept(Process& process, const RequestPtr& request) {
  process.accepted += 1;
  request->process = &process;
  ServerRuntime& server = *process.server;
  const auto index = static_cast<std::size_t>(
      std::find(server.processes.begin(), server.processes.end(), &process) - server.processes.begin());
  server.count_accept(index, tally_.measuring());
  if (request->user != nullptr) request->user->pinned = detail::pin(server, index, process);
  const Server& spec = *process.server->spec;
  if (detail::kills_slow_workers(spec)) request->kill_at = now() + spec.timeout;
  switch (detail::on_accept(*process.server, process.life, process.accepted, tally_.measuring())) {
    case detail::Restart::none: break;
    case detail::Restart::recycle: retire(process); break;
    case detail::Restart::kill: kill_process(process, request, Failure::out_of_memory); return;
  }
  start_request(process, request);
}

// The process takes nothing more and restarts once it holds nothing, or is
// killed with what it still holds `graceful_timeout` later, in the same life.
void Model::retire(Process& process) {
  process.retiring = true;
  const std::uint32_t life = process.restarts;
  sg4::Actor::create("graceful-timeout", process.server->host, [this, &process, life] {
    sg4::this_actor::sleep_for(process.server->spec->graceful_timeout);
    if (process.restarts == life && process.retiring) kill_process(process, RequestPtr{}, Failure::worker_killed);
  });
}

// The request's actor. A process that can be killed for its memory or by
// the arbiter keeps the requests it holds, to stop them all: a request
// counts as held from its acceptance, since creating its actor lets other
// actors run first (simcalls yield), and one of them may take the process
// past its limit.
void Model::start_request(Process& process, const RequestPtr& request) {
  if (may_kill(*process.server)) hold(process, request);
  sg4::Actor::create("request", process.server->host, [this, request] { serve(request); });
}

void Model::hold(Process& process, const RequestPtr& request) {
  request->held_at = process.held.size();
  process.held.push_back(request);
}

// The request (or message) is no longer among those a kill stops.
void Model::forget_held(Request& request) {
  if (request.held_at == kNotHeld) return;
  std::vector<RequestPtr>& held = request.process->held;
  if (request.held_at + 1 != held.size()) {
    held[request.held_at] = std::move(held.back());
    held[request.held_at]->held_at = request.held_at;
  }
  held.pop_back();
  request.held_at = kNotHeld;
  request.actor = nullptr;
}

// Past memory_limit: the process dies with every request it holds, the one
// whose acceptance went past included (rules/recycling.hpp), as in the
// native engine; killed by the arbiter (arbiter.cpp), with those it holds
// (`accepted` null). It all happens in one simcall, in SimGrid's kernel: no
// other actor runs until every held request's actor is stopped where it is
// (an execution, a sleep, a line), what they held of a database or service
// is given back and their clients are told. An actor that has not run yet
// sees `killed` as it starts. Its connections' actors stop too, and the
// messages it runs are lost. Threads, loop, GIL and pools die with the process.
void Model::kill_process(Process& process, const RequestPtr& accepted, Failure failure) {
  simgrid::kernel::actor::simcall_answered([this, &process, &accepted, failure] {
    ServerRuntime& server = *process.server;
    for (Request* waiting : process.thread_queue) mark_waiting(*waiting, -1.0);
    process.loop_queue.for_each([&](Request* waiting) { mark_waiting(*waiting, -1.0); });
    process.thread_queue.clear();
    process.loop_queue.clear();
    process.gil.abandon(now());
    std::vector<RequestPtr> held = std::move(process.held);
    process.held.clear();
    for (const RequestPtr& pointer : held) {
      Request& request = *pointer;
      request.killed = true;
      // A GIL switch may have cancelled its execution and counted its work already.
      if (request.exec && server.work->running.contains(&request)) {
        server.work->stopped(request, request.exec_remaining());
        request.exec->cancel();
      }
      request.exec = nullptr;
      if (request.actor != nullptr) request.actor->kill();
      request.actor = nullptr;
    }
    if (accepted) held.push_back(accepted);
    for (const RequestPtr& pointer : held) stop_held_request(process, pointer, failure);
    drop_connections(process);
    if (process.loop_busy) server.busy_runners.add(now(), -1.0);
    process.loop_busy = false;
    process.idle_threads = detail::threads_of(*server.spec);
    process.accepted = 0;
    process.rejecting = 0;
    open_pools(process);
    restart(process);
  });
}

// A request of a killed process, its actor stopped: gives back its place at
// a database or service, fails to its client unless answered already, and
// leaves the server.
void Model::stop_held_request(Process& process, const RequestPtr& pointer, Failure failure) {
  Request& request = *pointer;
  ServerRuntime& server = *process.server;
  request.held_at = kNotHeld;
  if (is_message(request)) {
    groups_[request.endpoint - groups_.front().endpoint].tally.message_dropped();
    if (request.holds_thread && !server.runs_loop) server.busy_runners.add(now(), -1.0);
    request.holds_thread = false;
    request.holds_loop = false;
    request.holds_gil = false;
    return;
  }
  give_back_dependencies(request);
  if (!request.responded) {
    to_client(pointer, [this, pointer, failure] {
      if (!pointer->settled) fail(*pointer, failure);
    });
  }
  in_flight_ -= 1;
  if (!is_task(request)) tally_.departed(now() - request.arrival);
  server.in_system.add(now(), -1.0);
  if (request.holds_thread && !server.runs_loop) server.busy_runners.add(now(), -1.0);
  request.holds_thread = false;
  request.holds_loop = false;
  request.holds_gil = false;
}

// The request's actor: its route's steps, in order.
void Model::serve(const RequestPtr& pointer) {
  Request& request = *pointer;
  if (request.killed) return;  // with its process, before its actor ran
  if (request.held_at != kNotHeld) request.actor = sg4::Actor::self();
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  const Target& target = endpoint.targets[request.target];
  const std::vector<Step>& route = request.rejected ? target.rejection_route : target.route;
  try {
    for (std::size_t next = 0; next < route.size();) {
      const Step& step = route[next++];
      switch (step.kind) {
        case StepKind::respond:
          // A process with a memory_limit counts what it holds when the
          // client's next request comes: as in the native engine, a request
          // whose answer is its last step has left by then (telling a
          // client lets it run, and send, at once).
          if (next == route.size() && request.held_at != kNotHeld) {
            finish(request);
            respond(pointer);
            return;
          }
          respond(pointer);
          continue;
        case StepKind::branch:
          if (endpoint.branch_rng.uniform01() >= step.probability) next = step.target;  // a miss
          continue;
        case StepKind::jump: next = step.target; continue;
        case StepKind::enqueue: enqueue_task(step.target, sg4::SemaphorePtr{}); continue;
        default: break;
      }
      if (step.new_connection_only && !request.new_connection) continue;
      if (request.holds_loop && step.runs_on != RunsOn::loop) release_loop(request);
      if (request.holds_thread && step.runs_on != RunsOn::thread) release_thread(request);
      if (step.runs_on == RunsOn::thread && !request.holds_thread) take_thread(request);
      if (step.runs_on == RunsOn::loop && !request.holds_loop) take_loop(request);
      run_step(request, step);
    }
  } catch (const WorkerKilled&) {
    kill_worker(pointer);
    return;
  } catch (const HandlerFailed& failed) {
    // The framework answers with an error at once; the request skips the
    // rest of its steps, background work included. A task ends there. (A
    // held request leaves first, as an answered one does above.)
    const bool held = request.held_at != kNotHeld;
    if (held) finish(request);
    if (!is_task(request)) {
      to_client(pointer, [this, pointer, failure = failed.failure] {
        if (!pointer->settled) fail(*pointer, failure);  // unless the client gave up already
      });
    }
    if (held) return;
  }
  finish(request);
}

void Model::run_step(Request& request, const Step& step) {
  ++events_;
  if (!request.started) {
    request.started = true;
    request.process->server->began_service(tally_.measuring(), request.rejected, request.queued);
    if (is_task(request)) request.arrival = now();  // a worker took it
  }
  double duration = step.duration.sample(endpoints_[request.endpoint].rng);
  if (step.crowded) duration += detail::crowding_cost(*request.process->server->spec, request.process->accepted);
  detail::CpuStalls& stalls = request.process->server->work->stalls;
  switch (step.kind) {
    case StepKind::cpu: compute(request, stalls.stretch(duration), true); break;
    case StepKind::cpu_nogil: compute(request, stalls.stretch(duration), false, step.threads); break;
    case StepKind::wait:
      if (!sleep_unless_killed(request, duration)) throw WorkerKilled{};
      break;
    case StepKind::query: query(request, step.target, duration); break;
    case StepKind::call: call(request, step.target, duration); break;
    case StepKind::await_task: await_task(request, step.target); break;
    case StepKind::infer: infer(request, step.target); break;
    case StepKind::respond:
    case StepKind::branch:
    case StepKind::jump:
    case StepKind::enqueue: break;  // handled by serve()
  }
}

// Sleeps `seconds`, or until Gunicorn's arbiter kills the worker if that
// comes first: false then.
bool Model::sleep_unless_killed(const Request& request, double seconds) {
  if (now() + seconds >= request.kill_at) {
    sg4::this_actor::sleep_until(request.kill_at);
    return false;
  }
  sg4::this_actor::sleep_for(seconds);
  return true;
}

void Model::respond(const RequestPtr& request) {
  request->responded = true;
  to_client(request, [this, request] { deliver(*request); });
}

void Model::finish(Request& request) {
  Process& process = *request.process;
  leave_server(request);
  if (request.rejected) {
    process.rejecting -= 1;
  } else {
    process.accepted -= 1;
  }
  process_freed(process);
  // A task's end: counted, and its awaiting request (if any) goes on.
  if (is_task(request)) {
    if (tally_.measuring()) {
      task_tallies_[tasks_[request.endpoint - scenario_.endpoints.size()].pool].ended(
          request.arrival - request.first_sent, now() - request.arrival);
    }
    if (request.result) request.result->release();
  }
}

// Publishes task `task` (its broker's command is done): a request to its
// pool's server, arriving now; `result`, if set, is released at its end.
void Model::enqueue_task(std::size_t task, sg4::SemaphorePtr result) {
  const auto request = std::make_shared<Request>();
  request->endpoint = static_cast<std::uint32_t>(scenario_.endpoints.size() + task);
  request->server = endpoints_[request->endpoint].targets.front().server;
  request->first_sent = now();
  request->sent = now();
  request->result = std::move(result);
  [[maybe_unused]] const bool reached = reach_server(request);
  assert(reached);  // a pool's backlog is unbounded: never refused
}

void Model::leave_server(Request& request) {
  forget_held(request);
  in_flight_ -= 1;
  if (!is_task(request)) tally_.departed(now() - request.arrival);
  request.process->server->in_system.add(now(), -1.0);
  if (request.holds_loop) release_loop(request);
  if (request.holds_thread) release_thread(request);
}

// Gunicorn's arbiter kills a sync worker whose request outlives `timeout`:
// the client's connection is reset, and the worker serves again after booting.
void Model::kill_worker(const RequestPtr& pointer) {
  Request& request = *pointer;
  to_client(pointer, [this, pointer] {
    if (!pointer->settled) fail(*pointer, Failure::worker_killed);
  });
  leave_server(request);
  Process& process = *request.process;
  process.accepted -= 1;
  process.exit();
  sg4::this_actor::sleep_for(process.server->spec->boot_time);
  boot(process);
}

// The process exits (recycled, or killed past memory_limit); the master
// starts a new one, which serves after booting.
void Model::restart(Process& process) {
  process.exit();
  sg4::Actor::create("boot", process.server->host, [this, &process] {
    sg4::this_actor::sleep_for(process.server->spec->boot_time);
    boot(process);
  });
}

// The new process takes as many waiting connections as it has room for (or
// waits idle for one); one that overflows its memory_limit at once is booting again.
void Model::boot(Process& process) {
  process.booting = false;
  process.heartbeat.start(now());
  detail::begin_life(*process.server->spec, process.life, process.server->restart_rng);
  do {
    process_freed(process);
  } while (!process.server->backlog.empty() && detail::has_room(*process.server, process));
}

// The process has room again: it takes the oldest connection of the backlog.
// A retiring one takes none, and restarts once it holds none.
void Model::process_freed(Process& process) {
  ServerRuntime& server = *process.server;
  if (process.retiring) {
    if (process.accepted + process.rejecting == 0) restart(process);
    return;
  }
  if (!detail::has_room(server, process)) return;
  if (server.backlog.empty()) {
    if (detail::queues_idle_processes(*server.spec)) server.idle_processes.push_back(&process);
    return;
  }
  const RequestPtr next = server.backlog.front();
  server.backlog.pop_front();
  mark_waiting(*next, -1.0);
  admit(process, next);
}

void Model::mark_waiting(Request& request, double delta) {
  if (delta > 0.0 && !request.started) request.queued = true;
  request.server->waiting.add(now(), delta);
}

void Model::take_thread(Request& request) {
  Process& process = *request.process;
  if (process.idle_threads == 0) {
    process.thread_queue.push_back(&request);
    mark_waiting(request, 1.0);
    request.wake->acquire();  // holds_thread is set by the releaser
    return;
  }
  process.idle_threads -= 1;
  request.holds_thread = true;
  if (!process.server->runs_loop) process.server->busy_runners.add(now(), 1.0);
}

void Model::release_thread(Request& request) {
  request.holds_thread = false;
  Process& process = *request.process;
  if (process.thread_queue.empty()) {
    process.idle_threads += 1;
    if (!process.server->runs_loop) process.server->busy_runners.add(now(), -1.0);
    return;
  }
  Request* next = process.thread_queue.front();
  process.thread_queue.pop_front();
  mark_waiting(*next, -1.0);
  next->holds_thread = true;
  next->wake->release();
}

// A request's first step on the loop is its read, of its user's keep-alive
// connection unless it opened one (rules/loop_order.hpp).
void Model::take_loop(Request& request) {
  Process& process = *request.process;
  const bool keep_alive_read = !request.started && !request.new_connection && request.user != nullptr;
  const std::uint32_t connection = keep_alive_read ? request.user->index : detail::kNotKeepAlive;
  if (process.loop_busy) {
    process.loop_queue.push(&request, connection, now());
    mark_waiting(request, 1.0);
    request.wake->acquire();
    return;
  }
  process.loop_queue.run_alone(connection);
  process.loop_busy = true;
  request.holds_loop = true;
  process.server->busy_runners.add(now(), 1.0);
  if (process.server->watches_loop) loop_taken(process);
}

// The loop runs the next ready callback, in its poll order.
void Model::release_loop(Request& request) {
  request.holds_loop = false;
  Process& process = *request.process;
  if (process.server->watches_loop) process.heartbeat.loop_released(now(), process.server->spec->timeout);
  if (process.loop_queue.empty()) {
    process.loop_busy = false;
    process.server->busy_runners.add(now(), -1.0);
    return;
  }
  Request* next = process.loop_queue.pop(now());
  mark_waiting(*next, -1.0);
  next->holds_loop = true;
  next->wake->release();
}

}  // namespace servesim::simgrid_engine
