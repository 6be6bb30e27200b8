#include "plan/batch_means.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <vector>

#include "plan/plan_internal.hpp"
#include "servesim/metrics/statistics.hpp"

namespace servesim::detail {
namespace {

// One batch's sums over its intervals.
struct Batch {
  double completed = 0.0;
  double seconds = 0.0;
  double latency_sum = 0.0;  // mean latency x completions
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

// 1 - q for the quantile `metric`.
double tail_share(SloMetric metric) noexcept {
  switch (metric) {
    case SloMetric::p50: return 0.5;
    case SloMetric::p90: return 0.1;
    case SloMetric::p99: return 0.01;
    case SloMetric::p999: return 0.001;
    case SloMetric::mean:
    case SloMetric::errors: return 0.0;
  }
  return 0.0;
}

// The quantiles' intervals, from the engines' batches of the same layout:
// each batch's quantile is read off its own completions. Averaging its
// intervals' quantiles is no substitute for the tails: an interval holds a
// few tail observations, clustered in its busy periods, and the average of
// such small-sample quantiles covered M/M/1's exact p99 in 30 of 40 runs.
void quantile_intervals(const std::vector<LatencyBatch>& batches, std::size_t k, CandidateMetrics& m) {
  if (batches.size() != k) return;  // a run stopped early
  double fewest = static_cast<double>(batches.front().completed);
  for (const LatencyBatch& b : batches) fewest = std::min(fewest, static_cast<double>(b.completed));
  // Quantiles read off 0.39 % buckets: no interval claims more precision than they resolve.
  const double resolution = LatencyHistogram::relative_error() / std::sqrt(static_cast<double>(k));
  struct Term {
    SloMetric metric;
    double LatencyBatch::*batch_value;
    ConfidenceInterval CandidateMetrics::*interval;
  };
  for (const Term& term : {Term{SloMetric::p50, &LatencyBatch::p50, &CandidateMetrics::p50},
                           Term{SloMetric::p90, &LatencyBatch::p90, &CandidateMetrics::p90},
                           Term{SloMetric::p99, &LatencyBatch::p99, &CandidateMetrics::p99},
                           Term{SloMetric::p999, &LatencyBatch::p999, &CandidateMetrics::p999}}) {
    if (fewest * tail_share(term.metric) < kMinTailSamples) continue;
    std::vector<double> values;
    values.reserve(batches.size());
    for (const LatencyBatch& b : batches) values.push_back(b.*term.batch_value);
    m.*term.interval = batched((m.*term.interval).value, values, resolution);
  }
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
  const BatchLayout layout = batch_layout(measured.size());
  const std::size_t k = layout.count;
  if (k < static_cast<std::size_t>(kMinBatches)) return m;

  std::vector<Batch> batches(k);
  for (std::size_t i = layout.first; i < measured.size(); ++i) {
    const IntervalStats& s = *measured[i];
    Batch& b = batches[(i - layout.first) / layout.per_batch];
    const double n = static_cast<double>(s.completed);
    b.completed += n;
    b.seconds += s.end - s.start;
    if (s.completed) b.latency_sum += s.mean_latency * n;
  }

  std::vector<double> throughput, mean;
  for (const Batch& b : batches) {
    throughput.push_back(b.completed / b.seconds);
    if (b.completed > 0.0) mean.push_back(b.latency_sum / b.completed);
  }
  m.throughput = batched(m.throughput.value, throughput, 0.0);
  m.batches = static_cast<int>(k);
  if (mean.size() < k) return m;  // a batch without completions: no latency batch for it
  m.mean = batched(m.mean.value, mean, 0.0);
  quantile_intervals(rep.latency_batches, k, m);
  return m;
}

bool batches_below(const CandidateMetrics& m, const std::vector<SloTerm>& slo) {
  if (m.batches < kMinBatches || slo.empty()) return false;
  for (const SloTerm& term : slo) {
    const ConfidenceInterval* ci = nullptr;
    switch (term.metric) {
      case SloMetric::p50: ci = &m.p50; break;
      case SloMetric::p90: ci = &m.p90; break;
      case SloMetric::p99: ci = &m.p99; break;
      case SloMetric::p999: ci = &m.p999; break;
      case SloMetric::mean: ci = &m.mean; break;
      case SloMetric::errors: return false;
    }
    if (ci->samples < kMinBatches || !(ci->half_width > 0.0)) return false;
    const int dof = ci->samples - 1;
    const double half = ci->half_width * student_t_quantile(0.995, dof) / student_t_quantile(0.975, dof);
    if (!(ci->value + half < term.limit)) return false;
  }
  return true;
}

}  // namespace servesim::detail
