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
  // exponential with rate mu - lambda = 20/s, so mean 50 ms and the
  // q-quantile -ln(1 - q) / 20 (Kleinrock 1975, 3.2): p50 = ln 2 / 20,
  // p99 = ln 100 / 20; the throughput is lambda. 1,400 s runs: 100 intervals
  // of 14 s, 18 batches of 5 after the 10 % warm-up, 5,600 completions a
  // batch: 56 beyond its p99, near the fewest that earn an interval
  // (kMinTailSamples, 50), and 5.6 beyond its p999, which gets none.
  const Scenario s = parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 80}}\nrun: {duration: 1400s, warmup: 140s, seed: 11}\n");
  constexpr int kRuns = 40;
  SimulationOptions options;
  options.replications = kRuns;
  Result all = simulate(s, options);
  // Each run's 95 % interval misses with probability 0.05 if honest: 2 misses
  // of 40 expected, 7 or more with probability 0.004 (binomial), so a term
  // may miss up to 6 times: over its five terms the test fails an honest
  // method with probability under 0.02. An interval too narrow by a third
  // (true coverage about 80 %) misses 8 on average and is caught.
  const auto exact_quantile = [](double q) { return -std::log(1.0 - q) / 20.0; };
  struct Term {
    const char* name;
    ConfidenceInterval CandidateMetrics::*interval;
    double exact;
    int covered = 0;
    double relative_half_width = 0.0;  // mean over the runs
  };
  std::vector<Term> terms{{"throughput", &CandidateMetrics::throughput, 80.0},
                          {"mean", &CandidateMetrics::mean, 1.0 / 20.0},
                          {"p50", &CandidateMetrics::p50, exact_quantile(0.5)},
                          {"p90", &CandidateMetrics::p90, exact_quantile(0.9)},
                          {"p99", &CandidateMetrics::p99, exact_quantile(0.99)}};
  for (ReplicationResult& rep : all.replications) {
    REQUIRE(rep.latency_batches.size() == 18);
    const CandidateMetrics m = detail::batch_metrics(summarize(all.scenario, all.seed, {rep}));
    REQUIRE(m.batches == 18);
    for (Term& term : terms) {
      const ConfidenceInterval& ci = m.*term.interval;
      REQUIRE(ci.samples == 18);
      term.covered += covers(ci, term.exact);
      term.relative_half_width += ci.half_width / term.exact / kRuns;
    }
    CHECK(m.p999.half_width == 0.0);
  }
  for (const Term& term : terms) {
    INFO(term.name << ": covered in " << term.covered << " of " << kRuns << " runs, mean half-width "
                   << term.relative_half_width * 100.0 << " % of the exact value");
    CHECK(term.covered >= kRuns - 6);
    // Not trivially wide: even p99, from 56 observations beyond it a batch,
    // is known to a sixth.
    CHECK(term.relative_half_width < 0.17);
  }
}

TEST_CASE("batch means claim no interval the time series cannot support", "[plan][batch_means]") {
  // 200 s at 80 req/s: 18 batches of 10 s after the warm-up, 800
  // completions each: 400 beyond the median, 80 beyond p90, 8 beyond p99
  // (kMinTailSamples is 50); 10 s at 8 req/s: 4 completions a batch.
  const Scenario s = parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 80}}\nrun: {duration: 200s, warmup: 20s, seed: 11}\n");
  const Result r = simulate(s);
  const CandidateMetrics m = detail::batch_metrics(r);
  CHECK(m.batches == 18);
  CHECK(m.p50.half_width > 0.0);
  CHECK(m.p50.value == r.latency.p50.value);
  CHECK(m.p90.half_width > 0.0);
  CHECK(m.p90.value == r.latency.p90.value);
  CHECK(m.p99.half_width == 0.0);
  CHECK(m.p99.samples == 1);
  CHECK(m.p99.value == r.latency.p99.value);
  CHECK(m.p999.half_width == 0.0);
  const CandidateMetrics few = detail::batch_metrics(simulate(parse_scenario(
      "hosts: {app: {cores: 2}}\n"
      "servers: {web: {host: app, kind: gunicorn-sync, workers: 1, framework: none}}\n"
      "endpoints: {work: {phases: [{io: {dist: exponential, mean: 10ms}}]}}\n"
      "workload: {open: {rate: 8}}\nrun: {duration: 10s, warmup: 1s, seed: 11}\n")));
  CHECK(few.throughput.half_width > 0.0);
  CHECK(few.p50.half_width == 0.0);
  // A run stopped before its last batch closed: no quantile interval.
  Result cut = r;
  cut.replications.front().latency_batches.pop_back();
  CHECK(detail::batch_metrics(cut).p90.half_width == 0.0);
  // Several replications: their own intervals stand.
  SimulationOptions three;
  three.replications = 3;
  CHECK(detail::batch_metrics(simulate(s, three)).batches == 0);
}

TEST_CASE("plan: a winner its short replications confirm reports batch-means intervals", "[plan][batch_means]") {
  // The pool of test_plan.cpp (capacity min(workers, cores) x 100 req/s, 10 ms
  // of exponential CPU) at 300 req/s: 8 cores and 8 workers carry it easily
  // (rho = 0.375), so its short replications confirm it, and its one run's
  // batches give the intervals: 400 s, 18 batches of 20 s, 6,000
  // completions each, 60 beyond p99 but 6 beyond p999 (kMinTailSamples is 50).
  const Scenario s = parse_scenario(R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 2, framework: none}
endpoints:
  work: {server: web, phases: [{cpu: {dist: exponential, mean: 10ms}}]}
workload:
  open: {rate: 100}
run: {duration: 400s, warmup: 40s, seed: 3}
plan:
  target: {rate: 300}
  slo: {p99: 100ms, p999: 200ms}
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
  CHECK(c.metrics->p99.half_width > 0.0);
  CHECK(c.metrics->p99.samples == 18);
  CHECK(c.metrics->p99.value == planned.result->latency.p99.value);
  CHECK(c.metrics->p999.half_width == 0.0);
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("batch means"));
  CHECK_THAT(planned.explanation, Catch::Matchers::Contains("no interval for p999: a batch holds fewer than 50"));
}

