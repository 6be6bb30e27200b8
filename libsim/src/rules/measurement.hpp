#pragma once
// What both engines measure in a replication, and over which window: the
// warm-up they discard, the time series' interval, and the hook told of each
// interval's end.

#include <functional>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// Where the measured window starts and how finely the timeline is cut.
struct Measurement {
  double warmup = 0.0;    ///< seconds discarded
  double interval = 1.0;  ///< timeline interval, seconds
};

/// Told the simulated time at every interval's end; may throw to stop the run.
using IntervalHook = std::function<void(double simulated_time)>;

/// The time series' interval (seconds): run.interval if set, else a hundredth of the run.
[[nodiscard]] inline double timeline_interval(double interval, double duration) noexcept {
  constexpr int kDefaultIntervals = 100;
  return interval > 0.0 ? interval : duration / kDefaultIntervals;
}

[[nodiscard]] inline double timeline_interval(const RunConfig& run) noexcept {
  return timeline_interval(run.interval, run.duration);
}

}  // namespace servesim::detail
