#include "io/engine_output.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"

namespace servesim::detail {
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
  [[nodiscard]] std::string text() const {
    if (!node_.is_string()) fail(path_ + " must be a string");
    return node_.get<std::string>();
  }
  double number(const char* key) const { return at(key).number(); }
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

}  // namespace

std::string engine_output_json(const std::string& scenario, std::uint64_t seed,
                               ReplicationResult replication) {
  std::vector<json> histograms;
  for (const EndpointStats& endpoint : replication.endpoints) {
    histograms.push_back(histogram_json(endpoint.histogram));
  }
  std::vector<ReplicationResult> one;
  one.push_back(std::move(replication));
  json doc = json::parse(to_json(summarize(scenario, seed, std::move(one)), -1));
  json& endpoints = doc["replications"][0]["endpoints"];
  for (std::size_t i = 0; i < histograms.size(); ++i) endpoints[i]["histogram"] = std::move(histograms[i]);
  return doc.dump();
}

ReplicationResult replication_from_engine_output(std::string_view document) {
  json doc;
  try {
    doc = json::parse(document);
  } catch (const json::exception& error) {
    Reader::fail(std::string("not JSON (") + error.what() + ")");
  }
  const Reader r = Reader(doc, "result").at("replications").at(std::size_t{0});
  ReplicationResult out;
  out.index = static_cast<int>(r.count("index"));
  out.warmup = r.number("warmup");
  out.measured_duration = r.number("measured_duration");
  out.arrivals = r.count("arrivals");
  out.completed = r.count("completed");
  out.throughput = r.number("throughput");
  out.errors = read_errors(r.at("errors"));
  out.latency = read_latency(r.at("latency"));
  const Reader endpoints = r.at("endpoints");
  for (std::size_t i = 0; i < endpoints.size(); ++i) {
    const Reader e = endpoints.at(i);
    EndpointStats stats;
    stats.name = e.at("name").text();
    stats.completed = e.count("completed");
    stats.throughput = e.number("throughput");
    stats.errors = read_errors(e.at("errors"));
    stats.latency = read_latency(e.at("latency"));
    stats.histogram = read_histogram(e.at("histogram"));
    out.endpoints.push_back(std::move(stats));
  }
  const Reader servers = r.at("servers");
  for (std::size_t i = 0; i < servers.size(); ++i) {
    const Reader s = servers.at(i);
    ServerStats stats;
    stats.name = s.at("name").text();
    stats.worker_busy_fraction = s.number("worker_busy_fraction");
    stats.gil_busy_fraction = s.number("gil_busy_fraction");
    stats.mean_queue_length = s.number("mean_queue_length");
    stats.mean_in_system = s.number("mean_in_system");
    stats.queued_fraction = s.number("queued_fraction");
    out.servers.push_back(std::move(stats));
  }
  const Reader hosts = r.at("hosts");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    const Reader h = hosts.at(i);
    out.hosts.push_back(HostStats{h.at("name").text(), h.number("cpu_utilization")});
  }
  const Reader databases = r.at("databases");
  for (std::size_t i = 0; i < databases.size(); ++i) {
    const Reader d = databases.at(i);
    DatabaseStats stats;
    stats.name = d.at("name").text();
    stats.utilization = d.number("utilization");
    stats.mean_queue_length = d.number("mean_queue_length");
    stats.mean_pool_wait = d.number("mean_pool_wait");
    stats.pool_wait_fraction = d.number("pool_wait_fraction");
    stats.queries = d.count("queries");
    stats.pool_timeouts = d.count("pool_timeouts");
    out.databases.push_back(std::move(stats));
  }
  const Reader services = r.at("services");
  for (std::size_t i = 0; i < services.size(); ++i) {
    const Reader v = services.at(i);
    ServiceStats stats;
    stats.name = v.at("name").text();
    stats.mean_in_use = v.number("mean_in_use");
    stats.mean_queue_length = v.number("mean_queue_length");
    stats.calls = v.count("calls");
    stats.errors = v.count("errors");
    out.services.push_back(std::move(stats));
  }
  const Reader balancers = r.at("balancers");
  for (std::size_t i = 0; i < balancers.size(); ++i) {
    const Reader b = balancers.at(i);
    BalancerStats stats;
    stats.name = b.at("name").text();
    const Reader members = b.at("servers");
    for (std::size_t m = 0; m < members.size(); ++m) {
      const Reader member = members.at(m);
      stats.servers.push_back(BalancedServerStats{member.at("name").text(), member.count("sent"),
                                                  member.number("share")});
    }
    out.balancers.push_back(std::move(stats));
  }
  const Reader little = r.at("little");
  out.little = LittleCheck{little.number("mean_in_system"), little.number("throughput"),
                           little.number("mean_response")};
  const Reader timeline = r.at("timeline");
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    const Reader t = timeline.at(i);
    out.timeline.push_back(IntervalStats{t.number("start"), t.number("end"), t.count("arrivals"),
                                         t.count("completed"), t.count("errors"),
                                         t.number("mean_latency")});
  }
  out.events = r.count("events");
  return out;
}

}  // namespace servesim::detail
