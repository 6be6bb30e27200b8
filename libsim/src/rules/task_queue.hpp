#pragma once
// What both engines keep of task pools and brokers, and how it becomes their
// statistics. A pool's queue is the backlog of the server it runs as (see
// task_pool_servers in rules/route.hpp); a broker is a call station.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rules/resource_stats.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/result.hpp"

namespace servesim::detail {

/// A broker's statistics, from the counts and areas of its call station.
[[nodiscard]] BrokerStats broker_stats(const Broker& spec, const ServiceCounts& counts, double busy_area,
                                       double queued_area, double span);

/// One task pool's measured window: its tasks' waits and runs, and its queue's area over time.
class TaskPoolTally {
 public:
  /// A task of the measured window ended, having waited `wait` and run `run` seconds.
  void ended(double wait, double run) {
    completed_ += 1;
    wait_.record(wait);
    run_.record(run);
  }
  /// The area under the queue's length (task-seconds) at `now`; the engines
  /// sample it at the warm-up's end, at each time-series interval and at the run's end.
  void sample(double now, double queue_area) { samples_.emplace_back(now, queue_area); }

  /// The statistics over the measured window from `warmup` to `end`, given
  /// the pool's busy worker-seconds and queue task-seconds in it.
  [[nodiscard]] TaskPoolStats stats(const std::string& name, int concurrency, double warmup, double end,
                                    double busy, double queued) const;

 private:
  // The queue's mean length between the samples nearest `from` and `to`.
  [[nodiscard]] double mean_queue(double from, double to) const;

  std::uint64_t completed_ = 0;
  LatencyHistogram wait_;
  LatencyHistogram run_;
  std::vector<std::pair<double, double>> samples_;  // (time, queue area), in time order
};

}  // namespace servesim::detail
