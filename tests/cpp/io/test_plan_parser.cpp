// Tests for the scenario file's `plan:` section (io/plan_parser.cpp,
// docs/scenario-format.md#plan) and its error messages.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::with;

namespace {

const std::string kPlanned = R"(
hosts:
  app: {cores: 4}
servers:
  web: {host: app, workers: 2}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 10}
plan:
  target: {rate: 2000}
  slo: {p99: 200ms, errors: 0.1%}
  space: {servers.web.workers: [2, 4, 8], hosts.app.cores: [2, 4]}
  cost: {currency: EUR, per: month, core: 25, host: 10, worker: 0.5}
  headroom: 20%
)";

}  // namespace

TEST_CASE("plan: section: target, SLO terms, space, cost and headroom", "[io][plan]") {
  const Scenario s = parse_scenario(kPlanned);
  REQUIRE(s.plan);
  const PlanSpec& p = *s.plan;
  REQUIRE(p.target);
  CHECK(p.target->kind == PlanTarget::Kind::rate);
  CHECK(p.target->value == 2000.0);
  REQUIRE(p.slo.size() == 2);
  CHECK(p.slo[0].metric == SloMetric::p99);
  CHECK(p.slo[0].limit == Approx(0.2));
  CHECK(p.slo[1].metric == SloMetric::errors);
  CHECK(p.slo[1].limit == Approx(0.001));
  REQUIRE(p.space.size() == 2);
  CHECK(p.space[0].path == "servers.web.workers");
  CHECK(p.space[0].values == std::vector<std::string>{"2", "4", "8"});
  CHECK(p.space[1].path == "hosts.app.cores");
  CHECK(p.cost.currency == "EUR");
  CHECK(p.cost.period == "month");
  CHECK(p.cost.core == 25.0);
  CHECK(p.cost.host == 10.0);
  CHECK(p.cost.worker == 0.5);
  CHECK(p.headroom == Approx(0.2));
  // A scenario without the section has no plan.
  CHECK_FALSE(parse_scenario(R"(
hosts: {app: {}}
servers: {web: {}}
endpoints: {hello: {phases: [{cpu: 5ms}]}}
workload: {open: {rate: 50}}
)").plan);
}

TEST_CASE("plan: section errors name the field", "[io][plan]") {
  require_error(with(kPlanned, "p99: 200ms", "latency: 200ms"), "plan.slo.latency",
                "valid keys: p50, p90, p99, p999, mean, errors");
  require_error(with(kPlanned, "p99: 200ms", "P99: 200ms"), "plan.slo.P99", "did you mean 'p99'?");
  require_error(with(kPlanned, "p99: 200ms, errors: 0.1%", ""), "plan.slo", "at least one term");
  require_error(with(kPlanned, "errors: 0.1%", "errors: 150%"), "plan.slo.errors", "fraction in [0, 1]");
  require_error(with(kPlanned, "errors: 0.1%", "errors: 5ms"), "plan.slo.errors", "percentage");
  require_error(with(kPlanned, "p99: 200ms", "p99: fast"), "plan.slo.p99", "duration");
  require_error(with(kPlanned, "{servers.web.workers: [2, 4, 8], hosts.app.cores: [2, 4]}", "{}"),
                "plan.space", "at least one scenario path");
  require_error(with(kPlanned, "[2, 4, 8]", "[]"), "plan.space.servers.web.workers", "at least one value");
  require_error(with(kPlanned, "[2, 4, 8]", "[2, 4, 2]"), "plan.space.servers.web.workers[2]", "listed twice");
  require_error(with(kPlanned, "[2, 4, 8]", "4"), "plan.space.servers.web.workers", "list of values");
  require_error(with(kPlanned, "{rate: 2000}", "{rate: 2000, users: 5}"), "plan.target", "exactly one");
  require_error(with(kPlanned, "{rate: 2000}", "{rate: -1}"), "plan.target.rate", "> 0");
  require_error(with(kPlanned, "core: 25", "cores: 25"), "plan.cost.cores", "did you mean 'core'?");
  require_error(with(kPlanned, "headroom: 20%", "headroom: lots"), "plan.headroom", "percentage");
  require_error(with(kPlanned, "headroom: 20%", "headrom: 20%"), "plan.headrom", "did you mean 'headroom'?");
}
