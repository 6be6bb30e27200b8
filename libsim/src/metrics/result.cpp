#include "servesim/metrics/result.hpp"

#include <algorithm>
#include <cmath>

#include "metrics/summary_fold.hpp"

namespace servesim {
namespace {

/// Result::stability: unstable if any replication is, naming the first
/// unstable one's resource, with the mean capacity and excess of those.
Stability pool_stability(const std::vector<ReplicationResult>& replications) {
  Stability pooled;
  int unstable = 0;
  for (const ReplicationResult& rep : replications) {
    if (rep.stability.stable) continue;
    if (unstable++ == 0) pooled.resource = rep.stability.resource;
    pooled.stable = false;
    pooled.capacity += rep.stability.capacity;
    pooled.excess_rate += rep.stability.excess_rate;
  }
  if (unstable > 0) {
    pooled.capacity /= unstable;
    pooled.excess_rate /= unstable;
  }
  return pooled;
}

/// Result::little: the means over replications of each side of Little's law.
LittleCheck mean_little(const std::vector<const ReplicationResult*>& replications) {
  const auto mean_of = [&](double LittleCheck::*side) {
    std::vector<double> values;
    values.reserve(replications.size());
    for (const ReplicationResult* rep : replications) values.push_back(rep->little.*side);
    return mean_ci(values).value;
  };
  LittleCheck little;
  little.mean_in_system = mean_of(&LittleCheck::mean_in_system);
  little.throughput = mean_of(&LittleCheck::throughput);
  little.mean_response = mean_of(&LittleCheck::mean_response);
  return little;
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
  std::vector<const ReplicationResult*> each;
  each.reserve(replications.size());
  for (const ReplicationResult& rep : replications) each.push_back(&rep);
  // Every field but those marked unfolded_field in Result::fields().
  Result result = detail::fold<Result>(each);
  result.scenario = std::move(scenario);
  result.seed = seed;
  const auto attempts = static_cast<double>(result.completed + result.errors.total());
  result.error_rate = attempts > 0 ? static_cast<double>(result.errors.total()) / attempts : 0.0;
  const auto requests = static_cast<double>(result.completed + result.failed);
  result.failure_rate = requests > 0 ? static_cast<double>(result.failed) / requests : 0.0;
  result.little = mean_little(each);
  result.stability = pool_stability(replications);
  for (const ReplicationResult& rep : replications) {
    for (const EndpointStats& endpoint : rep.endpoints) result.histogram.merge(endpoint.histogram);
  }
  result.replications = std::move(replications);
  return result;
}

}  // namespace servesim
