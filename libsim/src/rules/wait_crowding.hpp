#pragma once
// What a wait costs beyond its drawn wait_overhead when many requests share
// its process (Server::wait_crowding): measured by validation/wait_cost.py,
// an `await asyncio.sleep` on Uvicorn cost 70-90 us of CPU more than no wait
// with 64 connections and 190-260 us with 256, with the same 35-40 waits in
// flight (Little's law) and no more system calls, polls or context switches
// per request: the cost follows the requests the process holds, not the
// waits. Both engines add it to the step that resumes a request after an io
// or blocking_io wait (Step::crowded), with the requests its process holds
// at that moment, the resumed one included, counted up to kMostHeldMeasured:
// the growth was measured linear up to 512 requests held (301 us at 512, the
// line 313), and a cost per resumed request cannot grow without bound (once a
// resumed request's state is out of the caches it costs no more), so it is
// not extrapolated past what was measured.

#include <algorithm>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// The most requests held by one process that validation/wait_cost.py measured.
inline constexpr int kMostHeldMeasured = 512;

/// CPU seconds at speed 1.0 (as a step's duration) that resuming a request
/// costs on `server` when its process holds `held` requests (at most kMostHeldMeasured count).
[[nodiscard]] inline double crowding_cost(const Server& server, int held) noexcept {
  return server.wait_crowding * std::min(held, kMostHeldMeasured) * Scenario::python_time_factor(server);
}

}  // namespace servesim::detail
