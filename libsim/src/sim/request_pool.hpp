#pragma once
// In-flight requests: a slab of small records recycled through a free list,
// so steady state allocates nothing and a request is a 32-bit index.

#include <cstdint>
#include <vector>

namespace servesim::detail {

inline constexpr std::uint32_t kNoUser = 0xFFFFFFFFU;

struct Request {
  double arrival = 0.0;
  std::uint32_t endpoint = 0;
  std::uint32_t user = kNoUser;  // closed-workload user waiting for it
  std::uint32_t generation = 0;  // bumped on release, so stale timeouts are recognised
  std::int32_t phase = -1;       // -1: framework overhead, then endpoint phases
  bool timed_out = false;        // the client gave up; the server still finishes it
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
    r.generation += 1;
    r.timed_out = false;
    r.phase = -1;
    free_.push_back(id);
  }

  Request& operator[](std::uint32_t id) noexcept { return slab_[id]; }
  [[nodiscard]] std::size_t in_flight() const noexcept { return slab_.size() - free_.size(); }

 private:
  std::vector<Request> slab_;
  std::vector<std::uint32_t> free_;
};

}  // namespace servesim::detail
