// The native engine's process restarts: Gunicorn's worker timeout kills a
// sync worker stuck on a request, or a Uvicorn worker whose event loop is
// stuck (rules/arbiter.hpp); memory past `memory_limit` kills a process
// with every request it holds; `max_requests` retires one once it holds
// none (rules/recycling.hpp decides which), or kills it with what it still
// holds after `graceful_timeout` (long-lived connections never end on their
// own). A kill drops the process's connections and their messages too. Each
// new process serves after the server's `boot_time`.

#include "sim/engine.hpp"

namespace servesim::detail {

// Gunicorn's arbiter kills a sync worker whose request outlives `timeout`,
// and a Uvicorn worker whose loop has not notified it for `timeout`
// (rules/arbiter.hpp): the clients' connections are reset, and the worker
// serves again after booting. One check is pending per process, due at the
// earliest deadline it may have; a process that moved on (a newer request,
// a notification since) is checked again at its new deadline.
void NativeSimulation::arm_watchdog(std::uint32_t process, double deadline) {
  WorkerProcess& worker = processes_[process];
  if (worker.watchdog_pending) return;
  worker.watchdog_pending = true;
  calendar_.schedule(deadline, EventType::worker_timeout, process);
}

void NativeSimulation::on_worker_timeout(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  const ServerRuntime& server = servers_[worker.server];
  worker.watchdog_pending = false;
  if (worker.booting) return;
  const double timeout = server.spec->timeout;
  if (server.watches_loop ? !worker.loop_busy : worker.accepted == 0) return;
  const double deadline =
      server.watches_loop ? worker.heartbeat.deadline(timeout) : worker.serving_since + timeout;
  if (deadline <= now_) {
    kill_process(process, Failure::worker_killed);
    return;
  }
  arm_watchdog(process, deadline);
}

// Gunicorn's arbiter kills a worker still shutting down `graceful_timeout`
// after it began, in the same life.
void NativeSimulation::on_graceful_timeout(std::uint32_t process, std::uint32_t life) {
  const WorkerProcess& worker = processes_[process];
  if (worker.restarts == life && worker.retiring) kill_process(process, Failure::worker_killed);
}

// Every request the process holds fails with `failure` (unless its response
// has left), wherever it is: its waits and timers go stale with its id, and
// what it held of a database or service goes back. Its connections drop, and
// the messages running or queued on them are lost. Its queues, threads, loop
// and GIL die with it.
void NativeSimulation::kill_process(std::uint32_t process, Failure failure) {
  WorkerProcess& worker = processes_[process];
  ServerRuntime& server = servers_[worker.server];
  const bool held_connections = drop_connections(process);
  while (!worker.thread_queue.empty()) mark_waiting(worker.thread_queue.pop(), -1.0);
  worker.loop_queue.for_each([&](std::uint32_t id) { mark_waiting(id, -1.0); });
  worker.loop_queue.clear();
  worker.gil.abandon(now_);
  const auto kill = [&](std::uint32_t id) {
    if (requests_[id].on_cpu) hosts_[worker.host].preempt(now_, id);
    if (is_message(id)) {
      groups_[requests_[id].endpoint - groups_.front().endpoint].tally.message_dropped();
      if (requests_[id].holds_thread && !server.runs_loop) server.busy_runners.add(now_, -1.0);
      requests_.release(id);
      return;
    }
    leave_dependency(id);
    const Request& request = requests_[id];
    if (!request.responded) {
      leave_balancer(request);
      if (!request.timed_out) fail_request(id, failure, endpoints_[request.endpoint].network.to_client);
    }
    const Request& still = requests_[id];  // a retry may have grown the pool
    if (!is_task(still)) tally_.departed(now_ - still.arrival);
    server.in_system.add(now_, -1.0);
    if (still.holds_thread && !server.runs_loop) server.busy_runners.add(now_, -1.0);
    requests_.release(id);
  };
  // A process that takes one request at a time holds the one it took last
  // (unless it held a connection, whose messages it ran); others are found
  // among the requests in flight (kills are rare: at most one per process
  // per boot_time).
  if (server.accept_limit == 1 && worker.rejecting == 0 && !held_connections) {
    if (worker.accepted == 1) kill(worker.serving);
  } else {
    for (std::uint32_t id = 0; id < requests_.capacity(); ++id) {
      if (requests_[id].held && requests_[id].process == process) kill(id);
    }
  }
  if (worker.loop_busy) server.busy_runners.add(now_, -1.0);
  worker.loop_busy = false;
  worker.idle_threads = threads_of(*server.spec);
  worker.accepted = 0;
  worker.rejecting = 0;
  restart_process(process);
}

// The process exits; the master starts a new one, which serves after booting.
void NativeSimulation::restart_process(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  worker.restarts += 1;
  worker.retiring = false;
  worker.booting = true;
  calendar_.schedule(now_ + servers_[worker.server].spec->boot_time, EventType::worker_boot, process);
}

// The new process takes as many waiting connections as it has room for
// (or waits idle for one); one that overflows its memory_limit at once is
// booting again.
void NativeSimulation::on_worker_boot(std::uint32_t process) {
  WorkerProcess& worker = processes_[process];
  const ServerRuntime& server = servers_[worker.server];
  worker.booting = false;
  worker.heartbeat.start(now_);
  begin_life(*server.spec, worker.life, restart_rngs_[worker.server]);
  do {
    process_freed(process);
  } while (!server.backlog.empty() && has_room(server, worker));
}

}  // namespace servesim::detail
