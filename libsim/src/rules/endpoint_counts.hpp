#pragma once
// What each endpoint's clients got in the measured window, as both engines
// count it, and how those counts become a replication's endpoint results and
// request totals.

#include <cstdint>
#include <vector>

#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

struct EndpointCounts {
  std::uint64_t completed = 0;
  std::uint64_t within_slo = 0;  ///< answers within the endpoint's SLO
  std::uint64_t retries = 0;     ///< attempts that retried a failed one
  std::uint64_t failed = 0;      ///< requests whose last allowed attempt failed
  ErrorCounts errors;            ///< failed attempts, by cause
  LatencyHistogram histogram;
};

/**
 * Fills `result.endpoints` (one per endpoint of `scenario`, in its order),
 * the request totals, throughput, goodput and latency from `counts` over the
 * measured `span` seconds. The histograms are moved into the results.
 */
void add_endpoint_results(const Scenario& scenario, std::vector<EndpointCounts>& counts, double span,
                          ReplicationResult& result);

}  // namespace servesim::detail
