#pragma once
// How a server admits connections, as its kind says, and what both engines
// keep of a server and its processes during a run. Each engine adds its own
// queues (the native engine's id rings, the SimGrid engine's actors).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "core/time_average.hpp"
#include "rules/route.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// Connections one server process holds at most, as its open-file limit
/// (`ulimit -n`, commonly raised to 65,536 on servers) allows: past it new
/// connections wait in the accept backlog, and are refused when that is full.
/// This bounds an overloaded event loop's memory (some 200 bytes a request).
inline constexpr int kMaxOpenConnections = 65'536;

/// Requests one process of `server` accepts at once: gunicorn sync one,
/// gthread and gevent worker_connections, uvicorn every connection it has a
/// file descriptor for (limit_concurrency answers 503 instead); at most
/// kMaxOpenConnections.
[[nodiscard]] inline int accept_limit_of(const Server& server) noexcept {
  switch (server.kind) {
    case ServerKind::gunicorn_sync: return 1;
    case ServerKind::gunicorn_gthread:
    case ServerKind::gunicorn_gevent: return std::min(server.worker_connections, kMaxOpenConnections);
    case ServerKind::uvicorn:
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: return kMaxOpenConnections;
  }
  return 1;
}

/// Threads a process of `server` starts with: its worker threads, or uvicorn's thread pool.
[[nodiscard]] inline int threads_of(const Server& server) noexcept {
  return is_asgi(server.kind) ? server.thread_pool : server.threads;
}

/// Gunicorn sync: idle processes wait for a connection in line, and the
/// oldest takes the next one; other kinds pick the least loaded process.
[[nodiscard]] inline bool queues_idle_processes(const Server& server) noexcept {
  return server.kind == ServerKind::gunicorn_sync;
}

/// Gunicorn's arbiter kills a sync worker whose request outlives the
/// server's `timeout` (0: never), and boots a new one.
[[nodiscard]] inline bool kills_slow_workers(const Server& server) noexcept {
  return server.kind == ServerKind::gunicorn_sync && server.timeout > 0.0;
}

/// Connections one process may check out of its pool: SQLAlchemy's
/// QueuePool keeps `size` and opens up to `max_overflow` more under load.
[[nodiscard]] inline int pool_capacity(const ConnectionPool& pool) noexcept {
  const long long capacity = static_cast<long long>(pool.size) + pool.max_overflow;
  return static_cast<int>(std::min<long long>(capacity, std::numeric_limits<int>::max()));
}

/// A server's settings as its kind implies them, and the time averages and
/// counts its statistics come from.
struct ServerState {
  explicit ServerState(const Server& server)
      : spec(&server),
        accept_limit(accept_limit_of(server)),
        runs_loop(has_event_loop(server)),
        closes_connections(server.kind == ServerKind::gunicorn_sync),
        keepalive(Scenario::keepalive_of(server)),
        accepted_by(static_cast<std::size_t>(server.workers), 0) {}

  const Server* spec;
  int accept_limit;         ///< requests a process accepts at once
  bool runs_loop;           ///< requests run on an event loop (uvicorn, gevent)
  bool closes_connections;  ///< gunicorn sync: a new connection per request
  double keepalive;         ///< seconds an idle connection stays open

  TimeAverage in_system;     ///< requests in the server, backlog included
  TimeAverage waiting;       ///< requests waiting for a thread, the loop, or a process
  TimeAverage busy_runners;  ///< threads (gunicorn) or event loops (uvicorn, gevent) at work
  std::uint64_t started = 0;  ///< measured window: requests that began service
  std::uint64_t queued = 0;   ///< of which waited first
  /// Bytes a process holds before any request (static_process_memory), set by the engine.
  double base_memory = 0.0;
  /// Gunicorn's arbiter watches its processes' event loops (rules/arbiter.hpp), set by the engine.
  bool watches_loop = false;
  std::uint64_t recycled = 0;       ///< measured window: processes that reached max_requests
  std::uint64_t memory_killed = 0;  ///< measured window: processes killed past memory_limit
  double peak_memory = 0.0;         ///< measured window: largest resident memory of a process
  /// Measured window: requests each process accepted, numbered within the server.
  std::vector<std::uint64_t> accepted_by;

  /// Threads (gunicorn) or event loops (uvicorn, gevent) that serve requests.
  [[nodiscard]] double runner_count() const noexcept {
    return runs_loop ? spec->workers : static_cast<double>(spec->workers) * spec->threads;
  }

  /// A request begins service (its first step). In the measured window an
  /// admitted one (not answered 503) counts, and whether it waited first.
  void began_service(bool measuring, bool rejected, bool waited) noexcept {
    if (!measuring || rejected) return;
    started += 1;
    if (waited) queued += 1;
  }

  /// Process `process` (numbered within the server) accepts a request.
  void count_accept(std::size_t process, bool measuring) noexcept {
    if (measuring) accepted_by[process] += 1;
  }

  /// Whether a client whose keep-alive connection fell idle at `idle_since`
  /// (NaN: it has none; an open-workload client never has one) opens a new
  /// connection at `now`.
  [[nodiscard]] bool opens_connection(double idle_since, double now) const noexcept {
    return closes_connections || std::isnan(idle_since) || now - idle_since > keepalive;
  }
};

/// What decides whether a process can take another connection.
struct ProcessLoad {
  int accepted = 0;      ///< requests accepted and not finished (503 answers excluded)
  int rejecting = 0;     ///< 503 answers not yet written: they hold a connection too
  bool booting = false;   ///< killed or recycled, and not yet serving again
  bool retiring = false;  ///< reached max_requests: finishes what it holds, takes nothing new
  /// Lives ended so far: a connection accepted in an earlier life is closed,
  /// and a stale graceful_timeout is told apart.
  std::uint32_t restarts = 0;

  /// The process exits (killed or recycled): it takes nothing until a new
  /// one has booted, and the keep-alive connections it held are closed.
  void exit() noexcept {
    retiring = false;
    booting = true;
    restarts += 1;
  }
};

/// Uvicorn's limit_concurrency: a process holding `accepted` requests answers
/// the next connection 503, whether it comes straight from the socket or
/// out of the backlog (a process booting after a restart takes the backlog
/// at once, and answers all past the limit 503).
[[nodiscard]] inline bool answers_503(const Server& server, int accepted) noexcept {
  return server.limit_concurrency && accepted >= *server.limit_concurrency;
}

/// Whether a process with `load` accepts another connection of `server`.
[[nodiscard]] inline bool has_room(const ServerState& server, const ProcessLoad& load) noexcept {
  return !load.booting && !load.retiring && load.accepted + load.rejecting < server.accept_limit;
}

/**
 * The process a server that does not queue idle processes gives its next
 * connection: the one with the fewest requests among those with room (a
 * busy process is slower to accept), the first on ties; none if all are
 * full. The server's processes are numbered 0..count-1, `load(i)` giving
 * process i's ProcessLoad.
 */
template <class Load>
[[nodiscard]] std::optional<std::size_t> least_loaded(const ServerState& server, std::size_t count, Load&& load) {
  std::optional<std::size_t> best;
  int fewest = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const ProcessLoad& candidate = load(i);
    if (!has_room(server, candidate)) continue;
    if (!best || candidate.accepted < fewest) {
      best = i;
      fewest = candidate.accepted;
    }
  }
  return best;
}

}  // namespace servesim::detail
