// databases:, services: and balancers: of a scenario file.
#include <algorithm>

#include "io/distribution_parser.hpp"
#include "core/messages.hpp"
#include "io/section_parsers.hpp"

namespace servesim::detail {

Database parse_database(const std::string& name, const YamlField& f) {
  f.expect_keys({"connections", "query_time", "pool"}, "a map like {connections: 20, query_time: 5ms}");
  Database database;
  database.name = name;
  if (auto connections = f.optional("connections")) database.connections = connections->as_int(1);
  if (auto query = f.optional("query_time")) database.query_time = parse_distribution(*query);
  if (auto pool = f.optional("pool")) {
    pool->expect_keys({"size", "max_overflow", "timeout"}, "a map like {size: 5, max_overflow: 10, timeout: 30s}");
    if (auto size = pool->optional("size")) database.pool.size = size->as_int(1);
    if (auto overflow = pool->optional("max_overflow")) database.pool.max_overflow = overflow->as_int(0);
    if (auto timeout = pool->optional("timeout")) database.pool.timeout = timeout->as_duration(Bound::positive);
  }
  return database;
}

Service parse_service(const std::string& name, const YamlField& f) {
  f.expect_keys({"latency", "concurrency", "error_rate"}, "a map like {latency: 80ms, concurrency: 50}");
  Service service;
  service.name = name;
  if (auto latency = f.optional("latency")) service.latency = parse_distribution(*latency);
  if (auto concurrency = f.optional("concurrency")) service.concurrency = concurrency->as_int(1);
  if (auto rate = f.optional("error_rate")) service.error_rate = rate->as_number(Bound::non_negative);
  return service;
}

namespace {

BalancingPolicy parse_policy(const YamlField& f) {
  static const std::vector<std::string> known{"round_robin", "least_connections", "power_of_two", "random"};
  const std::string policy = f.as_string();
  const auto it = std::find(known.begin(), known.end(), policy);
  if (it == known.end()) {
    f.fail("unknown policy '" + policy + "'" + did_you_mean(policy, known) + " (known: " + join(known) + ")");
  }
  return static_cast<BalancingPolicy>(it - known.begin());
}

}  // namespace

Balancer parse_balancer(const std::string& name, const YamlField& f) {
  f.expect_keys({"servers", "policy", "rtt", "bandwidth_mbps"},
                "a map like {servers: [web1, web2], policy: least_connections}");
  Balancer balancer;
  balancer.name = name;
  for (const YamlField& server : f.required("servers").items("a list of server names, like [web1, web2]")) {
    balancer.servers.push_back(server.as_string());
  }
  if (auto policy = f.optional("policy")) balancer.policy = parse_policy(*policy);
  if (auto rtt = f.optional("rtt")) balancer.rtt = rtt->as_duration(Bound::non_negative);
  if (auto bandwidth = f.optional("bandwidth_mbps")) balancer.bandwidth_mbps = bandwidth->as_number(Bound::positive);
  return balancer;
}

}  // namespace servesim::detail
