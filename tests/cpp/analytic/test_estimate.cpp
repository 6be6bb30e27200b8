#include <catch2/catch.hpp>
#include <cmath>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/estimate.hpp"
#include "servesim/analytic/finite_population.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "support/scenarios.hpp"

using servesim::Distribution;
using servesim::estimate;
using servesim::test::sync_pool;

TEST_CASE("estimate is exact for M/M/c sync pools", "[analytic][estimate]") {
  SECTION("two workers at rho 0.8") {
    // lambda 160, E[S] = 10 ms, c = 2, cores >= workers: M/M/2 (backlog 2048: loss < 1e-190).
    const auto e = estimate(sync_pool(2, 4, Distribution::exponential(0.010), 160.0));
    const auto m = servesim::mmc(160.0, 100.0, 2);
    CHECK(e.throughput == Approx(160.0).epsilon(1e-12));
    CHECK(e.latency.mean == Approx(m.mean_response).epsilon(1e-10));
    CHECK(e.queued_fraction == Approx(m.wait_probability).epsilon(1e-10));
    CHECK(e.worker_busy_fraction == Approx(0.8).epsilon(1e-10));
    CHECK(e.cpu_utilization == Approx(1.6 / 4).epsilon(1e-10));
    CHECK(e.saturation_rate == Approx(200.0).epsilon(1e-12));
    // Exact M/M/c FCFS response quantiles (mmc_response_quantile), up to quadrature error.
    CHECK(e.latency.p50 == Approx(servesim::mmc_response_quantile(160.0, 100.0, 2, 0.5)).epsilon(1e-7));
    CHECK(e.latency.p99 == Approx(servesim::mmc_response_quantile(160.0, 100.0, 2, 0.99)).epsilon(1e-7));
    CHECK(e.latency.p999 == Approx(servesim::mmc_response_quantile(160.0, 100.0, 2, 0.999)).epsilon(1e-7));
    CHECK_FALSE(e.saturated);
  }
  SECTION("a small backlog is M/M/c/K") {
    // 2 workers, backlog 3: K = 5; refused share = p_K (PASTA), throughput lambda (1 - p_K).
    auto s = sync_pool(2, 4, Distribution::exponential(0.010), 150.0);
    s.servers[0].backlog = 3;
    const auto e = estimate(s);
    const auto m = servesim::mmck(150.0, 100.0, 2, 5);
    CHECK(e.error_rate == Approx(m.loss_probability).epsilon(1e-10));
    CHECK(e.throughput == Approx(m.throughput).epsilon(1e-10));
    CHECK(e.latency.mean == Approx(m.mean_response).epsilon(1e-10));
    CHECK(e.mean_queue_length == Approx(m.mean_queue_length).epsilon(1e-10));
  }
  SECTION("fewer cores than workers: CPU-bound work is M/M/cores") {
    // 8 workers on 2 cores, all work CPU: the service rate is min(n, 2) mu, the M/M/2 chain
    // (background.md, processor sharing on cores).
    const auto e = estimate(sync_pool(8, 2, Distribution::exponential(0.010), 150.0));
    CHECK(e.latency.mean == Approx(servesim::mmc(150.0, 100.0, 2).mean_response).epsilon(1e-6));
    CHECK(e.saturation_rate == Approx(200.0).epsilon(1e-12));
  }
}

TEST_CASE("estimate uses Pollaczek–Khinchine and Allen–Cunneen for general work",
          "[analytic][estimate]") {
  SECTION("M/D/1 and M/G/1") {
    // c = 1, Poisson: the factor (1 + cs²) / 2 makes the wait Pollaczek–Khinchine's exactly.
    for (double cv : {0.0, 0.5, 2.0}) {
      INFO("cv " << cv);
      const Distribution work = cv == 0.0 ? Distribution::constant(0.010)
                                          : Distribution::gamma(0.010, cv);
      const auto e = estimate(sync_pool(1, 2, work, 60.0));
      CHECK(e.latency.mean == Approx(servesim::mg1_mean_response(60.0, 0.010, cv * cv)).epsilon(1e-9));
    }
  }
}

TEST_CASE("estimate of a closed workload is the machine-repairman model", "[analytic][estimate]") {
  // 40 users thinking Exp(0.5 s) against 3 workers of Exp(20 ms): M/M/3//40.
  auto s = sync_pool(3, 4, Distribution::exponential(0.020), 1.0);
  s.workload.open.reset();
  s.workload.closed = servesim::ClosedWorkload{40, Distribution::exponential(0.5)};
  const auto e = estimate(s);
  const auto m = servesim::mmcn(40, 0.5, 50.0, 3);
  CHECK(e.throughput == Approx(m.throughput).epsilon(1e-10));
  CHECK(e.latency.mean == Approx(m.mean_response).epsilon(1e-10));
  CHECK(e.queued_fraction == Approx(m.wait_probability).epsilon(1e-10));
  // N* = (E[S] + Z) x c mu = 0.52 x 150 = 78 users.
  REQUIRE(e.saturation_population.has_value());
  CHECK(*e.saturation_population == Approx(78.0).epsilon(1e-12));
}

TEST_CASE("estimate reports overload as a result", "[analytic][estimate]") {
  // Twice the capacity of 2 workers: the backlog stays full, half the arrivals are refused
  // (M/M/c/K with rho = 2: loss -> 1 - 1/rho), and accepted requests wait about
  // backlog / (c mu) = 2048 / 200 s.
  const auto e = estimate(sync_pool(2, 4, Distribution::exponential(0.010), 400.0));
  CHECK(e.saturated);
  CHECK(e.throughput == Approx(200.0).epsilon(1e-9));
  CHECK(e.error_rate == Approx(0.5).epsilon(1e-9));
  CHECK(e.latency.mean == Approx(2048 / 200.0).epsilon(1e-3));
  CHECK(e.latency.p99 > e.latency.p50);
  CHECK(std::isfinite(e.latency.p999));
}

TEST_CASE("estimate says where it does not apply", "[analytic][estimate]") {
  SECTION("several servers") {
    auto s = sync_pool(2, 4, Distribution::exponential(0.010), 10.0);
    s.servers.push_back(s.servers[0]);
    s.servers[1].name = "api";
    CHECK_THROWS_AS(estimate(s), servesim::NotApplicableError);
    CHECK_THROWS_WITH(estimate(s), "servers: the estimate models one server, got 2; simulate several");
  }
  SECTION("client timeouts that matter") {
    auto s = sync_pool(2, 4, Distribution::exponential(0.010), 190.0);
    s.workload.client_timeout = 0.05;
    CHECK_THROWS_AS(estimate(s), servesim::NotApplicableError);
    CHECK_THROWS_WITH(estimate(s), Catch::Contains("workload.client_timeout"));
  }
  SECTION("uvicorn without limit_concurrency beyond saturation") {
    auto s = sync_pool(1, 4, Distribution::exponential(0.010), 150.0);
    s.servers[0].kind = servesim::ServerKind::uvicorn;
    CHECK_THROWS_AS(estimate(s), servesim::UnstableSystemError);
    s.workload.open->rate = 50.0;  // stable: an M/M/1-PS loop, E[T] = E[S] / (1 - rho)
    CHECK(estimate(s).latency.mean == Approx(0.010 / 0.5).epsilon(1e-9));
  }
  SECTION("gthread with more processes than cores") {
    auto s = sync_pool(8, 2, Distribution::exponential(0.010), 50.0);
    s.servers[0].kind = servesim::ServerKind::gunicorn_gthread;
    CHECK_THROWS_WITH(estimate(s), Catch::StartsWith("servers.web.workers: the estimate needs"));
  }
  SECTION("an ASGI server is named by its kind") {
    // Hypercorn with more processes than cores, or a def endpoint in its thread pool: "hypercorn", not "uvicorn".
    auto s = sync_pool(8, 2, Distribution::exponential(0.010), 50.0);
    s.servers[0].kind = servesim::ServerKind::hypercorn;
    CHECK_THROWS_WITH(estimate(s), Catch::StartsWith("servers.web.workers: the estimate needs at most one hypercorn "
                                                     "process per core"));
    s.servers[0].workers = 1;
    s.endpoints[0].style = servesim::EndpointStyle::sync;
    CHECK_THROWS_WITH(estimate(s), Catch::Contains(".style: sync endpoints on hypercorn run in a thread pool"));
  }
}

TEST_CASE("estimate: closed users on an unbounded uvicorn process all fit in it") {
  // No limit_concurrency: every one of the 500 users is accepted, so the
  // flow-equivalent chain must reach n = users (it once stopped at 1 and
  // refused the scenario). With 1 ms of loop time per request and 2 loops,
  // throughput is 2 / 1 ms plus the framework's share.
  const servesim::Scenario s = servesim::parse_scenario(R"(
hosts: {app: {cores: 2}}
servers: {api: {kind: uvicorn, workers: 2, framework: none}}
endpoints: {o: {style: async, phases: [{cpu: 1ms}, {io: 50ms}]}}
workload: {closed: {users: 500}}
)");
  const servesim::Prediction e = estimate(s);
  CHECK(e.throughput == Approx(2000.0).epsilon(0.001));
}
