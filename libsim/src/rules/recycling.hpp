#pragma once
// When a server process restarts under load, as both engines decide it:
// Gunicorn's `max_requests` (Uvicorn's `--limit-max-requests`) recycles it
// gracefully, and resident memory past `memory_limit` gets it killed (the
// OOM killer, a cgroup's memory.max). Each engine carries the verdict out
// with its own mechanism: stop admitting and restart once empty, or fail
// every request the process holds and restart at once; either way the new
// process serves after the server's `boot_time`.

#include <algorithm>
#include <cstdint>

#include "rules/admission.hpp"
#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// What a process does after accepting a request.
enum class Restart : std::uint8_t {
  none,     ///< serves on
  recycle,  ///< reached its max_requests: takes no more, restarts once it holds none
  kill,     ///< went past memory_limit: killed with every request it holds
};

/// A process's life since it last (re)started.
struct ProcessLife {
  std::uint64_t served = 0;        ///< requests accepted
  std::uint64_t max_requests = 0;  ///< this life's limit, jitter included; 0: never
};

/// A process of `server` starts (again): nothing served, and, as Gunicorn's
/// and Uvicorn's workers do at start, a limit of max_requests plus a uniform
/// draw in [0, max_requests_jitter] from `rng` (the server's restart stream).
inline void begin_life(const Server& server, ProcessLife& life, Rng& rng) noexcept {
  life.served = 0;
  life.max_requests = 0;
  if (server.max_requests == 0) return;
  life.max_requests = static_cast<std::uint64_t>(server.max_requests);
  if (server.max_requests_jitter > 0) life.max_requests += rng.below(static_cast<std::uint64_t>(server.max_requests_jitter) + 1);
}

/// Resident bytes of a process of `state`'s server with `life` holding `held`
/// requests: its static memory, each request's connection memory, and what
/// the requests it accepted since it started left behind.
[[nodiscard]] inline double resident_memory(const ServerState& state, const ProcessLife& life, int held) noexcept {
  const ProcessMemory& memory = state.spec->memory;
  return state.base_memory + held * memory.connection +
         static_cast<double>(life.served) * memory.growth_per_request;
}

/**
 * A process of `state`'s server with `life` accepts a request and then holds
 * `held` requests. The request's growth counts from its acceptance (it
 * allocates what it keeps while it runs), and Gunicorn counts a request
 * toward max_requests when it starts handling it. Counts the verdict and the
 * memory in `state` when `measuring`.
 */
[[nodiscard]] inline Restart on_accept(ServerState& state, ProcessLife& life, int held, bool measuring) noexcept {
  life.served += 1;
  const double resident = resident_memory(state, life, held);
  const std::optional<double>& limit = state.spec->memory_limit;
  if (limit && resident > *limit) {
    // Killed as it reaches the limit: that is its peak.
    if (measuring) {
      state.memory_killed += 1;
      state.peak_memory = std::max(state.peak_memory, *limit);
    }
    return Restart::kill;
  }
  if (measuring) state.peak_memory = std::max(state.peak_memory, resident);
  if (life.max_requests > 0 && life.served >= life.max_requests) {
    if (measuring) state.recycled += 1;
    return Restart::recycle;
  }
  return Restart::none;
}

}  // namespace servesim::detail
