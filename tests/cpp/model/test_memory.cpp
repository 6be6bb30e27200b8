// Tests for model/memory.hpp: sizes, the framework presets, and the check that
// a deployment's processes fit their host's RAM (in validate(), results and plans).

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/memory.hpp"
#include "servesim/plan/plan.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/units.hpp"

using namespace servesim;
using servesim::test::require_scenario_error;
using servesim::test::kMB;
using servesim::test::with;

namespace {

// Sync workers of 200 MB + 1 thread x 10 MB = 210 MB each, on a 2 GB host.
const std::string kFit = R"(
hosts:
  app: {cores: 2, memory: 2GB}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 9, framework: none,
        memory: {process: 200MB, thread: 10MB, connection: 1MB}}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 50}
run: {duration: 20s, seed: 1}
)";

}  // namespace

TEST_CASE("memory: sizes read with 1024-based units and print back", "[memory]") {
  CHECK(*detail::parse_size("80MB") == 80 * kMB);
  CHECK(*detail::parse_size("1.5 GB") == 1.5 * 1024 * kMB);
  CHECK(*detail::parse_size("64KiB") == 64 * 1024.0);
  CHECK(*detail::parse_size("512B") == 512.0);
  CHECK(*detail::parse_size("2gb") == 2048 * kMB);
  CHECK_FALSE(detail::parse_size("80"));
  CHECK_FALSE(detail::parse_size("80 MiBs"));
  CHECK_FALSE(detail::parse_size("MB"));
  CHECK(format_size(210 * kMB) == "210 MB");
  CHECK(format_size(12 * 210 * kMB) == "2.46 GB");
  CHECK(format_size(2048 * kMB) == "2 GB");
}

TEST_CASE("memory: a 2 GB host fits floor(2048 / 210) = 9 workers of 210 MB", "[memory]") {
  // 9 x 210 MB = 1890 MB <= 2048 MB; 10 x 210 = 2100 MB > 2048 MB.
  const Scenario nine = parse_scenario(kFit);
  CHECK(static_process_memory(nine, nine.servers[0]) == 210 * kMB);
  CHECK(static_host_memory(nine, nine.hosts[0]) == 9 * 210 * kMB);
  const std::string message = require_scenario_error(
      [&] { (void)parse_scenario(with(kFit, "workers: 9", "workers: 12")); }, "hosts.app.memory",
      "2 GB holds at most 9 gunicorn-sync workers of 210 MB (servers.web.workers = 12 needs 2.46 GB)");
  CHECK(message.starts_with("hosts.app.memory: "));
  require_scenario_error([&] { (void)parse_scenario(with(kFit, "workers: 9", "workers: 10")); }, "hosts.app.memory",
                         "holds at most 9");
}

TEST_CASE("memory: several servers on a host are summed; replicas each have a copy of it", "[memory]") {
  // web 9 x 210 MB = 1890 MB, plus api 2 x (48 + 1 x 1) MB = 98 MB: 1988 MB fits 2 GB;
  // a third api worker (2037 MB) still fits, a fourth (2086 MB) does not.
  const std::string two = with(kFit, "endpoints:", "  api: {host: app, kind: uvicorn, workers: 2, framework: fastapi}\nendpoints:");
  const Scenario s = parse_scenario(two);
  CHECK(static_host_memory(s, s.hosts[0]) == (9 * 210 + 2 * 49) * kMB);
  (void)parse_scenario(with(two, "workers: 2, framework", "workers: 3, framework"));
  require_scenario_error([&] { (void)parse_scenario(with(two, "workers: 2, framework", "workers: 4, framework")); },
                         "hosts.app.memory", "beside the other servers' 196 MB");
  // Three replicas run on three copies of the 2 GB host: 9 workers each still fit.
  (void)parse_scenario(with(kFit, "workers: 9,", "workers: 9, replicas: 3,"));
}

TEST_CASE("memory: threads per process by kind, and the framework presets", "[memory]") {
  // gthread: 4 pool threads + the main thread; uvicorn: the loop, plus 40 pool threads for a def endpoint.
  const Scenario g = parse_scenario(with(kFit, "kind: gunicorn-sync, workers: 9", "kind: gunicorn-gthread, workers: 2, threads: 4"));
  CHECK(threads_per_process(g, g.servers[0]) == 5);
  CHECK(static_process_memory(g, g.servers[0]) == 250 * kMB);
  const std::string uv = with(kFit, "kind: gunicorn-sync, workers: 9", "kind: uvicorn, workers: 1");
  const Scenario loop_only = parse_scenario(uv);
  CHECK(threads_per_process(loop_only, loop_only.servers[0]) == 1);
  const Scenario pool = parse_scenario(with(uv, "{server: web,", "{server: web, style: sync,"));
  CHECK(threads_per_process(pool, pool.servers[0]) == 41);
  // The presets (measured RSS, see memory.hpp) apply unless the file overrides them.
  const Scenario fastapi = parse_scenario(with(with(kFit, "framework: none", "framework: fastapi"),
                                               "memory: {process: 200MB, thread: 10MB, connection: 1MB}", "memory: {thread: 2MB}"));
  CHECK(fastapi.servers[0].memory.process == 48 * kMB);
  CHECK(fastapi.servers[0].memory.thread == 2 * kMB);
  CHECK(memory_preset("flask").process == 30 * kMB);
}

TEST_CASE("memory: bad sizes are errors naming the field and the value", "[memory]") {
  require_scenario_error([&] { (void)parse_scenario(with(kFit, "memory: 2GB", "memory: 2048")); }, "hosts.app.memory",
                         "must be a size with a unit (B, KB, MB, GB, TB; 1024-based) like 80MB, got 2048");
  require_scenario_error([&] { (void)parse_scenario(with(kFit, "process: 200MB", "process: 200 parsecs")); },
                         "servers.web.memory.process", "got '200 parsecs'");
  require_scenario_error([&] { (void)parse_scenario(with(kFit, "memory: 2GB", "memory: 0GB")); }, "hosts.app.memory",
                         "must be a size > 0");
  require_scenario_error([&] { (void)parse_scenario(with(kFit, "thread: 10MB", "threads: 10MB")); },
                         "servers.web.memory.threads", "did you mean 'thread'");
  // A scenario built in C++ gets the same checks from validate().
  Scenario s = parse_scenario(kFit);
  s.servers[0].memory.connection = -1;
  require_scenario_error([&] { s.validate(); }, "servers.web.memory.connection", "must be a size >= 0, got -1 B");
  s = parse_scenario(kFit);
  s.servers[0].workers = 12;
  CHECK_THROWS_AS(s.validate(), detail::MemoryFitError);
}

TEST_CASE("memory: results give each host's static memory plus connections x requests in its servers", "[memory]") {
  // 50 req/s of 10 ms CPU on 9 workers: L = lambda W >= 0.5 requests on average
  // (a little more when 3 share 2 cores; 1,000 arrivals leave about 3 % of
  // noise), so memory exceeds the static 1890 MB by exactly 1 MB x L.
  const Result r = simulate(parse_scenario(kFit));
  REQUIRE(r.hosts.size() == 1);
  CHECK(r.hosts[0].static_memory == 9 * 210 * kMB);
  const double in_system = r.replications[0].servers[0].mean_in_system;
  CHECK((r.hosts[0].memory - r.hosts[0].static_memory) / kMB == Approx(in_system).epsilon(1e-12));
  CHECK(in_system == Approx(0.5).epsilon(0.15));
}

TEST_CASE("memory: a plan rejects a candidate that does not fit its host's RAM", "[memory][plan]") {
  // M/M/c at 150 req/s of 10 ms exponential CPU needs 2 cores. Workers cost
  // nothing, so (cores 2, workers 4) and (2, 2) cost the same and the grid's
  // order makes workers 4 the plan; with 500 MB (2 workers of 210 MB) it does
  // not fit, is pruned for "memory", and workers 2 wins.
  const std::string space = with(with(kFit, "run:", R"(plan:
  target: {rate: 150}
  slo: {p99: 200ms}
  space: {hosts.app.cores: [1, 2], servers.web.workers: [4, 2]}
  cost: {core: 1, worker: 0}
run:)"), "{cpu: 10ms}", "{cpu: {dist: exponential, mean: 10ms}}");
  const PlanResult roomy = plan(parse_scenario(with(with(space, "memory: 2GB", "memory: 4GB"), "workers: 9", "workers: 2")));
  REQUIRE(roomy.feasible);
  CHECK(roomy.candidates[roomy.chosen].settings[1].second == "4");
  const PlanResult tight = plan(parse_scenario(with(with(space, "memory: 2GB", "memory: 500MB"), "workers: 9", "workers: 2")));
  REQUIRE(tight.feasible);
  CHECK(tight.candidates[tight.chosen].settings[1].second == "2");
  int rejected = 0;
  for (const PlanCandidate& c : tight.candidates) {
    if (c.failed_term != "memory") continue;
    ++rejected;
    CHECK(c.verdict == CandidateVerdict::pruned);
    CHECK(c.settings[1].second == "4");
    CHECK_THAT(c.reason, Catch::Matchers::StartsWith("memory: hosts.app.memory: 500 MB holds at most 2"));
    CHECK(c.cost > 0);
  }
  CHECK(rejected == 2);
}
