#pragma once
// The future event list of the native engine: a binary min-heap of small
// plain events in one vector. The vector keeps its capacity, so a run in
// steady state allocates nothing per event.

#include <cstdint>
#include <vector>

namespace servesim::detail {

/// What an event does when it fires; `subject` says to whom.
enum class EventType : std::uint8_t {
  open_arrival,   ///< next request of an open workload
  user_send,      ///< closed-workload user `subject` sends its next request
  wait_done,      ///< request `subject` (if still generation `tag`) finished a wait
  client_timeout, ///< request `subject` (if still generation `tag`) timed out
  gil_switch,     ///< process `subject` asks its GIL holder to drop it, if `tag` == its switch count
  worker_timeout, ///< process `subject`'s request may have run past the worker timeout
  worker_boot,    ///< process `subject` restarted after a kill and serves again
  graceful_timeout,  ///< process `subject`, if still retiring in life `tag`, is killed
  interval_end,   ///< a time-series interval closes
  warmup_end,     ///< the measured window starts
  dependency_done,  ///< request `subject` (if still generation `tag`) ends its query or call
  pool_timeout,     ///< request `subject` (if still generation `tag`) may have waited out its pool's timeout
  network_arrival,  ///< request `subject` has crossed the network to its server
  retry_send,     ///< request `subject`, a retry of a failed attempt, is sent after its backoff
  connection_open,     ///< connection group `subject` opens its next connection
  connection_reconnect,  ///< a client of connection group `subject` connects again after a drop
  connection_close,    ///< connection `subject` (if still generation `tag`) closes
  connection_message,  ///< connection group `subject`'s next message, if `tag` is its message generation
  stream_chunk,        ///< connection `subject` (if still generation `tag`) writes its next chunk
  batch_timer,         ///< model server `subject`'s oldest request may have waited out its max_queue_delay
  batch_done,          ///< model server `subject`'s instance `tag` ends its batch
};

struct Event {
  double time;
  std::uint64_t sequence;  // tie-break: equal times fire in scheduling order (determinism)
  std::uint32_t subject;
  std::uint32_t tag;
  EventType type;
};

class EventCalendar {
 public:
  void schedule(double time, EventType type, std::uint32_t subject = 0, std::uint32_t tag = 0) {
    heap_.push_back(Event{time, next_sequence_++, subject, tag, type});
    sift_up(heap_.size() - 1);
  }

  [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
  [[nodiscard]] double next_time() const noexcept { return heap_.front().time; }
  [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }

  Event pop() {
    Event top = heap_.front();
    heap_.front() = heap_.back();
    heap_.pop_back();
    if (!heap_.empty()) sift_down(0);
    return top;
  }

 private:
  static bool earlier(const Event& a, const Event& b) noexcept {
    return a.time < b.time || (a.time == b.time && a.sequence < b.sequence);
  }

  void sift_up(std::size_t i) noexcept {
    const Event moving = heap_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!earlier(moving, heap_[parent])) break;
      heap_[i] = heap_[parent];
      i = parent;
    }
    heap_[i] = moving;
  }

  void sift_down(std::size_t i) noexcept {
    const std::size_t n = heap_.size();
    const Event moving = heap_[i];
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && earlier(heap_[child + 1], heap_[child])) ++child;
      if (!earlier(heap_[child], moving)) break;
      heap_[i] = heap_[child];
      i = child;
    }
    heap_[i] = moving;
  }

  std::vector<Event> heap_;
  std::uint64_t next_sequence_ = 0;
};

}  // namespace servesim::detail
