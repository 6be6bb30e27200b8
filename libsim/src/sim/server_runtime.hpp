#pragma once
// A server's shared state during a run: the kernel accept backlog its
// processes take connections from, which of its processes can accept, and
// time averages for its statistics.

#include <cstdint>
#include <optional>

#include "servesim/model/scenario.hpp"
#include "sim/fifo_queue.hpp"
#include "sim/time_average.hpp"

namespace servesim::detail {

struct ServerRuntime {
  const Server* spec = nullptr;
  std::uint32_t first_process = 0;  ///< index of its first process in the engine's list
  int accept_limit = 1;             ///< requests a process accepts at once
  bool runs_loop = false;           ///< requests run on an event loop (uvicorn, gevent)
  bool closes_connections = false;  ///< gunicorn sync: a new connection per request
  double keepalive = 0.0;           ///< seconds an idle connection stays open

  FifoQueue backlog;         ///< connections no process has accepted yet
  FifoQueue idle_processes;  ///< gunicorn sync: processes waiting for a connection

  TimeAverage in_system;     ///< requests in the server, backlog included
  TimeAverage waiting;       ///< requests waiting for a thread, the loop, or a process
  TimeAverage busy_runners;  ///< threads (gunicorn) or event loops (uvicorn, gevent) at work
  std::uint64_t started = 0;  ///< measured window: requests that began service
  std::uint64_t queued = 0;   ///< of which waited first

  /// Threads (gunicorn) or event loops (uvicorn, gevent) that serve requests.
  [[nodiscard]] double runner_count() const noexcept {
    return runs_loop ? spec->workers : static_cast<double>(spec->workers) * spec->threads;
  }
};

}  // namespace servesim::detail
