// Killed processes that hold long-lived connections, in the native engine: a
// recycled process that cannot drain is killed after `graceful_timeout`, one
// past `memory_limit` at once, one whose loop a message blocks by Gunicorn's
// arbiter; each drops its connections and the messages on them, and a
// `count` group's clients reconnect after `reconnect_delay`. Deterministic
// kill cycles give exact populations; each SECTION derives its own.

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/replications.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"
#include "support/units.hpp"

using namespace servesim;
using servesim::test::check_estimate;

namespace {

// One Uvicorn worker under Gunicorn on one core, booting in `boot` seconds,
// an HTTP request of 1 ms every `period` seconds (the first at t = 0), and
// `count` WebSockets each sending `rate` messages per second that await
// `wait` seconds of I/O, reconnecting `reconnect` seconds after a drop.
// 8 x 360 s measured after a 45.5 s warm-up (no event falls on its end).
Scenario killed_websockets(int count, double rate, double wait, double period, double boot, double reconnect) {
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_uvicorn, 1, 1), 405.5, 45.5, 8);
  s.run.seed = 17;
  s.servers[0].boot_time = boot;
  test::add_endpoint(s, "ping", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.001)}}, EndpointStyle::async);
  s.workload.open = OpenWorkload{1.0 / period, ArrivalProcess::constant};
  ConnectionGroup group = test::chat_group(count, rate, {Phase{PhaseKind::io, Distribution::constant(wait)}});
  group.reconnect_delay = Distribution::constant(reconnect);
  s.connections.push_back(group);
  return s;
}

}  // namespace

TEST_CASE("graceful_timeout: a recycled process holding connections is killed with them",
          "[simulate][connections][restarts]") {
  // max_requests 1: each request (every T = 10 s) retires the process; its
  // N = 100 WebSockets never close, so graceful_timeout g = 2 s later it is
  // killed with them, boots in b = 0.5 s, and the clients reconnect d = 1 s
  // after the drop. The kills are at 10 k + 2; the window [45.5, 405.5] holds 36
  // of them and 36 whole cycles, so every connection is closed d of each T:
  // mean open N (T - d) / T = 90, and 36 N drops, exactly.
  // Gunicorn's gevent worker waits graceful_timeout for its handlers (Uvicorn,
  // which closes its WebSockets at once, is refused: last test case).
  Scenario s = killed_websockets(100, 1.0, 0.2, 10.0, 0.5, 1.0);
  s.servers[0].kind = ServerKind::gunicorn_gevent;
  s.endpoints[0].style.reset();
  s.servers[0].max_requests = 1;
  s.servers[0].graceful_timeout = 2.0;
  SECTION("reconnecting after the new process booted: N (T - d) / T") {
    const Result r = simulate(s);
    const ConnectionSummary& chat = r.connections[0];
    CHECK(chat.mean_open.value == Approx(90.0).epsilon(1e-9));
    CHECK(chat.mean_open.half_width == Approx(0.0).margin(1e-6));
    CHECK(chat.dropped == std::uint64_t{8} * 36 * 100);
    CHECK(chat.refused == 0);
    CHECK(test::summed_servers(r, &ServerStats::recycled) == std::uint64_t{8} * 36);
    CHECK(r.errors.worker_killed == 0);  // the request was answered long before
    // Messages await 0.2 s: at a kill, 9 s after the reconnection, those in
    // flight are an M/G/inf population of N m L = 20 (Poisson), all lost.
    // 288 kills: 5,760 expected, a Poisson SD of 1.3 %.
    CHECK(static_cast<double>(chat.messages_dropped) == Approx(8 * 36 * 20.0).epsilon(0.05));
    // Handled: N m for 9 s of each 10, less the 20 lost: 88/s, 31,680 a
    // replication (a relative SE of 0.2 %).
    check_estimate("messages per second", chat.message_rate, 88.0, 0.005);
  }
  SECTION("reconnecting while it boots: refused, and again after each delay") {
    // d = 0.2 s < b: attempts at g + 0.2 and g + 0.4 find it booting
    // (refused), the one at g + 0.6 gets in: closed 0.6 s of each 10.
    s.connections[0].reconnect_delay = Distribution::constant(0.2);
    const Result r = simulate(s);
    CHECK(r.connections[0].mean_open.value == Approx(94.0).epsilon(1e-9));
    CHECK(r.connections[0].refused == std::uint64_t{8} * 36 * 2 * 100);
    CHECK(r.connections[0].dropped == std::uint64_t{8} * 36 * 100);
  }
  SECTION("an open_rate group's dropped connections are gone") {
    // 20 connections/s held exponential H = 5 s. After each boot the
    // population grows as an M/M/inf from 0, lambda H (1 - e^(-s/H)), for
    // A = T - g - b = 7.5 s until the next request retires the process; then
    // it takes none for g = 2 s (those opening are refused) and its own
    // decay as e^(-s/H) until the kill drops the rest, and none while it
    // boots. Per cycle: lambda H [A - H (1 - e^(-A/H))] + P H (1 - e^(-g/H))
    // open-seconds, P = lambda H (1 - e^(-A/H)) = 77.7 at the retirement:
    // 48.96 open on average, P e^(-g/H) = 52.1 dropped per kill, lambda
    // (g + b) = 50 refused. (32 replications of another seed gave 48.95 +-
    // 0.26 and 0.2 % from the drops.)
    ConnectionGroup& chat = s.connections[0];
    chat.count.reset();
    chat.open_rate = 20.0;
    chat.hold = Distribution::exponential(5.0);
    const double lh = 100.0;
    const double growing = 7.5;
    const double at_retirement = lh * (1.0 - std::exp(-growing / 5.0));
    const double open_seconds =
        lh * (growing - 5.0 * (1.0 - std::exp(-growing / 5.0))) + at_retirement * 5.0 * (1.0 - std::exp(-2.0 / 5.0));
    const Result r = simulate(s);
    // Each replication averages 36 cycles' populations (SD about 13 % each): 1 % SE.
    check_estimate("mean open", r.connections[0].mean_open, open_seconds / 10.0, 0.015);
    // Poisson counts: 15,000 drops and 14,400 refusals, SDs of 0.8 %.
    const double drops = 8 * 36 * at_retirement * std::exp(-2.0 / 5.0);
    CHECK(static_cast<double>(r.connections[0].dropped) == Approx(drops).epsilon(0.035));
    CHECK(static_cast<double>(r.connections[0].refused) == Approx(8 * 36 * 20 * 2.5).epsilon(0.035));
  }
}

TEST_CASE("memory_limit: a kill drops the process's connections; a count group reconnects",
          "[simulate][connections][restarts]") {
  // 100 MB a process, 1 MB per connection or request, a leak of 10 MB a
  // request, a limit of 196 MB: with its N = 50 connections and the request
  // it serves (151 MB) the 5th request since it started (+50 MB) takes it
  // past, the 4th (+40 MB) does not. Requests every 1 s from t = 0: a kill
  // at 5 k + 4 (the 5th fails out_of_memory), a boot of 0.5 s, reconnection
  // 0.75 s after the drop, before the next request. The window [45.5, 405.5]
  // holds 72 kills and 72 cycles of 5 s: mean open 50 x (5 - 0.75) / 5 = 42.5.
  Scenario s = killed_websockets(50, 1.0, 0.01, 1.0, 0.5, 0.75);
  s.servers[0].memory = ProcessMemory{100 * test::kMB, 0.0, 1 * test::kMB, 10 * test::kMB};
  s.servers[0].memory_limit = 196 * test::kMB;
  const Result r = simulate(s);
  CHECK(r.connections[0].mean_open.value == Approx(42.5).epsilon(1e-9));
  CHECK(r.connections[0].dropped == std::uint64_t{8} * 72 * 50);
  CHECK(test::summed_servers(r, &ServerStats::memory_killed) == std::uint64_t{8} * 72);
  CHECK(r.errors.out_of_memory == std::uint64_t{8} * 72);
}

TEST_CASE("Gunicorn's arbiter watches a loop that messages block", "[simulate][connections][arbiter]") {
  // One WebSocket whose every message blocks the loop 3 s (blocking_io),
  // past the 2 s timeout: the arbiter kills the worker between 1 s and 2 s
  // after the message took the loop (the loop last notified at most
  // timeout / 2 before), dropping the connection and its messages; none
  // completes. A cycle: open an exponential 2 s until a message, 1-2 s to
  // the kill, then closed the 1 s reconnect delay (the worker boots in
  // 0.5 s): 4 to 5 s, so 72 to 90 kills in 360 s.
  Scenario s = killed_websockets(1, 0.5, 0.0, 1.0, 0.5, 1.0);
  s.servers[0].timeout = 2.0;
  s.connections[0].phases = {Phase{PhaseKind::blocking_io, Distribution::constant(3.0)}};
  const Result r = simulate(s);
  const ConnectionSummary& chat = r.connections[0];
  CHECK(chat.messages == 0);
  CHECK(chat.messages_dropped >= chat.dropped);
  // 576 to 720 kills over 8 replications; the exponential waits add a 4 % SD at most.
  CHECK(static_cast<double>(chat.dropped) >= 8 * 72 * 0.85);
  CHECK(static_cast<double>(chat.dropped) <= 8 * 90 * 1.15);
  CHECK(r.errors.worker_killed > 0);  // the HTTP requests waiting behind the message die too
}

TEST_CASE("Restarts beside connections: settings parse, write back, and bad ones are named",
          "[io][connections][restarts]") {
  const std::string base = R"(
hosts: {app: {cores: 2}}
servers:
  api: {host: app, kind: gunicorn-gevent, workers: 2, framework: flask, max_requests: 1000,
        graceful_timeout: 10s, memory_limit: 1GB}
endpoints:
  health: {server: api, phases: [{cpu: 1ms}]}
connections:
  chat: {server: api, kind: websocket, count: 100, messages: 0.5, reconnect_delay: 5s, phases: [{cpu: 300us}]}
workload: {open: {rate: 10}}
)";
  const Scenario s = parse_scenario(base);
  CHECK(s.servers[0].graceful_timeout == 10.0);
  CHECK(s.connections[0].reconnect_delay.mean() == 5.0);
  const Scenario defaults = parse_scenario(test::with(test::with(base, "graceful_timeout: 10s,", ""),
                                                      "reconnect_delay: 5s, ", ""));
  CHECK(defaults.servers[0].graceful_timeout == 30.0);
  CHECK(defaults.connections[0].reconnect_delay.mean() == 3.0);
  test::require_error(test::with(base, "graceful_timeout: 10s", "graceful_timeout: -1s"),
                      "servers.api.graceful_timeout", ">= 0");
  test::require_error(test::with(base, "count: 100", "open_rate: 3"), "connections.chat.reconnect_delay",
                      "goes with count");
  test::require_error(test::with(base, "gunicorn-gevent, workers: 2, framework: flask", "granian, workers: 2"),
                      "servers.api.max_requests", "granian");
  test::require_error(test::with(base, "gunicorn-gevent, workers: 2, framework: flask",
                                 "gunicorn-uvicorn, workers: 2, framework: fastapi"),
                      "servers.api.max_requests",
                      "not modelled beside long-lived connections on gunicorn-uvicorn: Uvicorn closes its "
                      "WebSockets at once when it stops at its request limit");
  // Its memory kills are modelled: a kill is at once on every kind.
  CHECK_NOTHROW(parse_scenario(test::with(test::with(base, "gunicorn-gevent, workers: 2, framework: flask",
                                                     "gunicorn-uvicorn, workers: 2, framework: fastapi"),
                                          "max_requests: 1000,", "")));
}
