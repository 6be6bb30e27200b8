#pragma once
// Confidence intervals from one full-length run: batch means over its time
// series. plan() reports a candidate its short replications confirmed by one
// full run; those short replications read latencies low (young warm-ups and
// tails), so their spread is no interval for the full run's measures. The
// run's own time series is: consecutive batches of its measured intervals
// behave as nearly independent replications of a shorter run when each batch
// is much longer than the system's memory.

#include "rules/timeline.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/plan/plan.hpp"

namespace servesim::detail {

/// Fewest batches an interval is computed from: below, t_{0.975, k-1} is wide
/// and the spread itself unreliable.
inline constexpr int kMinBatches = 8;
/// A quantile q's batch value is a sample quantile, which behaves as a mean
/// (Bahadur's representation) once it rests on enough observations beyond
/// it: completions x (1 - q) of at least this many in every batch. Tail
/// observations come in clusters (one busy period gives several), so fewer
/// are not enough: on M/M/1 at rho = 0.8, batches with 16 beyond their p999
/// covered the exact p999 in 31 of 40 runs.
inline constexpr double kMinTailSamples = 50.0;

/**
 * metrics_of(result) for a one-replication `result`, with 95 % intervals
 * from batch means within that replication: its measured intervals (the
 * timeline after the warm-up) grouped into at most kBatches consecutive
 * batches of equal numbers of intervals by batch_layout(), the earliest
 * leftover intervals dropped. Each term keeps the run's own value (the fine
 * histogram's quantile, the exact mean); its half-width is t_{0.975, k-1} s /
 * sqrt(k) over the k batch values ("sectioning"). A batch's quantiles are
 * those of its own completions (ReplicationResult::latency_batches, kept by
 * the engines' shared tally). A term gets no interval (half-width 0, samples
 * 1, as a single replication) when the run cannot support one: fewer than
 * kMinBatches batches, a batch without completions, or (a quantile) a batch
 * with too few completions beyond it (kMinTailSamples). `batches` is set to
 * k when the throughput (and so any term) got one.
 */
[[nodiscard]] CandidateMetrics batch_metrics(const Result& result);

/**
 * True when batch_metrics() put every SLO term of `slo` below its limit at
 * 99 % (its 95 % half-width widened by t_{0.995, k-1} / t_{0.975, k-1}), as
 * the staged short replications decide: the run's own batches are then
 * enough confirmation. False when a term has no interval, and for `errors`,
 * whose share the batches give none.
 */
[[nodiscard]] bool batches_below(const CandidateMetrics& m, const std::vector<SloTerm>& slo);

}  // namespace servesim::detail
