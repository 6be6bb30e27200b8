#include "plan/batch_means.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "plan/plan_internal.hpp"
#include "rules/interval_histogram.hpp"
#include "servesim/metrics/statistics.hpp"

namespace servesim::detail {
namespace {

// One batch's sums over its intervals.
struct Batch {
  double completed = 0.0;
  double seconds = 0.0;
  double latency_sum = 0.0;  // mean latency x completions
  double p50_sum = 0.0;      // p50 x completions
};

// The interval from the batches' values around the run's own `value`: the
// batches estimate its spread, the run's whole histogram its centre.
// `floor_share`: the least half-width as a share of the value.
ConfidenceInterval batched(double value, std::span<const double> batch_values, double floor_share) {
  const ConfidenceInterval spread = mean_ci(batch_values);
  ConfidenceInterval out;
  out.value = value;
  out.samples = spread.samples;
  out.half_width = std::max(spread.half_width, floor_share * std::abs(value));
  return out;
}

}  // namespace

CandidateMetrics batch_metrics(const Result& result) {
  CandidateMetrics m = metrics_of(result);
  if (result.replications.size() != 1) return m;
  const ReplicationResult& rep = result.replications.front();
  std::vector<const IntervalStats*> measured;
  for (const IntervalStats& interval : rep.timeline) {
    if (interval.start >= rep.warmup) measured.push_back(&interval);
  }
  const std::size_t per_batch = std::max<std::size_t>(1, (measured.size() + kBatches - 1) / kBatches);
  const std::size_t k = measured.size() / per_batch;
  if (k < static_cast<std::size_t>(kMinBatches)) return m;
  // The leftover intervals are the earliest: the ones nearest the warm-up.
  const std::size_t first = measured.size() - k * per_batch;

  std::vector<Batch> batches(k);
  double fewest = static_cast<double>(measured[first]->completed);
  for (std::size_t i = first; i < measured.size(); ++i) {
    const IntervalStats& s = *measured[i];
    Batch& b = batches[(i - first) / per_batch];
    const double n = static_cast<double>(s.completed);
    fewest = std::min(fewest, n);
    b.completed += n;
    b.seconds += s.end - s.start;
    if (s.completed == 0) continue;
    b.latency_sum += s.mean_latency * n;
    b.p50_sum += s.p50 * n;
  }

  std::vector<double> throughput, mean, p50;
  for (const Batch& b : batches) {
    throughput.push_back(b.completed / b.seconds);
    if (b.completed == 0.0) continue;
    mean.push_back(b.latency_sum / b.completed);
    p50.push_back(b.p50_sum / b.completed);
  }
  m.throughput = batched(m.throughput.value, throughput, 0.0);
  m.batches = static_cast<int>(k);
  if (fewest < 1.0) return m;  // an interval without completions: no latency batch for it
  m.mean = batched(m.mean.value, mean, 0.0);
  // The intervals' medians are read off 3.1 % buckets: batches whose
  // medians share a bucket show no spread, though the values within it
  // differ; an interval never claims more precision than the buckets resolve.
  const double resolution = IntervalHistogram::relative_error() / std::sqrt(static_cast<double>(k));
  if (fewest * 0.5 >= kMinTailSamples) m.p50 = batched(m.p50.value, p50, resolution);
  return m;
}

}  // namespace servesim::detail
