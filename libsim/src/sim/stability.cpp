#include "sim/stability.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include "model/checks.hpp"

namespace servesim::detail {
namespace {

// Unstable when the excess (queue growth plus requests turned away) exceeds
// this share of the arrivals and this many requests: a stable queue's length
// at two instants differs by a few times its standard deviation at most,
// far below 2 % of the arrivals of a run of any length worth measuring.
constexpr double kExcessShare = 0.02;
constexpr double kMinExcessRequests = 100.0;
// A resource this busy is at its limit.
constexpr double kSaturated = 0.95;

struct Window {
  std::size_t first = 0;  ///< first measured interval
  std::size_t count = 0;  ///< measured intervals
};

Window measured_intervals(const ReplicationResult& replication) {
  const std::vector<IntervalStats>& timeline = replication.timeline;
  Window window;
  while (window.first < timeline.size() && timeline[window.first].start < replication.warmup - 1e-9) {
    ++window.first;
  }
  window.count = timeline.size() - window.first;
  return window;
}

// Mean queue length of server `s` over intervals [from, to), and their middle time.
std::pair<double, double> queue_over(const std::vector<IntervalStats>& timeline, std::size_t from,
                                     std::size_t to, std::size_t s) {
  double sum = 0.0;
  double span = 0.0;
  for (std::size_t i = from; i < to; ++i) {
    const double width = timeline[i].end - timeline[i].start;
    if (s < timeline[i].mean_queue_length.size()) sum += timeline[i].mean_queue_length[s] * width;
    span += width;
  }
  return {span > 0.0 ? sum / span : 0.0, (timeline[from].start + timeline[to - 1].end) / 2.0};
}

const char* runners_name(ServerKind kind) {
  switch (kind) {
    case ServerKind::gunicorn_sync: return "workers";
    case ServerKind::gunicorn_gthread: return "threads";
    case ServerKind::gunicorn_gevent:
    case ServerKind::uvicorn:
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: return "event_loop";
  }
  return "workers";
}

// What ran out on server `s`, by scenario path as find_saturation names
// resources: its host's cores, a database, a cache store's command threads,
// a model server's instances, its GIL (when a process has several threads),
// or its workers, threads or event loops.
std::string saturated_resource(const Scenario& scenario, const ReplicationResult& replication,
                               std::size_t s) {
  const Server& server = scenario.servers[s];
  for (std::size_t h = 0; h < scenario.hosts.size() && h < replication.hosts.size(); ++h) {
    if (scenario.hosts[h].name == server.host && replication.hosts[h].cpu_utilization >= kSaturated) {
      return entry_path("hosts", h, scenario.hosts[h].name) + ".cpu";
    }
  }
  for (std::size_t d = 0; d < replication.databases.size() && d < scenario.databases.size(); ++d) {
    if (replication.databases[d].utilization >= kSaturated) {
      return entry_path("databases", d, scenario.databases[d].name) + ".connections";
    }
  }
  for (std::size_t c = 0; c < replication.caches.size() && c < scenario.caches.size(); ++c) {
    if (replication.caches[c].utilization >= kSaturated) {
      return entry_path("caches", c, scenario.caches[c].name) + ".threads";
    }
  }
  for (std::size_t b = 0; b < replication.brokers.size() && b < scenario.brokers.size(); ++b) {
    if (replication.brokers[b].utilization >= kSaturated) {
      return entry_path("brokers", b, scenario.brokers[b].name) + ".threads";
    }
  }
  for (std::size_t m = 0; m < replication.model_servers.size() && m < scenario.model_servers.size(); ++m) {
    if (replication.model_servers[m].utilization >= kSaturated) {
      return entry_path("model_servers", m, scenario.model_servers[m].name) + ".instances";
    }
  }
  const std::string path = entry_path("servers", s, server.name);
  const bool threaded = server.kind == ServerKind::gunicorn_gthread && server.threads > 1;
  if (threaded && s < replication.servers.size() && replication.servers[s].gil_busy_fraction >= kSaturated) {
    return path + ".gil";
  }
  return path + "." + runners_name(server.kind);
}

// Requests per second server `s` answered: its endpoints' throughput, times
// its share of a balancer's traffic.
double answered_rate(const Scenario& scenario, const ReplicationResult& replication, std::size_t s) {
  double rate = 0.0;
  const std::string& name = scenario.servers[s].name;
  for (std::size_t e = 0; e < scenario.endpoints.size() && e < replication.endpoints.size(); ++e) {
    const Endpoint& endpoint = scenario.endpoints[e];
    if (endpoint.server == name) {
      rate += replication.endpoints[e].throughput;
      continue;
    }
    for (const BalancerStats& balancer : replication.balancers) {
      if (balancer.name != endpoint.server) continue;
      for (const BalancedServerStats& share : balancer.servers) {
        if (share.name == name) rate += replication.endpoints[e].throughput * share.share;
      }
    }
  }
  return rate;
}

// A task pool that does not keep up: its queue grows by the same measure as a
// server's, in tasks. What ran out is its host's cores or its worker processes;
// the capacity is the tasks/s it ran.
Stability task_pool_stability(const Scenario& scenario, const ReplicationResult& replication) {
  const double half = replication.measured_duration / 2.0;
  for (std::size_t p = 0; p < replication.task_workers.size() && p < scenario.task_workers.size(); ++p) {
    const TaskPoolStats& pool = replication.task_workers[p];
    const double offered = pool.throughput + pool.queue_growth;
    if (pool.queue_growth <= kExcessShare * offered || pool.queue_growth * half < kMinExcessRequests) continue;
    const TaskPool& spec = scenario.task_workers[p];
    std::string resource = entry_path("task_workers", p, spec.name) + ".concurrency";
    for (std::size_t h = 0; h < scenario.hosts.size() && h < replication.hosts.size(); ++h) {
      if (scenario.hosts[h].name == spec.host && replication.hosts[h].cpu_utilization >= kSaturated) {
        resource = entry_path("hosts", h, scenario.hosts[h].name) + ".cpu";
      }
    }
    return Stability{false, resource, pool.throughput, pool.queue_growth};
  }
  return {};
}

}  // namespace

Stability judge_stability(const Scenario& scenario, const ReplicationResult& replication) {
  const Window window = measured_intervals(replication);
  const double span = replication.measured_duration;
  if (window.count == 0 || !(span > 0.0) || scenario.servers.empty()) return task_pool_stability(scenario, replication);
  const std::vector<IntervalStats>& timeline = replication.timeline;
  // Queue growth through the second half: the mean over a tenth of the
  // intervals at its start against the same at its end (a warm-up transient
  // is over by then; an overloaded queue grows steadily).
  const std::size_t block = std::max<std::size_t>(1, window.count / 10);
  const std::size_t middle = window.first + window.count / 2;
  const std::size_t end = window.first + window.count;
  std::size_t worst = 0;
  double growth = 0.0;  // requests per second
  double half = 0.0;    // seconds the growth was measured over
  if (window.count >= 3) {
    for (std::size_t s = 0; s < scenario.servers.size(); ++s) {
      const auto [q_middle, t_middle] = queue_over(timeline, middle, std::min(middle + block, end), s);
      const auto [q_end, t_end] = queue_over(timeline, end - block, end, s);
      if (!(t_end > t_middle)) continue;
      const double rate = (q_end - q_middle) / (t_end - t_middle);
      if (rate > growth) {
        growth = rate;
        worst = s;
        half = t_end - t_middle;
      }
    }
  }
  // Requests turned away in the second half: its failed attempts, in the
  // whole window's proportion of refusals and 503s among them.
  double turned_away = 0.0;
  if (const std::uint64_t errors = replication.errors.total(); errors > 0) {
    std::uint64_t second_half = 0;
    for (std::size_t i = middle; i < end; ++i) second_half += timeline[i].errors;
    turned_away = static_cast<double>(second_half) *
                  static_cast<double>(replication.errors.refused + replication.errors.unavailable) /
                  static_cast<double>(errors);
  }
  const double half_span = timeline[end - 1].end - timeline[middle].start;
  // Attempts in flight at the clients, growing by as many as arrived and were
  // neither answered nor failed: the servers' queues, and also requests an
  // `async` endpoint awaits at a model server, cache store, broker, database
  // or service, which hold no runner and queue in no server.
  double in_flight = 0.0;
  for (std::size_t i = middle; i < end; ++i) {
    in_flight += static_cast<double>(timeline[i].arrivals) - static_cast<double>(timeline[i].completed) -
                 static_cast<double>(timeline[i].errors);
  }
  if (in_flight > growth * half && in_flight >= kMinExcessRequests) {
    growth = in_flight / half_span;
    half = half_span;
  }
  if (growth * half < kMinExcessRequests) {
    growth = 0.0;
    // Nothing grew: the server turning requests away is the busiest one.
    for (std::size_t s = 1; s < replication.servers.size(); ++s) {
      if (replication.servers[s].worker_busy_fraction > replication.servers[worst].worker_busy_fraction) {
        worst = s;
      }
    }
  }
  const double excess = growth + turned_away / half_span;
  const double offered = static_cast<double>(replication.arrivals) / span;
  if (excess <= kExcessShare * offered || excess * half_span < kMinExcessRequests) {
    return task_pool_stability(scenario, replication);
  }
  return Stability{false, saturated_resource(scenario, replication, worst),
                   answered_rate(scenario, replication, worst), excess};
}

}  // namespace servesim::detail
