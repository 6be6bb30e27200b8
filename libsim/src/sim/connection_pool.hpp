#pragma once
// One server process's SQLAlchemy QueuePool for one database: up to `size`
// kept connections plus `max_overflow` opened under load, so at most
// size + max_overflow checked out at once (opening one is taken as free).
// A checkout that finds none waits in line; the engine times its timeout.

#include <cstdint>
#include <optional>

#include "core/fifo_queue.hpp"
#include "sim/station.hpp"

namespace servesim::detail {

class ConnectionPoolRuntime {
 public:
  explicit ConnectionPoolRuntime(int capacity) noexcept : capacity_(capacity) {}

  /// Request `id` asks for a connection: true if it has one, false if it waits.
  bool checkout(std::uint32_t id) {
    if (in_use_ < capacity_) {
      in_use_ += 1;
      return true;
    }
    waiters_.push(id);
    return false;
  }

  /// A connection comes back; returns the oldest waiter, which takes it.
  std::optional<std::uint32_t> checkin() {
    if (waiters_.empty()) {
      in_use_ -= 1;
      return std::nullopt;
    }
    return waiters_.pop();
  }

  /// Waiter `id` gives up (its checkout timed out, or its process died).
  void withdraw(std::uint32_t id) { Station::withdraw_from(waiters_, id); }

 private:
  int capacity_;
  int in_use_ = 0;
  FifoQueue waiters_;
};

}  // namespace servesim::detail
