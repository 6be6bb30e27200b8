#include "servesim/model/comparison.hpp"

#include <algorithm>
#include <cstddef>
#include <stdexcept>

#include "model/checks.hpp"
#include "model/enum_names.hpp"
#include "model/section_checks.hpp"
#include "servesim/errors.hpp"
#include "core/names.hpp"

namespace servesim {
namespace {

template <class T>
const T& find_named(const std::vector<T>& items, const std::string& name, const char* kind) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  if (it == items.end()) throw std::invalid_argument(std::string("no ") + kind + " named '" + name + "'");
  return *it;
}

bool has_loop(ServerKind kind) { return is_asgi(kind) || kind == ServerKind::gunicorn_gevent; }

std::vector<Phase> phases_on(const std::vector<Phase>& phases, bool on_thread) {
  std::vector<Phase> adapted = phases;
  for (Phase& phase : adapted) {
    if (phase.kind == PhaseKind::blocking_io && on_thread) phase.kind = PhaseKind::io;
    if (phase.kind == PhaseKind::cache) {
      phase.hit = phases_on(phase.hit, on_thread);
      phase.miss = phases_on(phase.miss, on_thread);
    }
  }
  return adapted;
}

// What the scenario's endpoint checks would find in some combination, with
// the case's path: references to the comparison's dependencies, and
// background work, which only Uvicorn runs.
void validate_case_phases(const Comparison& comparison, const std::string& path,
                          const std::vector<Phase>& phases, bool in_cache) {
  using namespace detail;
  const auto databases = names_of(comparison.databases);
  const auto services = names_of(comparison.services);
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const Phase& phase = phases[p];
    const std::string phase_path = path + "[" + std::to_string(p) + "]." + phase_kind_name(phase.kind);
    switch (phase.kind) {
      case PhaseKind::db: check_reference(phase_path, phase.target, databases, "database"); break;
      case PhaseKind::call: check_reference(phase_path, phase.target, services, "service"); break;
      case PhaseKind::cache:
        require_fraction(phase_path + ".hit_ratio", phase.hit_ratio);
        validate_case_phases(comparison, phase_path + ".hit", phase.hit, true);
        validate_case_phases(comparison, phase_path + ".miss", phase.miss, true);
        break;
      case PhaseKind::background:
        if (in_cache) fail(phase_path, "background work cannot depend on a cache lookup; list it in the case's phases");
        for (const Server& deployment : comparison.deployments) {
          if (!is_asgi(deployment.kind)) {
            fail(phase_path, "work after the response needs uvicorn (FastAPI BackgroundTasks); deployment '" +
                                 deployment.name + "' is " + server_kind_name(deployment.kind));
          }
        }
        break;
      case PhaseKind::enqueue: {
        std::vector<std::string> tasks;
        for (const TaskPool& pool : comparison.task_workers) {
          for (const Task& task : pool.tasks) tasks.push_back(task.name);
        }
        check_reference(phase_path, phase.target, tasks, "task");
        break;
      }
      case PhaseKind::infer:
        fail(phase_path, "comparison files have no model servers; compare inference endpoints in scenario files");
      default: break;
    }
  }
}

// A case's connection groups on each deployment, with the case's paths; what
// only a whole scenario shows is checked with each run (see validate()).
void validate_case_connections(const Comparison& comparison, const std::string& path,
                               const std::vector<ConnectionGroup>& groups) {
  using namespace detail;
  check_names(groups, (path + ".connections").c_str(), "connection group", /*required=*/false);
  for (const ConnectionGroup& group : groups) {
    const std::string group_path = path + ".connections." + group.name;
    if (!group.server.empty()) fail(group_path + ".server", "a case's connections go to every deployment; remove 'server'");
    for (const Server& deployment : comparison.deployments) {
      // The scenario's own rule (endpoint_checks.cpp), said of the case: the
      // case runs on every deployment, so one that cannot hold it is an error here.
      if (deployment.kind == ServerKind::gunicorn_gthread) {
        fail(group_path, std::string(group.kind == ConnectionKind::websocket ? "a WebSocket" : "a streaming response") +
                             " cannot run on gunicorn-gthread (deployment '" + deployment.name +
                             "'): its threads hand each connection back to the poller after a request; "
                             "use uvicorn, gunicorn-gevent or gunicorn-sync (a worker per connection)");
      }
    }
  }
}

// A run's error at a scenario path the comparison spells otherwise: a
// connection group's (`connections.room.count`) is the case's
// (`cases.chat.connections.room.count`), with the run that showed it.
[[noreturn]] void fail_in_run(const ScenarioError& error, const std::string& case_name, const std::string& run) {
  const std::string& path = error.path();
  if (path.rfind("connections.", 0) == 0) {
    detail::fail("cases." + case_name + "." + path, error.detail() + " (" + run + ")");
  }
  detail::fail("cases." + case_name, run + ": " + error.what());
}

}  // namespace

Endpoint case_on_server(const Endpoint& case_endpoint, const Server& server) {
  Endpoint endpoint = case_endpoint;
  if (!is_asgi(server.kind)) endpoint.style.reset();
  const bool on_thread = !has_loop(server.kind) ||
                         (is_asgi(server.kind) && case_endpoint.style == EndpointStyle::sync);
  endpoint.phases = phases_on(case_endpoint.phases, on_thread);
  return endpoint;
}

ConnectionGroup connections_on_server(const ConnectionGroup& group, const Server& server) {
  ConnectionGroup held = group;
  held.server = server.name;
  // A message runs on the loop of uvicorn and gevent (an async handler) and
  // on the worker's thread of gunicorn sync, where a blocking call is a wait.
  held.phases = phases_on(group.phases, !has_loop(server.kind));
  return held;
}

Scenario Comparison::scenario(const std::string& deployment, const std::string& case_name, int users_count) const {
  detail::require_int_at_least("users", users_count, 1);
  const Server& server = find_named(deployments, deployment, "deployment");
  Endpoint endpoint = case_on_server(find_named(cases, case_name, "case"), server);
  endpoint.server = server.name;
  Scenario run_scenario;
  run_scenario.name = name + ": " + deployment + ", " + case_name + ", " + std::to_string(users_count) + " users";
  run_scenario.hosts = hosts;
  run_scenario.servers = {server};
  run_scenario.databases = databases;
  run_scenario.services = services;
  run_scenario.endpoints = {std::move(endpoint)};
  run_scenario.brokers = brokers;
  run_scenario.task_workers = task_workers;
  if (auto groups = connections.find(case_name); groups != connections.end()) {
    for (const ConnectionGroup& group : groups->second) {
      run_scenario.connections.push_back(connections_on_server(group, server));
    }
  }
  run_scenario.workload.closed = ClosedWorkload{users_count, think_time};
  run_scenario.workload.client_timeout = client_timeout;
  run_scenario.run = run;
  return run_scenario;
}

void Comparison::validate() const {
  using namespace detail;
  if (name.empty()) fail("name", "must be a non-empty string");
  const auto host_names = validate_hosts(hosts);
  check_names(deployments, "deployments", "deployment");
  for (const Server& deployment : deployments) {
    check_reference("deployments." + deployment.name + ".host", deployment.host, host_names, "host");
  }
  validate_databases(databases);
  validate_services(services);
  if (!brokers.empty() || !task_workers.empty()) {
    Scenario queues;  // the scenario's checks read brokers and pools from one
    queues.brokers = brokers;
    queues.task_workers = task_workers;
    queues.databases = databases;
    queues.services = services;
    validate_task_queues(queues, host_names);
  }
  check_names(cases, "cases", "case");
  for (const Endpoint& case_endpoint : cases) {
    const std::string path = "cases." + case_endpoint.name;
    if (!case_endpoint.server.empty()) fail(path + ".server", "a case runs on every deployment; remove 'server'");
    if (case_endpoint.phases.empty()) fail(path + ".phases", "must list at least one phase");
    validate_case_phases(*this, path + ".phases", case_endpoint.phases, false);
    if (auto groups = connections.find(case_endpoint.name); groups != connections.end()) {
      validate_case_connections(*this, path, groups->second);
    }
  }
  for (const auto& entry : connections) {  // C++ builders fill the map by hand
    if (std::none_of(cases.begin(), cases.end(), [&](const Endpoint& e) { return e.name == entry.first; })) {
      fail("cases." + entry.first + ".connections", "no case named '" + entry.first + "' holds these connections");
    }
  }
  if (users.empty()) fail("users", "must list at least one number of users");
  for (std::size_t i = 0; i < users.size(); ++i) {
    const std::string path = "users[" + std::to_string(i) + "]";
    require_int_at_least(path, users[i], 1);  // the upper limit: the runs' check below
    if (std::find(users.begin(), users.begin() + static_cast<std::ptrdiff_t>(i), users[i]) !=
        users.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(path, std::to_string(users[i]) + " is listed twice");
    }
  }
  if (client_timeout) require_positive("client_timeout", *client_timeout, "a duration");
  validate_run(run);
  // What only a whole scenario shows (a closed loop whose users never wait,
  // say) is checked on each run; its error names the run and the
  // scenario's field, which the comparison's fields above do not cover.
  for (const Server& deployment : deployments) {
    for (const Endpoint& case_endpoint : cases) {
      for (int count : users) {
        try {
          scenario(deployment.name, case_endpoint.name, count).validate();
        } catch (const ScenarioError& error) {
          fail_in_run(error, case_endpoint.name,
                      "on deployment '" + deployment.name + "' with " + std::to_string(count) + " users");
        }
      }
    }
  }
}

}  // namespace servesim
