#include "rules/endpoint_counts.hpp"

#include <utility>

namespace servesim::detail {

void add_endpoint_results(const Scenario& scenario, std::vector<EndpointCounts>& counts, double span,
                          ReplicationResult& result) {
  LatencyHistogram all;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    EndpointCounts& endpoint = counts[i];
    EndpointStats stats;
    stats.name = scenario.endpoints[i].name;
    stats.completed = endpoint.completed;
    stats.throughput = static_cast<double>(endpoint.completed) / span;
    stats.errors = endpoint.errors;
    stats.latency = LatencyStats::from(endpoint.histogram);
    all.merge(endpoint.histogram);
    stats.within_slo = endpoint.within_slo;
    stats.goodput = static_cast<double>(endpoint.within_slo) / span;
    stats.retries = endpoint.retries;
    stats.failed = endpoint.failed;
    result.completed += endpoint.completed;
    result.within_slo += endpoint.within_slo;
    result.retries += endpoint.retries;
    result.failed += endpoint.failed;
    result.errors += endpoint.errors;
    stats.histogram = std::move(endpoint.histogram);
    result.endpoints.push_back(std::move(stats));
  }
  result.throughput = static_cast<double>(result.completed) / span;
  result.goodput = static_cast<double>(result.within_slo) / span;
  result.latency = LatencyStats::from(all);
}

}  // namespace servesim::detail
