#pragma once
// A first-in first-out queue of request (or process) ids: a ring buffer that
// grows on demand and then keeps its capacity, so steady state allocates
// nothing. Used for accept backlogs, thread-pool queues, event-loop ready
// queues and GIL waiters.

#include <cstdint>
#include <utility>
#include <vector>

namespace servesim::detail {

class FifoQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void push(std::uint32_t id) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) % ring_.size()] = id;
    size_ += 1;
  }

  /// The oldest id; the queue must not be empty.
  [[nodiscard]] std::uint32_t front() const noexcept { return ring_[head_]; }

  /// Removes and returns the oldest id; the queue must not be empty.
  std::uint32_t pop() noexcept {
    const std::uint32_t id = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    size_ -= 1;
    return id;
  }

 private:
  void grow() {
    std::vector<std::uint32_t> bigger(ring_.empty() ? 16 : 2 * ring_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) % ring_.size()];
    ring_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<std::uint32_t> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace servesim::detail
