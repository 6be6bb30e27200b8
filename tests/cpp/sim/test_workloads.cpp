// Realistic load in the native engine (rate profiles, bursts, traces,
// retries with backoff, SLO goodput, the time series) against results known
// independently: closed-form queueing models, the definitions of the
// arrival processes, and counts that follow exactly from a schedule.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <numbers>
#include <string>
#include <vector>
#include <unistd.h>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "rules/interval_histogram.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;
using servesim::test::sync_pool;
using servesim::test::with_run;

namespace {

constexpr double kService = 0.010;  // seconds

// An open workload whose rate follows `profile`.
Scenario profiled(int workers, Distribution work, RateProfile profile, double duration, double interval) {
  Scenario s = with_run(sync_pool(workers, workers, std::move(work), 1.0), duration, 0.0, 1);
  s.workload.open->profile = std::move(profile);
  s.run.interval = interval;
  return s;
}

// Sum over replications of the arrivals in each interval.
std::vector<double> arrivals_per_interval(const Result& r) {
  std::vector<double> counts(r.replications.front().timeline.size(), 0.0);
  for (const ReplicationResult& rep : r.replications) {
    for (std::size_t i = 0; i < counts.size(); ++i) counts[i] += static_cast<double>(rep.timeline[i].arrivals);
  }
  return counts;
}

// Attempts sent per second of measured time, per replication.
ConfidenceInterval attempt_rate(const Result& r) {
  std::vector<double> rates;
  for (const ReplicationResult& rep : r.replications) {
    rates.push_back(static_cast<double>(rep.arrivals) / rep.measured_duration);
  }
  return mean_ci(rates);
}

}  // namespace

TEST_CASE("A ramp finds the knee at the pool's saturation rate c / S", "[simulate][workloads]") {
  // 4 sync workers, 10 ms exponential work: the pool completes at most
  // c / S = 400 req/s. The rate ramps from 0 to 800 req/s over 200 s
  // (k = 4 req/s per second), so it crosses 400 at t* = 100 s. Below it the
  // queue is an M/M/4 one (at rho = 0.9 the mean queue is 7.1, Erlang C);
  // past it the queue grows like the fluid k (t - t*)^2 / 2, which reaches
  // 50 at t* + 5 s, i.e. at 420 req/s. So the first 1 s interval with a
  // mean queue above 50 lies between 0.9 and 1.1 times c / S; a wrong
  // capacity would put it elsewhere. After the knee the pool completes c / S.
  const double capacity = 4 / kService;
  RateProfile ramp;
  ramp.kind = RateProfileKind::ramp;
  ramp.from = 0.0;
  ramp.to = 2.0 * capacity;
  Scenario s = profiled(4, Distribution::exponential(kService), ramp, 200.0, 1.0);
  s.run.replications = 2;
  const Result r = simulate(s);
  for (const ReplicationResult& rep : r.replications) {
    const auto knee = std::find_if(rep.timeline.begin(), rep.timeline.end(),
                                   [](const IntervalStats& i) { return i.mean_queue_length[0] > 50.0; });
    REQUIRE(knee != rep.timeline.end());
    const double knee_rate = ramp.to * (knee->start + knee->end) / 2.0 / s.run.duration;
    INFO("queue explodes at " << knee_rate << " req/s; c / S = " << capacity);
    CHECK(knee_rate > 0.9 * capacity);
    CHECK(knee_rate < 1.1 * capacity);
    // The last 50 s: 20,000 completions at c / S, so 2 % is 3 standard deviations.
    double completed = 0.0;
    for (auto i = rep.timeline.end() - 50; i != rep.timeline.end(); ++i) completed += static_cast<double>(i->completed);
    CHECK(completed / 50.0 == Approx(capacity).epsilon(0.02));
    CHECK(rep.timeline.back().worker_busy_fraction[0] == Approx(1.0));
  }
}

TEST_CASE("Retries without backoff turn a timeout into a retry storm; backoff stops it", "[simulate][workloads]") {
  // 250 users think 1 s (exponential) between requests to 2 sync workers
  // doing 10 ms of work: c / S = 200 req/s, below the 250 the users would
  // send, so the pool is saturated and responses take about N / X - Z =
  // 0.25 s. Clients give up after tau = 0.4 s; the server still does the
  // work of an abandoned request (it stays in the queue).
  // - No retries: a user sends at most one request per think time plus
  //   tau, 250 / 1.4 = 179 req/s < 200, so the pool keeps up: goodput stays
  //   near c / S.
  // - 4 attempts, no backoff: once timeouts start, a user whose every
  //   attempt fails sends k = 4 attempts per cycle of k tau + Z = 2.6 s:
  //   N k / (k tau + Z) = 385 attempts per second > 200, so the queue of
  //   abandoned work only grows, every attempt fails, goodput is 0. The
  //   attempt rate is that renewal-reward value exactly.
  // - 4 attempts after 1, 2, 4 s: a failing user would send
  //   N k / (k tau + 7 + Z) = 100 attempts per second < 200, so the storm
  //   cannot sustain itself; the pool stays healthy.
  const int users = 250;
  const double tau = 0.4;
  const double think = 1.0;
  const double capacity = 2 / kService;
  Scenario s = with_run(sync_pool(2, 2, Distribution::exponential(kService), 1.0), 200, 50, 2);
  s.servers[0].backlog = 1'000'000;  // abandoned work queues; none is refused
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{users, Distribution::exponential(think)};
  s.workload.client_timeout = tau;
  s.workload.mix = {MixEntry{"work", 1.0, tau}};

  SECTION("no retries: the pool keeps up") {
    const Result r = simulate(s);
    CHECK(r.retries == 0);
    CHECK(r.goodput.value > 0.9 * capacity);
  }
  SECTION("no backoff: every attempt fails and users send N k / (k tau + Z) attempts per second") {
    s.workload.retries = RetryPolicy{4, 0.0, 2.0, 10.0, 0.0};
    const Result r = simulate(s);
    const double storm = users * 4 / (4 * tau + think);
    CHECK(attempt_rate(r).value == Approx(storm).epsilon(0.02));
    CHECK(r.goodput.value < 0.01 * capacity);
    CHECK(r.completed == 0);
    // Every request failed 4 times: 3 retries each.
    CHECK(static_cast<double>(r.retries) == Approx(3.0 * static_cast<double>(r.failed)).epsilon(0.01));
    CHECK(r.failure_rate == Approx(1.0));
  }
  SECTION("exponential backoff: the attempt rate stays at what the pool completes") {
    s.workload.retries = RetryPolicy{4, 1.0, 2.0, 10.0, 0.0};
    const Result r = simulate(s);
    CHECK(attempt_rate(r).value < 1.05 * capacity);
    CHECK(r.goodput.value > 0.85 * capacity);
    CHECK(r.failure_rate < 0.01);
  }
}

TEST_CASE("Open-workload retries are extra arrivals: k attempts per failed request", "[simulate][workloads]") {
  // 250 req/s at a pool that completes 200: the backlog fills and stays
  // full, so every attempt is answered after more than the 0.5 s timeout or
  // refused. Each request then fails on all of its k = 3 attempts, so the
  // pool is offered k x 250 = 750 attempts per second, 500 of them retries.
  Scenario s = with_run(sync_pool(2, 2, Distribution::constant(kService), 250.0), 120, 60, 2);
  s.workload.client_timeout = 0.5;
  s.workload.retries = RetryPolicy{3, 0.05, 2.0, 1.0, 0.5};
  const Result r = simulate(s);
  check_estimate("attempts per second", attempt_rate(r), 3 * 250.0, 0.01);
  CHECK(r.goodput.value == 0.0);
  for (const ReplicationResult& rep : r.replications) {
    // Retries due before the window opens are counted in it, so 2 per
    // failed request up to the requests in flight at the window's edges.
    CHECK(static_cast<double>(rep.retries) == Approx(2.0 * static_cast<double>(rep.failed)).epsilon(0.01));
    CHECK(static_cast<double>(rep.errors.total()) == Approx(static_cast<double>(rep.arrivals)).epsilon(0.01));
  }
}

TEST_CASE("Retries follow the backoff schedule, capped, and users think after the last", "[simulate][workloads]") {
  // One user, one worker busy for 1,000 s with its first request: every
  // later attempt waits in the backlog until the client gives up after
  // tau = 1 s. Attempts at the start of a cycle, after tau + 0.5 s, and after
  // 2 tau + 0.5 s + min(1 s, 0.75 s); the third fails at 3 tau + 1.25 s =
  // 4.25 s, then the user thinks 0 s. Over 30 s: cycles start at 0, 4.25,
  // ..., 25.5 (7 cycles, 21 attempts), and one more at 29.75, whose first
  // attempt is sent. The first request never answers in time, so all fail.
  Scenario s = with_run(sync_pool(1, 1, Distribution::constant(1000.0), 1.0), 30.0, 0.0, 1);
  s.servers[0].timeout = 0.0;
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
  s.workload.client_timeout = 1.0;
  s.workload.retries = RetryPolicy{3, 0.5, 2.0, 0.75, 0.0};
  const Result r = simulate(s);
  CHECK(r.replications[0].arrivals == 22);
  CHECK(r.retries == 14);
  CHECK(r.failed == 7);
  CHECK(r.errors.client_timeout == 21);
  CHECK(r.completed == 0);
  CHECK(r.error_rate == 1.0);
}

TEST_CASE("A trace replays its arrival times exactly", "[simulate][workloads]") {
  // The trace file holds 1,000 times, 17 of them after the 60 s run: exactly
  // 983 arrivals, each in the interval its time falls in.
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("servesim-test-trace-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<double> times;
  times.reserve(1000);
  for (int i = 0; i < 1000; ++i) times.push_back(std::pow(i / 999.0, 2.0) * 62.0);  // ever denser
  {
    std::ofstream file(dir / "arrivals.csv");
    file << "request,time\n" << std::setprecision(17);  // read back as the same doubles
    for (std::size_t i = 0; i < times.size(); ++i) file << i << ',' << times[i] << '\n';
  }
  const std::size_t sent = static_cast<std::size_t>(
      std::count_if(times.begin(), times.end(), [](double t) { return t <= 60.0; }));
  REQUIRE(sent == 983);
  std::ofstream(dir / "trace.yaml") << R"(
hosts: {app: {cores: 2}}
servers: {web: {host: app, workers: 2}}
endpoints: {work: {phases: [{cpu: 1ms}]}}
workload: {open: {trace: arrivals.csv}}
run: {duration: 60s, interval: 6s, replications: 2}
)";
  const Result r = simulate(load_scenario(dir / "trace.yaml"));
  for (const ReplicationResult& rep : r.replications) {
    CHECK(rep.arrivals == sent);
    for (const IntervalStats& interval : rep.timeline) {
      const auto expected = std::count_if(times.begin(), times.end(), [&](double t) {
        return t >= interval.start && (t < interval.end || (interval.end == 60.0 && t == 60.0));
      });
      CHECK(interval.arrivals == static_cast<std::uint64_t>(expected));
    }
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("Bursty arrivals reach the MMPP's long-run rate in the engine", "[simulate][workloads]") {
  // Expected: (rate * every + burst.rate * duration) / (every + duration)
  // = (20 * 9 + 200 * 1) / 10 = 38 req/s. Run: 8 x 2,000 s.
  Scenario s = with_run(sync_pool(8, 8, Distribution::constant(0.001), 20.0), 2000, 0, 8);
  s.workload.open->arrivals = ArrivalProcess::bursty;
  s.workload.open->burst = Burst{200.0, 1.0, 9.0};
  const Result r = simulate(s);
  check_estimate("arrival rate", attempt_rate(r), 38.0, 0.02);
  check_estimate("throughput", r.throughput, 38.0, 0.02);
}

TEST_CASE("A diurnal profile's arrivals per interval follow its sine", "[simulate][workloads]") {
  // Poisson arrivals at rate(t) = min + (max - min) (1 - cos(2 pi t / P)) / 2:
  // the counts in disjoint intervals are independent Poisson variables with
  // means the integral of rate(t) over each. Pearson's statistic over the
  // 24 intervals of one period, summed over 2 replications (48 cells), is
  // chi-square with 48 degrees of freedom: its 99.9 % quantile is 84.0.
  // The same counts tested against a flat rate of the same mean score far
  // higher, so the test can tell a sine from no profile.
  RateProfile diurnal;
  diurnal.kind = RateProfileKind::diurnal;
  diurnal.min = 20.0;
  diurnal.max = 200.0;
  diurnal.period = 240.0;
  Scenario s = profiled(4, Distribution::constant(0.001), diurnal, 240.0, 10.0);
  s.run.replications = 2;
  const Result r = simulate(s);
  auto integral = [&](double t) {
    const double w = 2.0 * std::numbers::pi / diurnal.period;
    return diurnal.min * t + (diurnal.max - diurnal.min) / 2.0 * (t - std::sin(w * t) / w);
  };
  double pearson = 0.0;
  double flat = 0.0;
  const double flat_mean = (diurnal.min + diurnal.max) / 2.0 * 10.0;
  for (const ReplicationResult& rep : r.replications) {
    REQUIRE(rep.timeline.size() == 24);
    for (const IntervalStats& interval : rep.timeline) {
      const double expected = integral(interval.end) - integral(interval.start);
      const double observed = static_cast<double>(interval.arrivals);
      pearson += (observed - expected) * (observed - expected) / expected;
      flat += (observed - flat_mean) * (observed - flat_mean) / flat_mean;
    }
  }
  INFO("Pearson chi-square " << pearson << " against the sine, " << flat << " against a flat rate");
  CHECK(pearson < 84.0);
  CHECK(flat > 10 * 84.0);
}

TEST_CASE("A step profile holds each step's rate", "[simulate][workloads]") {
  // Poisson counts per 50 s interval: 50, 200, 200, 0 and 100 req/s times
  // 50 s, each within 4 standard deviations (sqrt of the mean); a rate of 0
  // sends nothing at all.
  RateProfile steps;
  steps.kind = RateProfileKind::steps;
  steps.steps = {{0.0, 50.0}, {50.0, 200.0}, {150.0, 0.0}, {200.0, 100.0}};
  const Result r = simulate(profiled(4, Distribution::constant(0.001), steps, 250.0, 50.0));
  const std::vector<double> rates{50.0, 200.0, 200.0, 0.0, 100.0};
  const std::vector<double> counts = arrivals_per_interval(r);
  REQUIRE(counts.size() == rates.size());
  for (std::size_t i = 0; i < rates.size(); ++i) {
    const double expected = rates[i] * 50.0;
    INFO("interval " << i << ": " << counts[i] << " arrivals, expected " << expected);
    CHECK(std::abs(counts[i] - expected) <= 4.0 * std::sqrt(expected));
  }
  CHECK(counts[3] == 0.0);
}

TEST_CASE("Goodput counts responses within the SLO: the M/M/1 response-time tail", "[simulate][workloads][accuracy]") {
  // M/M/1 FCFS: the response time is exponential with rate mu - lambda, so
  // P(T <= slo) = 1 - exp(-(mu - lambda) slo) (Kleinrock I, 3.2). Two
  // endpoints share the queue at 40 req/s each; one has a 30 ms SLO, the
  // other none (every answer counts):
  // goodput = 40 (1 - exp(-0.6)) + 40 = 58.05 req/s.
  // Run: 8 x 2000 s, 1.3 M requests.
  const double mu = 1.0 / kService;
  const double lambda = 0.8 * mu;
  const double slo = 0.030;
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(kService), lambda), 2000, 20, 8);
  s.endpoints.push_back(Endpoint{"other", "web", s.endpoints[0].phases});
  s.workload.mix = {MixEntry{"work", 1.0, slo}, MixEntry{"other", 1.0, std::nullopt}};
  const Result r = simulate(s);
  const double within = 1.0 - std::exp(-(mu - lambda) * slo);
  check_estimate("goodput with an SLO", r.endpoints[0].goodput, lambda / 2 * within, 0.01);
  check_estimate("goodput without one", r.endpoints[1].goodput, lambda / 2, 0.01);
  check_estimate("overall goodput", r.goodput, lambda / 2 * (1.0 + within), 0.01);
  CHECK(r.endpoints[1].goodput.value == r.endpoints[1].throughput.value);
}

TEST_CASE("The time series: intervals end at multiples of the interval", "[simulate][workloads]") {
  // Ten additions of 0.1 s fall short of 1 s (0.9999999999999999): the run
  // has exactly 10 intervals, the last ending at the run's end, not 11 with a
  // sliver at the end.
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(kService), 50.0), 1.0, 0.0, 1);
  s.run.interval = 0.1;
  const std::vector<IntervalStats> timeline = simulate(s).replications.at(0).timeline;
  REQUIRE(timeline.size() == 10);
  for (std::size_t i = 0; i < timeline.size(); ++i) {
    CHECK(timeline[i].end - timeline[i].start == Approx(0.1).epsilon(1e-12));
  }
  CHECK(timeline.back().end == 1.0);
}

TEST_CASE("The time series: per-interval queues and utilizations", "[simulate][workloads]") {
  // M/M/1 at rho = 0.8 in 20 s intervals: the mean queue is
  // rho^2 / (1 - rho) = 3.2, the worker and the CPU are busy rho = 0.8.
  // Areas add up, so the intervals of the measured window average to the
  // run's own figures exactly. Run: 8 x 1,000 s.
  const double mu = 1.0 / kService;
  const double lambda = 0.8 * mu;
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(kService), lambda), 1000, 100, 8);
  s.run.interval = 20.0;
  const Result r = simulate(s);
  for (const ReplicationResult& rep : r.replications) {
    double queue = 0.0;
    double busy = 0.0;
    double cpu = 0.0;
    int measured = 0;
    for (const IntervalStats& interval : rep.timeline) {
      CHECK(interval.throughput == Approx(static_cast<double>(interval.completed) / 20.0));
      if (interval.start < 100.0) continue;
      queue += interval.mean_queue_length[0];
      busy += interval.worker_busy_fraction[0];
      cpu += interval.cpu_utilization[0];
      measured += 1;
    }
    REQUIRE(measured == 45);
    CHECK(queue / measured == Approx(rep.servers[0].mean_queue_length).epsilon(1e-9));
    CHECK(busy / measured == Approx(rep.servers[0].worker_busy_fraction).epsilon(1e-9));
    CHECK(cpu / measured == Approx(rep.hosts[0].cpu_utilization).epsilon(1e-9));
  }
  check_estimate("mean queue", r.servers[0].mean_queue_length, 0.8 * 0.8 / 0.2, 0.03);
  check_estimate("worker busy", r.servers[0].worker_busy_fraction, 0.8, 0.01);
  check_estimate("CPU", r.hosts[0].cpu_utilization, 0.8, 0.01);
}

TEST_CASE("The time series: per-interval latency quantiles", "[simulate][workloads]") {
  // 64 sync workers, requests that wait 50 ms (exponential) on I/O, at
  // 200 req/s: 10 busy workers on average and, by Erlang C, no wait for
  // one, so response times are independent exponential draws: p50 =
  // 50 ms ln 2 = 34.7 ms and p99 = 50 ms ln 100 = 230 ms. Each 10 s interval
  // holds about 2,000 of them, so its sample quantiles are nearly unbiased;
  // they are read from a histogram within 3.1 %. Run: 8 x 200 s.
  const double mean = 0.050;
  Scenario s = with_run(sync_pool(64, 1, Distribution::constant(0.0), 200.0), 200, 0, 8);
  s.endpoints[0].phases = {Phase{PhaseKind::io, Distribution::exponential(mean)}};
  s.run.interval = 10.0;
  const Result r = simulate(s);
  std::vector<double> p50;
  std::vector<double> p99;
  for (const ReplicationResult& rep : r.replications) {
    double sum50 = 0.0;
    double sum99 = 0.0;
    for (const IntervalStats& interval : rep.timeline) {
      sum50 += interval.p50;
      sum99 += interval.p99;
    }
    p50.push_back(sum50 / static_cast<double>(rep.timeline.size()));
    p99.push_back(sum99 / static_cast<double>(rep.timeline.size()));
  }
  const double bias = detail::IntervalHistogram::relative_error();
  check_estimate("mean interval p50", mean_ci(p50), mean * std::log(2.0), 0.01, bias * mean * std::log(2.0));
  check_estimate("mean interval p99", mean_ci(p99), mean * std::log(100.0), 0.01,
                 bias * mean * std::log(100.0));
  CHECK(r.servers[0].queued_fraction.value == 0.0);
}
