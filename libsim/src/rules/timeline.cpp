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
  const double start = stats.start;
  intervals_.push_back(std::move(stats));
  if (in_batch_) {
    const std::size_t position = intervals_.size() - 1 - first_measured_ - layout_.first;
    if (position % layout_.per_batch == 0) batch_start_ = start;
    if (position % layout_.per_batch == layout_.per_batch - 1) {
      LatencyBatch batch;
      batch.start = batch_start_;
      batch.end = now;
      batch.completed = batch_histogram_->count();
      if (batch.completed) {
        batch.p50 = batch_histogram_->quantile(0.50);
        batch.p90 = batch_histogram_->quantile(0.90);
        batch.p99 = batch_histogram_->quantile(0.99);
        batch.p999 = batch_histogram_->quantile(0.999);
      }
      batches_.push_back(batch);
      batch_histogram_.emplace();
    }
  }
  previous_ = areas;
  current_ = IntervalStats{};
  current_.start = now;
  latency_sum_ = 0.0;
  histogram_.clear();
  enter_interval();
}

void Timeline::batch_from(double warmup, double interval, double duration) {
  // The intervals' starts as the engines compute them: interval x n, exactly.
  layout_ = BatchLayout{};
  if (!(interval > 0.0)) return;
  std::size_t total = 0;
  first_measured_ = 0;
  bool found = false;
  for (std::size_t n = 0; interval * static_cast<double>(n) < duration; ++n) {
    ++total;
    if (!found && interval * static_cast<double>(n) >= warmup) {
      first_measured_ = n;
      found = true;
    }
    if (interval >= duration) break;  // one interval: the engines never cut the run
  }
  layout_ = found ? batch_layout(total - first_measured_) : BatchLayout{};
  if (layout_.count == 0) return;
  batch_histogram_.emplace();
  enter_interval();
}

void Timeline::enter_interval() noexcept {
  const std::size_t index = intervals_.size();
  in_batch_ = layout_.count > 0 && index >= first_measured_ + layout_.first &&
              index < first_measured_ + layout_.first + layout_.count * layout_.per_batch;
}

}  // namespace servesim::detail
