#include "io/engine_output.hpp"

#include <nlohmann/json.hpp>

#include <utility>
#include <vector>

#include "io/record_reader.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
<<<<<<< HEAD
=======
namespace {

using nlohmann::json;

json histogram_json(const LatencyHistogram& h) {
  json buckets = json::array();
  for (const auto& b : h.buckets()) buckets.push_back({b.lower, b.upper, b.count});
  return {{"count", h.count()},
          {"sum", h.mean() * static_cast<double>(h.count())},
          {"min", h.min()},
          {"max", h.max()},
          {"buckets", std::move(buckets)}};
}

// Reading: every access names its path, so a truncated or foreign document
// gives an error that says where it went wrong.
class Reader {
 public:
  Reader(const json& node, std::string path) : node_(node), path_(std::move(path)) {}

  [[nodiscard]] Reader at(const char* key) const {
    if (!node_.is_object() || !node_.contains(key)) fail(path_ + "." + key + " is missing");
    return Reader(node_.at(key), path_ + "." + key);
  }
  [[nodiscard]] Reader at(std::size_t index) const {
    if (!node_.is_array() || index >= node_.size()) {
      fail(path_ + "[" + std::to_string(index) + "] is missing");
    }
    return Reader(node_.at(index), path_ + "[" + std::to_string(index) + "]");
  }
  [[nodiscard]] std::size_t size() const {
    if (!node_.is_array()) fail(path_ + " must be a list");
    return node_.size();
  }
  // Non-finite numbers are written as null.
  [[nodiscard]] double number() const {
    if (node_.is_null()) return std::numeric_limits<double>::quiet_NaN();
    if (!node_.is_number()) fail(path_ + " must be a number");
    return node_.get<double>();
  }
  [[nodiscard]] std::uint64_t count() const {
    if (!node_.is_number_unsigned()) fail(path_ + " must be a non-negative integer");
    return node_.get<std::uint64_t>();
  }
  [[nodiscard]] bool flag() const {
    if (!node_.is_boolean()) fail(path_ + " must be true or false");
    return node_.get<bool>();
  }
  [[nodiscard]] std::string text() const {
    if (!node_.is_string()) fail(path_ + " must be a string");
    return node_.get<std::string>();
  }
  double number(const char* key) const { return at(key).number(); }
  [[nodiscard]] bool has(const std::string& key) const { return node_.is_object() && node_.contains(key); }
  std::uint64_t count(const char* key) const { return at(key).count(); }

  [[noreturn]] static void fail(const std::string& what) {
    throw EngineError("the engine's output is malformed: " + what);
  }

 private:
  const json& node_;
  std::string path_;
};

ErrorCounts read_errors(const Reader& r) {
  ErrorCounts errors;
  errors.refused = r.count("refused");
  errors.client_timeout = r.count("client_timeout");
  errors.unavailable = r.count("unavailable");
  errors.worker_killed = r.count("worker_killed");
  errors.pool_timeout = r.count("pool_timeout");
  errors.downstream = r.count("downstream");
  return errors;
}

LatencyStats read_latency(const Reader& r) {
  return LatencyStats{r.number("mean"), r.number("p50"),  r.number("p90"), r.number("p95"),
                      r.number("p99"),  r.number("p999"), r.number("max")};
}

LatencyHistogram read_histogram(const Reader& r) {
  const Reader buckets = r.at("buckets");
  std::vector<LatencyHistogram::Bucket> list;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const Reader b = buckets.at(i);
    list.push_back({b.at(std::size_t{0}).number(), b.at(1).number(), b.at(2).count()});
  }
  try {
    return LatencyHistogram::from_buckets(list, r.number("sum"), r.number("min"), r.number("max"));
  } catch (const Error& error) {
    Reader::fail(error.what());
  }
}

// Each element of the list `r`, read by `read_one`.
template <class F>
auto read_list(const Reader& r, F read_one) {
  std::vector<std::invoke_result_t<F&, const Reader&>> list;
  for (std::size_t i = 0; i < r.size(); ++i) list.push_back(read_one(r.at(i)));
  return list;
}

EndpointStats read_endpoint(const Reader& e) {
  EndpointStats stats;
  stats.name = e.at("name").text();
  stats.completed = e.count("completed");
  stats.throughput = e.number("throughput");
  stats.within_slo = e.count("within_slo");
  stats.goodput = e.number("goodput");
  stats.retries = e.count("retries");
  stats.failed = e.count("failed");
  stats.errors = read_errors(e.at("errors"));
  stats.latency = read_latency(e.at("latency"));
  stats.histogram = read_histogram(e.at("histogram"));
  return stats;
}

ServerStats read_server(const Reader& s) {
  ServerStats stats;
  stats.name = s.at("name").text();
  stats.worker_busy_fraction = s.number("worker_busy_fraction");
  stats.gil_busy_fraction = s.number("gil_busy_fraction");
  stats.mean_queue_length = s.number("mean_queue_length");
  stats.mean_in_system = s.number("mean_in_system");
  stats.queued_fraction = s.number("queued_fraction");
  return stats;
}

HostStats read_host(const Reader& h) { return HostStats{h.at("name").text(), h.number("cpu_utilization")}; }

DatabaseStats read_database(const Reader& d) {
  DatabaseStats stats;
  stats.name = d.at("name").text();
  stats.utilization = d.number("utilization");
  stats.mean_queue_length = d.number("mean_queue_length");
  stats.mean_pool_wait = d.number("mean_pool_wait");
  stats.pool_wait_fraction = d.number("pool_wait_fraction");
  stats.queries = d.count("queries");
  stats.pool_timeouts = d.count("pool_timeouts");
  return stats;
}

ServiceStats read_service(const Reader& v) {
  ServiceStats stats;
  stats.name = v.at("name").text();
  stats.mean_in_use = v.number("mean_in_use");
  stats.mean_queue_length = v.number("mean_queue_length");
  stats.calls = v.count("calls");
  stats.errors = v.count("errors");
  return stats;
}

BalancerStats read_balancer(const Reader& b) {
  BalancerStats stats;
  stats.name = b.at("name").text();
  stats.servers = read_list(b.at("servers"), [](const Reader& member) {
    return BalancedServerStats{member.at("name").text(), member.count("sent"), member.number("share")};
  });
  return stats;
}

// An interval of the timeline; its per-server and per-host values are keyed by
// name and kept in the order of `replication`'s servers and hosts.
IntervalStats read_interval(const Reader& t, const ReplicationResult& replication) {
  IntervalStats interval;
  interval.start = t.number("start");
  interval.end = t.number("end");
  interval.arrivals = t.count("arrivals");
  interval.retries = t.count("retries");
  interval.completed = t.count("completed");
  interval.within_slo = t.count("within_slo");
  interval.errors = t.count("errors");
  interval.throughput = t.number("throughput");
  interval.mean_latency = t.number("mean_latency");
  interval.p50 = t.number("p50");
  interval.p99 = t.number("p99");
  for (const ServerStats& server : replication.servers) {
    if (t.at("mean_queue_length").has(server.name)) {
      interval.mean_queue_length.push_back(t.at("mean_queue_length").number(server.name.c_str()));
      interval.worker_busy_fraction.push_back(t.at("worker_busy_fraction").number(server.name.c_str()));
    }
  }
  for (const HostStats& host : replication.hosts) {
    if (t.at("cpu_utilization").has(host.name)) {
      interval.cpu_utilization.push_back(t.at("cpu_utilization").number(host.name.c_str()));
    }
  }
  return interval;
}

}  // namespace
>>>>>>> robust

std::string engine_output_json(const std::string& scenario, std::uint64_t seed,
                               ReplicationResult replication) {
  std::vector<ReplicationResult> one;
  one.push_back(std::move(replication));
  JsonContext context;
  context.engine_document = true;
  return record_json(summarize(scenario, seed, std::move(one)), context).dump();
}

ReplicationResult replication_from_engine_output(std::string_view document) {
  constexpr const char* kWhat = "the engine's output is malformed";
  json doc;
  try {
    doc = json::parse(document);
  } catch (const json::exception& error) {
    throw EngineError(std::string(kWhat) + ": not JSON (" + error.what() + ")");
  }
  JsonContext context;
  context.engine_document = true;
  const Reader result(doc, "result", kWhat);
  // The summary of one replication is recomputed by the caller; only the replication is read.
  result.only(keys_of<Result>(context));
  ReplicationResult out;
<<<<<<< HEAD
  read_record(result.at("replications").at(std::size_t{0}), out, context);
=======
  out.index = static_cast<int>(r.count("index"));
  out.warmup = r.number("warmup");
  out.measured_duration = r.number("measured_duration");
  out.arrivals = r.count("arrivals");
  out.retries = r.count("retries");
  out.completed = r.count("completed");
  out.throughput = r.number("throughput");
  out.within_slo = r.count("within_slo");
  out.goodput = r.number("goodput");
  out.failed = r.count("failed");
  out.errors = read_errors(r.at("errors"));
  out.latency = read_latency(r.at("latency"));
  out.endpoints = read_list(r.at("endpoints"), read_endpoint);
  out.servers = read_list(r.at("servers"), read_server);
  out.hosts = read_list(r.at("hosts"), read_host);
  out.databases = read_list(r.at("databases"), read_database);
  out.services = read_list(r.at("services"), read_service);
  out.balancers = read_list(r.at("balancers"), read_balancer);
  const Reader little = r.at("little");
  out.little = LittleCheck{little.number("mean_in_system"), little.number("throughput"),
                           little.number("mean_response")};
  out.timeline = read_list(r.at("timeline"), [&out](const Reader& t) { return read_interval(t, out); });
  out.events = r.count("events");
  // Judged by the parent after the run (sim/stability.hpp): optional, and carried for round trips.
  if (r.has("stability")) {
    const Reader stability = r.at("stability");
    out.stability = Stability{stability.at("stable").flag(), stability.at("resource").text(),
                              stability.number("capacity"), stability.number("excess_rate")};
  }
>>>>>>> robust
  return out;
}

}  // namespace servesim::detail
