#pragma once
// A Gunicorn `sync` worker pool: `workers` single-threaded processes, each
// serving one request at a time, fed from one shared kernel accept backlog
// of fixed capacity. A connection that finds the backlog full is refused.

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/time_average.hpp"

namespace servesim::detail {

class SyncWorkerPool {
 public:
  SyncWorkerPool(int workers, int backlog)
      : workers_(workers), backlog_(static_cast<std::size_t>(backlog)) {}

  enum class Admission { started, queued, refused };

  /// A connection for request `id` arrives at `now`.
  Admission admit(double now, std::uint32_t id) {
    if (busy_ < workers_) {
      set_busy(now, busy_ + 1);
      return Admission::started;
    }
    if (queued_ >= backlog_) return Admission::refused;
    push(id);
    queue_length_.set(now, static_cast<double>(queued_));
    return Admission::queued;
  }

  /// A worker finished its request at `now`; returns the next request it takes, if any.
  std::optional<std::uint32_t> release(double now) {
    if (queued_ == 0) {
      set_busy(now, busy_ - 1);
      return std::nullopt;
    }
    const std::uint32_t next = pop();
    queue_length_.set(now, static_cast<double>(queued_));
    return next;
  }

  [[nodiscard]] int workers() const noexcept { return workers_; }
  [[nodiscard]] double busy_worker_seconds(double now) const noexcept {
    return busy_workers_.area_until(now);
  }
  [[nodiscard]] double queued_seconds(double now) const noexcept {
    return queue_length_.area_until(now);
  }

 private:
  void set_busy(double now, int busy) noexcept {
    busy_ = busy;
    busy_workers_.set(now, busy);
  }

  // The backlog is a ring buffer that grows on demand up to its capacity.
  void push(std::uint32_t id) {
    if (queued_ == ring_.size()) grow();
    ring_[(head_ + queued_) % ring_.size()] = id;
    queued_ += 1;
  }
  std::uint32_t pop() noexcept {
    const std::uint32_t id = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    queued_ -= 1;
    return id;
  }
  void grow() {
    std::vector<std::uint32_t> bigger(ring_.empty() ? 16 : 2 * ring_.size());
    for (std::size_t i = 0; i < queued_; ++i) bigger[i] = ring_[(head_ + i) % ring_.size()];
    ring_ = std::move(bigger);
    head_ = 0;
  }

  int workers_;
  std::size_t backlog_;
  int busy_ = 0;
  std::vector<std::uint32_t> ring_;
  std::size_t head_ = 0;
  std::size_t queued_ = 0;
  TimeAverage busy_workers_;
  TimeAverage queue_length_;
};

}  // namespace servesim::detail
