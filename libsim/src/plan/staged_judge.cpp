#include "plan/staged_judge.hpp"

#include <cmath>
#include <utility>

#include "servesim/metrics/statistics.hpp"

namespace servesim::detail {
namespace {

// Decisive verdicts stand on 99 % intervals (the summaries' own are 95 %).
constexpr double kDecisiveLevel = 0.995;
// A term within this share of its predicted final half-width of its limit
// stays undecided: its value would have to move by half an interval.
constexpr double kGiveUpShare = 0.5;

// The latency terms' interval in the result; none for `errors`, which the
// result keeps only as a pooled share.
const ConfidenceInterval* latency_interval(const Result& r, SloMetric metric) {
  switch (metric) {
    case SloMetric::p50: return &r.latency.p50;
    case SloMetric::p90: return &r.latency.p90;
    case SloMetric::p99: return &r.latency.p99;
    case SloMetric::p999: return &r.latency.p999;
    case SloMetric::mean: return &r.latency.mean;
    case SloMetric::errors: return nullptr;
  }
  return nullptr;
}

}  // namespace

double slo_measure(const Result& r, SloMetric metric) {
  const ConfidenceInterval* latency = latency_interval(r, metric);
  return latency ? latency->value : r.error_rate;
}

ConfidenceInterval slo_interval(const Result& r, SloMetric metric) {
  if (const ConfidenceInterval* latency = latency_interval(r, metric)) return *latency;
  std::vector<double> shares;
  shares.reserve(r.replications.size());
  for (const ReplicationResult& rep : r.replications) {
    const double attempts = double(rep.completed + rep.errors.total());
    shares.push_back(attempts > 0.0 ? double(rep.errors.total()) / attempts : 0.0);
  }
  return mean_ci(shares);
}

std::optional<bool> decisive_verdict(const Result& r, const std::vector<SloTerm>& slo, bool may_meet) {
  bool below = may_meet;
  for (const SloTerm& term : slo) {
    const ConfidenceInterval ci = slo_interval(r, term.metric);
    if (ci.samples < 2 || !std::isfinite(ci.half_width)) return std::nullopt;
    const double half = ci.half_width * student_t_quantile(kDecisiveLevel, ci.samples - 1) /
                        student_t_quantile(0.975, ci.samples - 1);
    if (ci.value - half > term.limit) return false;
    below = below && ci.value + half < term.limit;
  }
  if (below) return true;
  return std::nullopt;
}

bool cannot_decide(const Result& r, const std::vector<SloTerm>& slo, int more) {
  bool near = false;
  for (const SloTerm& term : slo) {
    const ConfidenceInterval ci = slo_interval(r, term.metric);
    if (ci.samples < 2 || !std::isfinite(ci.half_width)) return false;
    const int n = ci.samples, total = ci.samples + more;
    const double spread = ci.half_width / student_t_quantile(0.975, n - 1) * std::sqrt(double(n));
    const double later = student_t_quantile(kDecisiveLevel, total - 1) * spread / std::sqrt(double(total));
    const double distance = ci.value - term.limit;
    if (distance >= kGiveUpShare * later) return false;  // it may yet be rejected on this term
    near = near || std::abs(distance) < kGiveUpShare * later;
  }
  return near;
}

StagedVerdict judge_in_stages(std::span<const int> stages, std::uint64_t first_seed, const RunStage& run,
                              const DecideStage& decide, const GiveUpStage& give_up) {
  StagedVerdict out;
  std::vector<ReplicationResult> replications;
  int more = 0;
  for (const int count : stages) more += count;
  for (std::size_t stage = 0; stage < stages.size(); ++stage) {
    Result r = run(stages[stage], kStageShare * stages[stage], first_seed + stage);
    for (ReplicationResult& rep : r.replications) {
      rep.index = static_cast<int>(replications.size());
      replications.push_back(std::move(rep));
    }
    out.pooled = summarize(std::move(r.scenario), first_seed, replications);
    out.verdict = decide(out.pooled);
    if (out.verdict) break;
    more -= stages[stage];
    if (give_up && more > 0 && give_up(out.pooled, more)) break;
  }
  return out;
}

}  // namespace servesim::detail
