// Scenario::validate for endpoints and their phases: references to
// databases, services, stores and tasks, and what the serving server kinds
// can run; and for task pools, whose tasks are phases run by a worker process.
#include "model/checks.hpp"
#include "model/enum_names.hpp"
#include "model/fields.hpp"
#include "model/section_checks.hpp"
#include "core/messages.hpp"
#include "core/names.hpp"

namespace servesim::detail {
namespace {

// What each server kind can run: a blocking call only stalls something that
// has an event loop, and only Starlette runs work after the response.
void validate_phase_on(const std::string& path, const Phase& phase, const Server& server, EndpointStyle style) {
  const std::string kind = server_kind_name(server.kind);
  const bool has_loop = is_asgi(server.kind) || server.kind == ServerKind::gunicorn_gevent;
  const bool runs_on_loop = server.kind == ServerKind::gunicorn_gevent ||
                            (is_asgi(server.kind) && style == EndpointStyle::async);
  if (phase.kind == PhaseKind::blocking_io && !runs_on_loop) {
    fail(path, has_loop ? "a blocking call stalls an event loop, but this endpoint runs on a "
                          "thread (style sync); there, use io"
                        : kind + " has no event loop to stall; a blocking wait on a worker "
                                 "thread is an io phase");
  }
  if (phase.kind == PhaseKind::background && !is_asgi(server.kind)) {
    fail(path, "work after the response needs uvicorn (FastAPI BackgroundTasks); server '" + server.name +
                   "' is " + kind);
  }
  // Celery and RQ clients are synchronous: AsyncResult.get() in an async def
  // would stall the loop for the task's whole run (gevent's patched sockets yield instead).
  if (phase.kind == PhaseKind::enqueue && phase.wait && is_asgi(server.kind) && runs_on_loop) {
    fail(path + ".wait", "waiting for a task's result (AsyncResult.get()) in an async endpoint blocks the event "
                         "loop of server '" + server.name + "' for the task's whole run; make the endpoint "
                         "style sync (a def, run in the thread pool) or use wait: false");
  }
}

// A driver is awaited or blocks. asyncpg and psycopg's AsyncConnectionPool
// need an `async def` on an asyncio loop; a blocking driver inside an
// `async def` would stall the loop for each query, which a db phase (an
// await) would hide. SQLAlchemy has a sync and an async engine: it fits both.
// `endpoint`: null for a task's phase.
void check_driver_fits(const Scenario& scenario, const std::string& path, const Database& database,
                       const Endpoint* endpoint) {
  const ConnectionPool& pool = database.pool;
  if (pool.driver == PoolDriver::sqlalchemy) return;
  const std::string driver = "database '" + database.name + "' uses driver " + std::string(name_of(pool.driver));
  if (endpoint == nullptr) {
    if (pool.is_async()) {
      fail(path, driver + ", which must be awaited on an asyncio event loop; a task runs on its worker "
                          "process's only thread: use psycopg-pool, psycopg2 or sqlalchemy");
    }
    return;
  }
  for (const Server* server : scenario.servers_of(*endpoint)) {
    const bool async_style = Scenario::style_on(*endpoint, *server) == EndpointStyle::async;
    if (pool.is_async() && !async_style) {
      const std::string kind = server_kind_name(server->kind);
      fail(path, driver + ", which must be awaited on an asyncio event loop, but this endpoint runs on a " +
                     (is_asgi(server->kind)
                          ? "thread of server '" + server->name + "''s thread pool (style sync, a def)" +
                                "; make it an async endpoint (an async def, on " + kind + "'s event loop)"
                          : "worker of server '" + server->name + "', a " + kind +
                                "; make it an async endpoint on an ASGI server (uvicorn, hypercorn, granian, "
                                "gunicorn-uvicorn)") +
                     ", or use psycopg-pool, psycopg2 or sqlalchemy");
    }
    if (!pool.is_async() && async_style) {
      fail(path, driver + ", which blocks: called from an async def it stalls server '" + server->name +
                     "''s event loop for every query; make the endpoint style sync (a def, run in the "
                     "thread pool), use asyncpg, psycopg-async-pool or sqlalchemy, or write the query as "
                     "blocking_io");
    }
  }
}

// What a prefork worker process cannot run inside a task.
void validate_task_phase(const std::string& path, const Phase& phase) {
  switch (phase.kind) {
    case PhaseKind::blocking_io:
      fail(path, "a task runs on its worker process's only thread, with no event loop to stall; use io");
    case PhaseKind::background: fail(path, "a task sends no response to run work after; use cpu");
    case PhaseKind::enqueue:
      fail(path, "a task publishing tasks (Celery chains and canvases) is not modelled; list the work in this "
                 "task's phases");
    default: return;
  }
}

std::vector<std::string> task_names(const Scenario& scenario) {
  std::vector<std::string> names;
  for (const TaskPool& pool : scenario.task_workers) {
    for (const Task& task : pool.tasks) names.push_back(task.name);
  }
  return names;
}

// `endpoint`: the endpoint the phases belong to; null for a task's.
void validate_phases(const Scenario& scenario, const std::string& path, const std::vector<Phase>& phases,
                     const Endpoint* endpoint, bool in_cache) {
  const auto databases = names_of(scenario.databases);
  const auto services = names_of(scenario.services);
  const auto caches = names_of(scenario.caches);
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const Phase& phase = phases[p];
    const std::string phase_path = path + "[" + std::to_string(p) + "]." + phase_kind_name(phase.kind);
    if (endpoint) {
      for (const Server* server : scenario.servers_of(*endpoint)) {
        validate_phase_on(phase_path, phase, *server, Scenario::style_on(*endpoint, *server));
      }
    } else {
      validate_task_phase(phase_path, phase);
    }
    if (phase.kind != PhaseKind::cpu_nogil && phase.threads != 1) {
      fail(phase_path + ".threads", "only cpu_nogil phases run on several threads");
    }
    switch (phase.kind) {
      case PhaseKind::db:
        check_reference(phase_path, phase.target, databases, "database");
        check_driver_fits(scenario, phase_path, *scenario.find_database(phase.target), endpoint);
        break;
      case PhaseKind::call: check_reference(phase_path, phase.target, services, "service"); break;
      case PhaseKind::cache:
        if (!phase.target.empty()) check_reference(phase_path + ".store", phase.target, caches, "cache");
        require_fraction(phase_path + ".hit_ratio", phase.hit_ratio);
        validate_phases(scenario, phase_path + ".hit", phase.hit, endpoint, true);
        validate_phases(scenario, phase_path + ".miss", phase.miss, endpoint, true);
        break;
      case PhaseKind::background:
        if (in_cache) fail(phase_path, "background work cannot depend on a cache lookup; list it in the endpoint's phases");
        break;
      case PhaseKind::enqueue: check_reference(phase_path + ".task", phase.target, task_names(scenario), "task"); break;
      case PhaseKind::infer:
        check_reference(phase_path, phase.target, names_of(scenario.model_servers), "model server");
        break;
      case PhaseKind::cpu_nogil:
        // A thread per core of the largest machines; more is a typo.
        if (phase.threads < 1 || phase.threads > 1024) {
          fail(phase_path + ".threads", "must be an integer in [1, 1024], got " + std::to_string(phase.threads));
        }
        break;
      default: break;
    }
  }
}

void validate_style(const Scenario& scenario, const std::string& path, const Endpoint& endpoint) {
  if (endpoint.style != EndpointStyle::async) return;
  for (const Server* server : scenario.servers_of(endpoint)) {
    if (!is_asgi(server->kind)) {
      fail(path + ".style", "async endpoints need an event loop (kind uvicorn); server '" + server->name + "' is " +
                                server_kind_name(server->kind));
    }
  }
}

}  // namespace

std::vector<std::string> validate_endpoints(const Scenario& scenario, const std::vector<std::string>& targets) {
  auto names = check_names(scenario.endpoints, "endpoints", "endpoint");
  for (std::size_t i = 0; i < scenario.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario.endpoints[i];
    std::string path = entry_path("endpoints", i, endpoint.name);
    check_reference(path + ".server", endpoint.server, targets,
                    scenario.balancers.empty() ? "server" : "server or balancer");
    if (endpoint.phases.empty()) fail(path + ".phases", "must list at least one phase");
    validate_fields(path, endpoint, endpoint_fields());
    validate_style(scenario, path, endpoint);
    validate_phases(scenario, path + ".phases", endpoint.phases, &endpoint, false);
  }
  return names;
}

// Long-lived connections: each needs a server that keeps a connection open
// between messages; Gunicorn's gthread worker hands every connection back to
// its poller after each request, so it cannot hold one (flask-sock needs a
// thread per connection, which gthread's pool does not give).
void validate_connections(const Scenario& scenario, const std::vector<std::string>& servers) {
  check_names(scenario.connections, "connections", "connection group", /*required=*/false);
  for (std::size_t i = 0; i < scenario.connections.size(); ++i) {
    const ConnectionGroup& group = scenario.connections[i];
    const std::string path = entry_path("connections", i, group.name);
    const std::string what = group.kind == ConnectionKind::websocket ? "a WebSocket" : "a streaming response";
    if (scenario.find_balancer(group.server) != nullptr) {
      fail(path + ".server", "long-lived connections go to one server; '" + group.server +
                                 "' is a balancer (name one of its servers)");
    }
    check_reference(path + ".server", group.server, servers, "server");
    const Server& server = *scenario.find_server(group.server);
    if (server.kind == ServerKind::gunicorn_gthread) {
      fail(path + ".server", what + " cannot run on gunicorn-gthread (server '" + server.name +
                                 "'): its threads hand each connection back to the poller after a "
                                 "request, so none holds a connection open; use uvicorn, gunicorn-gevent, "
                                 "or gunicorn-sync (a worker per connection)");
    }
    validate_fields(path, group, connection_fields());
    if (group.count && group.open_rate) {
      fail(path + ".open_rate", "give count (a population held all run) or open_rate, not both");
    }
    if (!group.count && !group.open_rate) {
      fail(path + ".count", "required: count (connections held all run) or open_rate (per second)");
    }
    if (group.phases.empty()) fail(path + ".phases", "must list at least one phase");
    // A refused client retries after the delay: none would retry at one instant forever.
    if (group.count && group.reconnect_delay.mean() <= 0.0) {
      fail(path + ".reconnect_delay", "must have a mean > 0 (a refused client tries again after it), got " +
                                          format_number(group.reconnect_delay.mean()) + " s");
    }
    Endpoint handler;
    handler.name = group.name;
    handler.server = group.server;
    handler.phases = group.phases;
    for (std::size_t p = 0; p < group.phases.size(); ++p) {
      const PhaseKind kind = group.phases[p].kind;
      const std::string phase_path = path + ".phases[" + std::to_string(p) + "]." + phase_kind_name(kind);
      if (kind == PhaseKind::background) fail(phase_path, "a message has no response to send first; list its work as cpu");
      if (kind == PhaseKind::db || kind == PhaseKind::call || kind == PhaseKind::cache || kind == PhaseKind::enqueue ||
          kind == PhaseKind::infer) {
        fail(phase_path, "a message runs cpu, cpu_nogil, io and blocking_io phases (databases, services, caches, "
                         "task queues and model servers from messages are not modelled yet; an io phase of the "
                         "same time stands in)");
      }
    }
    validate_phases(scenario, path + ".phases", group.phases, &handler, false);
  }
}

void validate_task_queues(const Scenario& scenario, const std::vector<std::string>& hosts) {
  check_names(scenario.brokers, "brokers", "broker", /*required=*/false);
  for (std::size_t i = 0; i < scenario.brokers.size(); ++i) {
    validate_fields(entry_path("brokers", i, scenario.brokers[i].name), scenario.brokers[i], broker_fields());
  }
  check_names(scenario.task_workers, "task_workers", "task pool", /*required=*/false);
  const auto brokers = names_of(scenario.brokers);
  std::vector<std::string> seen;
  for (std::size_t i = 0; i < scenario.task_workers.size(); ++i) {
    const TaskPool& pool = scenario.task_workers[i];
    const std::string path = entry_path("task_workers", i, pool.name);
    check_reference(path + ".host", pool.host, hosts, "host");
    check_reference(path + ".broker", pool.broker, brokers, "broker");
    validate_fields(path, pool, task_pool_fields());
    if (pool.tasks.empty()) fail(path + ".tasks", "must list at least one task");
    for (const Task& task : pool.tasks) {
      const std::string task_path = path + ".tasks." + task.name;
      check_visible_name(task_path, task.name);
      for (const std::string& other : seen) {
        if (other == task.name) fail(task_path, "duplicate task name '" + task.name + "' (task names are global)");
      }
      seen.push_back(task.name);
      if (task.phases.empty()) fail(task_path, "must list at least one phase");
      validate_phases(scenario, task_path, task.phases, nullptr, false);
    }
  }
}

double mean_time(const Scenario& scenario, const Phase& phase) {
  switch (phase.kind) {
    case PhaseKind::db:
      if (!phase.has_duration) return scenario.find_database(phase.target)->query_time.mean();
      return phase.duration.mean();
    case PhaseKind::call: return scenario.find_service(phase.target)->latency.mean();
    case PhaseKind::cache: {
      double hit = 0.0;
      double miss = 0.0;
      for (const Phase& p : phase.hit) hit += mean_time(scenario, p);
      for (const Phase& p : phase.miss) miss += mean_time(scenario, p);
      const double lookup = phase.target.empty() ? 0.0 : scenario.find_cache(phase.target)->command_time.mean();
      return lookup + phase.hit_ratio * hit + (1.0 - phase.hit_ratio) * miss;
    }
    case PhaseKind::enqueue: {  // the publish, and with wait the task's run (its queueing left out)
      const TaskPool* pool = scenario.pool_of_task(phase.target);
      double run = 0.0;
      if (phase.wait) {
        for (const Task& task : pool->tasks) {
          if (task.name != phase.target) continue;
          for (const Phase& p : task.phases) run += mean_time(scenario, p);
        }
      }
      return scenario.find_broker(pool->broker)->command_time.mean() + run;
    }
    // A batch of one: what a request spends there at least, its queueing left out.
    case PhaseKind::infer: return scenario.find_model_server(phase.target)->mean_batch_time(1);
    default: return phase.duration.mean();
  }
}

}  // namespace servesim::detail
