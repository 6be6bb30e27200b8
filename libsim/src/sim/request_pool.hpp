#pragma once
// In-flight requests: a slab of small records recycled through a free list,
// so steady state allocates nothing and a request is a 32-bit index.

#include <cstdint>
#include <vector>

namespace servesim::detail {

inline constexpr std::uint32_t kNoUser = 0xFFFFFFFFU;

/// Where a request is outside its server: at a database, a downstream service or a model server.
enum class DependencyState : std::uint8_t {
  none,
  pool_wait,    ///< waiting for a pooled connection to database `dependency`
  query_queue,  ///< holding a connection, queued at the database
  query,        ///< holding a connection, its query running
  call_queue,   ///< queued for a concurrency slot of service `dependency`
  call,         ///< its call to service `dependency` in progress
  task,         ///< awaiting the task it enqueued (wait: true)
  infer_queue,  ///< waiting at model server `dependency` for a batch
  infer,        ///< in a batch running at model server `dependency`
};

// A task (Celery/RQ) is a request too, to its pool's server, with an
// endpoint index past the scenario's endpoints: its first_sent is when it was
// published, its arrival when a worker took it.
struct Request {
  double arrival = 0.0;          // when it reached its server (the client sent it earlier through a balancer)
  double first_sent = 0.0;       // when the client sent the request's first attempt
  double remaining_work = 0.0;   // of a cpu step waiting for the GIL; of a query or call waiting its turn
  std::uint32_t endpoint = 0;
  std::uint32_t route = 0;       // its endpoint's route on the server serving it
  std::uint32_t user = kNoUser;  // closed-workload user waiting for it
  std::uint32_t generation = 0;  // bumped on release, so stale timers are recognised
  std::uint32_t process = 0;     // the process that accepted it
  std::int32_t phase = -1;       // index of the current step of its route
  std::uint32_t dependency = 0;  // the database or service it is at
  std::uint32_t parent = kNoUser;       // a task: the request awaiting it, if any
  std::uint32_t parent_generation = 0;  // ... while that request's generation is this
  DependencyState at = DependencyState::none;
  std::uint8_t attempt = 1;      // 1 for the first attempt, 2 for the first retry, ...
  bool timed_out = false;        // the client gave up; the server still finishes it
  bool rejected = false;         // answered 503 (uvicorn limit_concurrency)
  bool new_connection = true;    // pays connection set-up
  bool started = false;          // a thread or the loop has begun to serve it
  bool queued = false;           // waited before it started
  bool responded = false;        // its response has left (background work may follow)
  bool holds_thread = false;
  bool holds_loop = false;
  bool holds_gil = false;
  bool on_cpu = false;           // running on its host's cores
  bool held = false;             // accepted by `process` (or answered 503 there), not yet finished
  double waiting_since = 0.0;    // when it began waiting for a pooled connection or a batch (kept off the hot fields)
};

class RequestPool {
 public:
  std::uint32_t acquire() {
    if (free_.empty()) {
      slab_.emplace_back();
      return static_cast<std::uint32_t>(slab_.size() - 1);
    }
    const std::uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }

  void release(std::uint32_t id) {
    Request& r = slab_[id];
    const std::uint32_t next_generation = r.generation + 1;
    r = Request{};
    r.generation = next_generation;
    free_.push_back(id);
  }

  Request& operator[](std::uint32_t id) noexcept { return slab_[id]; }
  [[nodiscard]] std::size_t in_flight() const noexcept { return slab_.size() - free_.size(); }
  /// Ids run from 0 to capacity() - 1, free ones included.
  [[nodiscard]] std::uint32_t capacity() const noexcept { return static_cast<std::uint32_t>(slab_.size()); }

 private:
  std::vector<Request> slab_;
  std::vector<std::uint32_t> free_;
};

}  // namespace servesim::detail
