#include "sim/shared_cpu.hpp"

#include <algorithm>
#include <cassert>

namespace servesim::detail {

// Each runnable thread's progress: a whole core's until there are more threads than cores.
double SharedCpu::rate_per_job() const noexcept {
  const auto n = static_cast<double>(threads_);
  return n <= cores_ ? speed_ : speed_ * cores_ / n;
}

void SharedCpu::advance(double now) noexcept {
  if (!jobs_.empty()) virtual_time_ += rate_per_job() * (now - last_update_);
  last_update_ = now;
}

void SharedCpu::refresh(double now) noexcept {
  busy_cores_.set(now, static_cast<double>(std::min<std::size_t>(threads_, cores_)));
  next_completion_ = jobs_.empty()
                         ? std::numeric_limits<double>::infinity()
                         : now + std::max(0.0, jobs_.front().finish - virtual_time_) / rate_per_job();
}

void SharedCpu::place(std::size_t slot, const Job& job) {
  jobs_[slot] = job;
  slot_[job.id] = static_cast<std::uint32_t>(slot);
}

void SharedCpu::sift_up(std::size_t slot) {
  const Job moving = jobs_[slot];
  while (slot > 0) {
    const std::size_t parent = (slot - 1) / 2;
    if (!earlier(moving, jobs_[parent])) break;
    place(slot, jobs_[parent]);
    slot = parent;
  }
  place(slot, moving);
}

void SharedCpu::sift_down(std::size_t slot) {
  const std::size_t n = jobs_.size();
  const Job moving = jobs_[slot];
  for (;;) {
    std::size_t child = 2 * slot + 1;
    if (child >= n) break;
    if (child + 1 < n && earlier(jobs_[child + 1], jobs_[child])) ++child;
    if (!earlier(jobs_[child], moving)) break;
    place(slot, jobs_[child]);
    slot = child;
  }
  place(slot, moving);
}

SharedCpu::Job SharedCpu::remove_at(std::size_t slot) {
  const Job removed = jobs_[slot];
  slot_[removed.id] = kAbsent;
  threads_ -= static_cast<std::size_t>(removed.threads);
  const Job last = jobs_.back();
  jobs_.pop_back();
  if (slot < jobs_.size()) {
    place(slot, last);
    sift_up(slot);
    sift_down(slot_[last.id]);
  }
  return removed;
}

void SharedCpu::add(double now, std::uint32_t id, double work, int threads) {
  advance(now);
  if (id >= slot_.size()) slot_.resize(std::max<std::size_t>(id + 1, 2 * slot_.size()), kAbsent);
  assert(slot_[id] == kAbsent && threads >= 1);
  threads_ += static_cast<std::size_t>(threads);
  jobs_.push_back(Job{virtual_time_ + work / threads, next_order_++, id, threads});
  sift_up(jobs_.size() - 1);
  refresh(now);
}

std::uint32_t SharedCpu::complete(double now) {
  advance(now);
  const Job done = remove_at(0);
  // Snap the clock to the finished job, so rounding never lets it drift ahead.
  virtual_time_ = std::max(virtual_time_, done.finish);
  refresh(now);
  return done.id;
}

double SharedCpu::preempt(double now, std::uint32_t id) {
  advance(now);
  assert(id < slot_.size() && slot_[id] != kAbsent);
  const Job job = remove_at(slot_[id]);
  refresh(now);
  return std::max(0.0, job.finish - virtual_time_) * job.threads;
}

}  // namespace servesim::detail
