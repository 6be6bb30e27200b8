#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/uncertainty.hpp"
#include "support/require_error.hpp"

namespace servesim {
namespace {

std::string shop(const std::string& cpu_mean, const std::string& rate = "100",
                 const std::string& kind = "gunicorn-sync") {
  return R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: )" + kind + R"(, workers: 4}
endpoints:
  orders:
    phases:
      - cpu: {dist: exponential, mean: )" + cpu_mean + R"(}
workload:
  open: {rate: )" + rate + R"(}
)";
}

TEST_CASE("ranges parse into the scenario at mid and a list of uncertain inputs", "[plan][uncertainty]") {
  SECTION("a duration range and a rate range") {
    // Expectation: the model holds each mid (seconds for durations); the ranges keep their paths.
    const Scenario s = parse_scenario(shop("{low: 5ms, mid: 10ms, high: 20ms}",
                                           "{low: 80, mid: 100, high: 150, confidence: 80%}"));
    CHECK(s.endpoints[0].phases[0].duration.mean() == Approx(0.010));
    CHECK(s.workload.open->rate == 100.0);
    REQUIRE(s.uncertain.size() == 2);
    CHECK(s.uncertain[0].path == "endpoints.orders.phases[0].cpu.mean");
    CHECK(s.uncertain[0].low == Approx(0.005));
    CHECK(s.uncertain[0].high == Approx(0.020));
    CHECK(s.uncertain[0].confidence == kDefaultRangeConfidence);
    CHECK(s.uncertain[1].path == "workload.open.rate");
    CHECK(s.uncertain[1].confidence == Approx(0.8));
  }
  SECTION("a uniform distribution's low and high are not a range") {
    std::string text = shop("5ms");
    const std::string exponential = "{dist: exponential, mean: 5ms}";
    text.replace(text.find(exponential), exponential.size(), "{dist: uniform, low: 1ms, high: 3ms}");
    const Scenario s = parse_scenario(text);
    CHECK(s.uncertain.empty());
  }
  SECTION("bad ranges name their path and values") {
    test::require_scenario_error([] { (void)parse_scenario(shop("{low: 20ms, mid: 10ms, high: 5ms}")); },
                                 "endpoints.orders.phases[0].cpu.mean", "low <= mid <= high, got low 0.02");
    test::require_scenario_error(
        [] { (void)parse_scenario(shop("10ms", "{low: 80, mid: 100, high: 150, confidence: 1.5}")); },
        "workload.open.rate.confidence", "in (0, 1) (0.9 or 90%), got '1.5'");
    test::require_scenario_error([] { (void)parse_scenario(shop("{low: 0, mid: 10ms, high: 20ms}")); },
                                 "endpoints.orders.phases[0].cpu.mean", "needs low > 0");
    test::require_scenario_error([] { (void)parse_scenario(shop("{low: fast, mid: 10ms, high: 20ms}")); },
                                 "endpoints.orders.phases[0].cpu.mean.low", "got 'fast'");
    test::require_scenario_error(
        [] { (void)parse_scenario(shop("10ms", "100", "{low: 1, mid: 2, high: 3}")); }, "servers.web.kind",
        "only rates and distribution parameters take a range");
    test::require_scenario_error(
        [] { (void)parse_scenario(shop("10ms") + "run: {duration: {low: 1s, mid: 2s, high: 3s}}\n"); },
        "run.duration", "only rates and distribution parameters take a range");
  }
  SECTION("a range on an integer field is rejected when checked for sampling") {
    const std::string text = shop("10ms");
    const Scenario s = parse_scenario(text.substr(0, text.find("workers: 4")) + "workers: {low: 2, mid: 4, high: 8}" +
                                      text.substr(text.find("workers: 4") + 10));
    test::require_scenario_error([&] { check_ranges(s); }, "servers.web.workers", "has values this field rejects");
  }
}

TEST_CASE("range_value is a split lognormal with median mid and central mass confidence", "[plan][uncertainty]") {
  const UncertainInput in{"x", 5.0, 10.0, 20.0, 0.9};
  // Expectation: z = 0 is the median; z = +/-z(0.95) = 1.6449 reach high and low exactly.
  CHECK(normal_quantile(0.95) == Approx(1.6448536).epsilon(1e-7));
  CHECK(range_value(in, 0.0) == 10.0);
  CHECK(range_value(in, normal_quantile(0.95)) == Approx(20.0).epsilon(1e-9));
  CHECK(range_value(in, -normal_quantile(0.95)) == Approx(5.0).epsilon(1e-9));
  CHECK(range_value(UncertainInput{"x", 3.0, 3.0, 3.0, 0.9}, 1.7) == 3.0);

  SECTION("a Latin hypercube of 200 draws puts 90 % of them in [low, high], half below mid") {
    const auto draws = draw_inputs({in}, 200, 7);
    int inside = 0;
    int below = 0;
    for (const auto& d : draws) {
      inside += d[0] >= 5.0 && d[0] <= 20.0 ? 1 : 0;
      below += d[0] < 10.0 ? 1 : 0;
    }
    // One draw per stratum of width 1/200: the counts are exact to one draw.
    CHECK(std::abs(inside - 180) <= 1);
    CHECK(std::abs(below - 100) <= 1);
    CHECK(draw_inputs({in}, 200, 7) == draws);  // same seed, same draws
    CHECK(draw_inputs({in}, 200, 8) != draws);
  }
}

}  // namespace
}  // namespace servesim
