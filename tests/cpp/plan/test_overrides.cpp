#include <catch2/catch.hpp>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/overrides.hpp"
#include "support/require_error.hpp"

namespace servesim {
namespace {

const char* const kShop = R"(
name: shop
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 4}
databases:
  main: {connections: 8}
endpoints:
  orders:
    phases:
      - cpu: {dist: exponential, mean: 5ms}
      - db: {database: main, query: {dist: constant, value: 2ms}}
workload:
  open: {rate: 100}
run: {duration: 60s}
)";

TEST_CASE("with_overrides sets fields by path and validates", "[plan][overrides]") {
  const Scenario shop = parse_scenario(kShop);

  SECTION("values are read as in a file: integers, durations, distributions") {
    // Expectation: each field takes the value a file would give it; the rest is unchanged.
    const Scenario s = with_overrides(shop, {{"servers.web.workers", "8"},
                                             {"run.duration", "5ms"},
                                             {"workload.open.rate", "250.5"},
                                             {"hosts.app.cores", "4"},
                                             {"endpoints.orders.phases[0].cpu", "{dist: constant, value: 1ms}"}});
    CHECK(s.servers[0].workers == 8);
    CHECK(s.run.duration == Approx(0.005));
    CHECK(s.workload.open->rate == 250.5);
    CHECK(s.hosts[0].cores == 4);
    CHECK(s.endpoints[0].phases[0].duration.mean() == Approx(0.001));
    CHECK(s.name == "shop");
    CHECK(s.databases[0].connections == 8);
  }

  SECTION("no overrides give back the same model") {
    // Expectation: the writer and parser round-trip (scenario_writer's contract).
    CHECK(scenario_text(with_overrides(shop, {})) == scenario_text(shop));
  }

  SECTION("a new server kind drops the settings of the old one") {
    // Expectation: gunicorn-sync's timeout and boot_time go; threads may be set with the kind.
    const Scenario s = with_overrides(shop, {{"servers.web.threads", "8"}, {"servers.web.kind", "gunicorn-gthread"}});
    CHECK(s.servers[0].kind == ServerKind::gunicorn_gthread);
    CHECK(s.servers[0].threads == 8);
    CHECK(with_overrides(shop, {{"servers.web.kind", "uvicorn"}}).servers[0].kind == ServerKind::uvicorn);
  }

  SECTION("optional fields left unset can be set") {
    // Expectation: a key the writer left out (unset optional) is accepted like any other.
    const Scenario s = with_overrides(shop, {{"workload.client_timeout", "2s"}});
    CHECK(s.workload.client_timeout.value() == 2.0);
  }

  SECTION("errors name the path") {
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers.api.workers", "2"}}); },
                                 "servers.api", "no server named 'api' (servers: web)");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers.web.workers", "0"}}); },
                                 "servers.web.workers", "0");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers.web.wrokers", "2"}}); },
                                 "servers.web.wrokers", "workers");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"workload.closed.users", "2"}}); },
                                 "workload.closed", "no field 'closed'");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"endpoints.orders.phases[5].cpu", "1ms"}}); },
                                 "endpoints.orders.phases", "no item [5]");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers..workers", "2"}}); },
                                 "servers..workers", "empty name");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers.web.workers", ""}}); },
                                 "servers.web.workers", "empty value");
    test::require_scenario_error([&] { (void)with_overrides(shop, {{"servers.web.kind", "unicorn"}}); },
                                 "servers.web.kind", "uvicorn");
  }
}

}  // namespace
}  // namespace servesim
