#pragma once
// The time series of one replication: per interval, what arrived, completed
// and failed, latency quantiles of the completions, and each server's queue
// and busy workers and each host's CPU as differences of the run's
// cumulative time-average areas between the interval's ends. The measured
// intervals are also grouped into batches, each with a histogram of its own
// completions, for batch means of the tail quantiles.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "rules/interval_histogram.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/result.hpp"

namespace servesim::detail {

/// Most batches the measured intervals are cut into. Batch-means practice asks
/// for 10 to 30: fewer widen the t quantile, more make neighbouring batches
/// short enough to correlate (which narrows the interval falsely).
inline constexpr std::size_t kBatches = 20;

/// How `measured` consecutive intervals form batches: `count` batches of
/// `per_batch` intervals each, after the `first` (earliest, nearest the
/// warm-up) leftover intervals, which belong to none.
struct BatchLayout {
  std::size_t first = 0;
  std::size_t per_batch = 1;
  std::size_t count = 0;
};

[[nodiscard]] constexpr BatchLayout batch_layout(std::size_t measured) noexcept {
  BatchLayout layout;
  layout.per_batch = std::max<std::size_t>(1, (measured + kBatches - 1) / kBatches);
  layout.count = measured / layout.per_batch;
  layout.first = measured - layout.count * layout.per_batch;
  return layout;
}

class Timeline {
 public:
  /// Areas under the resources' curves from time 0 to one instant.
  struct Areas {
    std::vector<double> waiting;  ///< per server: request-seconds waiting
    std::vector<double> busy;     ///< per server: runner-seconds at work
    std::vector<double> cpu;      ///< per host: busy core-seconds
  };

  Timeline() = default;
  /// `runners`: each server's threads or loops; `cores`: each host's cores.
  Timeline(std::vector<double> runners, std::vector<double> cores);

  void arrival(bool retry) noexcept {
    current_.arrivals += 1;
    if (retry) current_.retries += 1;
  }
  void completion(double latency, bool within_slo) noexcept {
    current_.completed += 1;
    if (within_slo) current_.within_slo += 1;
    latency_sum_ += latency;
    histogram_.record(latency);
    if (in_batch_) batch_histogram_->record(latency);
  }
  void error() noexcept { current_.errors += 1; }

  /// Where the open interval began (seconds).
  [[nodiscard]] double start() const noexcept { return current_.start; }
  /// When the open interval should close: the next multiple of `interval`
  /// seconds (a multiple, not a sum of lengths, so rounding never adds a
  /// sliver of an interval at the end of a run).
  [[nodiscard]] double next_end(double interval) const noexcept {
    return interval * static_cast<double>(intervals_.size() + 1);
  }
  /// Closes the open interval at `now` (> start()), given the areas until `now`.
  void close(double now, const Areas& areas);
  /// The closed intervals, moved out.
  [[nodiscard]] std::vector<IntervalStats> take() noexcept { return std::move(intervals_); }

  /// Batches the intervals that start at or after `warmup` seconds, in a run
  /// of `duration` seconds cut every `interval` seconds (the engines' ends:
  /// multiples of `interval` below `duration`, then `duration`), by
  /// batch_layout(). Called when measuring starts, before any of them closes.
  void batch_from(double warmup, double interval, double duration);
  /// The batches closed so far, moved out (a run stopped early leaves its last one open).
  [[nodiscard]] std::vector<LatencyBatch> take_batches() noexcept { return std::move(batches_); }

 private:
  std::vector<double> runners_;
  std::vector<double> cores_;
  IntervalStats current_;
  double latency_sum_ = 0.0;
  IntervalHistogram histogram_;
  Areas previous_;
  std::vector<IntervalStats> intervals_;

  // Which batch the open interval belongs to, from its index.
  void enter_interval() noexcept;
  std::size_t first_measured_ = 0;  // index of the first interval starting at or after the warm-up
  BatchLayout layout_;              // count 0: not batching
  bool in_batch_ = false;
  std::optional<LatencyHistogram> batch_histogram_;  // the open batch's completions
  double batch_start_ = 0.0;
  std::vector<LatencyBatch> batches_;
};

}  // namespace servesim::detail
