#pragma once
// The order in which an event loop (asyncio or uvloop on Linux's epoll) runs
// the callbacks that wait for it. The loop works in iterations: it polls its
// sockets once, then runs the callbacks that poll made ready, in order, and
// only then polls again; whatever becomes ready meanwhile waits for that next
// poll. epoll is level-triggered there, and keeps a socket it reported on its
// ready list, in its place, until a later poll finds it with nothing to read:
// so a keep-alive connection read at the previous poll whose client has sent
// its next request by now is reported ahead of the connections that became
// readable since, in the previous poll's order, whenever its own request came.
// The others follow in the order they became ready. A client answers a
// response after the loop's next poll has begun when that response was the
// last work of the iteration (the loop polls at once; the client needs a
// network round trip and its own wake-up): it is read one iteration late, and
// then behind every connection of the poll before, so the request waits about
// two rounds of the loop, where FIFO would have served it first.
// validation/README.md ("The event loop's order") has the measurement.
//
// Only the order lives here; each engine times the callbacks, with a request
// handle for `Item` (a request id for the native engine, its address for the
// SimGrid engine).

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// Whether a server's event loop runs in the poll order above: Uvicorn's
/// (uvloop and httptools), on its own or as Gunicorn's worker, whose late
/// reads were measured. Hypercorn's and Granian's loops measured without them
/// (their p99 within 16 % and 6 % of p50 past saturation), and gevent's is
/// not measured: theirs run first come, first served.
[[nodiscard]] constexpr bool orders_by_poll(ServerKind kind) noexcept {
  return kind == ServerKind::uvicorn || kind == ServerKind::gunicorn_uvicorn;
}

/// A callback has no keep-alive connection to keep on the ready list: a
/// request on a new connection (read after its accept), or a request
/// resuming after an await.
inline constexpr std::uint32_t kNotKeepAlive = std::numeric_limits<std::uint32_t>::max();

template <class Item>
class BasicLoopOrder {
 public:
  /// `by_poll`: in iterations as above; otherwise first come, first served.
  explicit BasicLoopOrder(bool by_poll = false) : by_poll_(by_poll) {}

  /// `item` is ready at `now`: a request read on keep-alive connection
  /// `connection` (a closed-loop user's), or kNotKeepAlive (see above).
  void push(Item item, std::uint32_t connection, double now) {
    pending_.push_back(Pending{item, connection, now});
  }

  [[nodiscard]] bool empty() const noexcept { return batch_next_ == batch_.size() && pending_.empty(); }
  [[nodiscard]] std::size_t size() const noexcept { return batch_.size() - batch_next_ + pending_.size(); }

  /// The callback the loop runs next at `now`; must not be empty. When this
  /// iteration's callbacks are done the loop polls: what became ready before
  /// `now` runs next, connections read at the previous poll first. What became
  /// ready at `now` itself came after the poll, unless nothing else is ready.
  Item pop(double now) {
    if (batch_next_ == batch_.size()) poll(now);
    return batch_[batch_next_++].item;
  }

  /// The idle loop begins an iteration for one request alone, nothing else
  /// being ready: a poll that read just it, on `connection` (or kNotKeepAlive).
  void run_alone(std::uint32_t connection) {
    batch_.clear();
    batch_next_ = 0;
    polls_ += 1;
    mark_read(connection, 0);
  }

  /// Every callback still waiting, in no particular order (for a process that dies).
  template <class Visit>
  void for_each(Visit visit) const {
    for (std::size_t i = batch_next_; i < batch_.size(); ++i) visit(batch_[i].item);
    for (const Pending& waiting : pending_) visit(waiting.item);
  }

  /// Forgets every waiting callback (the process died; its successor's
  /// epoll has no connection on its ready list).
  void clear() noexcept {
    batch_.clear();
    batch_next_ = 0;
    pending_.clear();
    polls_ += 1;
  }

 private:
  struct Pending {
    Item item;
    std::uint32_t connection;
    double ready_at;
  };

  void poll(double now) {
    batch_.clear();
    batch_next_ = 0;
    if (!by_poll_) {
      batch_.swap(pending_);
      return;
    }
    const bool any_before = std::any_of(pending_.begin(), pending_.end(),
                                        [&](const Pending& p) { return p.ready_at < now; });
    const auto harvested = [&](const Pending& p) { return p.ready_at < now || !any_before; };
    const auto linked = [&](const Pending& p) {
      return p.connection != kNotKeepAlive && p.connection < read_.size() && read_[p.connection].poll == polls_;
    };
    for (const Pending& p : pending_) {
      if (harvested(p) && linked(p)) batch_.push_back(p);
    }
    // In the ready list's order: the previous poll's.
    std::stable_sort(batch_.begin(), batch_.end(), [&](const Pending& a, const Pending& b) {
      return read_[a.connection].place < read_[b.connection].place;
    });
    for (const Pending& p : pending_) {
      if (harvested(p) && !linked(p)) batch_.push_back(p);
    }
    std::erase_if(pending_, harvested);
    polls_ += 1;
    for (std::size_t place = 0; place < batch_.size(); ++place) mark_read(batch_[place].connection, place);
  }

  void mark_read(std::uint32_t connection, std::size_t place) {
    if (connection == kNotKeepAlive) return;
    if (connection >= read_.size()) read_.resize(connection + 1);
    read_[connection] = Read{polls_, place};
  }

  bool by_poll_;
  std::vector<Pending> batch_;   // this iteration's callbacks, in the order they run
  std::size_t batch_next_ = 0;   // the next of batch_ to run
  std::vector<Pending> pending_;  // ready since the last poll, in the order they became ready
  struct Read {
    std::uint64_t poll = 0;  // 0: never read
    std::size_t place = 0;   // its place in that poll's batch
  };
  std::vector<Read> read_;   // per connection: the poll that last read it
  std::uint64_t polls_ = 1;
};

/// The native engine's loop order, of request ids.
using LoopOrder = BasicLoopOrder<std::uint32_t>;

}  // namespace servesim::detail
