#include "servesim/io/result_json.hpp"

#include <nlohmann/json.hpp>

#include "io/record_json.hpp"

namespace servesim {
namespace detail {

json interval_json(const ConfidenceInterval& ci) {
  // No samples: no interval (a statistic of nothing), null rather than a made-up one.
  if (ci.samples == 0) return nullptr;
  return {{"mean", ci.value}, {"half_width", ci.half_width}, {"samples", ci.samples}};
}

<<<<<<< HEAD
// `exact`: the child-process form, with what merging needs (sum, min, max);
// otherwise the documented form with the histogram's relative error.
json histogram_json(const LatencyHistogram& h, bool exact) {
=======
json to_json(const ErrorCounts& errors) {
  return {{"refused", errors.refused},
          {"client_timeout", errors.client_timeout},
          {"unavailable", errors.unavailable},
          {"worker_killed", errors.worker_killed},
          {"pool_timeout", errors.pool_timeout},
          {"downstream", errors.downstream},
          {"total", errors.total()}};
}

json to_json(const LatencyStats& s) {
  return {{"mean", s.mean}, {"p50", s.p50},   {"p90", s.p90}, {"p95", s.p95},
          {"p99", s.p99},   {"p999", s.p999}, {"max", s.max}};
}

// `latency`: the means plus max, in the same shape as one replication's LatencyStats.
json latency_means(const LatencySummary& s) {
  return {{"mean", s.mean.mean}, {"p50", s.p50.mean},   {"p90", s.p90.mean}, {"p95", s.p95.mean},
          {"p99", s.p99.mean},   {"p999", s.p999.mean}, {"max", s.max}};
}

// `latency_ci`: each statistic's estimate across replications.
json latency_estimates(const LatencySummary& s) {
  return {{"mean", to_json(s.mean)}, {"p50", to_json(s.p50)}, {"p90", to_json(s.p90)},
          {"p95", to_json(s.p95)},   {"p99", to_json(s.p99)}, {"p999", to_json(s.p999)}};
}

json to_json(const LittleCheck& l) {
  return {{"mean_in_system", l.mean_in_system},
          {"throughput", l.throughput},
          {"mean_response", l.mean_response},
          {"relative_error", l.relative_error()}};
}

json to_json(const Stability& s) {
  return {{"stable", s.stable},
          {"resource", s.resource},
          {"capacity", s.capacity},
          {"excess_rate", s.excess_rate}};
}

json to_json(const LatencyHistogram& h) {
>>>>>>> robust
  json buckets = json::array();
  for (const auto& b : h.buckets()) buckets.push_back({b.lower, b.upper, b.count});
  if (exact) {
    return {{"count", h.count()},
            {"sum", h.mean() * static_cast<double>(h.count())},
            {"min", h.min()},
            {"max", h.max()},
            {"buckets", std::move(buckets)}};
  }
  return {{"relative_error", LatencyHistogram::relative_error()},
          {"count", h.count()},
          {"buckets", std::move(buckets)}};
}

<<<<<<< HEAD
}  // namespace detail

std::string to_json(const Result& result, int indent) {
  detail::JsonContext context;
  // NaN or infinity (a statistic of nothing) becomes null rather than invalid JSON.
  return detail::record_json(result, context).dump(indent < 0 ? -1 : indent);
}

std::string to_json(const Prediction& prediction, int indent) {
  detail::JsonContext context;
  return detail::record_json(prediction, context).dump(indent < 0 ? -1 : indent);
=======
json to_json(const EndpointSummary& e) {
  return {{"name", e.name},
          {"completed", e.completed},
          {"throughput", e.throughput.mean},
          {"throughput_ci", to_json(e.throughput)},
          {"goodput", e.goodput.mean},
          {"goodput_ci", to_json(e.goodput)},
          {"retries", e.retries},
          {"failed", e.failed},
          {"errors", to_json(e.errors)},
          {"latency", latency_means(e.latency)},
          {"latency_ci", latency_estimates(e.latency)}};
}

json to_json(const ServerSummary& s) {
  return {{"name", s.name},
          {"worker_busy_fraction", s.worker_busy_fraction.mean},
          {"worker_busy_fraction_ci", to_json(s.worker_busy_fraction)},
          {"gil_busy_fraction", s.gil_busy_fraction.mean},
          {"gil_busy_fraction_ci", to_json(s.gil_busy_fraction)},
          {"mean_queue_length", s.mean_queue_length.mean},
          {"mean_queue_length_ci", to_json(s.mean_queue_length)},
          {"queued_fraction", s.queued_fraction.mean},
          {"queued_fraction_ci", to_json(s.queued_fraction)}};
}

json to_json(const HostSummary& h) {
  return {{"name", h.name},
          {"cpu_utilization", h.cpu_utilization.mean},
          {"cpu_utilization_ci", to_json(h.cpu_utilization)}};
}

json to_json(const DatabaseSummary& d) {
  return {{"name", d.name},
          {"utilization", d.utilization.mean},
          {"utilization_ci", to_json(d.utilization)},
          {"mean_queue_length", d.mean_queue_length.mean},
          {"mean_queue_length_ci", to_json(d.mean_queue_length)},
          {"mean_pool_wait", d.mean_pool_wait.mean},
          {"mean_pool_wait_ci", to_json(d.mean_pool_wait)},
          {"pool_wait_fraction", d.pool_wait_fraction.mean},
          {"pool_wait_fraction_ci", to_json(d.pool_wait_fraction)},
          {"queries", d.queries},
          {"pool_timeouts", d.pool_timeouts}};
}

json to_json(const ServiceSummary& s) {
  return {{"name", s.name},
          {"mean_in_use", s.mean_in_use.mean},
          {"mean_in_use_ci", to_json(s.mean_in_use)},
          {"mean_queue_length", s.mean_queue_length.mean},
          {"mean_queue_length_ci", to_json(s.mean_queue_length)},
          {"calls", s.calls},
          {"errors", s.errors}};
}

json to_json(const BalancerSummary& b) {
  json servers = json::array();
  for (const BalancedServerSummary& s : b.servers) {
    servers.push_back({{"name", s.name}, {"sent", s.sent}, {"share", s.share.mean}, {"share_ci", to_json(s.share)}});
  }
  return {{"name", b.name}, {"servers", std::move(servers)}};
}

json to_json(const BalancerStats& b) {
  json servers = json::array();
  for (const BalancedServerStats& s : b.servers) {
    servers.push_back({{"name", s.name}, {"sent", s.sent}, {"share", s.share}});
  }
  return {{"name", b.name}, {"servers", std::move(servers)}};
}

json to_json(const EndpointStats& e) {
  return {{"name", e.name},
          {"completed", e.completed},
          {"throughput", e.throughput},
          {"within_slo", e.within_slo},
          {"goodput", e.goodput},
          {"retries", e.retries},
          {"failed", e.failed},
          {"errors", to_json(e.errors)},
          {"latency", to_json(e.latency)}};
}

json to_json(const ServerStats& s) {
  return {{"name", s.name},
          {"worker_busy_fraction", s.worker_busy_fraction},
          {"gil_busy_fraction", s.gil_busy_fraction},
          {"mean_queue_length", s.mean_queue_length},
          {"mean_in_system", s.mean_in_system},
          {"queued_fraction", s.queued_fraction}};
}

json to_json(const HostStats& h) {
  return {{"name", h.name}, {"cpu_utilization", h.cpu_utilization}};
}

json to_json(const DatabaseStats& d) {
  return {{"name", d.name},
          {"utilization", d.utilization},
          {"mean_queue_length", d.mean_queue_length},
          {"mean_pool_wait", d.mean_pool_wait},
          {"pool_wait_fraction", d.pool_wait_fraction},
          {"queries", d.queries},
          {"pool_timeouts", d.pool_timeouts}};
}

json to_json(const ServiceStats& s) {
  return {{"name", s.name},
          {"mean_in_use", s.mean_in_use},
          {"mean_queue_length", s.mean_queue_length},
          {"calls", s.calls},
          {"errors", s.errors}};
}

// Per-server and per-host values of an interval, keyed by name.
json by_name(const std::vector<double>& values, const std::vector<std::string>& names) {
  json out = json::object();
  for (std::size_t i = 0; i < values.size() && i < names.size(); ++i) out[names[i]] = values[i];
  return out;
}

json to_json(const IntervalStats& i, const std::vector<std::string>& servers, const std::vector<std::string>& hosts) {
  return {{"start", i.start},
          {"end", i.end},
          {"arrivals", i.arrivals},
          {"retries", i.retries},
          {"completed", i.completed},
          {"within_slo", i.within_slo},
          {"errors", i.errors},
          {"throughput", i.throughput},
          {"mean_latency", i.mean_latency},
          {"p50", i.p50},
          {"p99", i.p99},
          {"mean_queue_length", by_name(i.mean_queue_length, servers)},
          {"worker_busy_fraction", by_name(i.worker_busy_fraction, servers)},
          {"cpu_utilization", by_name(i.cpu_utilization, hosts)}};
}

json to_json(const ReplicationResult& r);

template <class T>
json array_of(const std::vector<T>& items) {
  json out = json::array();
  for (const auto& item : items) out.push_back(to_json(item));
  return out;
}

json timeline_json(const ReplicationResult& r) {
  std::vector<std::string> servers;
  std::vector<std::string> hosts;
  for (const ServerStats& server : r.servers) servers.push_back(server.name);
  for (const HostStats& host : r.hosts) hosts.push_back(host.name);
  json out = json::array();
  for (const IntervalStats& interval : r.timeline) out.push_back(to_json(interval, servers, hosts));
  return out;
}

json to_json(const ReplicationResult& r) {
  return {{"index", r.index},
          {"warmup", r.warmup},
          {"measured_duration", r.measured_duration},
          {"arrivals", r.arrivals},
          {"retries", r.retries},
          {"completed", r.completed},
          {"throughput", r.throughput},
          {"within_slo", r.within_slo},
          {"goodput", r.goodput},
          {"failed", r.failed},
          {"errors", to_json(r.errors)},
          {"latency", to_json(r.latency)},
          {"endpoints", array_of(r.endpoints)},
          {"servers", array_of(r.servers)},
          {"hosts", array_of(r.hosts)},
          {"databases", array_of(r.databases)},
          {"services", array_of(r.services)},
          {"balancers", array_of(r.balancers)},
          {"little", to_json(r.little)},
          {"timeline", timeline_json(r)},
          {"events", r.events},
          {"stability", to_json(r.stability)}};
}

}  // namespace

std::string to_json(const Result& result, int indent) {
  json doc = {{"scenario", result.scenario},
              {"seed", result.seed},
              {"completed", result.completed},
              {"throughput", result.throughput.mean},
              {"throughput_ci", to_json(result.throughput)},
              {"goodput", result.goodput.mean},
              {"goodput_ci", to_json(result.goodput)},
              {"retries", result.retries},
              {"failed", result.failed},
              {"errors", to_json(result.errors)},
              {"error_rate", result.error_rate},
              {"failure_rate", result.failure_rate},
              {"latency", latency_means(result.latency)},
              {"latency_ci", latency_estimates(result.latency)},
              {"endpoints", array_of(result.endpoints)},
              {"servers", array_of(result.servers)},
              {"hosts", array_of(result.hosts)},
              {"databases", array_of(result.databases)},
              {"services", array_of(result.services)},
              {"balancers", array_of(result.balancers)},
              {"little", to_json(result.little)},
              {"stability", to_json(result.stability)},
              {"replications", array_of(result.replications)},
              {"histogram", to_json(result.histogram)}};
  // NaN or infinity (e.g. a statistic of an empty run) becomes null rather than invalid JSON.
  return doc.dump(indent < 0 ? -1 : indent);
>>>>>>> robust
}

}  // namespace servesim
