#include "servesim/metrics/result.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

namespace servesim {
namespace {

template <class Item>
ConfidenceInterval interval_over(const std::vector<Item>& items, const std::function<double(const Item&)>& get) {
  std::vector<double> values;
  values.reserve(items.size());
  for (const Item& item : items) values.push_back(get(item));
  return mean_ci(values);
}

LatencySummary summarize_latency(const std::vector<const LatencyStats*>& stats) {
  auto over = [&](double LatencyStats::*field) {
    std::vector<double> values;
    values.reserve(stats.size());
    for (const LatencyStats* s : stats) values.push_back(s->*field);
    return mean_ci(values);
  };
  LatencySummary summary{over(&LatencyStats::mean), over(&LatencyStats::p50),
                         over(&LatencyStats::p90),  over(&LatencyStats::p95),
                         over(&LatencyStats::p99),  over(&LatencyStats::p999)};
  // fmax leaves out replications without data (NaN); NaN only if none has any.
  for (const LatencyStats* s : stats) summary.max = std::fmax(summary.max, s->max);
  return summary;
}

}  // namespace

LatencyStats LatencyStats::from(const LatencyHistogram& h) noexcept {
  if (h.count() == 0) return LatencyStats{};  // no data: NaN, not a latency of 0
  return LatencyStats{h.mean(),        h.quantile(0.50), h.quantile(0.90), h.quantile(0.95),
                      h.quantile(0.99), h.quantile(0.999), h.max()};
}

double LittleCheck::relative_error() const noexcept {
  const double lambda_w = throughput * mean_response;
  const double scale = std::max(mean_in_system, lambda_w);
  return scale > 0.0 ? std::abs(mean_in_system - lambda_w) / scale : 0.0;
}

Result summarize(std::string scenario, std::uint64_t seed,
                 std::vector<ReplicationResult> replications) {
  using Rep = ReplicationResult;
  Result result;
  result.scenario = std::move(scenario);
  result.seed = seed;
  std::vector<const LatencyStats*> latencies;
  for (const Rep& rep : replications) {
    result.completed += rep.completed;
    result.retries += rep.retries;
    result.failed += rep.failed;
    result.errors += rep.errors;
    latencies.push_back(&rep.latency);
    for (const EndpointStats& endpoint : rep.endpoints) result.histogram.merge(endpoint.histogram);
  }
  const auto attempts = static_cast<double>(result.completed + result.errors.total());
  result.error_rate = attempts > 0 ? static_cast<double>(result.errors.total()) / attempts : 0.0;
  const auto requests = static_cast<double>(result.completed + result.failed);
  result.failure_rate = requests > 0 ? static_cast<double>(result.failed) / requests : 0.0;
  result.throughput = interval_over<Rep>(replications, [](const Rep& r) { return r.throughput; });
  result.goodput = interval_over<Rep>(replications, [](const Rep& r) { return r.goodput; });
  result.latency = summarize_latency(latencies);
  int unstable = 0;  // Result::stability: the first unstable replication's resource, the mean of the rest
  for (const Rep& rep : replications) {
    if (rep.stability.stable) continue;
    if (unstable++ == 0) result.stability.resource = rep.stability.resource;
    result.stability.stable = false;
    result.stability.capacity += rep.stability.capacity;
    result.stability.excess_rate += rep.stability.excess_rate;
  }
  if (unstable > 0) {
    result.stability.capacity /= unstable;
    result.stability.excess_rate /= unstable;
  }
  result.little.mean_in_system = interval_over<Rep>(replications, [](const Rep& r) { return r.little.mean_in_system; }).value;
  result.little.throughput = interval_over<Rep>(replications, [](const Rep& r) { return r.little.throughput; }).value;
  result.little.mean_response = interval_over<Rep>(replications, [](const Rep& r) { return r.little.mean_response; }).value;

  if (replications.empty()) return result;
  const Rep& first = replications.front();
  for (std::size_t i = 0; i < first.endpoints.size(); ++i) {
    EndpointSummary endpoint;
    endpoint.name = first.endpoints[i].name;
    std::vector<const LatencyStats*> endpoint_latencies;
    for (const Rep& rep : replications) {
      endpoint.completed += rep.endpoints[i].completed;
      endpoint.retries += rep.endpoints[i].retries;
      endpoint.failed += rep.endpoints[i].failed;
      endpoint.errors += rep.endpoints[i].errors;
      endpoint_latencies.push_back(&rep.endpoints[i].latency);
    }
    endpoint.throughput = interval_over<Rep>(replications, [i](const Rep& r) { return r.endpoints[i].throughput; });
    endpoint.goodput = interval_over<Rep>(replications, [i](const Rep& r) { return r.endpoints[i].goodput; });
    endpoint.latency = summarize_latency(endpoint_latencies);
    result.endpoints.push_back(std::move(endpoint));
  }
  for (std::size_t i = 0; i < first.servers.size(); ++i) {
    ServerSummary server;
    server.name = first.servers[i].name;
    server.worker_busy_fraction =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.servers[i].worker_busy_fraction; });
    server.gil_busy_fraction = interval_over<Rep>(replications, [i](const Rep& r) { return r.servers[i].gil_busy_fraction; });
    server.mean_queue_length = interval_over<Rep>(replications, [i](const Rep& r) { return r.servers[i].mean_queue_length; });
    server.queued_fraction = interval_over<Rep>(replications, [i](const Rep& r) { return r.servers[i].queued_fraction; });
    server.restart_rate = interval_over<Rep>(replications, [i](const Rep& r) { return r.servers[i].restart_rate; });
    for (const Rep& rep : replications) {
      server.recycled += rep.servers[i].recycled;
      server.memory_killed += rep.servers[i].memory_killed;
      server.peak_memory = std::max(server.peak_memory, rep.servers[i].peak_memory);
    }
    result.servers.push_back(std::move(server));
  }
  for (std::size_t i = 0; i < first.hosts.size(); ++i) {
    result.hosts.push_back(HostSummary{
        first.hosts[i].name,
        interval_over<Rep>(replications, [i](const Rep& r) { return r.hosts[i].cpu_utilization; })});
  }
  for (std::size_t i = 0; i < first.databases.size(); ++i) {
    DatabaseSummary database;
    database.name = first.databases[i].name;
    for (const Rep& rep : replications) {
      database.queries += rep.databases[i].queries;
      database.pool_timeouts += rep.databases[i].pool_timeouts;
    }
    database.utilization = interval_over<Rep>(replications, [i](const Rep& r) { return r.databases[i].utilization; });
    database.mean_queue_length =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.databases[i].mean_queue_length; });
    database.mean_pool_wait = interval_over<Rep>(replications, [i](const Rep& r) { return r.databases[i].mean_pool_wait; });
    database.pool_wait_fraction =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.databases[i].pool_wait_fraction; });
    result.databases.push_back(std::move(database));
  }
  for (std::size_t i = 0; i < first.services.size(); ++i) {
    ServiceSummary service;
    service.name = first.services[i].name;
    for (const Rep& rep : replications) {
      service.calls += rep.services[i].calls;
      service.errors += rep.services[i].errors;
    }
    service.mean_in_use = interval_over<Rep>(replications, [i](const Rep& r) { return r.services[i].mean_in_use; });
    service.mean_queue_length =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.services[i].mean_queue_length; });
    result.services.push_back(std::move(service));
  }
  for (std::size_t i = 0; i < first.caches.size(); ++i) {
    CacheSummary cache;
    cache.name = first.caches[i].name;
    for (const Rep& rep : replications) cache.commands += rep.caches[i].commands;
    cache.utilization = interval_over<Rep>(replications, [i](const Rep& r) { return r.caches[i].utilization; });
    cache.mean_queue_length =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.caches[i].mean_queue_length; });
    cache.mean_wait = interval_over<Rep>(replications, [i](const Rep& r) { return r.caches[i].mean_wait; });
    cache.mean_response = interval_over<Rep>(replications, [i](const Rep& r) { return r.caches[i].mean_response; });
    result.caches.push_back(std::move(cache));
  }
  for (std::size_t i = 0; i < first.connections.size(); ++i) {
    ConnectionSummary group;
    group.name = first.connections[i].name;
    group.server = first.connections[i].server;
    std::vector<const LatencyStats*> message_latencies;
    for (const Rep& rep : replications) {
      group.opened += rep.connections[i].opened;
      group.refused += rep.connections[i].refused;
      group.messages += rep.connections[i].messages;
      message_latencies.push_back(&rep.connections[i].message_latency);
    }
    group.mean_open = interval_over<Rep>(replications, [i](const Rep& r) { return r.connections[i].mean_open; });
    group.message_rate =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.connections[i].message_rate; });
    group.message_latency = summarize_latency(message_latencies);
    group.memory = interval_over<Rep>(replications, [i](const Rep& r) { return r.connections[i].memory; });
    result.connections.push_back(std::move(group));
  }
  for (std::size_t i = 0; i < first.brokers.size(); ++i) {
    BrokerSummary broker;
    broker.name = first.brokers[i].name;
    for (const Rep& rep : replications) broker.messages += rep.brokers[i].messages;
    broker.utilization = interval_over<Rep>(replications, [i](const Rep& r) { return r.brokers[i].utilization; });
    broker.mean_queue_length =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.brokers[i].mean_queue_length; });
    broker.mean_wait = interval_over<Rep>(replications, [i](const Rep& r) { return r.brokers[i].mean_wait; });
    broker.mean_response = interval_over<Rep>(replications, [i](const Rep& r) { return r.brokers[i].mean_response; });
    result.brokers.push_back(std::move(broker));
  }
  for (std::size_t i = 0; i < first.task_workers.size(); ++i) {
    TaskPoolSummary pool;
    pool.name = first.task_workers[i].name;
    std::vector<const LatencyStats*> waits;
    std::vector<const LatencyStats*> runs;
    for (const Rep& rep : replications) {
      pool.completed += rep.task_workers[i].completed;
      waits.push_back(&rep.task_workers[i].wait);
      runs.push_back(&rep.task_workers[i].run);
    }
    pool.throughput = interval_over<Rep>(replications, [i](const Rep& r) { return r.task_workers[i].throughput; });
    pool.utilization = interval_over<Rep>(replications, [i](const Rep& r) { return r.task_workers[i].utilization; });
    pool.mean_queue_length =
        interval_over<Rep>(replications, [i](const Rep& r) { return r.task_workers[i].mean_queue_length; });
    pool.queue_growth = interval_over<Rep>(replications, [i](const Rep& r) { return r.task_workers[i].queue_growth; });
    pool.wait = summarize_latency(waits);
    pool.run = summarize_latency(runs);
    result.task_workers.push_back(std::move(pool));
  }
  for (std::size_t i = 0; i < first.model_servers.size(); ++i) {
    ModelServerSummary model;
    model.name = first.model_servers[i].name;
    model.batch_sizes.assign(first.model_servers[i].batch_sizes.size(), 0);
    std::vector<const LatencyStats*> delays;
    for (const Rep& rep : replications) {
      const ModelServerStats& m = rep.model_servers[i];
      model.batches += m.batches;
      model.inferences += m.inferences;
      for (std::size_t k = 0; k < m.batch_sizes.size() && k < model.batch_sizes.size(); ++k) {
        model.batch_sizes[k] += m.batch_sizes[k];
      }
      delays.push_back(&m.queue_delay);
    }
    const auto over = [&](double ModelServerStats::*f) {
      return interval_over<Rep>(replications, [i, f](const Rep& r) { return r.model_servers[i].*f; });
    };
    model.batch_rate = over(&ModelServerStats::batch_rate);
    model.throughput = over(&ModelServerStats::throughput);
    model.mean_batch_size = over(&ModelServerStats::mean_batch_size);
    model.utilization = over(&ModelServerStats::utilization);
    model.mean_queue_length = over(&ModelServerStats::mean_queue_length);
    model.queue_delay = summarize_latency(delays);
    result.model_servers.push_back(std::move(model));
  }
  for (std::size_t b = 0; b < first.balancers.size(); ++b) {
    BalancerSummary balancer{first.balancers[b].name, {}};
    for (std::size_t s = 0; s < first.balancers[b].servers.size(); ++s) {
      BalancedServerSummary server{first.balancers[b].servers[s].name, 0,
                                   interval_over<Rep>(replications, [b, s](const Rep& r) {
                                     return r.balancers[b].servers[s].share;
                                   })};
      for (const Rep& rep : replications) server.sent += rep.balancers[b].servers[s].sent;
      balancer.servers.push_back(std::move(server));
    }
    result.balancers.push_back(std::move(balancer));
  }
  result.replications = std::move(replications);
  return result;
}

}  // namespace servesim
