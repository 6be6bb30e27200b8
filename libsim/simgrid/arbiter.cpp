// Gunicorn's arbiter watching a Uvicorn worker's event loop
// (rules/arbiter.hpp), as in the native engine: a callback taking the free
// loop catches up the notifications due meanwhile and, unless a check of the
// process is pending, starts one: an actor that sleeps until the deadline the
// loop's last notification gives, and kills the process with every request
// it holds if the loop is still busy and has not notified since.

#include "model.hpp"

namespace servesim::simgrid_engine {

void Model::loop_taken(Process& process) {
  process.heartbeat.loop_taken(now(), process.server->spec->timeout);
  if (process.watchdog_pending) return;
  process.watchdog_pending = true;
  sg4::Actor::create("arbiter", process.server->host, [this, &process] { watch_loop(process); });
}

// A notification since, or a kill and boot, moves the deadline later: the
// check sleeps again until it. A free loop, or a booting process, ends it.
void Model::watch_loop(Process& process) {
  const double timeout = process.server->spec->timeout;
  for (;;) {
    const double deadline = process.heartbeat.deadline(timeout);
    if (deadline > now()) sg4::this_actor::sleep_until(deadline);
    if (process.booting || !process.loop_busy) break;
    if (process.heartbeat.deadline(timeout) <= now()) {
      process.watchdog_pending = false;
      kill_process(process, RequestPtr{}, Failure::worker_killed);
      return;
    }
  }
  process.watchdog_pending = false;
}

}  // namespace servesim::simgrid_engine
