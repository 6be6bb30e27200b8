#include "rules/task_queue.hpp"

#include <algorithm>

namespace servesim::detail {

BrokerStats broker_stats(const Broker& spec, const ServiceCounts& counts, double busy_area, double queued_area,
                         double span) {
  const CacheStats station = cache_stats(Cache{spec.name, spec.threads, spec.command_time}, counts, busy_area,
                                         queued_area, span);
  return BrokerStats{station.name,      station.utilization,   station.mean_queue_length,
                     station.mean_wait, station.mean_response, station.commands};
}

double TaskPoolTally::mean_queue(double from, double to) const {
  const auto at = [&](double t) {
    const auto it = std::lower_bound(samples_.begin(), samples_.end(), std::pair{t, 0.0},
                                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return it == samples_.end() ? samples_.back() : *it;
  };
  const auto [t0, a0] = at(from);
  const auto [t1, a1] = at(to);
  return t1 > t0 ? (a1 - a0) / (t1 - t0) : 0.0;
}

TaskPoolStats TaskPoolTally::stats(const std::string& name, int concurrency, double warmup, double end, double busy,
                                   double queued) const {
  const double span = end - warmup;
  TaskPoolStats stats;
  stats.name = name;
  stats.completed = completed_;
  stats.throughput = static_cast<double>(completed_) / span;
  stats.utilization = busy / (span * concurrency);
  stats.mean_queue_length = queued / span;
  stats.wait = LatencyStats::from(wait_);
  stats.run = LatencyStats::from(run_);
  // As the servers' stability check does: the queue's mean over a tenth of
  // the window after its middle against the same at its end.
  if (!samples_.empty()) {
    const double middle = warmup + span / 2.0;
    const double block = span / 10.0;
    const double rise = mean_queue(end - block, end) - mean_queue(middle, middle + block);
    stats.queue_growth = rise / (end - middle - block);
  }
  return stats;
}

}  // namespace servesim::detail
