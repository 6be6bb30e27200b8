#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/saturation.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

namespace servesim {
namespace {

using test::deployment;

// The search's answer is within its tolerance (2 %) of the exact value, and names `path`.
void check(const Saturation& s, double exact, const std::string& path) {
  INFO("found " << s.load << " (tolerance " << s.tolerance << ", " << s.simulations << " simulations), exact "
                << exact << ", bottleneck " << (s.bottlenecks.empty() ? "-" : s.bottlenecks.front().path));
  CHECK(s.load == Approx(exact).epsilon(0.02));
  REQUIRE(!s.bottlenecks.empty());
  CHECK(s.bottlenecks.front().path == path);
  CHECK(s.tolerance <= 0.02);
}

TEST_CASE("find_saturation agrees with queueing theory", "[plan][saturation]") {
  SECTION("M/M/c pool: 4 sync workers waiting on I/O") {
    // M/M/c saturates at c / E[S] = 4 / 20 ms = 200 req/s (Kleinrock 1975, 3.5); 8 cores idle.
    const Saturation s = find_saturation(
        deployment("kind: gunicorn-sync, workers: 4", 8, "{io: {dist: exponential, mean: 20ms}}"));
    check(s, 200.0, "servers.web.workers");
    CHECK(s.max_throughput.value == Approx(200.0).epsilon(0.02));
    CHECK(s.limited_by == "capacity");
  }

  SECTION("CPU-bound pool: 8 sync workers on 2 cores") {
    // Processor sharing on 2 cores: cores / E[cpu] = 2 / 10 ms = 200 req/s, whatever the workers.
    check(find_saturation(deployment("kind: gunicorn-sync, workers: 8", 2, "{cpu: {dist: exponential, mean: 10ms}}")),
          200.0, "hosts.app.cpu");
  }

  SECTION("a uvicorn process is one event loop") {
    // The loop runs 5 ms of CPU per request; awaited I/O holds nothing: 1 / 5 ms = 200 req/s on 4 cores.
    check(find_saturation(deployment("kind: uvicorn, workers: 1", 4,
                                     "{cpu: {dist: exponential, mean: 5ms}}, {io: {dist: exponential, mean: 20ms}}")),
          200.0, "servers.web.event_loop");
  }

  SECTION("gthread threads of one process run Python on one core at a time") {
    // The GIL: 1 / E[cpu] = 1 / 5 ms = 200 req/s for 8 threads on 4 cores.
    check(find_saturation(deployment("kind: gunicorn-gthread, workers: 1, threads: 8", 4,
                                     "{cpu: {dist: exponential, mean: 5ms}}")),
          200.0, "servers.web.gil");
  }

  SECTION("uvicorn's thread pool for def endpoints") {
    // 4 threads each held 20 ms: 4 / 20 ms = 200 req/s; the loop only hands requests over.
    const Scenario s = parse_scenario(
        "hosts: {app: {cores: 4}}\n"
        "servers: {web: {host: app, framework: none, kind: uvicorn, thread_pool: 4}}\n"
        "endpoints: {work: {style: sync, phases: [{io: {dist: exponential, mean: 20ms}}]}}\n"
        "workload: {open: {rate: 10}}\nrun: {seed: 7}\n");
    check(find_saturation(s), 200.0, "servers.web.thread_pool");
  }

  SECTION("a database's connections") {
    // M/M/2 at the database: 2 / 10 ms = 200 req/s, before 32 workers or their pools.
    check(find_saturation(deployment("kind: gunicorn-sync, workers: 32", 16,
                                     "{db: {database: main, query: {dist: exponential, mean: 10ms}}}",
                                     "databases: {main: {connections: 2}}\n")),
          200.0, "databases.main.connections");
  }

  SECTION("a server's connection pool") {
    // One uvicorn process awaits its queries through a pool of 2 connections
    // (SQLAlchemy's size 2, no overflow) in front of a 100-connection database:
    // 2 / 10 ms = 200 req/s.
    check(find_saturation(deployment("kind: uvicorn, workers: 1", 4,
                                     "{db: {database: main, query: {dist: exponential, mean: 10ms}}}",
                                     "databases: {main: {connections: 100, pool: {size: 2, max_overflow: 0}}}\n")),
          200.0, "servers.web.pool.main");
  }

  SECTION("M/M/1 with an SLO on p99") {
    // M/M/1 response times are exponential with rate mu - lambda, so p99 <= T
    // holds up to lambda = mu - ln(100) / T = 100 - 4.605 / 0.2 = 76.97 req/s.
    SaturationOptions options;
    options.slo = {parse_slo_term("p99", "200ms")};
    const Saturation s = find_saturation(
        deployment("kind: gunicorn-sync, workers: 1", 2, "{io: {dist: exponential, mean: 10ms}}"), options);
    check(s, 100.0 - std::log(100.0) / 0.2, "servers.web.workers");
    CHECK(s.limited_by == "p99");
    CHECK(s.max_throughput.value == Approx(100.0).epsilon(0.03));
  }

  SECTION("closed workload: the knee N*") {
    // N* = (D + Z) / D_max = (10 + 90) ms / (10 ms / 2 workers) = 20 users (Lazowska et al. 1984, 5.2).
    const Saturation s = find_saturation(deployment(
        "kind: gunicorn-sync, workers: 2", 4, "{io: {dist: exponential, mean: 10ms}}", "",
        "closed: {users: 1, think_time: {dist: exponential, mean: 90ms}}"));
    CHECK(s.closed);
    CHECK(s.analytic_load == Approx(20.0));
    check(s, 20.0, "servers.web.workers");
    CHECK(s.max_throughput.value == Approx(200.0).epsilon(0.02));
  }

  SECTION("a downstream service's concurrency cap") {
    // 4 calls at once of 20 ms each: 4 / 20 ms = 200 req/s.
    check(find_saturation(deployment("kind: uvicorn, workers: 1", 4, "{call: {service: pay}}",
                                     "services: {pay: {latency: {dist: exponential, mean: 20ms}, concurrency: 4}}\n")),
          200.0, "services.pay.concurrency");
  }
}

TEST_CASE("find_saturation's options, progress and errors", "[plan][saturation]") {
  const Scenario pool = deployment("kind: gunicorn-sync, workers: 2", 4, "{io: {dist: exponential, mean: 10ms}}");

  SECTION("the same seed gives the same answer") {
    SaturationOptions options;
    options.tolerance = 0.1;
    CHECK(find_saturation(pool, options).load == find_saturation(pool, options).load);
  }

  SECTION("progress rises to 1, and an exception from it cancels the search") {
    SaturationOptions options;
    options.tolerance = 0.1;
    double last = 0.0;
    bool rising = true;
    options.on_progress = [&](double f) {
      rising = rising && f >= last;
      last = f;
    };
    (void)find_saturation(pool, options);
    CHECK(rising);
    CHECK(last == 1.0);
    options.on_progress = [](double) { throw std::runtime_error("stop"); };
    CHECK_THROWS_WITH(find_saturation(pool, options), "stop");
  }

  SECTION("an SLO no load meets") {
    // Every request takes at least 10 ms on average: a mean under 1 ms never holds.
    SaturationOptions options;
    options.slo = {parse_slo_term("mean", "1ms")};
    const Saturation s = find_saturation(pool, options);
    CHECK(s.load == 0.0);
    CHECK(s.limited_by == "mean");
  }

  SECTION("bad SLO terms and options name what is wrong") {
    test::require_scenario_error([] { (void)parse_slo_term("p98", "1s"); }, "slo.p98", "unknown SLO term 'p98'");
    test::require_scenario_error([] { (void)parse_slo_term("p99", "fast"); }, "slo.p99", "'fast'");
    test::require_scenario_error([] { (void)parse_slo_term("errors", "120%"); }, "slo.errors", "[0, 1]");
    CHECK(parse_slo_term("errors", "0.1%").limit == Approx(0.001));
    CHECK(parse_slo_term("p999", "2s").limit == 2.0);
    SaturationOptions options;
    options.tolerance = 0.0;
    CHECK_THROWS_WITH(find_saturation(pool, options), Catch::Contains("tolerance must be in (0, 0.5]"));
    test::require_scenario_error(
        [] {
          (void)find_saturation(deployment("workers: 1", 1, "{cpu: {dist: constant, value: 1ms}}", "",
                                           "open: {profile: {ramp: {from: 1, to: 10}}}"));
        },
        "workload.open", "constant rate");
  }
}

}  // namespace
}  // namespace servesim
