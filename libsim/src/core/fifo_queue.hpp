#pragma once
// A first-in first-out queue of request (or process) handles: a ring buffer
// that grows on demand and then keeps its capacity, so steady state allocates
// nothing. Used for accept backlogs, thread-pool queues, event-loop ready
// queues and GIL waiters.

#include <cstdint>
#include <utility>
#include <vector>

namespace servesim::detail {

template <class T>
class BasicFifoQueue {
 public:
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  [[nodiscard]] std::size_t size() const noexcept { return size_; }

  void push(T id) {
    if (size_ == ring_.size()) grow();
    ring_[(head_ + size_) % ring_.size()] = id;
    size_ += 1;
  }

  /// The oldest id; the queue must not be empty.
  [[nodiscard]] T front() const noexcept { return ring_[head_]; }

  /// Removes and returns the oldest id; the queue must not be empty.
  T pop() noexcept {
    const T id = ring_[head_];
    head_ = (head_ + 1) % ring_.size();
    size_ -= 1;
    return id;
  }

 private:
  void grow() {
    std::vector<T> bigger(ring_.empty() ? 16 : 2 * ring_.size());
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = ring_[(head_ + i) % ring_.size()];
    ring_ = std::move(bigger);
    head_ = 0;
  }

  std::vector<T> ring_;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

/// Request and process ids, as the native engine numbers them.
using FifoQueue = BasicFifoQueue<std::uint32_t>;

}  // namespace servesim::detail
