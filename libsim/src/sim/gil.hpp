#pragma once
// A process's global interpreter lock, as CPython 3 implements it: one holder;
// waiters queue in arrival order and take over when the holder lets go. A
// holder that keeps it past the switch interval while others wait is made to
// drop it (the engine times that with a switch-request event) and queues
// again behind them. Only the ownership lives here; whether the holder's
// thread is on a core is the host's business.

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "sim/fifo_queue.hpp"
#include "sim/time_average.hpp"

namespace servesim::detail {

class Gil {
 public:
  static constexpr std::uint32_t kNobody = std::numeric_limits<std::uint32_t>::max();

  /// Request `id` wants the GIL at `now`: true if it holds it now, false if it waits.
  bool acquire(double now, std::uint32_t id) {
    if (holder_ == kNobody) {
      holder_ = id;
      held_.set(now, 1.0);
      return true;
    }
    waiters_.push(id);
    return false;
  }

  /// The holder lets go at `now`; returns the waiter that takes over, if any.
  std::optional<std::uint32_t> release(double now) {
    switches_ += 1;
    if (waiters_.empty()) {
      holder_ = kNobody;
      held_.set(now, 0.0);
      return std::nullopt;
    }
    holder_ = waiters_.pop();
    return holder_;
  }

  /// A forced switch: the holder queues behind the waiters and the oldest
  /// waiter takes over; returns {previous holder, new holder}. Needs a waiter.
  std::pair<std::uint32_t, std::uint32_t> force_switch() {
    const std::uint32_t previous = holder_;
    waiters_.push(previous);
    holder_ = waiters_.pop();
    switches_ += 1;
    return {previous, holder_};
  }

  [[nodiscard]] bool contended() const noexcept { return !waiters_.empty(); }
  /// Counts hand-overs, so a switch request made before one can be recognised as stale.
  [[nodiscard]] std::uint32_t switches() const noexcept { return switches_; }
  /// Seconds the GIL was held, from time 0 to `now`.
  [[nodiscard]] double held_seconds(double now) const noexcept { return held_.area_until(now); }

 private:
  std::uint32_t holder_ = kNobody;
  FifoQueue waiters_;
  std::uint32_t switches_ = 0;
  TimeAverage held_;
};

}  // namespace servesim::detail
