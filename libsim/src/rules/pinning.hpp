#pragma once
// Keep-alive connections stay in the process that accepted them: which
// process accepts a closed user's new connection, and when a request on an
// open one goes back to it. Open-workload clients (a new connection per
// request) and gunicorn sync (it closes every connection) place each request
// as rules/admission.hpp says.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include "rules/admission.hpp"
#include "servesim/core/rng.hpp"

namespace servesim::detail {

/**
 * How a burst of connects (closed users connecting at one instant, as wrk's
 * connections do at its start or after their process was killed) spreads
 * over the processes of a server that shares one listening socket. Every
 * process's poller wakes on it (none asks for EPOLLEXCLUSIVE); the one that
 * runs first accepts and, finding the socket still readable, may drain the
 * whole burst before another gets there. Measured, it is all or nothing:
 * with this probability one process takes every connect of the burst,
 * otherwise they spread as one at a time would (the least loaded process),
 * and the probability does not fall with the burst's size as independent
 * races would. Fitted to how often all of wrk's 4, 8 or 32 connections
 * landed on one of two processes (validation/accept_spread.py, 10 runs each,
 * the server on one core and on two; validation/README.md): Gunicorn's
 * gthread poller 43 of 60 runs; Uvicorn and Gunicorn's Uvicorn worker
 * (asyncio's accept loop) 24 of 120. Gevent, Hypercorn and Granian were not
 * measured and take the asyncio value.
 */
[[nodiscard]] inline double burst_capture_probability(const Server& server) noexcept {
  return server.kind == ServerKind::gunicorn_gthread ? 0.72 : 0.20;
}

/// Where a server's accepts stand: the burst being accepted, if any.
struct AcceptState {
  double burst_at = std::numeric_limits<double>::quiet_NaN();  ///< the instant of the burst
  std::size_t burst_process = 0;                              ///< the process that accepted its first connect
  bool captured = false;                                      ///< that process takes the whole burst
};

/// Whether `server` keeps a closed user's connection in the process that
/// accepted it (every kind but gunicorn sync, which closes it).
[[nodiscard]] inline bool pins_connections(const ServerState& server) noexcept { return !server.closes_connections; }

/// A closed user's open keep-alive connection: the process that accepted it
/// (numbered within its server) and that process's life then.
struct PinnedConnection {
  const Server* server = nullptr;  ///< the server whose process holds it; none before the first accept
  std::size_t process = 0;
  std::uint32_t life = 0;
};

/**
 * The process a request arriving on `connection` goes to, whatever the
 * other processes' load (`load(i)` giving process i's ProcessLoad); if that
 * process is at its accept limit (has_room, which counts requests, not
 * connections), the request waits in the shared backlog as a new one would,
 * and is pinned again to whichever process takes it. None
 * when the connection is not to this server, or is gone (the server does
 * not pin, or its process has since been killed, recycled or is retiring,
 * which closes its connections).
 */
template <class Load>
[[nodiscard]] std::optional<std::size_t> pinned_process(const ServerState& server,
                                                        const PinnedConnection& connection, Load&& load) {
  if (!pins_connections(server) || connection.server != server.spec) return std::nullopt;
  const ProcessLoad& holder = load(connection.process);
  if (holder.booting || holder.retiring || holder.restarts != connection.life) return std::nullopt;
  return connection.process;
}

/// What a closed user's connection accepted by process `process` (numbered
/// within `server`, with `holder` its load) is pinned to.
[[nodiscard]] inline PinnedConnection pin(const ServerState& server, std::size_t process,
                                          const ProcessLoad& holder) noexcept {
  return {server.spec, process, holder.restarts};
}

/**
 * The process that accepts a closed user's new connection at `now`, of
 * `count` numbered 0..count-1 (`load(i)` giving process i's ProcessLoad);
 * none if none has room. With `reuse_port` each process has its own socket
 * and the kernel hashes the connection's addresses to one: uniform over the
 * serving processes, whatever their load. Otherwise the first connect of
 * an instant goes to the least loaded process, which takes the rest of that
 * instant's connects too with burst_capture_probability (one draw per burst
 * from `rng`); if it does not, each goes to the least loaded.
 */
template <class Load>
[[nodiscard]] std::optional<std::size_t> accepting_process(const ServerState& server, AcceptState& state,
                                                           double now, Rng& rng, std::size_t count, Load&& load) {
  std::optional<std::size_t> chosen;
  if (server.spec->reuse_port) {
    std::size_t serving = 0;
    for (std::size_t i = 0; i < count; ++i) serving += has_room(server, load(i)) ? 1 : 0;
    if (serving == 0) return std::nullopt;
    std::size_t nth = static_cast<std::size_t>(rng.below(serving));
    for (std::size_t i = 0; i < count && !chosen; ++i) {
      if (has_room(server, load(i)) && nth-- == 0) chosen = i;
    }
    return chosen;
  }
  if (now == state.burst_at) {
    if (state.captured && has_room(server, load(state.burst_process))) return state.burst_process;
    return least_loaded(server, count, load);
  }
  chosen = least_loaded(server, count, load);
  if (chosen) {
    state.burst_at = now;
    state.burst_process = *chosen;
    state.captured = rng.uniform01() < burst_capture_probability(*server.spec);
  }
  return chosen;
}

}  // namespace servesim::detail
