// Databases, connection pools, downstream services and caches in the native
// engine, against results known independently: Erlang C for a pool in front
// of a fast database, the M/M/c+D formula for pool timeouts, a saturated
// bottleneck's throughput and Little's law, binomial error fractions and the
// mixture a cache makes. Each SECTION says which and why.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "servesim/analytic/erlang.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/scenarios.hpp"
#include "support/thread_counts.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::call;
using servesim::test::database;
using servesim::test::db;
using servesim::test::add_endpoint;
using servesim::test::check_estimate;
using servesim::test::simulate_on_one_and_three_threads;
using servesim::test::one_server;
using servesim::test::with_run;

namespace {

Scenario base(ServerKind kind, int workers) {
  Scenario s = with_run(one_server(kind, workers, 2), 400.0, 20.0, 8);
  s.run.seed = 3;
  return s;
}

Phase io(Distribution duration) { return Phase{PhaseKind::io, std::move(duration)}; }

// Errors of `kind` over every request that got an answer or an error, pooled
// over replications, with the binomial standard error at the exact fraction p.
void check_fraction(const std::string& what, const Result& r, std::uint64_t ErrorCounts::*kind, double p) {
  const double errors = static_cast<double>(r.errors.*kind);
  const double n = static_cast<double>(r.completed + r.errors.total());
  const double se = std::sqrt(p * (1.0 - p) / n);
  INFO(what << ": " << errors / n << " of " << n << " requests, exact " << p << " (1 SE " << se << ")");
  CHECK(se <= 0.02 * p);
  CHECK(std::abs(errors / n - p) <= 4.0 * se);
}

// Probabilities of the M/M/c+D queue: Poisson arrivals at `lambda`, c
// exponential servers of rate `mu`, FIFO, every customer leaving unserved
// once it has waited `patience` seconds (a pool checkout's timeout).
// Derivation: a customer's wait is fixed on arrival (FIFO), so one that
// would wait longer than tau leaves at tau without taking a server: M/M/c
// with balking on the virtual wait V. Below c busy servers the states are
// those of M/M/c, p_j = p_0 a^j / j!. With all c busy, V drops at rate 1 and
// each joining arrival adds an Exp(c mu) gap; level crossing gives its density
// f(x) = lambda p_{c-1} e^{-(c mu - lambda) x} for x <= tau and
// f(x) = lambda p_{c-1} e^{lambda tau - c mu x} beyond. By PASTA a checkout
// times out with probability P(V > tau).
struct PatienceQueue {
  double timeout_probability;
  double wait_probability_of_served;  ///< P(0 < V <= tau) / P(V <= tau)
};

PatienceQueue mmc_deterministic_patience(double lambda, double mu, int c, double patience) {
  const double a = lambda / mu;
  double term = 1.0;  // a^j / j!, relative to p_0
  double below = 0.0;
  for (int j = 0; j < c; ++j) {
    if (j > 0) term *= a / j;
    below += term;
  }
  const double p_last = term;  // p_{c-1} / p_0
  const double theta = c * mu - lambda;
  const double waited = lambda * p_last * (1.0 - std::exp(-theta * patience)) / theta;
  const double lost = lambda / (c * mu) * p_last * std::exp(-theta * patience);
  const double total = below + waited + lost;
  return PatienceQueue{lost / total, waited / (below + waited)};
}

}  // namespace

TEST_CASE("A connection pool of k in front of a fast database is an M/M/k queue", "[simulate][dependencies][accuracy]") {
  // A pool of k = 4 connections (max_overflow 0) and a database with 8, so
  // the database never queues and each query holds a pooled connection for
  // its own exponential 10 ms: the pool is an M/M/4 queue. Exact (Erlang C;
  // Kleinrock, Queueing Systems I, 3.5): P(wait) = C(4, a), E[W] =
  // C / (k mu - lambda), with a = lambda / mu = 3.2 (rho 0.8). The database is
  // busy a / 8 of the time. 64 threads: M/M/4 at rho 0.8 has 64 in the pool's
  // line with probability about 0.8^60, never in this run.
  // Run: 8 x 400 s at 320 req/s, 1 M queries.
  const double lambda = 320.0;
  const double mu = 100.0;
  const MmcMetrics exact = mmc(lambda, mu, 4);
  auto scenario = [&](ServerKind kind) {
    Scenario s = base(kind, 1);
    if (kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 64;
    s.databases.push_back(database("pg", 8, Distribution::exponential(1.0 / mu), 4, 0));
    add_endpoint(s, "orders", "web", {db("pg")});
    s.workload.open = OpenWorkload{lambda, ArrivalProcess::poisson};
    return s;
  };
  auto check = [&](const Result& r) {
    const DatabaseSummary& pg = r.databases.at(0);
    check_estimate("P(wait for a connection)", pg.pool_wait_fraction, exact.wait_probability, 0.02);
    check_estimate("mean pool wait", pg.mean_pool_wait, exact.mean_wait, 0.03);
    check_estimate("mean response", r.latency.mean, exact.mean_response, 0.02);
    check_estimate("database utilization", pg.utilization, lambda / mu / 8, 0.01);
    CHECK(pg.mean_queue_length.value == 0.0);
    CHECK(r.errors.total() == 0);
  };
  SECTION("gthread: a blocking driver holds the thread while it waits") { check(simulate(scenario(ServerKind::gunicorn_gthread))); }
  SECTION("uvicorn, async def: the request awaits, the pool is the same") { check(simulate(scenario(ServerKind::uvicorn))); }
}

TEST_CASE("A sync request holds its thread while it waits for the pool; an async one frees the loop", "[simulate][dependencies]") {
  // One process with 2 threads, a pool of 1 connection, 100 ms queries and
  // 10 users without think time: the pool serializes the queries, 10 req/s.
  // On gthread both threads are always taken (one querying, one waiting for
  // the connection): busy 100 %. On uvicorn the same requests await: the
  // loop does nothing at all.
  auto scenario = [](ServerKind kind) {
    Scenario s = base(kind, 1);
    s.run.duration = 100.0;
    s.run.replications = 2;
    if (kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 2;
    s.databases.push_back(database("pg", 10, Distribution::constant(0.100), 1, 0));
    add_endpoint(s, "report", "web", {db("pg")});
    s.workload.closed = ClosedWorkload{10, Distribution::constant(0.0)};
    return s;
  };
  const Result threads = simulate(scenario(ServerKind::gunicorn_gthread));
  CHECK(threads.throughput.value == Approx(10.0).epsilon(0.01));
  CHECK(threads.servers[0].worker_busy_fraction.value == Approx(1.0).epsilon(0.001));
  const Result loop = simulate(scenario(ServerKind::uvicorn));
  CHECK(loop.throughput.value == Approx(10.0).epsilon(0.01));
  CHECK(loop.servers[0].worker_busy_fraction.value == 0.0);
  // 10 users, one served per 100 ms: by Little, 1 s per request.
  CHECK(loop.latency.mean.value == Approx(1.0).epsilon(0.01));
}

TEST_CASE("A saturated database makes every app host's latency grow together", "[simulate][dependencies]") {
  // Two servers on two hosts query one database with 4 connections; 40 users
  // without think time send each request to either server at random. Each
  // process's pool lends up to 15 connections, so at least 15 queries are
  // always at the database: it is saturated, completes 4 / S queries per
  // second, and by Little's law every request takes 40 S / 4 = 10 S on
  // average, on both hosts alike (they are symmetric). Raising the query
  // time from 5 to 20 ms quadruples both latencies.
  auto scenario = [](double query_time) {
    Scenario s;
    s.name = "shared-database";
    s.hosts = {Host{"a", 2, 1.0}, Host{"b", 2, 1.0}};
    for (const char* name : {"a", "b"}) {
      Server server;
      server.name = std::string("web-") + name;
      server.host = name;
      server.kind = ServerKind::gunicorn_gthread;
      server.threads = 50;
      s.servers.push_back(server);
      add_endpoint(s, std::string("orders-") + name, server.name, {db("pg")});
    }
    s.databases.push_back(database("pg", 4, Distribution::exponential(query_time), 5, 10));
    s.workload.closed = ClosedWorkload{40, Distribution::constant(0.0)};
    s.run.duration = 200.0;
    s.run.warmup = 5.0;
    s.run.replications = 4;
    return s;
  };
  for (const double query_time : {0.005, 0.020}) {
    DYNAMIC_SECTION("query time " << query_time * 1e3 << " ms") {
      const Result r = simulate(scenario(query_time));
      CHECK(r.databases[0].utilization.value == Approx(1.0).epsilon(1e-3));
      CHECK(r.throughput.value == Approx(4.0 / query_time).epsilon(0.01));
      for (const EndpointSummary& endpoint : r.endpoints) {
        INFO(endpoint.name);
        // Per endpoint, the random split adds noise: 2 % covers it with
        // 40-160 k requests per replication.
        CHECK(endpoint.latency.mean.value == Approx(10.0 * query_time).epsilon(0.02));
      }
      // 25 to 30 connections lent out, 4 of them querying: at least 21 queued.
      CHECK(r.databases[0].mean_queue_length.value >= 21.0);
    }
  }
}

TEST_CASE("Pool checkouts time out as in the M/M/c+D queue", "[simulate][dependencies][accuracy]") {
  // A pool of c = 2 (no overflow) in front of a fast database, 10 ms
  // exponential queries, a 20 ms checkout timeout, and 250 req/s: more than
  // the pool's 200 per second, stable only because checkouts give up. Exact
  // (mmc_deterministic_patience above): 25.4 % time out.
  // Run: 8 x 400 s, 800 k requests.
  const double lambda = 250.0;
  const double mu = 100.0;
  const double timeout = 0.020;
  const PatienceQueue exact = mmc_deterministic_patience(lambda, mu, 2, timeout);
  Scenario s = base(ServerKind::uvicorn, 1);
  Database pg = database("pg", 2, Distribution::exponential(1.0 / mu), 2, 0);
  pg.pool.timeout = timeout;
  s.databases.push_back(pg);
  add_endpoint(s, "orders", "web", {db("pg")});
  s.workload.open = OpenWorkload{lambda, ArrivalProcess::poisson};
  const Result r = simulate(s);
  check_fraction("pool timeouts", r, &ErrorCounts::pool_timeout, exact.timeout_probability);
  check_estimate("P(wait) of served checkouts", r.databases[0].pool_wait_fraction,
                 exact.wait_probability_of_served, 0.01);
  CHECK(r.databases[0].pool_timeouts == r.errors.pool_timeout);
  CHECK(r.databases[0].mean_pool_wait.value <= timeout);
}

TEST_CASE("A downstream service with a concurrency cap is an M/M/c queue", "[simulate][dependencies][accuracy]") {
  // An async endpoint only awaits a call; the service takes exponential
  // 30 ms and serves 3 calls at once: an M/M/3 queue at a = 2.4 (rho 0.8).
  // Exact (Erlang C): E[T], E[Lq]; calls in progress average a.
  // Run: 8 x 400 s at 80 req/s, 256 k calls.
  const double lambda = 80.0;
  const double latency = 0.030;
  Scenario s = base(ServerKind::uvicorn, 1);
  s.services.push_back(Service{"payments", Distribution::exponential(latency), 3, 0.0});
  add_endpoint(s, "checkout", "web", {call("payments")});
  s.workload.open = OpenWorkload{lambda, ArrivalProcess::poisson};
  const MmcMetrics exact = mmc(lambda, 1.0 / latency, 3);
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean, exact.mean_response, 0.02);
  check_estimate("calls waiting", r.services[0].mean_queue_length, exact.mean_queue_length, 0.04);
  check_estimate("calls in progress", r.services[0].mean_in_use, lambda * latency, 0.01);
  SECTION("without a cap, an infinite-server delay: E[T] = 30 ms whatever the load") {
    s.services[0].concurrency.reset();
    const Result free = simulate(s);
    check_estimate("mean response", free.latency.mean, latency, 0.01);
    check_estimate("calls in progress", free.services[0].mean_in_use, lambda * latency, 0.01);
    CHECK(free.services[0].mean_queue_length.value == 0.0);
  }
}

TEST_CASE("A failing downstream call fails its request with a 502", "[simulate][dependencies]") {
  // Each call fails with probability 0.1, independently: the fraction of
  // downstream errors is binomial around 0.1. A failed request still waited
  // for the call: its 502 comes after the call's 30 ms, so nothing is faster.
  // Run: 4 x 400 s at 200 req/s, 320 k requests.
  Scenario s = base(ServerKind::gunicorn_gthread, 2);
  s.servers[0].threads = 20;
  s.run.replications = 4;
  s.services.push_back(Service{"payments", Distribution::constant(0.030), std::nullopt, 0.1});
  add_endpoint(s, "checkout", "web", {call("payments")});
  s.workload.open = OpenWorkload{200.0, ArrivalProcess::poisson};
  const Result r = simulate(s);
  check_fraction("downstream errors", r, &ErrorCounts::downstream, 0.1);
  CHECK(r.services[0].errors == r.errors.downstream);
  CHECK(r.services[0].calls == r.errors.downstream + r.completed);
  CHECK(r.latency.p50.value == Approx(0.030).epsilon(LatencyHistogram::relative_error()));
}

TEST_CASE("A cache splits latency as the mixture of its hit and miss paths", "[simulate][dependencies][accuracy]") {
  // Hits take 1 ms, misses 20 ms (constant), hit ratio 0.8, on an async
  // endpoint (no queueing): latency is 1 ms with probability 0.8 and 20 ms
  // otherwise. So p50 = 1 ms, p90 = 20 ms and the mean 0.8 x 1 + 0.2 x 20 = 4.8 ms.
  // Run: 8 x 400 s at 100 req/s, 320 k requests.
  Scenario s = base(ServerKind::uvicorn, 1);
  Phase cache;
  cache.kind = PhaseKind::cache;
  cache.hit_ratio = 0.8;
  cache.hit = {io(Distribution::constant(0.001))};
  cache.miss = {io(Distribution::constant(0.020))};
  add_endpoint(s, "product", "web", {cache});
  s.workload.open = OpenWorkload{100.0, ArrivalProcess::poisson};
  const double resolution = LatencyHistogram::relative_error();
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean, 0.8 * 0.001 + 0.2 * 0.020, 0.01);
  CHECK(r.latency.p50.value == Approx(0.001).epsilon(resolution));
  CHECK(r.latency.p90.value == Approx(0.020).epsilon(resolution));
  SECTION("a miss can query a database: the miss path's M/M/1 queue, fed by misses only") {
    // Misses (rate 0.2 x 100 = 20/s) query a database of one connection with
    // exponential 20 ms queries: M/M/1 at rho 0.4, E[T] = 20 ms / 0.6.
    // Mean response: 0.8 x 1 ms + 0.2 x 33.3 ms.
    s.databases.push_back(database("pg", 1, Distribution::exponential(0.020), 5, 10));
    s.endpoints[0].phases[0].miss = {db("pg")};
    const Result nested = simulate(s);
    check_estimate("mean response", nested.latency.mean, 0.8 * 0.001 + 0.2 * (0.020 / 0.6), 0.02);
    check_estimate("database utilization", nested.databases[0].utilization, 0.4, 0.01);
  }
  SECTION("hit ratio 1 and 0 take one path only") {
    s.endpoints[0].phases[0].hit_ratio = 1.0;
    CHECK(simulate(s).latency.max == Approx(0.001).epsilon(resolution));
    s.endpoints[0].phases[0].hit_ratio = 0.0;
    CHECK(simulate(s).latency.p50.value == Approx(0.020).epsilon(resolution));
  }
}

TEST_CASE("A killed worker lets go of its connection and its place at the database", "[simulate][dependencies]") {
  // One sync worker with a 1 s timeout runs 2 s queries on a database of
  // one connection: each request is killed mid-query at 1 s, the worker
  // boots for 1 s, the next request queries again. A connection or database
  // slot not given back would stall every later query; the kills go on
  // every 2 s instead: 50 in 100 s, and no query ever completes.
  Scenario s = base(ServerKind::gunicorn_sync, 1);
  s.run.duration = 100.0;
  s.run.warmup = 0.0;
  s.run.replications = 1;
  s.servers[0].timeout = 1.0;
  s.servers[0].boot_time = 1.0;
  s.databases.push_back(database("pg", 1, Distribution::constant(2.0), 1, 0));
  add_endpoint(s, "export", "web", {db("pg")});
  s.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
  const Result r = simulate(s);
  CHECK(r.errors.worker_killed == 50);
  CHECK(r.databases[0].queries == 0);
  CHECK(r.databases[0].utilization.value == Approx(0.5).epsilon(0.01));
}

TEST_CASE("Dependencies: same seed, same result, on any thread count", "[simulate][dependencies]") {
  Scenario s = base(ServerKind::uvicorn, 2);
  s.run.duration = 60.0;
  s.run.replications = 3;
  s.databases.push_back(database("pg", 2, Distribution::exponential(0.009), 2, 1));
  s.databases[0].pool.timeout = 0.030;
  s.services.push_back(Service{"payments", Distribution::lognormal(0.020, 1.0), 4, 0.05});
  Phase cache;
  cache.kind = PhaseKind::cache;
  cache.hit_ratio = 0.7;
  cache.hit = {io(Distribution::exponential(0.001))};
  cache.miss = {db("pg")};
  add_endpoint(s, "a", "web", {cache, call("payments")});
  add_endpoint(s, "b", "web", {db("pg"), Phase{PhaseKind::cpu, Distribution::exponential(0.001)}},
               EndpointStyle::sync);
  s.workload.open = OpenWorkload{300.0, ArrivalProcess::poisson};
  const auto [a, b] = simulate_on_one_and_three_threads(s);
  CHECK(a.errors.pool_timeout > 0);
  CHECK(a.errors.downstream > 0);
  for (std::size_t i = 0; i < a.replications.size(); ++i) {
    CHECK(a.replications[i].completed == b.replications[i].completed);
    CHECK(a.replications[i].errors.pool_timeout == b.replications[i].errors.pool_timeout);
    CHECK(a.replications[i].latency.p99 == b.replications[i].latency.p99);
    CHECK(a.replications[i].databases[0].mean_pool_wait == b.replications[i].databases[0].mean_pool_wait);
  }
}

TEST_CASE("Each driver's default pool in one process is an M/M/c queue (Erlang C)",
          "[simulate][dependencies][drivers][accuracy]") {
  // One process, Poisson queries of exponential 10 ms, a database with more
  // connections than the pool, so the database never queues and the driver's
  // default pool of c connections is the M/M/c queue (Erlang C; Kleinrock,
  // Queueing Systems I, 3.5): P(wait) = C(c, a), E[W] = C / (c mu - lambda),
  // throughput lambda. Each setup at rho 0.8, except the thread pool's at 0.7
  // so that its 40 threads (waiting requests hold theirs) are all taken with
  // probability below 1e-5 (M/M/4: C rho^36):
  //   asyncpg in an async def on Uvicorn:      c = 10 (min_size = max_size), lambda 800
  //   psycopg_pool from a def in the pool:     c = 4 (min_size), lambda 280
  //   SQLAlchemy in Flask on Gunicorn gthread: c = 15 (5 + max_overflow 10), lambda 1,200, 64 threads
  // Run: 8 x 400 s, 0.9 to 3.8 M queries a setup.
  const double mu = 100.0;
  struct Setup {
    const char* name;
    ServerKind kind;
    PoolDriver driver;
    EndpointStyle style;
    int c;
    double lambda;
  };
  const Setup setups[] = {
      {"asyncpg, async def on uvicorn", ServerKind::uvicorn, PoolDriver::asyncpg, EndpointStyle::async, 10, 800.0},
      {"psycopg-pool, def on uvicorn", ServerKind::uvicorn, PoolDriver::psycopg_pool, EndpointStyle::sync, 4, 280.0},
      {"sqlalchemy, gunicorn gthread", ServerKind::gunicorn_gthread, PoolDriver::sqlalchemy, EndpointStyle::sync, 15,
       1200.0},
  };
  for (const Setup& setup : setups) {
    INFO(setup.name);
    Scenario s = base(setup.kind, 1);
    if (setup.kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 64;
    Database pg = database("pg", 32, Distribution::exponential(1.0 / mu), 1, 0);
    pg.pool = ConnectionPool::of_driver(setup.driver);
    REQUIRE(pg.pool.size + pg.pool.max_overflow == setup.c);
    s.databases.push_back(pg);
    add_endpoint(s, "orders", "web", {db("pg")});
    s.endpoints[0].style = setup.style;
    s.workload.open = OpenWorkload{setup.lambda, ArrivalProcess::poisson};
    const MmcMetrics exact = mmc(setup.lambda, mu, setup.c);
    const Result r = simulate(s);
    const DatabaseSummary& db_summary = r.databases.at(0);
    check_estimate("P(wait for a connection)", db_summary.pool_wait_fraction, exact.wait_probability, 0.02);
    check_estimate("mean pool wait", db_summary.mean_pool_wait, exact.mean_wait, 0.03);
    check_estimate("throughput", r.throughput, setup.lambda, 0.005);
    check_estimate("mean response", r.latency.mean, exact.mean_response, 0.02);
    CHECK(db_summary.mean_queue_length.value == 0.0);
    CHECK(r.errors.total() == 0);
  }
}

TEST_CASE("psycopg2 without a pool: no request waits for a connection, the database queues instead",
          "[simulate][dependencies][drivers][accuracy]") {
  // A connection per request: one gthread process's 64 threads never wait
  // for a pool, so the queries queue at the database of 4 connections, an
  // M/M/4 queue at rho 0.75 (lambda 300, exponential 10 ms): its mean queue
  // is Erlang C's E[Lq] (Kleinrock 3.5). 64 threads are all taken with
  // probability about C rho^60, 1e-8. Run: 8 x 400 s, about 1 M queries.
  const double lambda = 300.0;
  const double mu = 100.0;
  Scenario s = base(ServerKind::gunicorn_gthread, 1);
  s.servers[0].threads = 64;
  Database pg = database("pg", 4, Distribution::exponential(1.0 / mu), 1, 0);
  pg.pool = ConnectionPool::of_driver(PoolDriver::psycopg2);
  s.databases.push_back(pg);
  add_endpoint(s, "orders", "web", {db("pg")});
  s.workload.open = OpenWorkload{lambda, ArrivalProcess::poisson};
  const Result r = simulate(s);
  const DatabaseSummary& db_summary = r.databases.at(0);
  CHECK(db_summary.pool_wait_fraction.value == 0.0);
  const MmcMetrics exact = mmc(lambda, mu, 4);
  check_estimate("queries waiting at the database", db_summary.mean_queue_length, exact.mean_queue_length, 0.03);
  check_estimate("database utilization", db_summary.utilization, exact.utilization, 0.01);
  check_estimate("mean response", r.latency.mean, exact.mean_response, 0.02);
}
