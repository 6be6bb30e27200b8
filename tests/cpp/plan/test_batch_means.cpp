// Tests for plan/batch_means.hpp: intervals for one run's measures from batch
// means over its time series, checked for coverage against M/M/1's closed
// forms, and reported by plan() for a winner its short replications confirmed.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "plan/batch_means.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/plan.hpp"
#include "servesim/sim/simulate.hpp"

using namespace servesim;

namespace {

bool covers(const ConfidenceInterval& ci, double exact) { return ci.lower() <= exact && exact <= ci.upper(); }

}  // namespace

TEST_CASE("batch means within one run cover M/M/1's closed forms at their stated level", "[plan][batch_means]") {
  // M/M/1, mu = 100/s, lambda = 80/s (rho = 0.8, where neighbouring batches
  // correlate most of the loads plan() confirms): the response time is
  // exponential with rate mu - lambda = 20/s, so mean 50 ms and p50 = ln 2 / 20
  // (Kleinrock 1975, 3.2), and the throughput is lambda. 2,000 s runs: 100
  // intervals of 20 s, 1,600 completions each, 18 batches of 5 after the 10 %
  // warm-up.
  const Scenario s = parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 80}}\nrun: {duration: 2000s, warmup: 200s, seed: 11}\n");
  constexpr int kRuns = 40;
  SimulationOptions options;
  options.replications = kRuns;
  Result all = simulate(s, options);
  // Each run's 95 % interval misses with probability 0.05 if honest: 2 misses
  // of 40 expected, 7 or more with probability 0.004 (binomial). An interval
  // too narrow by a third (true coverage about 80 %) misses 8 on average.
  const double exact_mean = 1.0 / 20.0, exact_p50 = std::log(2.0) / 20.0;
  int mean = 0, p50 = 0, throughput = 0;
  double mean_half = 0.0;
  for (ReplicationResult& rep : all.replications) {
    const CandidateMetrics m = detail::batch_metrics(summarize(all.scenario, all.seed, {rep}));
    REQUIRE(m.batches == 18);
    REQUIRE(m.mean.samples == 18);
    mean += covers(m.mean, exact_mean);
    p50 += covers(m.p50, exact_p50);
    throughput += covers(m.throughput, 80.0);
    mean_half += m.mean.half_width / kRuns;
    // Tail quantiles: averaging the intervals' covered the exact p99 in 30 of 40 runs; none is claimed.
    CHECK(m.p99.half_width == 0.0);
    CHECK(m.p99.samples == 1);
  }
  INFO("covered of " << kRuns << ": mean " << mean << ", p50 " << p50 << ", throughput " << throughput
                     << "; mean half-width of the mean " << mean_half * 1e3 << " ms");
  CHECK(mean >= kRuns - 6);
  CHECK(p50 >= kRuns - 6);
  CHECK(throughput >= kRuns - 6);
  // Not trivially wide: the run's mean is known to a few percent.
  CHECK(mean_half < 0.1 * exact_mean);
}

TEST_CASE("batch means claim no interval the time series cannot support", "[plan][batch_means]") {
  // 60 s at 80 req/s: 48 completions per 0.6 s interval, 24 beyond the
  // median (kMinTailSamples is 10); 10 s at 8 req/s: 8 per 0.1 s interval, 4.
  const Scenario s = parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 80}}\nrun: {duration: 60s, warmup: 6s, seed: 11}\n");
  const Result r = simulate(s);
  const CandidateMetrics m = detail::batch_metrics(r);
  CHECK(m.batches == 18);
  CHECK(m.p50.half_width > 0.0);
  CHECK(m.p50.value == r.latency.p50.value);
  CHECK(m.p99.half_width == 0.0);
  CHECK(m.p99.value == r.latency.p99.value);
  const CandidateMetrics few = detail::batch_metrics(simulate(parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 8}}\nrun: {duration: 10s, warmup: 1s, seed: 11}\n")));
  CHECK(few.throughput.half_width > 0.0);
  CHECK(few.p50.half_width == 0.0);
  // Several replications: their own intervals stand.
  SimulationOptions three;
  three.replications = 3;
  CHECK(detail::batch_metrics(simulate(s, three)).batches == 0);
}

TEST_CASE("plan: a winner its short replications confirm reports batch-means intervals", "[plan][batch_means]") {
  // The pool of test_plan.cpp (capacity min(workers, cores) x 100 req/s, 10 ms
  // of exponential CPU) at 300 req/s: 8 cores and 8 workers carry it easily
  // (rho = 0.375), so its short replications confirm it, and its one run's
  // time series gives the intervals (180 completions per 0.6 s interval).
  const Scenario s = parse_scenario(R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 2, framework: none}
endpoints:
  work: {server: web, phases: [{cpu: {dist: exponential, mean: 10ms}}]}
workload:
  open: {rate: 100}
run: {duration: 60s, warmup: 6s, seed: 3}
plan:
  target: {rate: 300}
  slo: {p99: 100ms}
  space: {hosts.app.cores: [8], servers.web.workers: [8]}
  cost: {core: 1, worker: 0.1}
)");
  const PlanResult planned = plan(s);
  REQUIRE(planned.feasible);
  const PlanCandidate& c = planned.candidates[planned.chosen];
  REQUIRE(c.metrics);
  CHECK_THAT(c.reason, Catch::Matchers::Contains("confirmed by"));
  CHECK(c.metrics->replications == 1);
  CHECK(c.metrics->batches == 18);
  CHECK(c.metrics->mean.half_width > 0.0);
  CHECK(c.metrics->mean.samples == 18);
  CHECK(c.metrics->p50.half_width > 0.0);
  CHECK(c.metrics->p99.value == planned.result->latency.p99.value);
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("batch means"));
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("no interval for p99"));
}
