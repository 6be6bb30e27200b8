#pragma once
// One server process: its GIL, its threads, its event loop, and the requests
// it has accepted. Which of these a kind uses: gunicorn sync and gthread
// serve requests on threads; uvicorn and gevent on the loop, uvicorn's plain
// def endpoints on a thread pool.

#include <cstdint>

#include "core/fifo_queue.hpp"
#include "rules/admission.hpp"
#include "rules/arbiter.hpp"
#include "rules/gil.hpp"
#include "rules/loop_order.hpp"
#include "rules/recycling.hpp"

namespace servesim::detail {

struct WorkerProcess : ProcessLoad {
  std::uint32_t server = 0;
  std::uint32_t host = 0;
  Gil gil;

  int idle_threads = 0;  ///< worker threads, or uvicorn's thread pool
  FifoQueue thread_queue;
  bool loop_busy = false;
  LoopOrder loop_queue;  ///< requests ready to run on the event loop, in the order it runs them
  ProcessLife life;  ///< since it last (re)started, for max_requests and memory_limit
  std::uint32_t restarts = 0;  ///< lives ended so far: tells a stale graceful_timeout apart
  // The request accepted last: the one being served by a process that takes
  // one at a time (gunicorn sync). When it began, for the worker timeout's
  // watchdog (one pending check per process, not per request).
  std::uint32_t serving = 0;
  double serving_since = 0.0;
  bool watchdog_pending = false;
  LoopHeartbeat heartbeat;  ///< gunicorn-uvicorn: its loop's last notification to the arbiter
};

}  // namespace servesim::detail
