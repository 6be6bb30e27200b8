#include "rules/route.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "rules/scenario_index.hpp"

namespace servesim::detail {
namespace {

bool is_zero(const Distribution& d) {
  return d.kind() == DistributionKind::constant && d.mean() == 0.0;
}

Step make_step(StepKind kind, RunsOn runs_on, const Distribution& duration, bool new_connection_only = false) {
  return Step{kind, runs_on, new_connection_only, duration, 0, 0.0, 1, false};
}

// The index task_refs gives the task named `name`, without building the list.
std::uint32_t task_index(const Scenario& scenario, const std::string& name) {
  std::uint32_t index = 0;
  for (const TaskPool& pool : scenario.task_workers) {
    for (const Task& task : pool.tasks) {
      if (task.name == name) return index;
      ++index;
    }
  }
  return index;
}

// Connection set-up and framework overhead run where the server parses
// requests: on the worker thread for Gunicorn's threaded workers, on the
// event loop otherwise (for uvicorn also when the endpoint is a plain def).
// gthread's poller thread hands every request to a pool thread; that work is
// charged to the pool thread, which needs the same GIL anyway.
void add_front(std::vector<Step>& steps, const Server& server, RunsOn where) {
  if (!is_zero(server.connection_overhead)) {
    steps.push_back(make_step(StepKind::cpu, where, server.connection_overhead, true));
  }
  if (!is_zero(server.framework_overhead)) {
    steps.push_back(make_step(StepKind::cpu, where, server.framework_overhead));
  }
  if (server.kind == ServerKind::gunicorn_gthread && !is_zero(server.thread_handoff)) {
    steps.push_back(make_step(StepKind::cpu, where, server.thread_handoff));
  }
}

// Appends the steps of `phase`. A wait (io, a query, a call) holds a thread
// (a blocking driver or client) but lets an event loop serve others (an
// awaited one, or gevent's patched sockets); a blocking one holds whatever runs it.
// An io or blocking_io wait ends with the server's wait_overhead, Python code
// on what resumes the request: the loop that polled the timer or socket, or
// the woken thread re-acquiring the GIL; and wait_crowding per request its
// process holds then, which the engines add (rules/wait_crowding.hpp).
void add_phase(std::vector<Step>& steps, const Scenario& scenario, const Server& server, const Phase& phase,
               bool on_loop) {
  const RunsOn where = on_loop ? RunsOn::loop : RunsOn::thread;
  const RunsOn waiter = on_loop ? RunsOn::none : RunsOn::thread;
  const auto add_wait = [&](RunsOn runs_on) {
    steps.push_back(make_step(StepKind::wait, runs_on, phase.duration));
    if (is_zero(server.wait_overhead) && server.wait_crowding == 0.0) return;
    steps.push_back(make_step(StepKind::cpu, where, server.wait_overhead));
    steps.back().crowded = server.wait_crowding > 0.0;
  };
  switch (phase.kind) {
    case PhaseKind::cpu:
    case PhaseKind::background: steps.push_back(make_step(StepKind::cpu, where, phase.duration)); return;
    case PhaseKind::cpu_nogil:
      steps.push_back(make_step(StepKind::cpu_nogil, where, phase.duration));
      steps.back().threads = phase.threads;
      return;
    case PhaseKind::io: add_wait(waiter); return;
    case PhaseKind::blocking_io: add_wait(where); return;
    case PhaseKind::db: {
      const std::uint32_t database = index_of(scenario.databases, phase.target);
      Step step = make_step(StepKind::query, waiter,
                            phase.has_duration ? phase.duration : scenario.databases[database].query_time);
      step.target = database;
      steps.push_back(step);
      return;
    }
    case PhaseKind::call: {
      const std::uint32_t service = index_of(scenario.services, phase.target);
      Step step = make_step(StepKind::call, waiter, scenario.services[service].latency);
      step.target = service;
      steps.push_back(step);
      return;
    }
    case PhaseKind::cache: {
      if (!phase.target.empty()) {  // the lookup: a command at the store, awaited like a call
        Step lookup = make_step(StepKind::call, waiter, scenario.find_cache(phase.target)->command_time);
        lookup.target = cache_station(scenario, index_of(scenario.caches, phase.target));
        steps.push_back(lookup);
      }
      const std::size_t branch = steps.size();
      steps.push_back(make_step(StepKind::branch, RunsOn::none, Distribution::constant(0.0)));
      steps[branch].probability = phase.hit_ratio;
      for (const Phase& hit : phase.hit) add_phase(steps, scenario, server, hit, on_loop);
      const std::size_t jump = steps.size();
      steps.push_back(make_step(StepKind::jump, RunsOn::none, Distribution::constant(0.0)));
      steps[branch].target = static_cast<std::uint32_t>(steps.size());
      for (const Phase& miss : phase.miss) add_phase(steps, scenario, server, miss, on_loop);
      steps[jump].target = static_cast<std::uint32_t>(steps.size());
      return;
    }
    case PhaseKind::infer: {
      Step step = make_step(StepKind::infer, waiter, Distribution::constant(0.0));
      step.target = index_of(scenario.model_servers, phase.target);
      steps.push_back(step);
      return;
    }
    case PhaseKind::enqueue: {
      const TaskPool& pool = *scenario.pool_of_task(phase.target);
      // Celery's and RQ's clients publish with a blocking socket call: an
      // async endpoint's loop waits for the broker too.
      const RunsOn publisher = is_asgi(server.kind) && on_loop ? where : waiter;
      Step publish = make_step(StepKind::call, publisher, scenario.find_broker(pool.broker)->command_time);
      publish.target = broker_station(scenario, index_of(scenario.brokers, pool.broker));
      steps.push_back(publish);
      Step hand_over = make_step(phase.wait ? StepKind::await_task : StepKind::enqueue, phase.wait ? waiter : RunsOn::none,
                                 Distribution::constant(0.0));
      hand_over.target = task_index(scenario, phase.target);
      steps.push_back(hand_over);
      return;
    }
  }
}

// A free-threaded process has no GIL: its Python code needs a core only, and
// takes the build's slowdown longer. Done once on the finished route, so
// every step that runs Python (the phases' and the server's overheads) gets it.
std::vector<Step> without_gil(std::vector<Step> steps, const Server& server) {
  if (server.python != PythonBuild::free_threaded) return steps;
  const double factor = Scenario::python_time_factor(server);
  for (Step& step : steps) {
    if (step.kind != StepKind::cpu) continue;
    step.kind = StepKind::cpu_nogil;
    step.duration = step.duration.scaled(factor);
  }
  return steps;
}

}  // namespace

std::vector<Service> call_stations(const Scenario& scenario) {
  std::vector<Service> stations = scenario.services;
  for (const Cache& cache : scenario.caches) {
    stations.push_back(Service{cache.name, cache.command_time, cache.threads, 0.0});
  }
  for (const Broker& broker : scenario.brokers) {
    stations.push_back(Service{broker.name, broker.command_time, broker.threads, 0.0});
  }
  return stations;
}

std::vector<Server> task_pool_servers(const Scenario& scenario) {
  std::vector<Server> servers;
  for (const TaskPool& pool : scenario.task_workers) {
    Server server;
    server.name = pool.name;
    server.host = pool.host;
    server.kind = ServerKind::gunicorn_sync;
    server.workers = scenario.concurrency_of(pool);
    server.backlog = std::numeric_limits<int>::max();
    server.timeout = 0.0;
    servers.push_back(std::move(server));
  }
  return servers;
}

std::vector<TaskRef> task_refs(const Scenario& scenario) {
  std::vector<TaskRef> refs;
  for (std::size_t p = 0; p < scenario.task_workers.size(); ++p) {
    for (const Task& task : scenario.task_workers[p].tasks) refs.push_back(TaskRef{&task, static_cast<std::uint32_t>(p)});
  }
  return refs;
}

std::vector<Step> build_task_route(const Scenario& scenario, const Task& task, const Server& pool) {
  std::vector<Step> steps;
  for (const Phase& phase : task.phases) add_phase(steps, scenario, pool, phase, false);
  return steps;
}

bool has_event_loop(const Server& server) noexcept {
  return is_asgi(server.kind) || server.kind == ServerKind::gunicorn_gevent;
}

std::vector<Step> build_route(const Scenario& scenario, const Endpoint& endpoint, const Server& server) {
  const bool loop_server = has_event_loop(server);
  // gevent runs plain def code cooperatively on its loop; uvicorn runs async
  // def on the loop and def in its thread pool.
  const bool phases_on_loop =
      server.kind == ServerKind::gunicorn_gevent ||
      (is_asgi(server.kind) && Scenario::style_on(endpoint, server) == EndpointStyle::async);

  std::vector<Step> steps;
  add_front(steps, server, loop_server ? RunsOn::loop : RunsOn::thread);
  for (const Phase& phase : endpoint.phases) {
    if (phase.kind != PhaseKind::background) add_phase(steps, scenario, server, phase, phases_on_loop);
  }
  if (loop_server && !phases_on_loop) {
    // The thread pool hands the result back: the loop, holding the GIL, sends
    // it; the whole hand-over (there and back) is charged here.
    steps.push_back(make_step(StepKind::cpu, RunsOn::loop, server.thread_handoff));
  }
  steps.push_back(make_step(StepKind::respond, RunsOn::none, Distribution::constant(0.0)));
  for (const Phase& phase : endpoint.phases) {
    if (phase.kind == PhaseKind::background) add_phase(steps, scenario, server, phase, phases_on_loop);
  }
  return without_gil(std::move(steps), server);
}

std::vector<Step> build_rejection_route(const Server& server) {
  std::vector<Step> steps;
  if (!is_zero(server.connection_overhead)) {
    steps.push_back(make_step(StepKind::cpu, RunsOn::loop, server.connection_overhead, true));
  }
  steps.push_back(make_step(StepKind::cpu, RunsOn::loop, server.framework_overhead));
  steps.push_back(make_step(StepKind::respond, RunsOn::none, Distribution::constant(0.0)));
  return without_gil(std::move(steps), server);
}

}  // namespace servesim::detail
