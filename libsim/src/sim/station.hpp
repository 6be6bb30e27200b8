#pragma once
// A multi-server first-come first-served station outside the servers: a
// database executing up to `connections` queries at once, or a downstream
// service with a concurrency cap. Requests queue for a server in arrival
// order; the engine times each service and says when it ends. Without a cap
// nobody queues: an infinite-server delay whose busy count is the
// concurrency in use.

#include <cstdint>
#include <limits>
#include <optional>

#include "core/fifo_queue.hpp"
#include "core/time_average.hpp"

namespace servesim::detail {

class Station {
 public:
  static constexpr int kUnbounded = std::numeric_limits<int>::max();

  /// `servers` >= 1, or kUnbounded.
  explicit Station(int servers) noexcept : servers_(servers) {}

  /// Request `id` arrives at `now`: true if a server takes it, false if it queues.
  bool arrive(double now, std::uint32_t id) {
    if (busy_ < servers_) {
      busy_ += 1;
      busy_area_.set(now, busy_);
      return true;
    }
    queue_.push(id);
    queued_area_.set(now, static_cast<double>(queue_.size()));
    return false;
  }

  /// A service ends at `now`; returns the oldest queued request, which takes the freed server.
  std::optional<std::uint32_t> depart(double now) {
    if (queue_.empty()) {
      busy_ -= 1;
      busy_area_.set(now, busy_);
      return std::nullopt;
    }
    const std::uint32_t next = queue_.pop();
    queued_area_.set(now, static_cast<double>(queue_.size()));
    return next;
  }

  /// Takes queued request `id` out of the queue (it gave up), keeping the
  /// others' order. O(queue length): only for rare events.
  void withdraw(double now, std::uint32_t id) {
    withdraw_from(queue_, id);
    queued_area_.set(now, static_cast<double>(queue_.size()));
  }

  [[nodiscard]] int servers() const noexcept { return servers_; }
  /// Server-seconds of work from time 0 to `now`.
  [[nodiscard]] double busy_area(double now) const noexcept { return busy_area_.area_until(now); }
  /// Request-seconds spent queueing from time 0 to `now`.
  [[nodiscard]] double queued_area(double now) const noexcept { return queued_area_.area_until(now); }

  /// Removes the first `id` from `queue`, keeping the others' order: O(1)
  /// at the head (where a timeout finds it), else O(queue length).
  static void withdraw_from(FifoQueue& queue, std::uint32_t id) {
    if (queue.empty()) return;
    if (queue.front() == id) {
      (void)queue.pop();
      return;
    }
    bool found = false;
    for (std::size_t n = queue.size(); n > 0; --n) {
      const std::uint32_t item = queue.pop();
      if (!found && item == id) {
        found = true;
        continue;
      }
      queue.push(item);
    }
  }

 private:
  int servers_;
  int busy_ = 0;
  FifoQueue queue_;
  TimeAverage busy_area_;
  TimeAverage queued_area_;
};

}  // namespace servesim::detail
