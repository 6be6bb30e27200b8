#pragma once
// A server's state during a native run: the rules' settings and measures
// (rules/admission.hpp), the kernel accept backlog its processes take
// connections from, which of its processes wait idle for one, and where
// closed users' connects go.

#include <cstdint>

#include "core/fifo_queue.hpp"
#include "rules/admission.hpp"
#include "rules/pinning.hpp"

namespace servesim::detail {

struct ServerRuntime : ServerState {
  ServerRuntime(const Server& server, std::uint32_t first, Rng accept_stream)
      : ServerState(server), first_process(first), accept_rng(accept_stream) {}

  std::uint32_t first_process;  ///< index of its first process in the engine's list
  FifoQueue backlog;            ///< connections no process has accepted yet
  FifoQueue idle_processes;     ///< gunicorn sync: processes waiting for a connection
  AcceptState accepts;          ///< closed users' connects (rules/pinning.hpp)
  Rng accept_rng;
};

}  // namespace servesim::detail
