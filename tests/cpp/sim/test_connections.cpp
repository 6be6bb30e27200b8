// Long-lived connections (connections: WebSockets, streaming responses) in
// the native engine. N connections each sending m Poisson messages per second
// that cost c seconds of Python on one event loop load it to N m c exactly,
// and its messages see an M/M/1 queue when c is exponential (the messages of
// all connections together are one Poisson stream); at N m c >= 1 the loop
// saturates. Connections count against the server's limits and hold memory.

#include <chrono>

#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "io/scenario_writer.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;

namespace {

// One uvicorn process on one core holding `count` WebSockets, each sending
// `rate` messages per second of `cpu` Python; beside them an HTTP endpoint
// that costs nothing (the scenario format needs a workload), so the loop's
// only work is the messages.
Scenario chat(int count, double rate, Distribution cpu, double duration = 100.0, int replications = 8) {
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 1), duration, duration / 10.0, replications);
  s.run.seed = 41;
  test::add_endpoint(s, "health", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.0)}});
  s.workload.open = OpenWorkload{1.0, ArrivalProcess::poisson};
  s.connections.push_back(test::chat_group(count, rate, {Phase{PhaseKind::cpu, std::move(cpu)}}));
  return s;
}

}  // namespace

TEST_CASE("N connections x m messages/s x c CPU load the loop to N m c", "[simulate][connections]") {
  // 1,000 connections x 2 msg/s x 200 us = 0.4. With constant CPU the loop's
  // busy time is exactly the messages' CPU, so the measured busy fraction is
  // the measured message rate times c, up to the one message that straddles
  // each end of the window (200 us in 90 s: 2e-6).
  const double c = 200e-6;
  const Result r = simulate(chat(1000, 2.0, Distribution::constant(c)));
  REQUIRE(r.connections.size() == 1);
  const ConnectionSummary& group = r.connections[0];
  for (const ReplicationResult& rep : r.replications) {
    CHECK(rep.servers[0].worker_busy_fraction == Approx(rep.connections[0].message_rate * c).epsilon(1e-4));
  }
  // Against the offered N m c: the message count is Poisson with mean 180,000
  // per replication, so each replication's rate has a relative SE of 0.24 %.
  check_estimate("loop utilization", r.servers[0].worker_busy_fraction, 1000 * 2.0 * c, 0.002);
  check_estimate("messages per second", group.message_rate, 2000.0, 0.002);
  CHECK(group.mean_open.value == Approx(1000.0));
  CHECK(group.opened == 0);  // opened at t = 0, before the measured window
  CHECK(group.refused == 0);
  CHECK(r.stability.stable);
}

TEST_CASE("Poisson messages with exponential CPU on one loop are an M/M/1 queue", "[simulate][connections]") {
  // 2,000 connections x 1.75 msg/s = 3,500 msg/s; exponential 200 us: mu =
  // 5,000/s, rho = 0.7. M/M/1: the response time is exponential with rate
  // mu - lambda = 1,500/s: mean 667 us, p99 ln(100) / 1,500 = 3.07 ms.
  // 8 x 90 s measured, 315,000 messages each: the mean's SE is under 1 %.
  const double lambda = 3500.0;
  const double mu = 5000.0;
  const Result r = simulate(chat(2000, lambda / 2000.0, Distribution::exponential(1.0 / mu)));
  const MmcMetrics exact = mmc(lambda, mu, 1);
  const ConnectionSummary& group = r.connections[0];
  check_estimate("mean message latency", group.message_latency.mean, exact.mean_response, 0.01);
  // The histogram adds at most 0.39 % to a percentile.
  check_estimate("p50 message latency", group.message_latency.p50, std::log(2.0) / (mu - lambda), 0.015,
                 0.004 * std::log(2.0) / (mu - lambda));
  check_estimate("p99 message latency", group.message_latency.p99, std::log(100.0) / (mu - lambda), 0.02,
                 0.004 * std::log(100.0) / (mu - lambda));
  check_estimate("loop utilization", r.servers[0].worker_busy_fraction, 0.7, 0.01);
}

TEST_CASE("The loop saturates where N m c reaches 1", "[simulate][connections]") {
  // 1,200 connections x 1 msg/s x 1 ms = 1.2: the loop is busy all the
  // time, handles 1,000 messages per second, and its queue grows.
  const Result r = simulate(chat(1200, 1.0, Distribution::constant(0.001), 40.0, 2));
  CHECK(r.servers[0].worker_busy_fraction.value == Approx(1.0).epsilon(0.001));
  CHECK(r.connections[0].message_rate.value == Approx(1000.0).epsilon(0.002));
  CHECK_FALSE(r.stability.stable);
}

TEST_CASE("Connections opened at a rate and held a while: Little's law, memory", "[simulate][connections]") {
  // 20 connections per second held an exponential 30 s: an M/M/inf
  // population of mean 600. Each holds FastAPI's 64 KB. 8 x 400 s measured,
  // after a 100 s warm-up (over 3 holding times), gives a relative SE near 1.5 %.
  Scenario s = test::with_run(chat(1, 0.5, Distribution::constant(100e-6)), 500.0, 100.0, 8);
  ConnectionGroup& group = s.connections[0];
  group.count.reset();
  group.open_rate = 20.0;
  group.hold = Distribution::exponential(30.0);
  s.servers[0].memory.connection = 64.0 * 1024;
  const Result r = simulate(s);
  const ConnectionSummary& chat = r.connections[0];
  check_estimate("mean open connections", chat.mean_open, 600.0, 0.02);
  check_estimate("messages per second", chat.message_rate, 600.0 * 0.5, 0.02);
  CHECK(chat.memory.value == Approx(chat.mean_open.value * 64.0 * 1024));
  REQUIRE(r.hosts.size() == 1);
  CHECK(r.hosts[0].memory - r.hosts[0].static_memory >= chat.memory.value);
}

TEST_CASE("Connections count against the server's limits", "[simulate][connections]") {
  SECTION("uvicorn's limit_concurrency refuses the ones past it") {
    Scenario s = chat(150, 0.1, Distribution::constant(0.0001), 10.0, 1);
    s.run.warmup = 0.0;
    s.servers[0].limit_concurrency = 100;
    const Result r = simulate(s);
    CHECK(r.connections[0].opened == 100);
    CHECK(r.connections[0].refused == 50);
    CHECK(r.connections[0].mean_open.value == Approx(100.0));
    // HTTP requests find the process at its limit too: 503s.
    CHECK(r.errors.unavailable > 0);
  }
  SECTION("on gunicorn sync each WebSocket holds a worker for its lifetime (flask-sock)") {
    Scenario s = chat(3, 0.1, Distribution::constant(0.0001), 10.0, 1);
    s.run.warmup = 0.0;
    s.servers[0].kind = ServerKind::gunicorn_sync;
    s.servers[0].workers = 2;
    const Result r = simulate(s);
    CHECK(r.connections[0].opened == 2);
    CHECK(r.connections[0].refused == 1);
    // No worker is left for HTTP: every request waits in the backlog.
    CHECK(r.completed == 0);
  }
}

TEST_CASE("A streaming response writes its chunks, then closes", "[simulate][connections]") {
  // 10 streams of 5 chunks, 100 ms apart, each 1 ms of Python: 50 chunks,
  // the last at 0.5 s; then nothing is open.
  Scenario s = chat(10, 1.0, Distribution::constant(0.001), 10.0, 1);
  s.run.warmup = 0.0;
  ConnectionGroup& group = s.connections[0];
  group.kind = ConnectionKind::stream;
  group.chunks = 5;
  group.chunk_gap = Distribution::constant(0.1);
  const Result r = simulate(s);
  CHECK(r.connections[0].messages == 50);
  // Open 0.5 s and a little (chunks wait for the loop behind each other), of 10 s.
  CHECK(r.connections[0].mean_open.value == Approx(10 * 0.5 / 10.0).epsilon(0.05));
  // 10 chunks at once on one loop: the last waits for 9 others.
  CHECK(r.connections[0].message_latency.max == Approx(0.010).epsilon(0.01));
}

TEST_CASE("10,000 WebSockets on one uvicorn worker simulate in seconds", "[simulate][connections][speed]") {
  // 10,000 connections x 0.1 msg/s x exponential 500 us: the loop at 50 %,
  // 60 s simulated, 60,000 messages; memory from FastAPI's preset figure.
  Scenario s = chat(10'000, 0.1, Distribution::exponential(500e-6), 60.0, 1);
  s.servers[0].memory.connection = 64.0 * 1024;
  const auto start = std::chrono::steady_clock::now();
  const Result r = simulate(s);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  INFO("wall time " << seconds << " s");
  CHECK(seconds < 5.0);
  CHECK(r.connections[0].mean_open.value == Approx(10'000.0));
  CHECK(r.connections[0].memory.value == Approx(10'000.0 * 64.0 * 1024));
  CHECK(r.servers[0].worker_busy_fraction.value == Approx(0.5).epsilon(0.05));
}

TEST_CASE("Connection groups parse, write back and reject bad input by name", "[io][connections]") {
  const std::string base = R"(
hosts: {app: {cores: 2}}
servers:
  api: {host: app, kind: uvicorn, framework: fastapi}
endpoints:
  health: {server: api, phases: [{cpu: 1ms}]}
connections:
  chat: {server: api, kind: websocket, count: 1000, messages: 0.5, phases: [{cpu: 300us}, {io: 2ms}]}
workload: {open: {rate: 10}}
)";
  SECTION("the section") {
    const Scenario s = parse_scenario(base);
    REQUIRE(s.connections.size() == 1);
    const ConnectionGroup& chat = s.connections[0];
    CHECK(chat.server == "api");
    CHECK(chat.kind == ConnectionKind::websocket);
    CHECK(chat.count == 1000);
    CHECK(chat.messages == 0.5);
    CHECK(chat.phases.size() == 2);
    const Scenario stream = parse_scenario(test::with(
        base, "kind: websocket, count: 1000, messages: 0.5", "kind: stream, open_rate: 5, chunks: 20, chunk_gap: 50ms"));
    CHECK(stream.connections[0].kind == ConnectionKind::stream);
    CHECK(stream.connections[0].open_rate == 5.0);
    CHECK(stream.connections[0].chunks == 20);
    CHECK(stream.connections[0].chunk_gap.mean() == Approx(0.05));
  }
  SECTION("bad input names the field, with the reason") {
    test::require_error(test::with(base, "kind: uvicorn", "kind: gunicorn-gthread"), "connections.chat.server",
                        "cannot run on gunicorn-gthread");
    test::require_error(test::with(base, "count: 1000", "count: 1000, open_rate: 3"), "connections.chat.open_rate",
                        "not both");
    test::require_error(test::with(base, "count: 1000, ", ""), "connections.chat.count", "required");
    test::require_error(test::with(base, "count: 1000", "count: 0"), "connections.chat.count", ">= 1");
    test::require_error(test::with(base, "messages: 0.5", "messages: 0"), "connections.chat.messages", "> 0");
    test::require_error(test::with(base, "messages: 0.5", "chunks: 4"), "connections.chat.chunks",
                        "belongs to kind stream");
    test::require_error(test::with(base, "kind: websocket", "kind: stream"), "connections.chat.messages",
                        "belongs to kind websocket");
    test::require_error(test::with(base, "count: 1000", "count: 1000, hold: 30s"), "connections.chat.hold",
                        "goes with open_rate");
    test::require_error(test::with(base, "kind: websocket", "kind: sse"), "connections.chat.kind", "websocket");
    test::require_error(test::with(base, "server: api, kind", "server: apu, kind"), "connections.chat.server",
                        "did you mean 'api'");
    test::require_error(test::with(base, "{io: 2ms}]}", "{db: pg}]}"), "connections.chat.phases[1].db",
                        "not modelled yet");
    test::require_error(test::with(base, "{io: 2ms}]}", "{background: 2ms}]}"),
                        "connections.chat.phases[1].background", "no response");
    test::require_error(test::with(base, "messages: 0.5,", "messages: 0.5, rate: 3,"), "connections.chat.rate",
                        "unknown key");
    test::require_error(test::with(base, "phases: [{cpu: 300us}, {io: 2ms}]", "phases: []"),
                        "connections.chat.phases", "at least one phase");
  }
  SECTION("the writer's copy parses to the same groups") {
    const Scenario s = parse_scenario(base);
    const Scenario stream = parse_scenario(test::with(
        base, "kind: websocket, count: 1000, messages: 0.5", "kind: stream, open_rate: 5, chunks: 20, chunk_gap: 50ms"));
    for (const Scenario& original : {s, stream}) {
      const Scenario copy = parse_scenario(detail::scenario_to_json(original));
      REQUIRE(copy.connections.size() == 1);
      CHECK(copy.connections[0].kind == original.connections[0].kind);
      CHECK(copy.connections[0].count == original.connections[0].count);
      CHECK(copy.connections[0].open_rate == original.connections[0].open_rate);
      CHECK(copy.connections[0].chunks == original.connections[0].chunks);
      CHECK(copy.connections[0].phases.size() == 2);
    }
  }
}
