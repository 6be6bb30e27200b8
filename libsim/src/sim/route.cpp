#include "sim/route.hpp"

#include <string>

#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

bool is_zero(const Distribution& d) {
  return d.kind() == DistributionKind::constant && d.mean() == 0.0;
}

// Connection set-up and framework overhead run where the server parses
// requests: on the worker thread for Gunicorn's threaded workers, on the
// event loop otherwise (for uvicorn also when the endpoint is a plain def).
// gthread's poller thread hands every request to a pool thread; that work is
// charged to the pool thread, which needs the same GIL anyway.
void add_front(std::vector<Step>& steps, const Server& server, Runner where) {
  if (!is_zero(server.connection_overhead)) {
    steps.push_back(Step{StepKind::cpu, where, true, server.connection_overhead});
  }
  if (!is_zero(server.framework_overhead)) {
    steps.push_back(Step{StepKind::cpu, where, false, server.framework_overhead});
  }
  if (server.kind == ServerKind::gunicorn_gthread && !is_zero(server.thread_handoff)) {
    steps.push_back(Step{StepKind::cpu, where, false, server.thread_handoff});
  }
}

Step step_for(const Phase& phase, bool on_loop) {
  const Runner where = on_loop ? Runner::loop : Runner::thread;
  switch (phase.kind) {
    case PhaseKind::db:
    case PhaseKind::call:
    case PhaseKind::cache:
      throw EngineError(std::string("the native engine does not simulate ") +
                        (phase.kind == PhaseKind::db ? "db" : phase.kind == PhaseKind::call ? "call" : "cache") +
                        " phases yet");
    case PhaseKind::cpu:
    case PhaseKind::background: return Step{StepKind::cpu, where, false, phase.duration};
    case PhaseKind::cpu_nogil: return Step{StepKind::cpu_nogil, where, false, phase.duration};
    // An awaited wait frees the loop; a blocking one holds whatever runs it.
    case PhaseKind::io: return Step{StepKind::wait, on_loop ? Runner::none : Runner::thread, false, phase.duration};
    case PhaseKind::blocking_io: return Step{StepKind::wait, where, false, phase.duration};
  }
  return Step{StepKind::wait, Runner::none, false, phase.duration};
}

}  // namespace

bool has_event_loop(const Server& server) noexcept {
  return server.kind == ServerKind::uvicorn || server.kind == ServerKind::gunicorn_gevent;
}

std::vector<Step> build_route(const Endpoint& endpoint, const Server& server) {
  const bool loop_server = has_event_loop(server);
  // gevent runs plain def code cooperatively on its loop; uvicorn runs async
  // def on the loop and def in its thread pool.
  const bool phases_on_loop =
      server.kind == ServerKind::gunicorn_gevent ||
      (server.kind == ServerKind::uvicorn && Scenario::style_on(endpoint, server) == EndpointStyle::async);

  std::vector<Step> steps;
  add_front(steps, server, loop_server ? Runner::loop : Runner::thread);
  for (const Phase& phase : endpoint.phases) {
    if (phase.kind != PhaseKind::background) steps.push_back(step_for(phase, phases_on_loop));
  }
  if (loop_server && !phases_on_loop) {
    // The thread pool hands the result back: the loop, holding the GIL, sends
    // it; the whole hand-over (there and back) is charged here.
    steps.push_back(Step{StepKind::cpu, Runner::loop, false, server.thread_handoff});
  }
  steps.push_back(Step{StepKind::respond, Runner::none, false, Distribution::constant(0.0)});
  for (const Phase& phase : endpoint.phases) {
    if (phase.kind == PhaseKind::background) steps.push_back(step_for(phase, phases_on_loop));
  }
  return steps;
}

std::vector<Step> build_rejection_route(const Server& server) {
  std::vector<Step> steps;
  if (!is_zero(server.connection_overhead)) {
    steps.push_back(Step{StepKind::cpu, Runner::loop, true, server.connection_overhead});
  }
  steps.push_back(Step{StepKind::cpu, Runner::loop, false, server.framework_overhead});
  steps.push_back(Step{StepKind::respond, Runner::none, false, Distribution::constant(0.0)});
  return steps;
}

}  // namespace servesim::detail
