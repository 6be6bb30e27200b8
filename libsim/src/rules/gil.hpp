#pragma once
// A process's global interpreter lock, as CPython 3 implements it: one holder;
// waiters queue in arrival order and take over when the holder lets go. A
// waiter that finds it held asks for a switch (CPython's gil_drop_request),
// once per hand-over; if no hand-over happened by the time the switch
// interval has passed and someone still waits, the holder is made to drop it
// and queues again behind them. Only the ownership and that policy live here:
// each engine times the switch requests and takes the dropped holder off its
// core with its own mechanism (a calendar event and the host's processor
// sharing; an S4U actor that cancels the holder's execution).

#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "core/fifo_queue.hpp"
#include "core/time_average.hpp"

namespace servesim::detail {

/// `Holder` identifies a thread that runs Python code: a request id for the
/// native engine, a request's address for the SimGrid engine; `kNobody` is
/// the value no holder has.
template <class Holder, Holder kNobody>
class BasicGil {
 public:
  /// `holder` wants the GIL at `now`: true if it holds it now, false if it waits.
  bool acquire(double now, Holder holder) {
    if (holder_ == kNobody) {
      holder_ = holder;
      held_.set(now, 1.0);
      return true;
    }
    waiters_.push(holder);
    return false;
  }

  /// The holder lets go at `now`; returns the waiter that takes over, if any.
  std::optional<Holder> release(double now) {
    switches_ += 1;
    if (waiters_.empty()) {
      holder_ = kNobody;
      held_.set(now, 0.0);
      return std::nullopt;
    }
    holder_ = waiters_.pop();
    return holder_;
  }

  /// A waiter asks the holder to drop the GIL after the switch interval.
  /// Returns the hand-over count to time the request for, or nothing if one
  /// is pending for this hand-over already.
  [[nodiscard]] std::optional<std::uint32_t> ask_switch() noexcept {
    if (switch_asked_for_ == switches_) return std::nullopt;
    switch_asked_for_ = switches_;
    return switches_;
  }

  /// Whether the switch asked for at hand-over count `switches` is due: no
  /// hand-over since, and someone waits.
  [[nodiscard]] bool switch_due(std::uint32_t switches) const noexcept {
    return switches_ == switches && contended();
  }

  /// A forced switch: the holder queues behind the waiters and the oldest
  /// waiter takes over; returns {previous holder, new holder}. Needs a waiter.
  std::pair<Holder, Holder> force_switch() {
    const Holder previous = holder_;
    waiters_.push(previous);
    holder_ = waiters_.pop();
    switches_ += 1;
    return {previous, holder_};
  }

  /// The process died at `now`: nobody holds the GIL or waits for it, and a
  /// switch asked for before is stale.
  void abandon(double now) {
    holder_ = kNobody;
    waiters_ = BasicFifoQueue<Holder>{};
    switches_ += 1;
    held_.set(now, 0.0);
  }

  [[nodiscard]] Holder holder() const noexcept { return holder_; }
  [[nodiscard]] bool contended() const noexcept { return !waiters_.empty(); }
  /// Counts hand-overs, so a switch request made before one can be recognised as stale.
  [[nodiscard]] std::uint32_t switches() const noexcept { return switches_; }
  /// Seconds the GIL was held, from time 0 to `now`.
  [[nodiscard]] double held_seconds(double now) const noexcept { return held_.area_until(now); }

 private:
  static constexpr std::uint32_t kNoSwitchAsked = std::numeric_limits<std::uint32_t>::max();

  Holder holder_ = kNobody;
  BasicFifoQueue<Holder> waiters_;
  std::uint32_t switches_ = 0;
  std::uint32_t switch_asked_for_ = kNoSwitchAsked;
  TimeAverage held_;
};

/// The native engine's GIL, held by request ids.
using Gil = BasicGil<std::uint32_t, std::numeric_limits<std::uint32_t>::max()>;

}  // namespace servesim::detail
