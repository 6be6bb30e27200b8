#pragma once
// A server's state during a native run: the rules' settings and measures
// (rules/admission.hpp), the kernel accept backlog its processes take
// connections from, and which of its processes wait idle for one.

#include <cstdint>

#include "core/fifo_queue.hpp"
#include "rules/admission.hpp"

namespace servesim::detail {

struct ServerRuntime : ServerState {
  ServerRuntime(const Server& server, std::uint32_t first) : ServerState(server), first_process(first) {}

  std::uint32_t first_process;  ///< index of its first process in the engine's list
  FifoQueue backlog;            ///< connections no process has accepted yet
  FifoQueue idle_processes;     ///< gunicorn sync: processes waiting for a connection
};

}  // namespace servesim::detail
