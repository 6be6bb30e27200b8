#include <catch2/catch.hpp>

#include <string>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "servesim/plan/overrides.hpp"
#include "support/scenario_text.hpp"

namespace servesim {
namespace {

using test::deployment;

const ResourceLoad& first(const std::vector<ResourceLoad>& loads) {
  REQUIRE(!loads.empty());
  return loads.front();
}

TEST_CASE("resource_loads names the bottleneck and its saturation rate", "[plan][bottleneck]") {
  const std::string cpu10 = "{cpu: {dist: exponential, mean: 10ms}}";

  SECTION("CPU-bound sync pool, more workers than cores") {
    // Bottleneck law: 2 cores / 10 ms = 200 req/s on the CPU; 4 workers would take 400.
    const auto loads = resource_loads(deployment("kind: gunicorn-sync, workers: 4", 2, cpu10));
    CHECK(first(loads).path == "hosts.app.cpu");
    CHECK(first(loads).saturation_rate == Approx(200.0));
    CHECK(loads[1].path == "servers.web.workers");
    CHECK(loads[1].saturation_rate == Approx(400.0));
  }

  SECTION("sync pool with fewer workers than cores") {
    // M/M/c: c / E[S] = 2 / 10 ms = 200 req/s on the workers; the 4 cores take 400.
    const auto loads = resource_loads(deployment("kind: gunicorn-sync, workers: 2", 4, cpu10));
    CHECK(first(loads).path == "servers.web.workers");
    CHECK(first(loads).saturation_rate == Approx(200.0));
  }

  SECTION("max_requests: a recycled sync worker is away boot_time every N requests") {
    // c N / (N S + R) = 4 x 100 / (100 x 10 ms + 1 s) = 200 req/s, half of c / S;
    // with jitter 100, E[N] = 150: 4 x 150 / 2.5 = 240 (the simulated values, test_restarts.cpp).
    auto loads = resource_loads(deployment("kind: gunicorn-sync, workers: 4, max_requests: 100", 8, cpu10));
    CHECK(first(loads).path == "servers.web.workers");
    CHECK(first(loads).saturation_rate == Approx(200.0));
    loads = resource_loads(
        deployment("kind: gunicorn-sync, workers: 4, max_requests: 100, max_requests_jitter: 100", 8, cpu10));
    CHECK(first(loads).saturation_rate == Approx(240.0));
  }

  SECTION("memory_limit: a leaking sync worker is killed, and away boot_time, every K-th request") {
    // B = 100 MB, L = 1 MB a request, M = 150.5 MB: K = floor(50.5) + 1 = 51,
    // the 51st killed at acceptance, holding nothing. A worker's life is
    // 50 x S + R for 51 requests taken in: c K / ((K - 1) S + R) =
    // 1 x 51 / (0.5 + 0.5) = 51 req/s, 50 of them answered (the simulated
    // cycle, test_restarts.cpp).
    const std::string leaky = "kind: gunicorn-sync, workers: 1, boot_time: 0.5s, memory_limit: 150.5MB, "
                              "memory: {process: 100MB, thread: 0B, connection: 0B, growth_per_request: 1MB}";
    const std::string io10 = "{io: {dist: constant, value: 10ms}}";
    auto loads = resource_loads(deployment(leaky, 8, io10));
    CHECK(first(loads).path == "servers.web.workers");
    CHECK(first(loads).saturation_rate == Approx(51.0));
    // With max_requests 40 it is recycled first: 1 x 40 / (40 x 10 ms + 0.5 s).
    loads = resource_loads(deployment(leaky + ", max_requests: 40", 8, io10));
    CHECK(first(loads).saturation_rate == Approx(40.0 / 0.9));
    // Limits uniform in [40, 60]: 11 of 21 draws recycle at 40..50 (mean 45),
    // 10 are killed at 51: E[accepted] = (11 x 45 + 10 x 51) / 21, of which
    // 10 / 21 killed; rate = E[accepted] / ((E[accepted] - 10/21) S + R).
    loads = resource_loads(deployment(leaky + ", max_requests: 40, max_requests_jitter: 20", 8, io10));
    const double accepted = (11.0 * 45.0 + 10.0 * 51.0) / 21.0;
    CHECK(first(loads).saturation_rate == Approx(accepted / ((accepted - 10.0 / 21.0) * 0.010 + 0.5)));
  }

  SECTION("gthread threads of one process share one GIL") {
    // One process runs Python on one core at a time: 1 / 10 ms = 100 req/s.
    const auto loads = resource_loads(deployment("kind: gunicorn-gthread, workers: 1, threads: 8", 4, cpu10));
    CHECK(first(loads).path == "servers.web.gil");
    CHECK(first(loads).saturation_rate == Approx(100.0));
  }

  SECTION("a uvicorn process is one event loop") {
    // One loop runs the async endpoint's CPU: 1 / 10 ms; awaited io holds nothing.
    const auto loads = resource_loads(deployment(
        "kind: uvicorn, workers: 1", 4, cpu10 + ", {io: {dist: constant, value: 50ms}}"));
    CHECK(first(loads).path == "servers.web.event_loop");
    CHECK(first(loads).saturation_rate == Approx(100.0));
  }

  SECTION("uvicorn's thread pool runs def endpoints") {
    // 1 process x 2 threads, each held 50 ms of io + 1 ms of CPU: 2 / 51 ms.
    const Scenario s = parse_scenario(
        "hosts: {app: {cores: 4}}\nservers: {web: {host: app, framework: none, kind: uvicorn, thread_pool: 2}}\n"
        "endpoints: {work: {style: sync, phases: [{cpu: {dist: constant, value: 1ms}}, "
        "{io: {dist: constant, value: 50ms}}]}}\nworkload: {open: {rate: 10}}\n");
    CHECK(first(resource_loads(s)).path == "servers.web.thread_pool");
    CHECK(first(resource_loads(s)).saturation_rate == Approx(2.0 / 0.051));
  }

  SECTION("a database's connections") {
    // 2 connections / 10 ms per query = 200 req/s, before 16 workers (16 / 11 ms) and the pools.
    const auto loads = resource_loads(deployment(
        "kind: gunicorn-sync, workers: 16", 16,
        "{cpu: {dist: constant, value: 1ms}}, {db: {database: main, query: {dist: exponential, mean: 10ms}}}",
        "databases: {main: {connections: 2}}\n"));
    CHECK(first(loads).path == "databases.main.connections");
    CHECK(first(loads).saturation_rate == Approx(200.0));
    bool has_pool = false;
    for (const ResourceLoad& r : loads) has_pool = has_pool || r.path == "servers.web.pool.main";
    CHECK(has_pool);
  }

  SECTION("a downstream service's concurrency cap") {
    // 4 calls at once / 100 ms each = 40 req/s.
    const auto loads = resource_loads(deployment(
        "kind: uvicorn, workers: 1", 4, "{call: {service: pay}}",
        "services: {pay: {latency: {dist: constant, value: 100ms}, concurrency: 4}}\n"));
    CHECK(first(loads).path == "services.pay.concurrency");
    CHECK(first(loads).saturation_rate == Approx(40.0));
  }

  SECTION("cache hits skip the miss's work") {
    // A 90 % hit ratio: the database sees 10 % of requests, 2 / (0.1 x 10 ms) = 2000 req/s.
    const auto loads = resource_loads(deployment(
        "kind: gunicorn-sync, workers: 64", 64,
        "{cache: {hit_ratio: 0.9, hit: [{io: {dist: constant, value: 1ms}}], "
        "miss: [{db: {database: main, query: {dist: constant, value: 10ms}}}]}}",
        "databases: {main: {connections: 2}}\n"));
    CHECK(first(loads).path == "databases.main.connections");
    CHECK(first(loads).saturation_rate == Approx(2000.0));
  }
}

TEST_CASE("saturation_population is the knee of a closed workload", "[plan][bottleneck]") {
  SECTION("two workers, think time 90 ms") {
    // N* = (D + Z) / D_max = (10 + 90) ms / (10 ms / 2 workers) = 20 (Lazowska et al. 1984, 5.2).
    Scenario s = deployment("kind: gunicorn-sync, workers: 2", 4, "{cpu: {dist: exponential, mean: 10ms}}");
    s = with_overrides(s, {{"workload", "{closed: {users: 5, think_time: {dist: exponential, mean: 90ms}}}"}});
    CHECK(saturation_population(s) == Approx(20.0));
  }
  SECTION("an open workload has no knee") {
    CHECK_THROWS_AS(saturation_population(deployment("workers: 1", 1, "{cpu: {dist: constant, value: 1ms}}")),
                    ScenarioError);
  }
}

TEST_CASE("bottlenecks ranks the resources of a result by utilization", "[plan][bottleneck]") {
  // Utilization law: 150 req/s x 10 ms / 2 cores = 0.75; 4 workers: 0.375.
  const Scenario s = deployment("kind: gunicorn-sync, workers: 4", 2, "{cpu: {dist: exponential, mean: 10ms}}");
  Result result;
  result.endpoints.push_back(EndpointSummary{});
  result.endpoints.back().name = "work";
  result.endpoints.back().throughput.value = 150.0;
  result.hosts.push_back(HostSummary{"app", {}});
  result.hosts.back().cpu_utilization.value = 0.74;
  const auto ranked = bottlenecks(s, result);
  REQUIRE(ranked.size() == 2);
  CHECK(ranked[0].path == "hosts.app.cpu");
  CHECK(ranked[0].utilization == Approx(0.75));
  CHECK(ranked[0].measured.value() == 0.74);
  CHECK(ranked[1].path == "servers.web.workers");
  CHECK(ranked[1].utilization == Approx(0.375));
}

}  // namespace
}  // namespace servesim
