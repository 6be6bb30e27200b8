// Tests for plan/plan.hpp: the cheapest deployment meeting an SLO, checked
// against the brute force (every candidate simulated) and queueing theory.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/memory.hpp"
#include "servesim/plan/plan.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_scenario_error;
using servesim::test::with;

namespace {

// A sync pool of exponential 10 ms CPU work: capacity min(workers, cores) x 100 req/s.
const std::string kPool = R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 2, framework: none}
endpoints:
  work: {server: web, phases: [{cpu: {dist: exponential, mean: 10ms}}]}
workload:
  open: {rate: 100}
run: {duration: 60s, warmup: 5s, seed: 3}
plan:
  target: {rate: 300}
  slo: {p99: 100ms}
  space: {hosts.app.cores: [1, 2, 4, 8], servers.web.workers: [1, 2, 3, 4, 5, 6, 7, 8]}
  cost: {core: 1, worker: 0.1}
)";

std::string chosen_settings(const PlanResult& r) {
  std::string text;
  for (const auto& [path, value] : r.candidates[r.chosen].settings) {
    text += path;
    text += "=";
    text += value;
    text += " ";
  }
  return text;
}

}  // namespace

TEST_CASE("plan: the cheapest pool meeting p99 at the target, as the brute force finds it", "[plan]") {
  // M/M/c with c = min(workers, cores), mu = 100/s, lambda = 300/s: c <= 3 cannot
  // carry the load (capacity 100 c <= 300); c = 4 gives rho = 0.75 and a p99
  // of about 60 ms (Erlang C: P(wait) = 0.51, wait rate c mu - lambda = 100/s),
  // so the plan is 4 cores and 4 workers (cost 4.4), and every cheaper candidate fails.
  const Scenario s = parse_scenario(kPool);
  const PlanResult planned = plan(s);
  REQUIRE(planned.feasible);
  CHECK(chosen_settings(planned) == "hosts.app.cores=4 servers.web.workers=4 ");
  CHECK(planned.candidates[planned.chosen].cost == Approx(4.4));
  CHECK(planned.load == 300.0);
  REQUIRE(planned.result);
  CHECK(planned.result->latency.p99.value < 0.1);
  CHECK(planned.scenario.servers[0].workers == 4);
  CHECK(planned.scenario.workload.open->rate == 300.0);
  CHECK(planned.candidates.size() == 32);

  PlanOptions brute;
  brute.prune = false;
  const PlanResult everything = plan(s, brute);
  REQUIRE(everything.feasible);
  CHECK(chosen_settings(everything) == chosen_settings(planned));
  // Pruning is sound: every candidate the bound skipped fails when simulated.
  int pruned = 0;
  for (const PlanCandidate& c : planned.candidates) {
    if (c.verdict != CandidateVerdict::pruned) continue;
    ++pruned;
    for (const PlanCandidate& e : everything.candidates) {
      if (e.index == c.index) CHECK(e.verdict == CandidateVerdict::fails);
    }
  }
  CHECK(pruned >= 20);
  CHECK(planned.simulations * 4 < everything.simulations);
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("Plan: hosts.app.cores=4, servers.web.workers=4"));
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("analytic bound"));
}

TEST_CASE("plan: headroom raises the load the plan must carry", "[plan]") {
  // At 300 x 1.4 = 420 req/s, c = 4 (capacity 400) cannot carry it; c = 5 can.
  const Scenario s = parse_scenario(with(kPool, "slo:", "headroom: 40%\n  slo:"));
  const PlanResult planned = plan(s);
  REQUIRE(planned.feasible);
  CHECK(planned.load == Approx(420.0));
  CHECK(chosen_settings(planned) == "hosts.app.cores=8 servers.web.workers=5 ");
}

TEST_CASE("plan: a target nothing can meet names the closest candidate and its limit", "[plan]") {
  // The largest candidate, 8 cores and 8 workers, carries 800 req/s at most.
  const Scenario s = parse_scenario(with(kPool, "{rate: 300}", "{rate: 2000}"));
  const PlanResult planned = plan(s);
  CHECK_FALSE(planned.feasible);
  CHECK(chosen_settings(planned) == "hosts.app.cores=8 servers.web.workers=8 ");
  CHECK(planned.simulations == 0);
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("No candidate in the space meets the SLO at 2000 req/s"));
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("capacity 800 req/s < 2000 req/s"));
}

TEST_CASE("plan: bad spaces and targets are errors naming the plan's field", "[plan]") {
  const auto plan_of = [](const std::string& text) { return [text] { (void)plan(parse_scenario(text)); }; };
  require_scenario_error(plan_of(with(kPool, "servers.web.workers:", "servers.web.workrs:")),
                         "plan.space.servers.web.workrs", "did you mean 'workers'?");
  require_scenario_error(plan_of(with(kPool, "servers.web.workers:", "servers.api.workers:")),
                         "plan.space.servers.api.workers", "no server named 'api'");
  require_scenario_error(plan_of(with(kPool, "[1, 2, 3, 4", "[0, 2, 3, 4")),
                         "plan.space.servers.web.workers", "'0' is rejected: servers.web.workers: must be an integer >= 1");
  require_scenario_error(plan_of(with(kPool, "{rate: 300}", "{users: 300}")), "plan.target.users",
                         "the workload is open");
  PlanOptions empty;
  empty.spec = parse_scenario(kPool).plan;
  empty.spec->space.clear();
  require_scenario_error([&] { (void)plan(parse_scenario(kPool), empty); }, "plan.space", "is empty");
  const std::string no_plan = kPool.substr(0, kPool.find("plan:"));
  require_scenario_error(plan_of(no_plan), "plan", "no plan: section");
}

TEST_CASE("plan: horizontal scaling, replicas priced per host", "[plan][replicas]") {
  // Each copy (2 workers, 2 cores, 10 ms of exponential CPU) carries 200 req/s:
  // 500 req/s needs 3 copies (rho = 0.83; M/M/2 per copy, p99 near 70 ms).
  const std::string scaled = with(with(kPool, "{rate: 300}", "{rate: 500}"),
                                  "space: {hosts.app.cores: [1, 2, 4, 8], servers.web.workers: [1, 2, 3, 4, 5, 6, 7, 8]}",
                                  "space: {servers.web.replicas: [1, 2, 3, 4, 5, 6]}");
  const Scenario s = parse_scenario(with(scaled, "{core: 1, worker: 0.1}", "{host: 10, core: 1, worker: 0.1}"));
  const PlanResult planned = plan(s);
  REQUIRE(planned.feasible);
  CHECK(chosen_settings(planned) == "servers.web.replicas=3 ");
  CHECK(planned.candidates[planned.chosen].cost == Approx(3 * (10 + 2 + 0.2)));
  CHECK(planned.scenario.servers[0].replicas == 3);
  REQUIRE(planned.result);
  CHECK(planned.result->servers.size() == 3);
  PlanOptions brute;
  brute.prune = false;
  CHECK(chosen_settings(plan(s, brute)) == chosen_settings(planned));
}

TEST_CASE("plan: the closest candidate rejected by short replications reports its host memory", "[plan]") {
  // p99 <= 5 ms is out of reach: one request alone takes 10 ms of exponential
  // CPU, whose p99 is 46 ms, so every candidate's short replications reject it
  // and the closest is reported by their pooled result. Its hosts' memory is
  // what simulate() reports for the same run: the static part is the
  // processes' (model/memory.hpp), the rest their requests' connections.
  const Scenario s = parse_scenario(with(with(with(kPool, "framework: none}", "framework: none, memory: {process: 50MB}}"),
                                              "{p99: 100ms}", "{p99: 5ms}"),
                                         "space: {hosts.app.cores: [1, 2, 4, 8], servers.web.workers: [1, 2, 3, 4, 5, 6, 7, 8]}",
                                         "space: {hosts.app.cores: [4, 8], servers.web.workers: [4, 8]}"));
  const PlanResult planned = plan(s);
  REQUIRE_FALSE(planned.feasible);
  const PlanCandidate& closest = planned.candidates[planned.chosen];
  CHECK_THAT(closest.reason, Catch::Matchers::Contains("short replications"));
  REQUIRE(planned.result);
  REQUIRE(planned.result->hosts.size() == 1);
  const HostSummary& host = planned.result->hosts[0];
  CHECK(host.static_memory == static_host_memory(planned.scenario, planned.scenario.hosts[0]));
  CHECK(host.static_memory >= 4 * 50.0 * 1024 * 1024);
  CHECK(host.memory >= host.static_memory);
}
