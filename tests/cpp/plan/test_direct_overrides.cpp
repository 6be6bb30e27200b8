// Tests for plan/direct_overrides.hpp: plan candidates built by setting
// fields on the parsed base equal those the file's way (with_overrides:
// written out, set, parsed again) builds, for every kind of path a plan
// space varies; anything else is left to the file's way and its errors.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "plan/direct_overrides.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/overrides.hpp"

using namespace servesim;

namespace {

const char* const kOverridesScenario = R"(
name: shop
hosts:
  app: {cores: 2, speed: 1.0}
servers:
  web: {host: app, kind: gunicorn-gthread, workers: 2, threads: 4, framework: flask}
  api: {host: app, kind: gunicorn-sync, workers: 2, timeout: 20s, framework: fastapi}
databases:
  pg: {connections: 10, query_time: {dist: exponential, mean: 4ms}, pool: {size: 5, max_overflow: 2}}
services:
  pay: {latency: 20ms, concurrency: 4}
endpoints:
  orders: {server: web, phases: [{cpu: {dist: exponential, mean: 5ms}}, {db: pg}, {call: {service: pay}}]}
  search: {server: api, phases: [{cpu: 2ms}, {db: pg}]}
workload:
  open: {rate: 100}
run: {duration: 60s, warmup: 5s, seed: 3}
)";

// Both ways give the same scenario: the same text written out (every setting explicit).
void check_same(const Scenario& base, const std::vector<Override>& overrides) {
  std::string what;
  for (const Override& o : overrides) what += o.path + "=" + o.value + " ";
  INFO(what);
  const std::optional<Scenario> direct = detail::with_direct_overrides(base, overrides);
  REQUIRE(direct);
  CHECK(scenario_text(*direct) == scenario_text(with_overrides(base, overrides)));
}

}  // namespace

TEST_CASE("direct overrides build the scenario the file's way builds", "[plan][overrides]") {
  const Scenario base = parse_scenario(kOverridesScenario);
  SECTION("every kind of path a plan space varies") {
    check_same(base, {{"servers.web.workers", "8"}});
    check_same(base, {{"servers.web.threads", "16"}});
    check_same(base, {{"hosts.app.cores", "8"}, {"hosts.app.speed", "1.5"}});
    check_same(base, {{"servers.web.replicas", "3"}});
    check_same(base, {{"databases.pg.connections", "20"}});
    check_same(base, {{"databases.pg.pool.size", "12"}, {"databases.pg.pool.max_overflow", "0"}});
    check_same(base, {{"databases.pg.pool.timeout", "250ms"}});
    check_same(base, {{"services.pay.concurrency", "16"}});
    check_same(base, {{"servers.web.workers", "4.0"}});  // an integer written as a float, as a file may
  }
  SECTION("a server's kind, with and without the new kind's settings") {
    // gthread -> uvicorn drops threads; sync -> gthread drops timeout and takes threads.
    check_same(base, {{"servers.web.kind", "uvicorn"}});
    check_same(base, {{"servers.api.kind", "gunicorn-gthread"}, {"servers.api.threads", "8"}});
    check_same(base, {{"servers.api.threads", "8"}, {"servers.api.kind", "gunicorn-gthread"}});  // kinds first
    check_same(base, {{"servers.web.kind", "gunicorn-sync"}, {"servers.web.workers", "6"},
                      {"hosts.app.cores", "4"}});
  }
  SECTION("an ASGI server's thread pool stays when its kind changes to another ASGI kind") {
    // thread_pool belongs to every ASGI kind (Starlette's pool, whatever the
    // server): uvicorn with 8 threads switched to hypercorn, granian or
    // gunicorn-uvicorn keeps 8, both ways; switched to gunicorn-sync it goes.
    const Scenario asgi = with_overrides(base, {{"servers.web.kind", "uvicorn"}, {"servers.web.thread_pool", "8"}});
    for (const char* kind : {"hypercorn", "granian", "gunicorn-uvicorn"}) {
      INFO(kind);
      check_same(asgi, {{"servers.web.kind", kind}});
      CHECK(with_overrides(asgi, {{"servers.web.kind", kind}}).servers[0].thread_pool == 8);
      CHECK(detail::with_direct_overrides(asgi, {{"servers.web.kind", kind}})->servers[0].thread_pool == 8);
    }
    check_same(asgi, {{"servers.web.kind", "gunicorn-sync"}});
    CHECK(with_overrides(asgi, {{"servers.web.kind", "gunicorn-sync"}}).servers[0].thread_pool == 40);
  }
  SECTION("what it leaves to the file's way, whose errors name the path") {
    // Each of these either leads nowhere or is rejected: with_overrides says why.
    for (const std::vector<Override>& bad : std::vector<std::vector<Override>>{
             {{"servers.web.workers", "0"}},
             {{"servers.web.workers", "2.5"}},
             {{"servers.nope.workers", "2"}},
             {{"servers.web.wrokers", "2"}},
             {{"servers.api.threads", "4"}},  // a sync server has no threads
             {{"servers.web.kind", "tornado"}},
             {{"hosts.app.cores", "[1, 2]"}},
             {{"databases.pg.pool.size", "0"}}}) {
      INFO(bad.front().path << "=" << bad.front().value);
      CHECK_FALSE(detail::with_direct_overrides(base, bad));
      CHECK_THROWS_AS(with_overrides(base, bad), ScenarioError);
    }
    // Paths it does not set itself (a phase, the workload) go the file's way, valid or not.
    CHECK_FALSE(detail::with_direct_overrides(base, {{"endpoints.orders.phases[0].cpu", "3ms"}}));
    CHECK_FALSE(detail::with_direct_overrides(base, {{"workload.open.rate", "300"}}));
  }
}
