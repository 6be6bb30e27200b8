// Tests for the databases:, services: sections and the db, call and cache
// phases of the scenario file format (docs/scenario-format.md), and their
// error messages.

#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "servesim/io/documents.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::with;

namespace {

const std::string kDependenciesScenario = R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, workers: 2}
databases:
  pg: {connections: 20, query_time: 4ms, pool: {size: 3, max_overflow: 2, timeout: 5s}}
services:
  payments: {latency: {dist: exponential, mean: 80ms}, concurrency: 8, error_rate: 0.01}
endpoints:
  work:
    server: web
    phases:
      - cpu: 1ms
      - db: pg
      - cache: {hit_ratio: 0.9, hit: [{io: 1ms}], miss: [{db: {database: pg, query: 20ms}}]}
      - call: payments
workload:
  open: {rate: 10}
)";

}  // namespace

TEST_CASE("Databases, services and their phases parse", "[parser][dependencies]") {
  const Scenario s = parse_scenario(kDependenciesScenario);
  REQUIRE(s.databases.size() == 1);
  const Database& pg = s.databases[0];
  CHECK(pg.name == "pg");
  CHECK(pg.connections == 20);
  CHECK(pg.query_time.mean() == Approx(0.004));
  CHECK(pg.pool.size == 3);
  CHECK(pg.pool.max_overflow == 2);
  CHECK(pg.pool.timeout == 5.0);
  REQUIRE(s.services.size() == 1);
  CHECK(s.services[0].latency.mean() == Approx(0.080));
  CHECK(s.services[0].concurrency == 8);
  CHECK(s.services[0].error_rate == 0.01);

  const std::vector<Phase>& phases = s.endpoints[0].phases;
  REQUIRE(phases.size() == 4);
  CHECK(phases[1].kind == PhaseKind::db);
  CHECK(phases[1].target == "pg");
  CHECK_FALSE(phases[1].has_duration);  // the database's query_time applies
  const Phase& cache = phases[2];
  CHECK(cache.kind == PhaseKind::cache);
  CHECK(cache.hit_ratio == 0.9);
  REQUIRE(cache.hit.size() == 1);
  CHECK(cache.hit[0].kind == PhaseKind::io);
  REQUIRE(cache.miss.size() == 1);
  CHECK(cache.miss[0].has_duration);
  CHECK(cache.miss[0].duration.mean() == Approx(0.020));
  CHECK(phases[3].kind == PhaseKind::call);
  CHECK(phases[3].target == "payments");

  SECTION("defaults: SQLAlchemy's QueuePool (5, 10, 30 s), an uncapped service that never fails") {
    const Scenario d = parse_scenario(with(with(kDependenciesScenario, "{connections: 20, query_time: 4ms, pool: {size: 3, max_overflow: 2, timeout: 5s}}", "{}"),
                                           "{latency: {dist: exponential, mean: 80ms}, concurrency: 8, error_rate: 0.01}", "{}"));
    CHECK(d.databases[0].connections == 100);
    CHECK(d.databases[0].query_time.mean() == Approx(0.001));
    CHECK(d.databases[0].pool.size == 5);
    CHECK(d.databases[0].pool.max_overflow == 10);
    CHECK(d.databases[0].pool.timeout == 30.0);
    CHECK_FALSE(d.services[0].concurrency.has_value());
    CHECK(d.services[0].error_rate == 0.0);
  }
}

TEST_CASE("Bad databases, services and dependency phases are rejected by name", "[parser][dependencies]") {
  SECTION("a db phase naming a missing database") {
    require_error(with(kDependenciesScenario, "- db: pg", "- db: pgx"), "endpoints.work.phases[1].db",
                  "no database named 'pgx'; did you mean 'pg'?");
    require_error(with(kDependenciesScenario, "{database: pg, query: 20ms}", "{database: mysql, query: 20ms}"),
                  "endpoints.work.phases[2].cache.miss[0].db", "no database named 'mysql' (known: pg)");
  }
  SECTION("a pool of size 0") {
    require_error(with(kDependenciesScenario, "size: 3", "size: 0"), "databases.pg.pool.size", "must be an integer >= 1, got 0");
  }
  SECTION("a negative max_overflow, a zero timeout, no connections") {
    require_error(with(kDependenciesScenario, "max_overflow: 2", "max_overflow: -1"), "databases.pg.pool.max_overflow",
                  "must be an integer >= 0, got -1");
    require_error(with(kDependenciesScenario, "timeout: 5s", "timeout: 0s"), "databases.pg.pool.timeout",
                  "must be a duration > 0, got '0s'");
    require_error(with(kDependenciesScenario, "connections: 20", "connections: 0"), "databases.pg.connections",
                  "must be an integer >= 1, got 0");
  }
  SECTION("a hit ratio outside [0, 1]") {
    require_error(with(kDependenciesScenario, "hit_ratio: 0.9", "hit_ratio: 1.5"), "endpoints.work.phases[2].cache.hit_ratio",
                  "must be a probability in [0, 1], got 1.5");
    require_error(with(kDependenciesScenario, "hit_ratio: 0.9", "hit_ratio: -0.1"), "endpoints.work.phases[2].cache.hit_ratio",
                  "-0.1");
  }
  SECTION("a call to a missing service, or with none defined") {
    require_error(with(kDependenciesScenario, "- call: payments", "- call: payment"), "endpoints.work.phases[3].call",
                  "no service named 'payment'; did you mean 'payments'?");
    const std::string no_services = with(kDependenciesScenario, "services:\n  payments: {latency: {dist: exponential, mean: 80ms}, concurrency: 8, error_rate: 0.01}\n", "");
    require_error(no_services, "endpoints.work.phases[3].call", "no service named 'payments' (there are none)");
  }
  SECTION("an error rate outside [0, 1], a concurrency of 0") {
    require_error(with(kDependenciesScenario, "error_rate: 0.01", "error_rate: 2"), "services.payments.error_rate",
                  "must be a probability in [0, 1], got 2");
    require_error(with(kDependenciesScenario, "concurrency: 8", "concurrency: 0"), "services.payments.concurrency",
                  "must be an integer >= 1, got 0");
  }
  SECTION("background work inside a cache") {
    const std::string uvicorn = with(kDependenciesScenario, "workers: 2}", "workers: 2, kind: uvicorn}");
    require_error(with(uvicorn, "hit: [{io: 1ms}]", "hit: [{background: 1ms}]"),
                  "endpoints.work.phases[2].cache.hit[0].background", "list it in the endpoint's phases");
  }
  SECTION("misspelt keys") {
    require_error(with(kDependenciesScenario, "max_overflow: 2", "max_overfow: 2"), "databases.pg.pool.max_overfow",
                  "did you mean 'max_overflow'?");
    require_error(with(kDependenciesScenario, "hit_ratio: 0.9", "hit_rate: 0.9"), "endpoints.work.phases[2].cache.hit_rate",
                  "did you mean 'hit_ratio'?");
  }
}

TEST_CASE("A pool's driver sets its defaults; the file's sizes override them", "[parser][dependencies][drivers]") {
  const std::string pool = "pool: {size: 3, max_overflow: 2, timeout: 5s}";
  const std::string async_kind = "web: {host: app, workers: 2}";
  const std::string uvicorn = "web: {host: app, kind: uvicorn, workers: 2}";
  const auto parsed_pool = [&](const std::string& text, const std::string& server) {
    return parse_scenario(with(with(kDependenciesScenario, pool, text), async_kind, server)).databases[0].pool;
  };
  SECTION("asyncpg: min_size = max_size = 10, acquire() without a timeout (a day)") {
    const ConnectionPool p = parsed_pool("pool: {driver: asyncpg}", uvicorn);
    CHECK(p.driver == PoolDriver::asyncpg);
    CHECK(p.size == 10);
    CHECK(p.max_overflow == 0);
    CHECK(p.timeout == 86'400.0);
    CHECK(p.is_async());
  }
  SECTION("psycopg_pool's ConnectionPool and AsyncConnectionPool: min_size 4 = max_size, 30 s") {
    const ConnectionPool sync = parsed_pool("pool: {driver: psycopg-pool}", async_kind);
    CHECK(sync.size == 4);
    CHECK(sync.max_overflow == 0);
    CHECK(sync.timeout == 30.0);
    CHECK_FALSE(sync.is_async());
    const ConnectionPool async = parsed_pool("pool: {driver: psycopg-async-pool, size: 8}", uvicorn);
    CHECK(async.size == 8);  // the file's max_size
    CHECK(async.max_overflow == 0);
    CHECK(async.is_async());
  }
  SECTION("psycopg2 without a pool: a connection per request, never a wait") {
    const ConnectionPool p = parsed_pool("pool: {driver: psycopg2}", async_kind);
    CHECK(p.size == std::numeric_limits<int>::max());
    CHECK(p.max_overflow == 0);
  }
  SECTION("sqlalchemy is the default, and written back only when another driver is set") {
    CHECK(parsed_pool("pool: {driver: sqlalchemy}", async_kind).size == 5);
    const Scenario s = parse_scenario(with(with(kDependenciesScenario, pool, "pool: {driver: asyncpg, timeout: 2s}"), async_kind, uvicorn));
    const Scenario again = parse_scenario(scenario_to_json(s));
    CHECK(again.databases[0].pool.driver == PoolDriver::asyncpg);
    CHECK(again.databases[0].pool.size == 10);
    CHECK(again.databases[0].pool.timeout == 2.0);
    CHECK(scenario_to_json(parse_scenario(kDependenciesScenario)).find("driver") == std::string::npos);
  }
  SECTION("an unknown driver") {
    require_error(with(kDependenciesScenario, pool, "pool: {driver: asyncpgg}"), "databases.pg.pool.driver",
                  "did you mean 'asyncpg'?");
  }
}

TEST_CASE("A driver that does not fit the endpoint is rejected, naming the phase and why",
          "[parser][dependencies][drivers]") {
  const std::string pool = "pool: {size: 3, max_overflow: 2, timeout: 5s}";
  const std::string server = "web: {host: app, workers: 2}";
  SECTION("an async driver on a Gunicorn worker, or from a def endpoint on Uvicorn") {
    require_error(with(kDependenciesScenario, pool, "pool: {driver: asyncpg}"), "endpoints.work.phases[1].db",
                  "database 'pg' uses driver asyncpg, which must be awaited on an asyncio event loop, but this "
                  "endpoint runs on a worker of server 'web', a gunicorn-sync");
    // A def endpoint on one server of `kind` using `driver`.
    const auto def_endpoint_on = [&](const std::string& kind, const std::string& driver) {
      return with(with(with(kDependenciesScenario, pool, "pool: {driver: " + driver + "}"), server,
                       "web: {host: app, kind: " + kind + "}"),
                  "    server: web\n", "    server: web\n    style: sync\n");
    };
    require_error(def_endpoint_on("uvicorn", "psycopg-async-pool"), "endpoints.work.phases[1].db",
                  "runs on a thread of server 'web''s thread pool (style sync, a def); make it an async endpoint "
                  "(an async def, on uvicorn's event loop)");
    // Any ASGI kind runs a def in its thread pool, and the message names the kind written.
    require_error(def_endpoint_on("hypercorn", "asyncpg"), "endpoints.work.phases[1].db",
                  "runs on a thread of server 'web''s thread pool (style sync, a def); make it an async endpoint "
                  "(an async def, on hypercorn's event loop)");
  }
  SECTION("a blocking driver from an async def stalls the loop") {
    require_error(with(with(kDependenciesScenario, pool, "pool: {driver: psycopg-pool}"), server, "web: {host: app, kind: uvicorn}"),
                  "endpoints.work.phases[1].db",
                  "database 'pg' uses driver psycopg-pool, which blocks: called from an async def it stalls "
                  "server 'web''s event loop for every query");
  }
  SECTION("sqlalchemy fits both (its sync and async engines)") {
    CHECK_NOTHROW(parse_scenario(with(kDependenciesScenario, server, "web: {host: app, kind: uvicorn}")));
    CHECK_NOTHROW(parse_scenario(kDependenciesScenario));
  }
}
