#include "sim/shared_cpu.hpp"

#include <algorithm>

namespace servesim::detail {

double SharedCpu::rate_per_job() const noexcept {
  const auto n = static_cast<double>(jobs_.size());
  return n <= cores_ ? speed_ : speed_ * cores_ / n;
}

void SharedCpu::advance(double now) noexcept {
  if (!jobs_.empty()) virtual_time_ += rate_per_job() * (now - last_update_);
  last_update_ = now;
}

void SharedCpu::refresh(double now) noexcept {
  busy_cores_.set(now, static_cast<double>(std::min<std::size_t>(jobs_.size(), cores_)));
  next_completion_ = jobs_.empty()
                         ? std::numeric_limits<double>::infinity()
                         : now + std::max(0.0, jobs_.front().finish - virtual_time_) / rate_per_job();
}

void SharedCpu::add(double now, std::uint32_t id, double work) {
  advance(now);
  jobs_.push_back(Job{virtual_time_ + work, next_order_++, id});
  std::push_heap(jobs_.begin(), jobs_.end(), later);
  refresh(now);
}

std::uint32_t SharedCpu::complete(double now) {
  advance(now);
  std::pop_heap(jobs_.begin(), jobs_.end(), later);
  const std::uint32_t id = jobs_.back().id;
  // Snap the clock to the finished job, so rounding never lets it drift ahead.
  virtual_time_ = std::max(virtual_time_, jobs_.back().finish);
  jobs_.pop_back();
  refresh(now);
  return id;
}

}  // namespace servesim::detail
