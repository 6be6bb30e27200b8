#include "servesim/model/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include "io/messages.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

using detail::format_number;

// `servers.web`, or `servers[1]` for an entry without a name.
std::string entry_path(const char* section, std::size_t index, const std::string& name) {
  return name.empty() ? std::string(section) + "[" + std::to_string(index) + "]"
                      : std::string(section) + "." + name;
}

[[noreturn]] void fail(const std::string& path, const std::string& detail) {
  throw ScenarioError(path, detail);
}

void require_int_at_least(const std::string& path, int value, int min) {
  if (value < min) {
    fail(path, "must be an integer >= " + std::to_string(min) + ", got " + std::to_string(value));
  }
}

// Upper bounds keep memory bounded: every user and replication costs memory
// up front, every time-series interval a row.
constexpr int kMaxUsers = 10'000'000;
constexpr int kMaxReplications = 1'000;
constexpr double kMaxIntervals = 1e6;
// Simulated time is a double: past these, arrival gaps fall below its
// resolution and the clock would stop advancing.
constexpr double kMaxDuration = 1e9;         // seconds, about 31 years
constexpr double kMaxArrivalsPerRun = 1e12;  // rate x duration

void require_int_at_most(const std::string& path, int value, int max, const char* why) {
  if (value > max) {
    fail(path, "must be <= " + std::to_string(max) + " (" + why + "), got " + std::to_string(value));
  }
}

void require_positive(const std::string& path, double value, const char* what) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    fail(path, std::string("must be ") + what + " > 0, got " + format_number(value));
  }
}

void require_non_negative(const std::string& path, double value, const char* what) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    fail(path, std::string("must be ") + what + " >= 0, got " + format_number(value));
  }
}

// Names must be present and unique: servers refer to hosts, endpoints to
// servers and the mix to endpoints by name.
template <class T>
std::vector<std::string> check_names(const std::vector<T>& items, const char* section,
                                     const char* kind) {
  if (items.empty()) fail(section, std::string("at least one ") + kind + " is required");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].name;
    std::string path = std::string(section) + "[" + std::to_string(i) + "].name";
    if (name.empty()) fail(path, "must not be empty");
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      fail(path, std::string("duplicate ") + kind + " name '" + name + "'");
    }
    names.push_back(name);
  }
  return names;
}

void check_reference(const std::string& path, const std::string& name,
                     const std::vector<std::string>& known, const char* kind) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  std::string hint = detail::did_you_mean(name, known);
  if (hint.empty()) hint = " (" + std::string(kind) + "s: " + detail::join(known) + ")";
  fail(path, "no " + std::string(kind) + " named '" + name + "'" + hint);
}

// Each validate_<section> returns the section's names, for the references checked next.
std::vector<std::string> validate_hosts(const std::vector<Host>& hosts) {
  auto names = check_names(hosts, "hosts", "host");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    std::string path = entry_path("hosts", i, hosts[i].name);
    require_int_at_least(path + ".cores", hosts[i].cores, 1);
    require_positive(path + ".speed", hosts[i].speed, "a number");
  }
  return names;
}

const char* kind_name(ServerKind kind) {
  switch (kind) {
    case ServerKind::gunicorn_sync: return "gunicorn-sync";
    case ServerKind::gunicorn_gthread: return "gunicorn-gthread";
    case ServerKind::gunicorn_gevent: return "gunicorn-gevent";
    case ServerKind::uvicorn: return "uvicorn";
  }
  return "?";
}

// Settings that only some server kinds have must not be set on the others.
void validate_kind_settings(const std::string& path, const Server& server) {
  const std::string kind = kind_name(server.kind);
  if (server.kind != ServerKind::gunicorn_gthread && server.threads != 1) {
    fail(path + ".threads", kind + " workers have one thread each; use kind gunicorn-gthread for " +
                                "threads > 1, got " + std::to_string(server.threads));
  }
  if (server.kind != ServerKind::uvicorn && server.limit_concurrency) {
    fail(path + ".limit_concurrency", "is a uvicorn setting; " + kind + " has none");
  }
}

std::vector<std::string> validate_servers(const std::vector<Server>& servers,
                                          const std::vector<std::string>& hosts) {
  auto names = check_names(servers, "servers", "server");
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Server& server = servers[i];
    std::string path = entry_path("servers", i, server.name);
    check_reference(path + ".host", server.host, hosts, "host");
    require_int_at_least(path + ".workers", server.workers, 1);
    require_int_at_least(path + ".backlog", server.backlog, 1);
    require_int_at_least(path + ".threads", server.threads, 1);
    require_int_at_least(path + ".worker_connections", server.worker_connections, 1);
    require_int_at_least(path + ".thread_pool", server.thread_pool, 1);
    if (server.limit_concurrency) {
      require_int_at_least(path + ".limit_concurrency", *server.limit_concurrency, 1);
    }
    require_non_negative(path + ".timeout", server.timeout, "a duration");
    require_non_negative(path + ".boot_time", server.boot_time, "a duration");
    require_positive(path + ".switch_interval", server.switch_interval, "a duration");
    if (server.keepalive) require_non_negative(path + ".keepalive", *server.keepalive, "a duration");
    validate_kind_settings(path, server);
  }
  return names;
}

const char* phase_name(PhaseKind kind) {
  switch (kind) {
    case PhaseKind::cpu: return "cpu";
    case PhaseKind::cpu_nogil: return "cpu_nogil";
    case PhaseKind::io: return "io";
    case PhaseKind::blocking_io: return "blocking_io";
    case PhaseKind::background: return "background";
  }
  return "?";
}

// What each server kind can run: async endpoints need an event loop, a
// blocking call only stalls something that has one, and only Starlette runs
// work after the response.
void validate_style_and_phases(const std::string& path, const Endpoint& endpoint,
                               const Server& server) {
  const std::string kind = kind_name(server.kind);
  if (endpoint.style == EndpointStyle::async && server.kind != ServerKind::uvicorn) {
    fail(path + ".style", "async endpoints need an event loop (kind uvicorn); server '" +
                              server.name + "' is " + kind);
  }
  const bool has_loop = server.kind == ServerKind::uvicorn || server.kind == ServerKind::gunicorn_gevent;
  const bool runs_on_loop = server.kind == ServerKind::gunicorn_gevent ||
                            (server.kind == ServerKind::uvicorn && endpoint.style != EndpointStyle::sync);
  for (std::size_t p = 0; p < endpoint.phases.size(); ++p) {
    const PhaseKind phase = endpoint.phases[p].kind;
    const std::string phase_path = path + ".phases[" + std::to_string(p) + "]." + phase_name(phase);
    if (phase == PhaseKind::blocking_io && !runs_on_loop) {
      fail(phase_path, has_loop ? "a blocking call stalls an event loop, but this endpoint runs on a "
                                  "thread (style sync); there, use io"
                                : kind + " has no event loop to stall; a blocking wait on a worker "
                                         "thread is an io phase");
    }
    if (phase == PhaseKind::background && server.kind != ServerKind::uvicorn) {
      fail(phase_path, "work after the response needs uvicorn (FastAPI BackgroundTasks); server '" +
                           server.name + "' is " + kind);
    }
  }
}

std::vector<std::string> validate_endpoints(const std::vector<Endpoint>& endpoints,
                                            const std::vector<Server>& servers,
                                            const std::vector<std::string>& server_names) {
  auto names = check_names(endpoints, "endpoints", "endpoint");
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const Endpoint& endpoint = endpoints[i];
    std::string path = entry_path("endpoints", i, endpoint.name);
    check_reference(path + ".server", endpoint.server, server_names, "server");
    if (endpoint.phases.empty()) fail(path + ".phases", "must list at least one phase");
    const Server& server = *std::find_if(servers.begin(), servers.end(),
                                         [&](const Server& s) { return s.name == endpoint.server; });
    validate_style_and_phases(path, endpoint, server);
  }
  return names;
}

void validate_workload(const Workload& workload, const std::vector<std::string>& endpoints) {
  if (workload.open && workload.closed) {
    fail("workload", "give either 'open' or 'closed', not both");
  }
  if (!workload.open && !workload.closed) {
    fail("workload", "one of 'open' (a request rate) or 'closed' (a number of users) is required");
  }
  if (workload.open) require_positive("workload.open.rate", workload.open->rate, "a number");
  if (workload.closed) {
    require_int_at_least("workload.closed.users", workload.closed->users, 1);
    require_int_at_most("workload.closed.users", workload.closed->users, kMaxUsers,
                        "each user holds memory for the whole run");
  }
  std::set<std::string> seen;
  for (const MixEntry& entry : workload.mix) {
    std::string path = "workload.mix." + entry.endpoint;
    check_reference(path, entry.endpoint, endpoints, "endpoint");
    if (!seen.insert(entry.endpoint).second) fail(path, "listed twice in the mix");
    require_positive(path, entry.weight, "a weight");
  }
  if (workload.client_timeout) {
    require_positive("workload.client_timeout", *workload.client_timeout, "a duration");
  }
}

void validate_run(const RunConfig& run) {
  require_positive("run.duration", run.duration, "a duration");
  if (run.duration > kMaxDuration) {
    fail("run.duration", "must be <= 1e9 s (about 31 years of simulated time), got " +
                             format_number(run.duration) + " s");
  }
  if (run.warmup_mode == WarmupMode::fixed) {
    require_non_negative("run.warmup", run.warmup, "a duration");
    if (run.warmup >= run.duration) {
      fail("run.warmup", "must be shorter than run.duration (" + format_number(run.duration) +
                             " s), got " + format_number(run.warmup) + " s");
    }
  }
  require_int_at_least("run.replications", run.replications, 1);
  require_int_at_most("run.replications", run.replications, kMaxReplications,
                      "each replication's result, latency histograms included, is kept");
  require_non_negative("run.interval", run.interval, "a duration");
  if (run.interval > 0.0 && run.duration / run.interval > kMaxIntervals) {
    fail("run.interval", "must be >= run.duration / 1000000 (" + format_number(run.duration / kMaxIntervals) +
                             " s), so the time series stays under a million rows, got " +
                             format_number(run.interval) + " s");
  }
}

double total_mean(const Scenario& scenario, const Endpoint& endpoint) {
  double mean = scenario.find_server(endpoint.server)->framework_overhead.mean();
  for (const Phase& phase : endpoint.phases) mean += phase.duration.mean();
  return mean;
}

// A run whose simulated clock could not move forward would never end.
void validate_time_advances(const Scenario& scenario) {
  const Workload& workload = scenario.workload;
  if (workload.open) {
    const double arrivals = workload.open->rate * scenario.run.duration;
    if (arrivals > kMaxArrivalsPerRun) {
      fail("workload.open.rate", "rate x run.duration must be <= 1e12 arrivals per replication, got " +
                                     format_number(arrivals));
    }
    return;
  }
  if (workload.closed->think_time.mean() > 0.0) return;
  // A 503 costs the loop the framework overhead; free, users would be turned
  // away and retry at one instant forever.
  for (std::size_t i = 0; i < scenario.servers.size(); ++i) {
    const Server& server = scenario.servers[i];
    if (server.limit_concurrency && server.framework_overhead.mean() == 0.0) {
      fail(entry_path("servers", i, server.name) + ".limit_concurrency",
           "users without think time would retry free 503 answers at one instant forever; "
           "give a framework (or framework_overhead > 0) or a think time");
    }
  }
  for (const Endpoint& endpoint : scenario.endpoints) {
    const bool in_mix = workload.mix.empty() ||
                        std::any_of(workload.mix.begin(), workload.mix.end(),
                                    [&](const MixEntry& e) { return e.endpoint == endpoint.name; });
    if (in_mix && total_mean(scenario, endpoint) > 0.0) return;
  }
  fail("workload.closed.think_time",
       "users that never think, calling endpoints that take no time, would send endless requests "
       "at one instant; give the think time or a phase a duration > 0");
}

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name) noexcept {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

void Scenario::validate() const {
  auto host_names = validate_hosts(hosts);
  auto server_names = validate_servers(servers, host_names);
  auto endpoint_names = validate_endpoints(endpoints, servers, server_names);
  validate_workload(workload, endpoint_names);
  validate_run(run);
  validate_time_advances(*this);
}

const Host* Scenario::find_host(const std::string& host_name) const noexcept {
  return find_named(hosts, host_name);
}

const Server* Scenario::find_server(const std::string& server_name) const noexcept {
  return find_named(servers, server_name);
}

const Endpoint* Scenario::find_endpoint(const std::string& endpoint_name) const noexcept {
  return find_named(endpoints, endpoint_name);
}

double Scenario::keepalive_of(const Server& server) noexcept {
  constexpr double kGunicornKeepalive = 2.0;  // gunicorn --keep-alive
  constexpr double kUvicornKeepalive = 5.0;   // uvicorn --timeout-keep-alive
  if (server.keepalive) return *server.keepalive;
  return server.kind == ServerKind::uvicorn ? kUvicornKeepalive : kGunicornKeepalive;
}

EndpointStyle Scenario::style_of(const Endpoint& endpoint) const {
  if (endpoint.style) return *endpoint.style;
  return find_server(endpoint.server)->kind == ServerKind::uvicorn ? EndpointStyle::async
                                                                    : EndpointStyle::sync;
}

}  // namespace servesim
