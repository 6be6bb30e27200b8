// Stalls on a host's cores (hosts.X.stalls): others' work that takes the core
// from a running thread. A CPU step of c seconds takes c + S, S the sum of
// Poisson(r c) stall lengths, r = share / ((1 - share) E[L]) (rules/stalls.hpp):
//   E[c + S] = c / (1 - share),  Var[S] = r c E[L^2].
// Checked on one request at a time (the distribution's atoms: no stall, one,
// two), on an M/G/1 queue (Pollaczek-Khinchine with that mean and variance),
// and through the parser, its messages and the JSON round trip.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "io/scenario_writer.hpp"
#include "servesim/analytic/estimate.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;
using servesim::test::check_quantile;
using servesim::test::require_error;
using servesim::test::with;

namespace {

constexpr double kRequestCpu = 0.005;    // seconds of CPU per request
constexpr double kShare = 0.1;    // of running-or-stalled time
constexpr double kLength = 0.002; // seconds per stall

// One sync worker on a one-core host with stalls; one cpu phase of kRequestCpu.
Scenario stalled_worker(Distribution length) {
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 1, 1), 200.0, 10.0, 4);
  s.run.seed = 31;
  s.hosts[0].stalls = Stalls{kShare, std::move(length)};
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::constant(kRequestCpu)}});
  s.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
  return s;
}

const std::string kStallsScenario = R"(
hosts:
  app: {cores: 1}
servers:
  web: {host: app}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  closed: {users: 1}
)";

}  // namespace

TEST_CASE("Stalls lengthen a lone request's CPU by share / (1 - share) on average", "[simulate][stalls]") {
  // 2 ms stalls at r = 0.1 / (0.9 x 2 ms) = 55.6 per running second: a 5 ms
  // step has none with probability e^-0.278 = 0.758, at most one 0.968, at
  // most two 0.997. So p50 = 5 ms, p90 = 7 ms, p99 = 9 ms exactly, and the
  // mean is 5 / 0.9 = 5.556 ms (SD 1.05 ms, 4 x 36,000 requests: SE 0.1 %).
  const Result r = simulate(stalled_worker(Distribution::constant(kLength)));
  check_estimate("mean latency", r.latency.mean, kRequestCpu / (1.0 - kShare), 0.002);
  check_quantile("p50", r.latency.p50, kRequestCpu);
  check_quantile("p90", r.latency.p90, kRequestCpu + kLength);
  check_quantile("p99", r.latency.p99, kRequestCpu + 2 * kLength);
  // The core does the others' work during a stall: busy the whole time.
  CHECK(r.hosts[0].cpu_utilization.value == Approx(1.0).epsilon(1e-6));

  SECTION("on a host twice as fast the step runs 2.5 ms, and stalls in proportion to that") {
    Scenario s = stalled_worker(Distribution::constant(kLength));
    s.hosts[0].speed = 2.0;
    const Result fast = simulate(s);
    check_estimate("mean latency", fast.latency.mean, kRequestCpu / 2.0 / (1.0 - kShare), 0.002);
    // P(no stall) = e^-0.139 = 0.870, P(at most one) = 0.991: p99 = 4.5 ms.
    check_quantile("p50", fast.latency.p50, kRequestCpu / 2.0);
    check_quantile("p99", fast.latency.p99, kRequestCpu / 2.0 + kLength);
  }
}

TEST_CASE("A sync worker on a stalled core is an M/G/1 queue with the stalls in its service", "[simulate][stalls]") {
  // Service S = c + stalls of exponential length (E[L^2] = 2 E[L]^2):
  // E[S] = c / (1 - share) = 5.556 ms, Var[S] = r c 2 E[L]^2 = 2.22e-6 s^2,
  // scv 0.072; Poisson arrivals at rho = 0.7. 8 x 1000 s, 880,000 requests.
  const double mean_service = kRequestCpu / (1.0 - kShare);
  const double rate = kShare / ((1.0 - kShare) * kLength);
  const double variance = rate * kRequestCpu * 2.0 * kLength * kLength;
  const double lambda = 0.7 / mean_service;
  Scenario s = test::with_run(test::sync_pool(1, 1, Distribution::constant(kRequestCpu), lambda), 1000.0, 50.0, 8);
  s.hosts[0].stalls = Stalls{kShare, Distribution::exponential(kLength)};
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean,
                 mg1_mean_response(lambda, mean_service, variance / (mean_service * mean_service)), 0.01);
  check_estimate("CPU utilization", r.hosts[0].cpu_utilization, 0.7, 0.01);

  // The analytic estimate takes the stalls' mean (not their variance):
  // saturation at (1 - share) / c = 180 req/s, the core 70 % busy.
  const Prediction e = estimate(s);
  CHECK(e.saturation_rate == Approx((1.0 - kShare) / kRequestCpu));
  CHECK(e.cpu_utilization == Approx(0.7));
}

TEST_CASE("A host without stalls draws none: share 0 changes nothing", "[simulate][stalls]") {
  Scenario plain = stalled_worker(Distribution::constant(kLength));
  plain.hosts[0].stalls = Stalls{};
  plain.endpoints[0].phases[0].duration = Distribution::exponential(kRequestCpu);
  Scenario zero = plain;
  zero.hosts[0].stalls.share = 0.0;
  zero.hosts[0].stalls.length = Distribution::exponential(0.010);
  CHECK(to_json(simulate(zero)) == to_json(simulate(plain)));
}

TEST_CASE("hosts.X.stalls parses, is checked with its path, and survives the JSON round trip", "[io][stalls]") {
  const Scenario s = parse_scenario(with(kStallsScenario, "{cores: 1}", "{cores: 1, stalls: {share: 0.02, length: 3ms}}"));
  CHECK(s.hosts[0].stalls.share == 0.02);
  CHECK(s.hosts[0].stalls.length.mean() == Approx(0.003));
  const Scenario exponential =
      parse_scenario(with(kStallsScenario, "{cores: 1}", "{stalls: {share: 0.05, length: {dist: exponential, mean: 2ms}}}"));
  CHECK(exponential.hosts[0].stalls.length.kind() == DistributionKind::exponential);
  // Left out, there are none; a share alone takes the default length.
  CHECK(parse_scenario(kStallsScenario).hosts[0].stalls.share == 0.0);
  CHECK(parse_scenario(with(kStallsScenario, "{cores: 1}", "{stalls: {share: 0.01}}")).hosts[0].stalls.length.mean() ==
        Approx(0.003));

  require_error(with(kStallsScenario, "{cores: 1}", "{stalls: {share: 1.5}}"), "hosts.app.stalls.share",
                "must be <= 0.9 (a thread stalled more than 90 % of the time is not running), got 1.5");
  require_error(with(kStallsScenario, "{cores: 1}", "{stalls: {share: -0.1}}"), "hosts.app.stalls.share", "got -0.1");
  require_error(with(kStallsScenario, "{cores: 1}", "{stalls: {share: 0.1, length: 0ms}}"), "hosts.app.stalls.length",
                "must be a mean > 0, got 0");
  require_error(with(kStallsScenario, "{cores: 1}", "{stalls: {share: 0.1, lenght: 3ms}}"), "hosts.app.stalls.lenght",
                "did you mean 'length'?");
  require_error(with(kStallsScenario, "{cores: 1}", "{stals: {share: 0.1}}"), "hosts.app.stals", "did you mean 'stalls'?");
  require_error(with(kStallsScenario, "{cores: 1}", "{stalls: 0.1}"), "hosts.app.stalls", "a map like {share: 0.02, length: 3ms}");

  Scenario stalled = stalled_worker(Distribution::exponential(kLength));
  stalled.run.duration = 30.0;
  stalled.run.warmup = 0.0;
  const Scenario back = parse_scenario(detail::scenario_to_json(stalled));
  CHECK(back.hosts[0].stalls.share == kShare);
  CHECK(to_json(simulate(back)) == to_json(simulate(stalled)));
}
