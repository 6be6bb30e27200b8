#include "rules/timeline.hpp"

#include <utility>

namespace servesim::detail {

Timeline::Timeline(std::vector<double> runners, std::vector<double> cores)
    : runners_(std::move(runners)), cores_(std::move(cores)) {
  previous_.waiting.assign(runners_.size(), 0.0);
  previous_.busy.assign(runners_.size(), 0.0);
  previous_.cpu.assign(cores_.size(), 0.0);
}

void Timeline::close(double now, const Areas& areas) {
  IntervalStats stats = std::move(current_);
  stats.end = now;
  const double length = now - stats.start;
  stats.throughput = static_cast<double>(stats.completed) / length;
  if (stats.completed) {
    stats.mean_latency = latency_sum_ / static_cast<double>(stats.completed);
    stats.p50 = histogram_.quantile(0.50);
    stats.p99 = histogram_.quantile(0.99);
  }
  for (std::size_t s = 0; s < runners_.size(); ++s) {
    stats.mean_queue_length.push_back((areas.waiting[s] - previous_.waiting[s]) / length);
    stats.worker_busy_fraction.push_back((areas.busy[s] - previous_.busy[s]) / (length * runners_[s]));
  }
  for (std::size_t h = 0; h < cores_.size(); ++h) {
    stats.cpu_utilization.push_back((areas.cpu[h] - previous_.cpu[h]) / (length * cores_[h]));
  }
  intervals_.push_back(std::move(stats));
  previous_ = areas;
  current_ = IntervalStats{};
  current_.start = now;
  latency_sum_ = 0.0;
  histogram_.clear();
}

}  // namespace servesim::detail
