// Gunicorn's arbiter on Uvicorn workers (gunicorn-uvicorn) in the native
// engine: a worker whose event loop has not notified the arbiter for
// `timeout` is killed with every request it holds (rules/arbiter.hpp). The
// loop notifies as the process starts, then every timeout / 2 while free,
// and between two callbacks once one is due. Exact counts on deterministic
// runs, and the share killed of exponential callbacks on fresh processes.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "rules/arbiter.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"

using namespace servesim;

namespace {

// One Uvicorn worker under Gunicorn on one core, no framework costs: the
// loop is held exactly by the endpoint's `async def` CPU.
Scenario watched(Distribution cpu, double timeout, double boot_time, double duration) {
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_uvicorn, 1, 1), duration, 0.0, 1);
  s.servers[0].timeout = timeout;
  s.servers[0].boot_time = boot_time;
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, std::move(cpu)}}, EndpointStyle::async);
  return s;
}

}  // namespace

TEST_CASE("The arbiter's heartbeat: every timeout / 2 while free, between callbacks once due", "[rules][arbiter]") {
  detail::LoopHeartbeat beat;  // timeout 1 s: notifications every 0.5 s while the loop is free
  beat.start(0.0);
  beat.loop_taken(0.9, 1.0);  // notified at 0.5 while free
  CHECK(beat.notified == 0.5);
  CHECK(beat.deadline(1.0) == 1.5);
  beat.loop_released(1.2, 1.0);  // due at 1.0, busy: runs as the callback lets go
  CHECK(beat.notified == 1.2);
  beat.loop_released(1.6, 1.0);  // not due before 1.7
  CHECK(beat.notified == 1.2);
  beat.loop_taken(3.0, 1.0);  // free since 1.6: 1.7, 2.2, 2.7
  CHECK(beat.notified == Approx(2.7));
}

TEST_CASE("Gunicorn's arbiter kills a Uvicorn worker whose loop is blocked past the timeout",
          "[simulate][arbiter]") {
  SECTION("every callback longer than the timeout: a kill per timeout + boot time") {
    // 3 users, 2 s of async CPU each, timeout 1 s, boot 0.5 s: the first
    // callback holds the loop from t = 0, when the process notified; the
    // arbiter kills it at 1 s with all 3 requests, the users retry into the
    // backlog, the new process notifies at 1.5 s and takes all 3, killed at
    // 2.5 s: kills at 1 + 1.5 k, 6 of them by 9.9 s, 18 requests failed, none answered.
    Scenario s = watched(Distribution::constant(2.0), 1.0, 0.5, 9.9);
    s.workload.closed = ClosedWorkload{3, Distribution::constant(0.0)};
    const ReplicationResult r = simulate(s).replications.at(0);
    CHECK(r.errors.worker_killed == 18);
    CHECK(r.errors.total() == 18);
    CHECK(r.completed == 0);
    SECTION("timeout 0 disables the arbiter: 9.9 s / 2 s = 4 answers") {
      s.servers[0].timeout = 0.0;
      const ReplicationResult patient = simulate(s).replications.at(0);
      CHECK(patient.errors.total() == 0);
      CHECK(patient.completed == 4);
    }
  }
  SECTION("callbacks under timeout / 2 back to back: the loop notifies between them, no kill") {
    // 3 users keep the loop busy with 0.45 s callbacks (timeout 1 s): each
    // starts at most 0.5 s after a notification and ends before the
    // deadline; 100 s / 0.45 s = 222 answers.
    Scenario s = watched(Distribution::constant(0.45), 1.0, 0.5, 100.0);
    s.workload.closed = ClosedWorkload{3, Distribution::constant(0.0)};
    const ReplicationResult r = simulate(s).replications.at(0);
    CHECK(r.errors.total() == 0);
    CHECK(r.completed == 222);
  }
  SECTION("a callback between timeout / 2 and the timeout: killed or not by when the loop last notified") {
    // 0.8 s callbacks, timeout 1 s, notifications at 0, 0.5, 1.0, ... The
    // one at 0.9 s started 0.4 s after a notification: killed at 1.5 s. The
    // process boots at 2.0 s and notifies at 2.0, 2.5, 3.0: the one at
    // 3.05 s started 0.05 s after one, and ends at 3.85 s, before 4.0 s.
    Scenario s = watched(Distribution::constant(0.8), 1.0, 0.5, 10.0);
    OpenWorkload trace{1.0, ArrivalProcess::trace};
    trace.trace = {0.9, 3.05};
    s.workload.open = trace;
    const ReplicationResult r = simulate(s).replications.at(0);
    CHECK(r.errors.worker_killed == 1);
    CHECK(r.completed == 1);
  }
}

TEST_CASE("A fresh Uvicorn worker's exponential callback is killed with probability exp(-timeout / mean)",
          "[simulate][arbiter]") {
  // max_requests 1: every request is the first of a process that has just
  // notified, so it is killed iff its callback outlasts the timeout:
  // P = exp(-0.1 / 0.1) = 0.368. One user, 10 ms boots: a cycle of
  // 0.01 + 0.1 (1 - 1/e) = 73 ms, some 27,000 requests in 2,000 s; the
  // share's standard error sqrt(P (1 - P) / n) is 0.0029: 4 of them.
  Scenario s = watched(Distribution::exponential(0.1), 0.1, 0.01, 2000.0);
  s.run.seed = 5;
  s.servers[0].max_requests = 1;
  s.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
  const ReplicationResult r = simulate(s).replications.at(0);
  const double n = static_cast<double>(r.completed + r.errors.worker_killed);
  const double p = std::exp(-1.0);
  CHECK(n > 25'000);
  CHECK(r.errors.worker_killed / n == Approx(p).margin(4.0 * std::sqrt(p * (1.0 - p) / n)));
  CHECK(r.errors.total() == r.errors.worker_killed);
}

TEST_CASE("timeout belongs to gunicorn-sync and gunicorn-uvicorn", "[arbiter][scenario]") {
  const std::string base =
      "hosts: {app: {cores: 1}}\nservers:\n  web: {host: app, kind: gunicorn-uvicorn, timeout: 5s}\n"
      "endpoints:\n  work: {server: web, phases: [{cpu: 1ms}]}\nworkload: {open: {rate: 10}}\n";
  CHECK(parse_scenario(base).servers[0].timeout == 5.0);
  test::require_error(test::with(base, "gunicorn-uvicorn", "hypercorn"), "servers.web.timeout",
                      "hypercorn servers have no 'timeout' setting (it belongs to gunicorn-sync, gunicorn-uvicorn)");
}
