// Scenario::validate for endpoints and their phases: references to
// databases and services, and what the serving server kinds can run.
#include "model/checks.hpp"
#include "model/enum_names.hpp"
#include "model/fields.hpp"
#include "model/section_checks.hpp"
#include "core/names.hpp"

namespace servesim::detail {
namespace {

// What each server kind can run: a blocking call only stalls something that
// has an event loop, and only Starlette runs work after the response.
void validate_phase_on(const std::string& path, const Phase& phase, const Server& server, EndpointStyle style) {
  const std::string kind = server_kind_name(server.kind);
  const bool has_loop = server.kind == ServerKind::uvicorn || server.kind == ServerKind::gunicorn_gevent;
  const bool runs_on_loop = server.kind == ServerKind::gunicorn_gevent ||
                            (server.kind == ServerKind::uvicorn && style == EndpointStyle::async);
  if (phase.kind == PhaseKind::blocking_io && !runs_on_loop) {
    fail(path, has_loop ? "a blocking call stalls an event loop, but this endpoint runs on a "
                          "thread (style sync); there, use io"
                        : kind + " has no event loop to stall; a blocking wait on a worker "
                                 "thread is an io phase");
  }
  if (phase.kind == PhaseKind::background && server.kind != ServerKind::uvicorn) {
    fail(path, "work after the response needs uvicorn (FastAPI BackgroundTasks); server '" + server.name +
                   "' is " + kind);
  }
}

void validate_phases(const Scenario& scenario, const std::string& path, const std::vector<Phase>& phases,
                     const Endpoint& endpoint, bool in_cache) {
  const auto databases = names_of(scenario.databases);
  const auto services = names_of(scenario.services);
  const auto caches = names_of(scenario.caches);
  for (std::size_t p = 0; p < phases.size(); ++p) {
    const Phase& phase = phases[p];
    const std::string phase_path = path + "[" + std::to_string(p) + "]." + phase_kind_name(phase.kind);
    for (const Server* server : scenario.servers_of(endpoint)) {
      validate_phase_on(phase_path, phase, *server, Scenario::style_on(endpoint, *server));
    }
    switch (phase.kind) {
      case PhaseKind::db: check_reference(phase_path, phase.target, databases, "database"); break;
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
      default: break;
    }
  }
}

void validate_style(const Scenario& scenario, const std::string& path, const Endpoint& endpoint) {
  if (endpoint.style != EndpointStyle::async) return;
  for (const Server* server : scenario.servers_of(endpoint)) {
    if (server->kind != ServerKind::uvicorn) {
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
    validate_phases(scenario, path + ".phases", endpoint.phases, endpoint, false);
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
    Endpoint handler;
    handler.name = group.name;
    handler.server = group.server;
    handler.phases = group.phases;
    for (std::size_t p = 0; p < group.phases.size(); ++p) {
      const PhaseKind kind = group.phases[p].kind;
      const std::string phase_path = path + ".phases[" + std::to_string(p) + "]." + phase_kind_name(kind);
      if (kind == PhaseKind::background) fail(phase_path, "a message has no response to send first; list its work as cpu");
      if (kind == PhaseKind::db || kind == PhaseKind::call || kind == PhaseKind::cache) {
        fail(phase_path, "a message runs cpu, cpu_nogil, io and blocking_io phases (databases, services and "
                         "caches from messages are not modelled yet; an io phase of the same time stands in)");
      }
    }
    validate_phases(scenario, path + ".phases", group.phases, handler, false);
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
    default: return phase.duration.mean();
  }
}

}  // namespace servesim::detail
