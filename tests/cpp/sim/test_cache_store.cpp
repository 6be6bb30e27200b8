// Cache stores as servers (caches: a Redis with one command thread) in the
// native engine: a store looked up by Poisson requests with exponential
// command times is an M/M/1 queue (M/M/c with c threads), and an overloaded
// one is named as the bottleneck by its scenario path.

#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;

namespace {

constexpr double kCommand = 100e-6;  // seconds per command, exponential: mu = 10,000/s

// One uvicorn process whose async endpoint only looks up `redis` (awaited,
// so the event loop is never the bottleneck): every request is one command,
// and its latency is the command's time at the store.
Scenario lookups(double rate, int threads) {
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 4), 100.0, 5.0, 8);
  s.run.seed = 31;
  s.caches.push_back(Cache{"redis", threads, Distribution::exponential(kCommand)});
  Phase lookup{PhaseKind::cache, Distribution::constant(0.0)};
  lookup.target = "redis";
  lookup.hit_ratio = 1.0;
  test::add_endpoint(s, "get", "web", {lookup});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  return s;
}

}  // namespace

TEST_CASE("A Redis store under Poisson lookups is an M/M/1 queue", "[simulate][cache_store]") {
  // lambda = 7,000/s, mu = 10,000/s, rho = 0.7: W = 1/(mu - lambda) = 333 us,
  // Wq = rho W = 233 us, Lq = rho^2 / (1 - rho) = 1.633 (M/M/1, any queueing text).
  // 8 replications of 665,000 commands each: the standard error of each mean
  // is under 1 % of it (M/M/1 at rho 0.7 needs some 1,000 commands per
  // independent sample), and a correct engine lands within 4 of them.
  const double rate = 7000.0;
  const MmcMetrics exact = mmc(rate, 1.0 / kCommand, 1);
  const Result r = simulate(lookups(rate, 1));
  REQUIRE(r.caches.size() == 1);
  const CacheSummary& redis = r.caches[0];
  check_estimate("request latency = time at the store", r.latency.mean, exact.mean_response, 0.01);
  check_estimate("mean response at the store", redis.mean_response, exact.mean_response, 0.01);
  check_estimate("mean wait at the store", redis.mean_wait, exact.mean_wait, 0.015);
  check_estimate("commands waiting", redis.mean_queue_length, exact.mean_queue_length, 0.015);
  check_estimate("utilization", redis.utilization, 0.7, 0.01);
}

TEST_CASE("A store with 2 command threads is an M/M/2 queue", "[simulate][cache_store]") {
  // lambda = 16,000/s on 2 threads of mu = 10,000/s: rho = 0.8, Erlang C.
  const double rate = 16000.0;
  const MmcMetrics exact = mmc(rate, 1.0 / kCommand, 2);
  const Result r = simulate(lookups(rate, 2));
  check_estimate("mean response at the store", r.caches[0].mean_response, exact.mean_response, 0.01);
  check_estimate("mean wait at the store", r.caches[0].mean_wait, exact.mean_wait, 0.02);
  check_estimate("utilization", r.caches[0].utilization, 0.8, 0.01);
}

TEST_CASE("A hot store is named as the bottleneck by its scenario path", "[simulate][cache_store]") {
  // The store serves 1 / E[command] = 10,000 commands per second; the server
  // (4 cores, no CPU work) far more.
  const std::vector<ResourceLoad> loads = resource_loads(lookups(1000.0, 1));
  REQUIRE_FALSE(loads.empty());
  CHECK(loads.front().path == "caches.redis.threads");
  CHECK(loads.front().saturation_rate == Approx(1.0 / kCommand));
  // Offered 12,000/s, 20 % more than it serves, by gthread workers that block
  // on the store: their connections queue, the run is unstable, at the store.
  Scenario overloaded = test::with_run(lookups(12000.0, 1), 20.0, 2.0, 2);
  overloaded.servers[0].kind = ServerKind::gunicorn_gthread;
  overloaded.servers[0].threads = 8;
  overloaded.endpoints[0].style.reset();
  const Result r = simulate(overloaded);
  CHECK_FALSE(r.stability.stable);
  CHECK(r.stability.resource == "caches.redis.threads");
  CHECK(r.caches[0].utilization.value == Approx(1.0).epsilon(0.01));
}

TEST_CASE("A store overloaded by awaited lookups is unstable at the store", "[simulate][cache_store][stability]") {
  // The async endpoint awaits its lookup: no worker waits, no server queue
  // grows, only the commands at the store. At 12,000/s against 10,000/s the
  // requests in flight grow by 2,000/s, 20 times the 2 % threshold.
  const Result over = simulate(test::with_run(lookups(12000.0, 1), 20.0, 2.0, 2));
  CHECK_FALSE(over.stability.stable);
  CHECK(over.stability.resource == "caches.redis.threads");
  CHECK(over.stability.excess_rate == Approx(2000.0).epsilon(0.05));
  // At 8,000/s (rho = 0.8, 4 commands in the store on average) it keeps up.
  const Result loaded = simulate(test::with_run(lookups(8000.0, 1), 20.0, 2.0, 2));
  CHECK(loaded.caches[0].utilization.value == Approx(0.8).epsilon(0.02));
  CHECK(loaded.stability.stable);
}

TEST_CASE("Cache stores parse, write back and reject bad input by name", "[io][cache_store]") {
  const std::string base = R"(
hosts: {app: {cores: 2}}
servers:
  web: {host: app, kind: uvicorn, framework: none}
caches:
  redis: {threads: 1, command_time: 200us}
endpoints:
  get: {server: web, phases: [{cache: {store: redis, hit_ratio: 0.9, miss: [{io: 5ms}, {cache: {store: redis}}]}}]}
workload: {open: {rate: 10}}
)";
  SECTION("the section and the phases that name it") {
    const Scenario s = parse_scenario(base);
    REQUIRE(s.caches.size() == 1);
    CHECK(s.caches[0].threads == 1);
    CHECK(s.caches[0].command_time.mean() == Approx(200e-6));
    CHECK(s.endpoints[0].phases[0].target == "redis");
    // `store` alone is one command: a SET after the miss.
    CHECK(s.endpoints[0].phases[0].miss[1].target == "redis");
    CHECK(s.endpoints[0].phases[0].miss[1].hit_ratio == 0.0);
  }
  SECTION("bad input names the field") {
    test::require_error(test::with(base, "threads: 1", "threads: 0"), "caches.redis.threads",
                        "must be an integer >= 1, got 0");
    test::require_error(test::with(base, "command_time: 200us", "command_time: -1ms"), "caches.redis.command_time",
                        ">= 0");
    test::require_error(test::with(base, "{store: redis, hit_ratio", "{store: memcached, hit_ratio"),
                        "endpoints.get.phases[0].cache.store", "no cache named 'memcached'");
    test::require_error(test::with(base, "threads: 1", "threads: 1, shards: 4"), "caches.redis.shards",
                        "unknown key");
  }
}
