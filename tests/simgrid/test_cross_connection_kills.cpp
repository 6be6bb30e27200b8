// The SimGrid engine against the native engine on processes killed while
// they hold long-lived connections (tests/cpp/sim/test_connection_kills.cpp
// derives the closed forms): recycled ones at the end of graceful_timeout,
// memory kills, and Gunicorn's arbiter on a loop that messages block. A
// deterministic kill cycle must give both engines the same exact counts;
// random ones agree within 4 standard errors of their difference
// (cross_support.hpp).

#include <catch2/catch.hpp>

#include <vector>

#include "servesim/metrics/statistics.hpp"
#include "support/scenarios.hpp"
#include "cross_support.hpp"

using namespace servesim;
using servesim::test::agree;
using servesim::test::Pair;
using servesim::test::run_both;

namespace {

// `count` WebSockets of `rate` messages per second, each running `phases`,
// on `workers` Uvicorn workers under Gunicorn, one core each; HTTP requests
// at `http_rate` of 1 ms of async Python.
Scenario held_websockets(int workers, int count, double rate, std::vector<Phase> phases, double http_rate,
                         ArrivalProcess arrivals) {
  Scenario s = test::one_server(ServerKind::gunicorn_uvicorn, workers, workers);
  test::add_endpoint(s, "ping", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.001)}}, EndpointStyle::async);
  s.workload.open = OpenWorkload{http_rate, arrivals};
  s.connections.push_back(test::chat_group(count, rate, std::move(phases)));
  return s;
}

// A per-replication count of the connection group, per measured second, as an interval.
ConfidenceInterval group_rate(const Result& r, std::uint64_t ConnectionStats::*count) {
  std::vector<double> rates;
  for (const ReplicationResult& rep : r.replications) {
    rates.push_back(static_cast<double>(rep.connections[0].*count) / rep.measured_duration);
  }
  return mean_ci(rates);
}

}  // namespace

TEST_CASE("SimGrid recycles a process holding WebSockets at graceful_timeout: the native engine's exact counts",
          "[simgrid][cross][connections][restarts]") {
  // max_requests 1, a request every 10 s: each retires the process, which
  // holds its 100 WebSockets until graceful_timeout (2 s) kills it; it boots
  // in 0.5 s and the clients reconnect 1 s after the drop. In [15, 105]: 9
  // kills and 9 whole cycles, mean open 100 x 9 / 10 = 90, 900 drops, in
  // both engines exactly (nothing of it is random).
  Scenario s = test::with_run(held_websockets(1, 100, 1.0, {Phase{PhaseKind::io, Distribution::constant(0.2)}},
                                              0.1, ArrivalProcess::constant),
                              105.0, 15.0, 1);
  s.servers[0].kind = ServerKind::gunicorn_gevent;  // Uvicorn closes its WebSockets at once: refused
  s.endpoints[0].style.reset();
  s.servers[0].max_requests = 1;
  s.servers[0].graceful_timeout = 2.0;
  s.servers[0].boot_time = 0.5;
  s.connections[0].reconnect_delay = Distribution::constant(1.0);
  SimulationOptions options;
  options.engine = Engine::simgrid;
  const ReplicationResult rep = simulate(s, options).replications.at(0);
  const ConnectionStats& chat = rep.connections[0];
  CHECK(chat.mean_open == Approx(90.0).epsilon(1e-9));
  CHECK(chat.dropped == 900);
  CHECK(chat.refused == 0);
  CHECK(rep.servers[0].recycled == 9);
  CHECK(rep.errors.total() == 0);
  // Some 20 messages in flight at each kill, lost: 180 (a Poisson SD of 13).
  CHECK(chat.messages_dropped > 100);
  CHECK(chat.messages_dropped < 260);
}

TEST_CASE("SimGrid agrees with native: memory kills drop WebSockets, which reconnect",
          "[simgrid][cross][connections][restarts]") {
  // Two processes of 100 MB, 1 MB per connection or request and 2 MB kept
  // of each request, under 200 MB; 60 WebSockets (some 30 a process) with 2
  // msg/s each of exponential 2 ms Python and a 20 ms wait, and Poisson
  // HTTP at 20 req/s: a process is killed near its 35th request, every 3.5
  // s or so, dropping its 30 connections and the 1.3 messages in flight;
  // the clients reconnect after an exponential 1 s, to the other process
  // while it boots (0.5 s). 8 x 120 s: some 30 kills and 900 drops a
  // replication, whose rates' SE stays near 2 %.
  Scenario s = test::with_run(
      held_websockets(2, 60, 2.0,
                      {Phase{PhaseKind::cpu, Distribution::exponential(0.002)},
                       Phase{PhaseKind::io, Distribution::constant(0.020)}},
                      20.0, ArrivalProcess::poisson),
      120.0, 10.0, 8);
  s.run.seed = 71;
  constexpr double kMB = 1024.0 * 1024.0;
  s.servers[0].memory = ProcessMemory{100 * kMB, 0.0, 1 * kMB, 2 * kMB};
  s.servers[0].memory_limit = 200 * kMB;
  s.servers[0].boot_time = 0.5;
  s.connections[0].reconnect_delay = Distribution::exponential(1.0);
  const Pair p = run_both(s);
  agree("restarts per second", p.native.servers[0].restart_rate, p.simgrid.servers[0].restart_rate, 0.05);
  agree("mean open connections", p.native.connections[0].mean_open, p.simgrid.connections[0].mean_open, 0.02);
  agree("dropped per second", group_rate(p.native, &ConnectionStats::dropped),
        group_rate(p.simgrid, &ConnectionStats::dropped), 0.05);
  agree("messages per second", p.native.connections[0].message_rate, p.simgrid.connections[0].message_rate, 0.02);
  agree("messages dropped per second", group_rate(p.native, &ConnectionStats::messages_dropped),
        group_rate(p.simgrid, &ConnectionStats::messages_dropped), 0.1);
  agree("mean message latency", p.native.connections[0].message_latency.mean,
        p.simgrid.connections[0].message_latency.mean, 0.05);
  CHECK(p.simgrid.connections[0].dropped > 0);
}

TEST_CASE("SimGrid agrees with native: the arbiter kills a loop that messages block",
          "[simgrid][cross][connections][arbiter]") {
  // Ten WebSockets on one worker, a message each every 20 s (0.5/s in all),
  // each blocking the loop an exponential 1 s (blocking_io), past the 2 s
  // timeout about one in 7 (e^-2 of messages, more with the ones queued
  // behind): each kill drops the ten and what is queued; they reconnect after
  // 1 s (the worker boots in 0.5 s). 8 x 300 s: some 20 kills a replication.
  Scenario s = test::with_run(
      held_websockets(1, 10, 0.05, {Phase{PhaseKind::blocking_io, Distribution::exponential(1.0)}}, 1.0,
                      ArrivalProcess::poisson),
      300.0, 10.0, 8);
  s.run.seed = 73;
  s.servers[0].timeout = 2.0;
  s.servers[0].boot_time = 0.5;
  s.connections[0].reconnect_delay = Distribution::constant(1.0);
  const Pair p = run_both(s);
  agree("dropped per second", group_rate(p.native, &ConnectionStats::dropped),
        group_rate(p.simgrid, &ConnectionStats::dropped), 0.15);
  agree("mean open connections", p.native.connections[0].mean_open, p.simgrid.connections[0].mean_open, 0.02);
  // Some 90 messages handled a replication: their rate's SE near 7 %.
  agree("messages per second", p.native.connections[0].message_rate, p.simgrid.connections[0].message_rate, 0.1);
  CHECK(p.simgrid.connections[0].dropped > 0);
  CHECK(p.simgrid.connections[0].messages_dropped > 0);
}
