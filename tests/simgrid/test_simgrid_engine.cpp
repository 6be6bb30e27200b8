// The SimGrid engine through simulate(): determinism, cancellation, and every
// way its child process can fail becoming a clear error.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "child/simgrid_engine.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using servesim::test::message_of;
using Catch::Matchers::Contains;

namespace {

SimulationOptions on_simgrid() {
  SimulationOptions options;
  options.engine = Engine::simgrid;
  return options;
}

Scenario small() {
  return test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.01), 100.0), 100.0, 10.0, 2);
}

// Points SERVESIM_SIMGRID at a shell script for the test's duration.
class FakeEngine {
 public:
  explicit FakeEngine(const std::string& body) {
    path_ = std::filesystem::temp_directory_path() /
            ("servesim-fake-engine-" + std::to_string(::getpid()) + ".sh");
    std::ofstream(path_) << "#!/bin/sh\ncat > /dev/null\n" << body << "\n";
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
    ::setenv("SERVESIM_SIMGRID", path_.c_str(), 1);
  }
  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;
  ~FakeEngine() {
    ::unsetenv("SERVESIM_SIMGRID");
    std::filesystem::remove(path_);
  }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_CASE("the SimGrid engine is available in this build", "[simgrid]") {
  CHECK(engine_available(Engine::native));
  CHECK(engine_available(Engine::simgrid));
}

TEST_CASE("SimGrid runs: same seed, same result, on any number of processes", "[simgrid]") {
  SimulationOptions one = on_simgrid();
  one.threads = 1;
  SimulationOptions two = on_simgrid();
  two.threads = 2;
  const Result a = simulate(small(), one);
  const Result b = simulate(small(), two);
  CHECK(to_json(a) == to_json(b));
  CHECK(a.completed > 15'000);
  SimulationOptions other = on_simgrid();
  other.seed = 99;
  CHECK(to_json(simulate(small(), other)) != to_json(a));
}

TEST_CASE("SimGrid runs choose an automatic warm-up by a pilot run", "[simgrid]") {
  Scenario s = small();
  s.run.warmup_mode = WarmupMode::mser5;
  const Result r = simulate(s, on_simgrid());
  for (const auto& rep : r.replications) {
    CHECK(rep.warmup >= 0.0);
    CHECK(rep.warmup < s.run.duration / 2);
    CHECK(rep.measured_duration == Approx(s.run.duration - rep.warmup));
  }
}

TEST_CASE("SimGrid's balancer links add half the round trip and bytes / bandwidth each way", "[simgrid]") {
  // One request a second, never queued: 1 ms of work, a balancer 10 ms away
  // at 8 Mbit/s (1 MB/s), 10 kB up (10 ms) and 20 kB down (20 ms): every
  // latency is 5 + 10 + 1 + 5 + 20 = 41 ms, as the scenario format defines.
  Scenario s = test::with_run(test::farm(1, BalancingPolicy::round_robin, 1.0, Distribution::constant(0.001)),
                              100.0, 0.0, 1);
  s.workload.open->arrivals = ArrivalProcess::constant;
  s.balancers[0].rtt = 0.010;
  s.balancers[0].bandwidth_mbps = 8.0;
  s.endpoints[0].request_bytes = 10'000;
  s.endpoints[0].response_bytes = 20'000;
  const Result r = simulate(s, on_simgrid());
  CHECK(r.latency.mean.value == Approx(0.041).epsilon(1e-9));
  CHECK(r.replications[0].latency.max == Approx(0.041).epsilon(1e-9));
}

TEST_CASE("what SimGrid cannot express is a ScenarioError naming it", "[simgrid]") {
  Scenario s = small();
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{20'000, Distribution::constant(1.0)};
  CHECK_THAT(message_of<ScenarioError>([&] { (void)simulate(s, on_simgrid()); }),
             Contains("workload.closed.users") && Contains("SimGrid engine"));
}

TEST_CASE("SimGrid kills processes holding several requests, beside model servers too", "[simgrid][restarts]") {
  // Every kind whose processes hold several requests takes a memory_limit,
  // and gunicorn-uvicorn Gunicorn's arbiter, with or without model servers (a
  // killed request leaves a batch queue: test_cross_patterns.cpp).
  Scenario s = test::one_server(ServerKind::uvicorn, 1, 1);
  s.servers[0].memory_limit = 1024.0 * 1024 * 1024;
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::io, Distribution::constant(0.01)}});
  ModelServer llm;
  llm.name = "llm";
  REQUIRE(s.servers[0].timeout > 0.0);  // gunicorn-uvicorn's default: the arbiter watches it
  for (const ServerKind kind : {ServerKind::gunicorn_gthread, ServerKind::gunicorn_gevent, ServerKind::uvicorn,
                                ServerKind::hypercorn, ServerKind::granian, ServerKind::gunicorn_uvicorn}) {
    s.servers[0].kind = kind;
    s.model_servers.clear();
    CHECK_NOTHROW(detail::check_simgrid_supported(s));
    s.model_servers.push_back(llm);
    CHECK_NOTHROW(detail::check_simgrid_supported(s));
  }
}

TEST_CASE("a crashing engine process is an EngineError", "[simgrid]") {
  const FakeEngine fake("kill -SEGV $$");
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(small(), on_simgrid()); }),
             Contains("crashed: killed by signal 11"));
}

TEST_CASE("an engine process failing with a message is an EngineError quoting it", "[simgrid]") {
  const FakeEngine fake("echo 'servesim-simgrid: out of luck' >&2; exit 1");
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(small(), on_simgrid()); }),
             Contains("exit code 1") && Contains("out of luck"));
}

TEST_CASE("malformed engine output is an EngineError", "[simgrid]") {
  const FakeEngine fake("echo '{\"replications\": []}'");
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(small(), on_simgrid()); }),
             Contains("malformed") && Contains("result.replications[0] is missing"));
}

TEST_CASE("an engine process past its time limit is killed and an EngineError", "[simgrid]") {
  const FakeEngine fake("exec sleep 60");
  SimulationOptions options = on_simgrid();
  options.process_timeout = 0.5;
  const auto start = std::chrono::steady_clock::now();
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(small(), options); }),
             Contains("0.5 s time limit"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("cancelling a SimGrid run stops its processes", "[simgrid]") {
  const FakeEngine fake("exec sleep 60");
  SimulationOptions options = on_simgrid();
  options.on_progress = [](double) { throw std::runtime_error("cancelled"); };
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH(simulate(small(), options), "cancelled");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("a missing engine executable makes the engine unavailable, saying why", "[simgrid]") {
  ::setenv("SERVESIM_SIMGRID", "/nonexistent/servesim-simgrid", 1);
  CHECK_FALSE(engine_available(Engine::simgrid));
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(small(), on_simgrid()); }),
             Contains("SimGrid engine is unavailable") && Contains("/nonexistent"));
  ::unsetenv("SERVESIM_SIMGRID");
}

TEST_CASE("the SimGrid engine takes every example scenario", "[simgrid]") {
  // Databases, services, caches, balancers, bursts and retries included:
  // check_simgrid_supported() refuses sizes only (see above).
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SERVESIM_SOURCE_DIR) / "scenarios")) {
    Scenario s;
    try {
      s = load_scenario(entry.path());
    } catch (const ScenarioError&) {
      continue;  // a comparison file, not a scenario
    }
    INFO(entry.path());
    CHECK_NOTHROW(detail::check_simgrid_supported(s));
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("a killed SimGrid worker lets go of its connection and its place at the database", "[simgrid]") {
  // Two sync workers with a 1 s timeout run 2 s queries on a database of one
  // connection: one request queries, the other queues at the database; both
  // are killed at 1 s, boot for 1 s, and their users' next requests start
  // over. A connection or database slot not given back would stall every
  // later query; instead both are killed every 2 s: 100 kills in 100 s, no
  // query ever completes, the database is busy half the time and one query
  // queues half the time. The native engine counts the same.
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::constant(0.0), 1.0), 100.0, 0.0, 1);
  s.servers[0].timeout = 1.0;
  s.servers[0].boot_time = 1.0;
  Database pg;
  pg.name = "pg";
  pg.connections = 1;
  pg.query_time = Distribution::constant(2.0);
  pg.pool = ConnectionPool{.size = 1, .max_overflow = 0, .timeout = 30.0};
  s.databases.push_back(pg);
  Phase query;
  query.kind = PhaseKind::db;
  query.target = "pg";
  query.has_duration = false;
  s.endpoints[0].phases = {query};
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{2, Distribution::constant(0.0)};
  for (const Engine engine : {Engine::simgrid, Engine::native}) {
    SimulationOptions options;
    options.engine = engine;
    const Result r = simulate(s, options);
    INFO((engine == Engine::simgrid ? "SimGrid" : "native"));
    CHECK(r.errors.worker_killed == 100);
    CHECK(r.databases[0].queries == 0);
    CHECK(r.databases[0].utilization.value == Approx(0.5).epsilon(1e-9));
    CHECK(r.databases[0].mean_queue_length.value == Approx(0.5).epsilon(1e-9));
  }
}

TEST_CASE("SimGrid draws cache hits and failing calls from the native engine's streams", "[simgrid]") {
  // Requests 20 ms apart, each a cache lookup (a hit waits 1 ms, a miss 3 ms)
  // then a 2 ms call failing with probability 0.2, on an event loop that runs
  // no Python: nothing queues, so both engines draw each request's hit and
  // failure in arrival order from the same streams (the branch stream of the
  // endpoint, the service's stream), and the same seed gives the same count
  // of each, to the request.
  Scenario s = test::with_run(test::sync_pool(1, 2, Distribution::constant(0.0), 50.0), 100.0, 10.0, 2);
  s.servers[0].kind = ServerKind::uvicorn;
  s.servers[0].framework_overhead = Distribution::constant(0.0);
  s.workload.open->arrivals = ArrivalProcess::constant;
  s.services.push_back(Service{"payments", Distribution::constant(0.002), std::nullopt, 0.2});
  Phase cache;
  cache.kind = PhaseKind::cache;
  cache.hit_ratio = 0.7;
  cache.hit = {Phase{PhaseKind::io, Distribution::constant(0.001)}};
  cache.miss = {Phase{PhaseKind::io, Distribution::constant(0.003)}};
  Phase pay;
  pay.kind = PhaseKind::call;
  pay.target = "payments";
  s.endpoints[0].phases = {cache, pay};
  const Result native = simulate(s);
  const Result simgrid = simulate(s, on_simgrid());
  REQUIRE(native.errors.downstream > 0);
  CHECK(simgrid.errors.downstream == native.errors.downstream);
  CHECK(simgrid.completed == native.completed);
  CHECK(simgrid.services[0].calls == native.services[0].calls);
  // Hits answer in 3 ms, misses in 5 ms: the same mix, the same mean.
  CHECK(simgrid.latency.mean.value == Approx(native.latency.mean.value).epsilon(1e-9));
}

TEST_CASE("SimGrid runs report their progress up to the end", "[simgrid]") {
  std::vector<double> fractions;
  SimulationOptions options = on_simgrid();
  options.on_progress = [&](double fraction) { fractions.push_back(fraction); };
  (void)simulate(small(), options);
  REQUIRE(fractions.size() >= 10);
  CHECK(std::is_sorted(fractions.begin(), fractions.end()));
  CHECK(fractions.back() == 1.0);
}

TEST_CASE("an overloaded event loop stops a SimGrid run with an EngineError", "[simgrid]") {
  // Uvicorn accepts every connection: 5,000 req/s against a 500 req/s loop
  // piles up requests, each an actor, until the engine's limit.
  Scenario s = small();
  s.servers[0].kind = ServerKind::uvicorn;
  s.hosts[0].cores = 1;
  s.servers[0].workers = 1;
  s.endpoints[0].phases = {Phase{PhaseKind::cpu, Distribution::constant(0.002)}};
  s.workload.open->rate = 5000.0;
  s.run.replications = 1;
  CHECK_THAT(message_of<EngineError>([&] { (void)simulate(s, on_simgrid()); }),
             Contains("more than 20000 requests in the servers") && Contains("(overload?)"));
}

TEST_CASE("SimGrid replays a trace's arrival times exactly", "[simgrid]") {
  // 500 ever denser times, 5 of them after the 30 s run: exactly 495 arrivals
  // in every replication, each in the interval its time falls in.
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::constant(0.001), 1.0), 30.0, 0.0, 2);
  s.run.interval = 5.0;
  s.workload.open->arrivals = ArrivalProcess::trace;
  for (int i = 0; i < 500; ++i) s.workload.open->trace.push_back(std::pow(i / 499.0, 2.0) * 30.55);
  const std::vector<double>& times = s.workload.open->trace;
  const auto sent = std::count_if(times.begin(), times.end(), [](double t) { return t <= 30.0; });
  REQUIRE(sent == 495);
  const Result r = simulate(s, on_simgrid());
  for (const ReplicationResult& rep : r.replications) {
    CHECK(rep.arrivals == static_cast<std::uint64_t>(sent));
    for (const IntervalStats& interval : rep.timeline) {
      const auto expected = std::count_if(times.begin(), times.end(), [&](double t) {
        return t >= interval.start && (t < interval.end || (interval.end == 30.0 && t == 30.0));
      });
      CHECK(interval.arrivals == static_cast<std::uint64_t>(expected));
    }
  }
}

TEST_CASE("SimGrid's time series: per-interval quantiles, utilizations and queues", "[simgrid]") {
  // 100 req/s evenly spaced into one worker doing 4 ms: nobody waits, so in
  // every 1 s interval the worker and the core are 40 % busy, the queue is
  // empty, and every latency (hence p50 and p99) is 4 ms, to the histogram's
  // resolution.
  Scenario s = test::with_run(test::sync_pool(1, 1, Distribution::constant(0.004), 100.0), 20.0, 0.0, 1);
  s.workload.open->arrivals = ArrivalProcess::constant;
  s.run.interval = 1.0;
  const Result r = simulate(s, on_simgrid());
  const std::vector<IntervalStats>& timeline = r.replications.at(0).timeline;
  REQUIRE(timeline.size() == 20);
  for (const IntervalStats& interval : timeline) {
    CHECK(interval.completed == 100);
    CHECK(interval.p50 == Approx(0.004).epsilon(LatencyHistogram::relative_error()));
    CHECK(interval.p99 == Approx(0.004).epsilon(LatencyHistogram::relative_error()));
    CHECK(interval.worker_busy_fraction.at(0) == Approx(0.4).margin(1e-9));
    CHECK(interval.cpu_utilization.at(0) == Approx(0.4).margin(1e-9));
    CHECK(interval.mean_queue_length.at(0) == Approx(0.0).margin(1e-12));
  }
}
