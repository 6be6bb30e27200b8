// Cores and the GIL. A CPU step is an S4U execution on the process's host,
// which SimGrid's CPU model shares out at min(1, cores / n) of a core each.
// Python code first takes the process's GIL: the rules' BasicGil decides who
// holds it and when a switch is due; this engine times the switch requests
// with an actor per process and preempts a holder by cancelling its
// execution, keeping the remaining work.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>

#include <simgrid/Exception.hpp>

#include "model.hpp"

namespace servesim::simgrid_engine {

// `seconds` of CPU at speed 1.0 as an S4U execution on the process's host.
// Python code first takes the GIL, in arrival order; a holder that keeps it
// a switch interval while others wait is preempted (its execution cancelled,
// its remaining work kept) and queues behind them. Native code on `threads`
// threads is one execution of that thread count, each thread with its share
// of the work (SimGrid's flops are per thread): SimGrid gives it as many
// shares of the cores as threads, as the native engine's processor sharing does.
void Model::compute(Request& request, double seconds, bool needs_gil, int threads) {
  Process& process = *request.process;
  request.remaining_flops = seconds * kFlopsPerSecond;
  if (needs_gil) {
    if (process.gil.acquire(now(), &request)) {
      request.holds_gil = true;
    } else {
      request_switch(process);
      request.wake->acquire();  // the GIL is ours
    }
  }
  HostWork& work = *process.server->work;
  while (request.remaining_flops > 0.0) {
    request.exec = sg4::this_actor::exec_init(request.remaining_flops / threads)->set_thread_count(threads);
    request.exec_flops = request.remaining_flops;
    request.exec_threads = threads;
    request.exec->start();
    work.started(request);
    try {
      if (std::isinf(request.kill_at)) {
        request.exec->wait();
      } else {
        request.exec->wait_for(std::max(0.0, request.kill_at - now()));
      }
      request.remaining_flops = 0.0;
      work.stopped(request, 0.0);
    } catch (const simgrid::CancelException&) {
      request.exec = nullptr;   // force_switch() accounted for its work
      request.wake->acquire();  // preempted by a GIL switch: wait for our turn again
      continue;
    } catch (const simgrid::TimeoutException&) {
      work.stopped(request, request.exec_remaining());
      request.exec->cancel();
      request.exec = nullptr;
      if (request.holds_gil) release_gil(request);
      throw WorkerKilled{};
    }
    request.exec = nullptr;
  }
  if (needs_gil) release_gil(request);
}

void Model::release_gil(Request& request) {
  request.holds_gil = false;
  Process& process = *request.process;
  const std::optional<Request*> next = process.gil.release(now());
  if (!next) return;
  (*next)->holds_gil = true;
  (*next)->wake->release();
  if (process.gil.contended()) request_switch(process);
}

// A waiting thread asks the holder to drop the GIL once the switch interval
// has passed without a hand-over (CPython's gil_drop_request): the
// process's switcher actor wakes then.
void Model::request_switch(Process& process) {
  const std::optional<std::uint32_t> switches = process.gil.ask_switch();
  if (!switches) return;
  process.switch_requests.emplace_back(now() + process.server->spec->switch_interval, *switches);
  process.switch_requested->release();
}

void Model::gil_switcher(Process& process) {
  for (;;) {
    process.switch_requested->acquire();
    const auto [when, switches] = process.switch_requests.front();
    process.switch_requests.pop_front();
    sg4::this_actor::sleep_until(when);
    force_switch(process, switches);
  }
}

void Model::force_switch(Process& process, std::uint32_t switches) {
  if (!process.gil.switch_due(switches)) return;
  Request* previous = process.gil.holder();
  // A holder whose execution ends at this very instant lets go by itself.
  if (!previous->exec || previous->exec_remaining() <= 0.0) return;
  ++events_;
  const auto [dropped, next] = process.gil.force_switch();
  dropped->holds_gil = false;
  dropped->remaining_flops = dropped->exec_remaining();
  process.server->work->stopped(*dropped, dropped->remaining_flops);
  dropped->exec->cancel();
  next->holds_gil = true;
  next->wake->release();
  request_switch(process);
}

}  // namespace servesim::simgrid_engine
