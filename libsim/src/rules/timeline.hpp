#pragma once
// The time series of one replication: per interval, what arrived, completed
// and failed, latency quantiles of the completions, and each server's queue
// and busy workers and each host's CPU as differences of the run's
// cumulative time-average areas between the interval's ends.

#include <cstdint>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "rules/interval_histogram.hpp"

namespace servesim::detail {

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

 private:
  std::vector<double> runners_;
  std::vector<double> cores_;
  IntervalStats current_;
  double latency_sum_ = 0.0;
  IntervalHistogram histogram_;
  Areas previous_;
  std::vector<IntervalStats> intervals_;
};

}  // namespace servesim::detail
