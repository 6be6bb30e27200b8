#include "servesim/model/scenario.hpp"

#include <algorithm>
#include <limits>

#include "model/checks.hpp"
#include "servesim/model/memory.hpp"
#include "model/section_checks.hpp"

namespace servesim {
namespace {

template <class T>
const T* find_named(const std::vector<T>& items, const std::string& name) noexcept {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
  return it == items.end() ? nullptr : &*it;
}

}  // namespace

void Scenario::validate() const {
  using namespace detail;
  check_visible_name("name", name);
  auto host_names = validate_hosts(hosts);
  auto server_names = validate_servers(servers, host_names);
  validate_databases(databases);
  validate_services(services);
  validate_caches(caches);
  validate_task_queues(*this, host_names);
  validate_model_servers(model_servers);
  auto targets = validate_balancers(*this, server_names);
  auto endpoint_names = validate_endpoints(*this, targets);
  validate_connections(*this, server_names);
  validate_workload(workload, endpoint_names);
  validate_run(run);
  validate_time_advances(*this);
  check_restarts(*this);
  check_memory_fit(*this);  // last: it reads endpoints' styles
}

// Each library's documented defaults: SQLAlchemy's create_engine (pool_size
// 5, max_overflow 10, pool_timeout 30 s), asyncpg's create_pool (min_size =
// max_size = 10; Pool.acquire's timeout None: it waits without limit, a day
// here) and psycopg_pool's pools (min_size 4, max_size None meaning min_size,
// timeout 30 s). psycopg2 without a pool opens a connection per request, so
// no request waits for one.
ConnectionPool ConnectionPool::of_driver(PoolDriver driver) noexcept {
  ConnectionPool pool;
  pool.driver = driver;
  switch (driver) {
    case PoolDriver::sqlalchemy: break;
    case PoolDriver::asyncpg:
      pool.size = 10;
      pool.max_overflow = 0;
      pool.timeout = 86'400.0;
      break;
    case PoolDriver::psycopg_pool:
    case PoolDriver::psycopg_async_pool:
      pool.size = 4;
      pool.max_overflow = 0;
      break;
    case PoolDriver::psycopg2:
      pool.size = std::numeric_limits<int>::max();
      pool.max_overflow = 0;
      break;
  }
  return pool;
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

const Database* Scenario::find_database(const std::string& database_name) const noexcept {
  return find_named(databases, database_name);
}

const Service* Scenario::find_service(const std::string& service_name) const noexcept {
  return find_named(services, service_name);
}

const Cache* Scenario::find_cache(const std::string& cache_name) const noexcept {
  return find_named(caches, cache_name);
}

const Broker* Scenario::find_broker(const std::string& broker_name) const noexcept {
  return find_named(brokers, broker_name);
}

const ModelServer* Scenario::find_model_server(const std::string& model_server_name) const noexcept {
  return find_named(model_servers, model_server_name);
}

const TaskPool* Scenario::pool_of_task(const std::string& task_name) const noexcept {
  for (const TaskPool& pool : task_workers) {
    if (find_named(pool.tasks, task_name)) return &pool;
  }
  return nullptr;
}

int Scenario::concurrency_of(const TaskPool& pool) const noexcept {
  if (pool.concurrency) return *pool.concurrency;
  const Host* host = find_host(pool.host);
  return host ? std::max(1, host->cores) : 1;
}

const Balancer* Scenario::find_balancer(const std::string& balancer_name) const noexcept {
  return find_named(balancers, balancer_name);
}

std::vector<const Server*> Scenario::servers_of(const Endpoint& endpoint) const {
  std::vector<const Server*> result;
  if (const Server* server = find_server(endpoint.server)) {
    result.push_back(server);
  } else if (const Balancer* balancer = find_balancer(endpoint.server)) {
    for (const std::string& member_name : balancer->servers) {
      if (const Server* member = find_server(member_name)) result.push_back(member);
    }
  }
  return result;
}

double Scenario::keepalive_of(const Server& server) noexcept {
  constexpr double kGunicornKeepalive = 2.0;  // gunicorn --keep-alive, also its UvicornWorker's
  // uvicorn --timeout-keep-alive, hypercorn --keep-alive; Granian has no idle timeout setting: assumed the same
  constexpr double kUvicornKeepalive = 5.0;
  if (server.keepalive) return *server.keepalive;
  const bool five_seconds = server.kind == ServerKind::uvicorn || server.kind == ServerKind::hypercorn ||
                            server.kind == ServerKind::granian;
  return five_seconds ? kUvicornKeepalive : kGunicornKeepalive;
}

int Scenario::backlog_of(const Server& server) noexcept {
  constexpr int kGunicornBacklog = 2048;  // gunicorn --backlog, and uvicorn --backlog
  if (server.backlog) return *server.backlog;
  switch (server.kind) {
    case ServerKind::hypercorn: return 100;  // hypercorn's Config.backlog
    case ServerKind::granian: return 1024;   // granian --backlog
    case ServerKind::gunicorn_sync:
    case ServerKind::gunicorn_gthread:
    case ServerKind::gunicorn_gevent:
    case ServerKind::uvicorn:
    case ServerKind::gunicorn_uvicorn: return kGunicornBacklog;
  }
  return kGunicornBacklog;
}

double Scenario::effective_speed(const Host& host) noexcept { return host.speed * (1.0 - host.stalls.share); }

double Scenario::python_time_factor(const Server& server) noexcept {
  if (server.python == PythonBuild::standard) return 1.0;
  return 1.0 + server.free_threaded_slowdown.value_or(kFreeThreadedSlowdown);
}

EndpointStyle Scenario::style_on(const Endpoint& endpoint, const Server& server) noexcept {
  if (endpoint.style) return *endpoint.style;
  return is_asgi(server.kind) ? EndpointStyle::async : EndpointStyle::sync;
}

EndpointStyle Scenario::style_of(const Endpoint& endpoint) const {
  const auto candidates = servers_of(endpoint);
  return candidates.empty() ? EndpointStyle::sync : style_on(endpoint, *candidates.front());
}

double OpenWorkload::peak_rate() const {
  switch (arrivals) {
    case ArrivalProcess::trace: return 0.0;
    case ArrivalProcess::bursty: return std::max(rate, burst.rate);
    default: break;
  }
  switch (profile.kind) {
    case RateProfileKind::ramp: return std::max(profile.from, profile.to);
    case RateProfileKind::diurnal: return profile.max;
    case RateProfileKind::steps: {
      double peak = 0.0;
      for (const RateStep& step : profile.steps) peak = std::max(peak, step.rate);
      return peak;
    }
    case RateProfileKind::constant: return rate;
  }
  return rate;
}

}  // namespace servesim
