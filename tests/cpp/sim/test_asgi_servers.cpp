// Hypercorn, Granian and Gunicorn with Uvicorn workers: uvicorn's runtime
// (an event loop per process, the framework's thread pool for def endpoints)
// with each server's own measured costs, defaults and settings. Closed forms
// for the saturated loop; the parser and validation for what each lacks.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/io/documents.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/framework.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::require_scenario_error;

namespace {

constexpr ServerKind kNewKinds[] = {ServerKind::hypercorn, ServerKind::granian, ServerKind::gunicorn_uvicorn};

// `workers` FastAPI processes of `kind` on `cores` cores, 32 wrk-style users
// without think time on an endpoint with `cpu` of Python and `style`.
std::string closed_loop(const std::string& kind, int workers, int cores, const std::string& style,
                        const std::string& extra = "") {
  return "hosts:\n  app: {cores: " + std::to_string(cores) + "}\nservers:\n  web: {host: app, kind: " + kind +
         ", framework: fastapi, workers: " + std::to_string(workers) + extra +
         "}\nendpoints:\n  work: {server: web, style: " + style +
         ", phases: [{cpu: 2ms}]}\nworkload:\n  closed: {users: 32, think_time: 0s}\n"
         "run: {duration: 60s, warmup: 5s, replications: 2, seed: 3}\n";
}

std::string name_of(ServerKind kind) {
  switch (kind) {
    case ServerKind::hypercorn: return "hypercorn";
    case ServerKind::granian: return "granian";
    default: return "gunicorn-uvicorn";
  }
}

}  // namespace

TEST_CASE("ASGI servers saturate one event loop per process at 1 / (cpu + overhead)", "[simulate][asgi]") {
  for (ServerKind kind : kNewKinds) {
    const std::string name = name_of(kind);
    INFO(name);
    const FrameworkPreset preset = *find_framework_preset("fastapi", kind);
    SECTION(name + ": 2 loops on 4 cores, async def: 2 / (2 ms + overhead)") {
      // Each loop runs one request's Python at a time; 32 users keep both
      // busy and 2 cores idle, so throughput = loops / (cpu + the server's
      // per-request overhead). Thousands of completions per replication: 1 %.
      const Result r = simulate(parse_scenario(closed_loop(name, 2, 4, "async")));
      CHECK(r.throughput.value == Approx(2.0 / (0.002 + preset.overhead_s)).epsilon(0.01));
    }
    SECTION(name + ": 4 loops on 2 cores: the cores bind, 2 / (2 ms + overhead)") {
      const Result r = simulate(parse_scenario(closed_loop(name, 4, 2, "async")));
      CHECK(r.throughput.value == Approx(2.0 / (0.002 + preset.overhead_s)).epsilon(0.01));
    }
    SECTION(name + ": a def endpoint in the thread pool adds the hand-off, still one GIL per process") {
      // 1 process on 2 cores: its GIL serializes the pool's Python and the
      // loop's, so 1 / (cpu + overhead + thread_handoff).
      const Result r = simulate(parse_scenario(closed_loop(name, 1, 2, "sync")));
      CHECK(r.throughput.value ==
            Approx(1.0 / (0.002 + preset.overhead_s + preset.thread_handoff_s)).epsilon(0.01));
    }
  }
}

TEST_CASE("Each ASGI server takes FastAPI's costs measured on it", "[asgi]") {
  // Expected: the kind-specific preset (framework.cpp, from
  // validation/calibration.json), not uvicorn's; flask has no server variants.
  const auto uvicorn = *find_framework_preset("fastapi", ServerKind::uvicorn);
  CHECK(uvicorn.overhead_s == find_framework_preset("fastapi")->overhead_s);
  for (ServerKind kind : kNewKinds) {
    INFO(name_of(kind));
    const Scenario s = parse_scenario(closed_loop(name_of(kind), 1, 1, "async"));
    const auto preset = *find_framework_preset("fastapi", kind);
    CHECK(s.servers[0].framework_overhead.mean() == preset.overhead_s);
    CHECK(s.servers[0].wait_overhead.mean() == preset.wait_overhead_s);
    CHECK(preset.overhead_s != uvicorn.overhead_s);
    CHECK(find_framework_preset("flask", kind)->overhead_s == find_framework_preset("flask")->overhead_s);
  }
}

TEST_CASE("ASGI servers' defaults: keep-alive and endpoint style", "[asgi]") {
  // Hypercorn --keep-alive 5 s; Granian has no idle keep-alive setting, so 5 s as uvicorn's (assumed);
  // Gunicorn's UvicornWorker takes Gunicorn's --keep-alive, 2 s.
  CHECK(Scenario::keepalive_of(parse_scenario(closed_loop("hypercorn", 1, 1, "async")).servers[0]) == 5.0);
  CHECK(Scenario::keepalive_of(parse_scenario(closed_loop("granian", 1, 1, "async")).servers[0]) == 5.0);
  CHECK(Scenario::keepalive_of(parse_scenario(closed_loop("gunicorn-uvicorn", 1, 1, "async")).servers[0]) == 2.0);
  // An endpoint without a style runs on the loop, as on uvicorn.
  Scenario s = test::one_server(ServerKind::granian, 1, 1);
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.001)}});
  CHECK(s.style_of(s.endpoints[0]) == EndpointStyle::async);
}

TEST_CASE("Settings an ASGI server does not have are errors naming the field", "[asgi]") {
  // Only uvicorn answers 503 above --limit-concurrency.
  require_error(closed_loop("hypercorn", 2, 2, "async", ", limit_concurrency: 10"), "servers.web.limit_concurrency",
                "hypercorn servers have no 'limit_concurrency' setting (it belongs to uvicorn)");
  require_error(closed_loop("gunicorn-uvicorn", 2, 2, "async", ", limit_concurrency: 10"),
                "servers.web.limit_concurrency", "gunicorn-uvicorn servers have no 'limit_concurrency' setting");
  // Granian recycles by lifetime or memory, not a request count.
  require_error(closed_loop("granian", 2, 2, "async", ", max_requests: 1000"), "servers.web.max_requests",
                "granian servers have no 'max_requests' setting");
  // WSGI worker settings.
  require_error(closed_loop("hypercorn", 2, 2, "async", ", threads: 4"), "servers.web.threads",
                "hypercorn servers have no 'threads' setting (it belongs to gunicorn-gthread)");
  require_error(closed_loop("gunicorn-uvicorn", 2, 2, "async", ", worker_connections: 4"),
                "servers.web.worker_connections", "gunicorn-uvicorn servers have no 'worker_connections' setting");
  // Built in C++: validation rejects the same.
  Scenario s = test::one_server(ServerKind::granian, 2, 2);
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.001)}});
  s.servers[0].max_requests = 100;
  require_scenario_error([&] { s.validate(); }, "servers.web.max_requests", "granian servers have no");
  // What they do have: thread_pool, keepalive, and restarts on Hypercorn and Gunicorn.
  const Scenario ok = parse_scenario(
      closed_loop("gunicorn-uvicorn", 2, 2, "sync", ", thread_pool: 8, keepalive: 1s, max_requests: 500"));
  CHECK(ok.servers[0].thread_pool == 8);
  CHECK(ok.servers[0].max_requests == 500);
  CHECK(parse_scenario(closed_loop("hypercorn", 2, 2, "async", ", max_requests: 500")).servers[0].max_requests == 500);
}

TEST_CASE("Each ASGI server's default backlog refuses a burst beyond it", "[simulate][asgi][backlog]") {
  // 3,000 requests arrive at t = 0 at two processes that accept one each and
  // then retire (max_requests 1): no process has room (rules/admission.hpp,
  // has_room), so the next backlog_of() wait in the backlog and the rest are
  // refused, exactly: Hypercorn 3,000 - 2 - 100 = 2,898, Uvicorn and
  // Gunicorn's Uvicorn workers 3,000 - 2 - 2,048 = 950, Hypercorn told
  // `backlog: 500` 2,498.
  const auto refused = [](const Scenario& s) { return simulate(s).replications.at(0).errors.refused; };
  CHECK(refused(test::blocked_burst(ServerKind::hypercorn, 3000)) == 2898);
  CHECK(refused(test::blocked_burst(ServerKind::uvicorn, 3000)) == 950);
  CHECK(refused(test::blocked_burst(ServerKind::gunicorn_uvicorn, 3000)) == 950);
  Scenario told = test::blocked_burst(ServerKind::hypercorn, 3000);
  told.servers[0].backlog = 500;
  CHECK(refused(told) == 2498);
}

TEST_CASE("An unset backlog is the kind's default, and stays unset in a written scenario", "[asgi][backlog]") {
  // Hypercorn's Config.backlog 100, granian --backlog 1024, uvicorn and gunicorn --backlog 2048.
  const auto backlog = [](const std::string& kind) {
    return Scenario::backlog_of(parse_scenario(closed_loop(kind, 1, 1, "async")).servers[0]);
  };
  CHECK(backlog("hypercorn") == 100);
  CHECK(backlog("granian") == 1024);
  CHECK(backlog("uvicorn") == 2048);
  CHECK(backlog("gunicorn-uvicorn") == 2048);
  const Scenario unset = parse_scenario(closed_loop("hypercorn", 1, 1, "async"));
  CHECK_FALSE(unset.servers[0].backlog.has_value());
  CHECK(scenario_to_json(unset).find("backlog") == std::string::npos);
  // A kind switched after parsing takes its own default, not the first kind's.
  Scenario switched = unset;
  switched.servers[0].kind = ServerKind::granian;
  CHECK(Scenario::backlog_of(switched.servers[0]) == 1024);
  const Scenario given = parse_scenario(closed_loop("granian", 1, 1, "async", ", backlog: 64"));
  CHECK(Scenario::backlog_of(given.servers[0]) == 64);
  CHECK(parse_scenario(scenario_to_json(given)).servers[0].backlog == 64);
}
