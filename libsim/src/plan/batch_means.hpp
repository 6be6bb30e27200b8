#pragma once
// Confidence intervals from one full-length run: batch means over its time
// series. plan() reports a candidate its short replications confirmed by one
// full run; those short replications read latencies low (young warm-ups and
// tails), so their spread is no interval for the full run's measures. The
// run's own time series is: consecutive batches of its measured intervals
// behave as nearly independent replications of a shorter run when each batch
// is much longer than the system's memory.

#include "servesim/metrics/result.hpp"
#include "servesim/plan/plan.hpp"

namespace servesim::detail {

/// Most batches the measured window is cut into. Batch-means practice asks for 10
/// to 30: fewer widen the t quantile, more make neighbouring batches short
/// enough to correlate (which narrows the interval falsely).
inline constexpr int kBatches = 20;
/// Fewest batches an interval is computed from: below, t_{0.975, k-1} is wide
/// and the spread itself unreliable.
inline constexpr int kMinBatches = 8;
/// A quantile q's batch value averages its intervals' q-quantiles, which is
/// honest once each interval holds enough observations beyond the quantile
/// for the sample quantile to behave as a mean (Bahadur's representation):
/// completions x (1 - q) of at least this many in every interval.
inline constexpr double kMinTailSamples = 10.0;

/**
 * metrics_of(result) for a one-replication `result`, with 95 % intervals
 * from batch means within that replication: its measured intervals (the
 * timeline after the warm-up) grouped into at most kBatches consecutive
 * batches of equal numbers of intervals, the earliest leftover intervals dropped. Each term keeps the run's own value
 * (the fine histogram's quantile, the exact mean); its half-width is
 * t_{0.975, k-1} s / sqrt(k) over the k batch values (for quantiles
 * "sectioning": each batch's value is its intervals' quantiles averaged by
 * completions). A term gets no interval (half-width 0, samples 1, as a single
 * replication) when the timeline cannot support one: fewer than kMinBatches
 * batches, an interval with too few completions beyond the quantile
 * (kMinTailSamples), or p90 and p999, which the timeline does not keep.
 * `batches` is set to k when the throughput (and so any term) got one.
 */
[[nodiscard]] CandidateMetrics batch_metrics(const Result& result);

}  // namespace servesim::detail
