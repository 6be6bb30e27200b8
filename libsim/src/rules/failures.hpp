#pragma once
// Why an attempt fails, which error count each cause feeds, and what a
// closed-loop user does after a request finally failed.

#include <cstdint>

#include "servesim/metrics/result.hpp"

namespace servesim::detail {

enum class Failure : std::uint8_t {
  refused,
  client_timeout,
  unavailable,
  worker_killed,
  pool_timeout,
  downstream,
  out_of_memory,
};

/// Counts one failed attempt of cause `failure` in `errors`.
inline void count_failure(ErrorCounts& errors, Failure failure) noexcept {
  switch (failure) {
    case Failure::refused: errors.refused += 1; break;
    case Failure::client_timeout: errors.client_timeout += 1; break;
    case Failure::unavailable: errors.unavailable += 1; break;
    case Failure::worker_killed: errors.worker_killed += 1; break;
    case Failure::pool_timeout: errors.pool_timeout += 1; break;
    case Failure::downstream: errors.downstream += 1; break;
    case Failure::out_of_memory: errors.out_of_memory += 1; break;
  }
}

/**
 * Seconds a closed-loop user waits, beyond its think time, before its next
 * request once one finally failed with `failure`. A refused connection is
 * tried again after Linux's initial SYN retransmission timeout
 * (TCP_TIMEOUT_INIT, 1 s); without a delay a user with no think time would
 * retry forever at the same instant.
 */
[[nodiscard]] constexpr double delay_after_failure(Failure failure) noexcept {
  constexpr double kSynRetransmissionTimeout = 1.0;
  return failure == Failure::refused ? kSynRetransmissionTimeout : 0.0;
}

}  // namespace servesim::detail
