#pragma once
// Gunicorn's arbiter watching the event loop of a Uvicorn worker
// (gunicorn-uvicorn), as both engines apply it. Gunicorn hands each worker
// half its `timeout`; UvicornWorker passes that on as uvicorn's
// `timeout_notify`, and uvicorn's main loop, a task on the event loop,
// notifies the arbiter when it runs and more than that has passed since it
// last did. The arbiter kills (SIGABRT) a worker that has not notified for
// `timeout`, with every request it holds. So a loop busy with one callback
// past the timeout always gets its worker killed, one busy less than half
// of it never does, and in between it depends on when the loop last
// notified. Not modelled: uvicorn checks only every tenth 0.1 s tick and
// the arbiter wakes about once a second, a second's slack on either side.

#include <cmath>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/**
 * Whether Gunicorn's arbiter watches the event loops of `server`'s
 * processes: a gunicorn-uvicorn server with a `timeout`. A long-lived
 * connection's messages hold the loop as requests do; a kill drops the
 * process's connections with its requests.
 */
[[nodiscard]] inline bool watches_loop(const Server& server) noexcept {
  return server.kind == ServerKind::gunicorn_uvicorn && server.timeout > 0.0;
}

/**
 * A watched process's last notification to the arbiter. A process notifies
 * as it starts; afterwards its loop notifies every `timeout` / 2 while it is
 * free, and one falling due while a callback holds the loop runs as that
 * callback lets go of it (before the next one).
 */
struct LoopHeartbeat {
  double notified = 0.0;  ///< seconds: when the process last notified

  /// The process (re)starts at `now`.
  void start(double now) noexcept { notified = now; }

  /// A callback takes the free loop at `now`: the notifications due while it was free ran.
  void loop_taken(double now, double timeout) noexcept {
    const double every = timeout / 2.0;
    if (now >= notified + every) notified += std::floor((now - notified) / every) * every;
  }

  /// A callback lets go of the loop at `now`: a notification due meanwhile runs now.
  void loop_released(double now, double timeout) noexcept {
    if (now >= notified + timeout / 2.0) notified = now;
  }

  /// When the arbiter kills the process if its loop stays busy until then.
  [[nodiscard]] double deadline(double timeout) const noexcept { return notified + timeout; }
};

}  // namespace servesim::detail
