// The native engine against closed-form queueing results. Each SECTION names
// the model, the exact value's source, and the run length behind its
// tolerance (see support/tolerance.hpp).

#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/analytic/mva.hpp"
#include "servesim/analytic/processor_sharing.hpp"
#include "servesim/errors.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/scenarios.hpp"
#include "support/thread_counts.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;
using servesim::test::simulate_on_one_and_three_threads;
using servesim::test::sync_pool;
using servesim::test::with_run;

namespace {

constexpr double kMeanService = 0.010;  // seconds

ConfidenceInterval little_gap(const Result& r) {
  std::vector<double> gaps;
  for (const auto& rep : r.replications) gaps.push_back(rep.little.relative_error());
  return mean_ci(gaps);
}

// Little's law holds exactly for any stable run, up to the requests in flight
// at the window's edges: with millions of requests that is far below 1 %.
void check_little(const Result& r) {
  INFO("Little's law: L = " << r.little.mean_in_system << ", lambda W = "
                            << r.little.throughput * r.little.mean_response);
  CHECK(little_gap(r).value < 0.01);
}

}  // namespace

TEST_CASE("M/M/c sync pools match Erlang C", "[simulate][accuracy][long]") {
  // Exact: mean response E[T] = C(c, a) / (c mu - lambda) + 1/mu and
  // P(wait) = C(c, a) (Erlang C; Kleinrock, Queueing Systems I, 3.5).
  // Cores = workers, so the CPU never shares a core: a pure M/M/c.
  // Run length: 8 replications of 4000 s (1.3-3 M requests in all). Near
  // saturation the output is strongly autocorrelated (relaxation time grows
  // as 1/(1-rho)^2), so rho = 0.95 gets a longer run and a looser SE bound.
  struct Case {
    int c;
    double rho;
    double duration;
    double max_se;
  };
  const Case cases[] = {{1, 0.5, 4000, 0.01},  {1, 0.8, 4000, 0.02},  {2, 0.8, 4000, 0.02},
                        {4, 0.7, 4000, 0.01},  {8, 0.9, 4000, 0.02},  {2, 0.95, 20000, 0.04},
                        {16, 0.95, 4000, 0.04}};
  for (const Case& k : cases) {
    const double mu = 1.0 / kMeanService;
    const double lambda = k.rho * k.c * mu;
    DYNAMIC_SECTION("c=" << k.c << " rho=" << k.rho) {
      const MmcMetrics exact = mmc(lambda, mu, k.c);
      const Scenario s = with_run(
          sync_pool(k.c, k.c, Distribution::exponential(kMeanService), lambda), k.duration,
          k.duration / 20, 8);
      const Result r = simulate(s);
      check_estimate("mean response", r.latency.mean, exact.mean_response, k.max_se);
      // Exact p99 of the M/M/c FCFS response time (mixture of the service and
      // the conditional wait, Gross & Harris 2.3); the histogram adds at most
      // its relative error.
      const double p99 = mmc_response_quantile(lambda, mu, k.c, 0.99);
      check_estimate("p99 response", r.latency.p99, p99, 2 * k.max_se,
                     p99 * LatencyHistogram::relative_error());
      check_estimate("P(wait)", r.servers[0].queued_fraction, exact.wait_probability, k.max_se);
      check_estimate("worker utilization", r.servers[0].worker_busy_fraction, k.rho, 0.01);
      check_little(r);
      CHECK(r.errors.total() == 0);
    }
  }
}

TEST_CASE("A full backlog refuses connections as M/M/c/K predicts", "[simulate][accuracy][long]") {
  // Exact: M/M/c/K loss probability P(N = K) with K = workers + backlog
  // (Gross & Harris, Fundamentals of Queueing Theory, 2.5); PASTA makes it
  // the fraction of arrivals refused. Overloaded (rho = 1.25) so losses are
  // frequent. Run: 8 x 2000 s, about 4 M arrivals.
  const int workers = 2;
  const int backlog = 6;
  const double mu = 1.0 / kMeanService;
  const double lambda = 1.25 * workers * mu;
  const MmckMetrics exact = mmck(lambda, mu, workers, workers + backlog);
  Scenario s = with_run(sync_pool(workers, 4, Distribution::exponential(kMeanService), lambda),
                        2000, 50, 8);
  s.servers[0].backlog = backlog;
  const Result r = simulate(s);

  std::vector<double> loss;
  for (const auto& rep : r.replications) {
    loss.push_back(static_cast<double>(rep.errors.refused) / static_cast<double>(rep.arrivals));
  }
  check_estimate("loss probability", mean_ci(loss), exact.loss_probability, 0.01);
  check_estimate("mean response of accepted", r.latency.mean, exact.mean_response, 0.01);
  check_estimate("throughput", r.throughput, exact.throughput, 0.005);
  check_little(r);
}

TEST_CASE("CPU phases share cores by processor sharing", "[simulate][accuracy][long]") {
  // Workers (64) far outnumber cores, so every request is admitted at once
  // and the host's cores are shared: the number in system is the M/M/c birth-
  // death process of a c-core PS server. P(more than 64 in system) < 1e-9
  // at these loads, so the worker limit does not matter.
  const double mu = 1.0 / kMeanService;
  SECTION("one core, exponential work: M/M/1-PS") {
    // Exact: E[T] = E[S] / (1 - rho) (Kleinrock, Queueing Systems II, 4.4).
    const double lambda = 0.7 * mu;
    const Scenario s =
        with_run(sync_pool(64, 1, Distribution::exponential(kMeanService), lambda), 4000, 100, 8);
    const Result r = simulate(s);
    check_estimate("mean response", r.latency.mean, mg1_ps_mean_response(lambda, kMeanService), 0.01);
    check_estimate("cpu utilization", r.hosts[0].cpu_utilization, 0.7, 0.005);
    check_little(r);
  }
  SECTION("one core, constant work: M/D/1-PS has the same mean (insensitivity)") {
    // Exact: E[T] = E[S] / (1 - rho) for any work distribution under PS
    // (Kleinrock II, 4.4); FCFS would give the Pollaczek-Khinchine value instead.
    const double lambda = 0.7 * mu;
    const Scenario s =
        with_run(sync_pool(64, 1, Distribution::constant(kMeanService), lambda), 4000, 100, 8);
    const Result r = simulate(s);
    check_estimate("mean response", r.latency.mean, mg1_ps_mean_response(lambda, kMeanService), 0.01);
    check_little(r);
  }
  SECTION("four cores, exponential work: M/M/4 mean response") {
    // Exact: with n jobs on c cores the service rate is min(n, c) mu, the
    // M/M/c birth-death chain, so E[T] is the M/M/c value.
    const double lambda = 0.85 * 4 * mu;
    const Scenario s =
        with_run(sync_pool(64, 4, Distribution::exponential(kMeanService), lambda), 4000, 100, 8);
    const Result r = simulate(s);
    check_estimate("mean response", r.latency.mean, mgc_ps_mean_response(lambda, kMeanService, 4), 0.01);
    check_estimate("cpu utilization", r.hosts[0].cpu_utilization, 0.85, 0.005);
    check_little(r);
  }
  SECTION("a host at half speed doubles every CPU time") {
    // Exact: speed 0.5 makes the mean work 20 ms: M/M/1-PS with E[S] = 20 ms.
    const double lambda = 0.6 / (2 * kMeanService);
    Scenario s =
        with_run(sync_pool(64, 1, Distribution::exponential(kMeanService), lambda), 4000, 100, 8);
    s.hosts[0].speed = 0.5;
    const Result r = simulate(s);
    check_estimate("mean response", r.latency.mean, mg1_ps_mean_response(lambda, 2 * kMeanService), 0.01);
  }
}

TEST_CASE("One sync worker is an M/G/1 FCFS queue", "[simulate][accuracy][long]") {
  // Exact: Pollaczek-Khinchine, E[W] = lambda E[S^2] / (2 (1 - rho)),
  // E[T] = E[W] + E[S] (Kleinrock I, 5.7). Run: 8 x 4000 s at rho = 0.8,
  // 2.6 M requests; high-variance service needs the looser SE bound.
  const double lambda = 0.8 / kMeanService;
  struct Case {
    const char* name;
    Distribution work;
    double max_se;
  };
  const Case cases[] = {
      {"M/D/1", Distribution::constant(kMeanService), 0.01},
      {"M/Gamma(cv 0.5)/1", Distribution::gamma(kMeanService, 0.5), 0.01},
      {"M/H2(cv 2)/1", Distribution::hyperexponential(kMeanService, 2.0), 0.03},
      {"M/Lognormal(cv 1.5)/1", Distribution::lognormal(kMeanService, 1.5), 0.03},
  };
  for (const Case& k : cases) {
    DYNAMIC_SECTION(k.name) {
      const Scenario s = with_run(sync_pool(1, 2, k.work, lambda), 4000, 200, 8);
      const Result r = simulate(s);
      const double exact = mg1_mean_response(lambda, kMeanService, k.work.cv() * k.work.cv());
      check_estimate("mean response", r.latency.mean, exact, k.max_se);
      check_little(r);
    }
  }
}

TEST_CASE("Closed workloads match exact MVA", "[simulate][accuracy][long]") {
  // Exact: Mean Value Analysis of a closed network with a c-server station
  // (the worker pool, exponential service, cores = workers) and a delay
  // station (think time) (Reiser & Lavenberg, 1980; load-dependent form).
  // Run: 8 x 2000 s.
  struct Case {
    int users;
    int workers;
    double think;
  };
  const Case cases[] = {{20, 4, 0.1}, {10, 2, 0.0}, {50, 4, 0.05}, {3, 4, 0.02}};
  for (const Case& k : cases) {
    DYNAMIC_SECTION(k.users << " users, " << k.workers << " workers, think " << k.think) {
      Scenario s = with_run(
          sync_pool(k.workers, k.workers, Distribution::exponential(kMeanService), 1.0), 2000, 50, 8);
      s.workload.open.reset();
      s.workload.closed = ClosedWorkload{
          k.users, k.think > 0 ? Distribution::exponential(k.think) : Distribution::constant(0.0)};
      const MvaStation stations[] = {
          {"workers", MvaStation::Kind::multi_server, kMeanService, k.workers}};
      const MvaResult exact = mva_exact(stations, k.users, k.think);
      const Result r = simulate(s);
      check_estimate("throughput", r.throughput, exact.throughput, 0.005);
      check_estimate("mean response", r.latency.mean, exact.response_time, 0.01);
      check_little(r);
    }
  }
}

TEST_CASE("Client timeouts count the responses slower than the timeout", "[simulate][accuracy]") {
  // A timeout does not change what the server does, so the fraction of
  // timed-out requests is P(T > tau); for M/M/1, T is exponential with rate
  // mu - lambda: P(T > tau) = exp(-(mu - lambda) tau) (Kleinrock I, 3.2).
  // Run: 8 x 2000 s at 80 req/s, 1.3 M requests, about 20 % timed out.
  const double mu = 1.0 / kMeanService;
  const double lambda = 0.8 * mu;
  const double tau = 0.08;
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(kMeanService), lambda), 2000, 20, 8);
  s.workload.client_timeout = tau;
  const Result r = simulate(s);
  std::vector<double> fraction;
  for (const auto& rep : r.replications) {
    fraction.push_back(static_cast<double>(rep.errors.client_timeout) /
                       static_cast<double>(rep.completed + rep.errors.client_timeout));
  }
  check_estimate("timed-out fraction", mean_ci(fraction), std::exp(-(mu - lambda) * tau), 0.02);
  CHECK(r.errors.refused == 0);
  CHECK(r.latency.max <= tau * (1 + LatencyHistogram::relative_error()));
}

TEST_CASE("Same seed, same result, on any thread count", "[simulate]") {
  const Scenario s =
      with_run(sync_pool(2, 4, Distribution::lognormal(kMeanService, 1.2), 150), 200, 10, 4);
  const auto [a, b] = simulate_on_one_and_three_threads(s);
  REQUIRE(a.replications.size() == 4);
  for (std::size_t i = 0; i < a.replications.size(); ++i) {
    CHECK(a.replications[i].completed == b.replications[i].completed);
    CHECK(a.replications[i].latency.mean == b.replications[i].latency.mean);
    CHECK(a.replications[i].latency.p99 == b.replications[i].latency.p99);
  }
  SimulationOptions other_seed;
  other_seed.seed = 12345;
  const Result c = simulate(s, other_seed);
  CHECK(c.replications[0].latency.mean != a.replications[0].latency.mean);
  // Replications are independent streams, not copies of each other.
  CHECK(a.replications[0].latency.mean != a.replications[1].latency.mean);
}

TEST_CASE("MSER-5 warm-up discards the start of an overloaded-then-stable run", "[simulate]") {
  // The run starts empty; MSER-5 must choose a truncation inside the first
  // half, and the estimate it leaves must still match Erlang C.
  const double mu = 1.0 / kMeanService;
  Scenario s = with_run(sync_pool(2, 2, Distribution::exponential(kMeanService), 1.6 * mu), 1000, 0, 8);
  s.run.warmup_mode = WarmupMode::mser5;
  const Result r = simulate(s);
  for (const auto& rep : r.replications) {
    CHECK(rep.warmup >= 0.0);
    CHECK(rep.warmup <= 0.5 * s.run.duration);
    CHECK(rep.measured_duration == Approx(s.run.duration - rep.warmup));
  }
  check_estimate("mean response", r.latency.mean, mmc(1.6 * mu, mu, 2).mean_response, 0.03);
}

TEST_CASE("Overload is a result: refused connections, bounded memory", "[simulate]") {
  // Offered load 3x capacity: the backlog fills and stays full, so throughput
  // is the capacity (workers / E[S]) and the excess is refused.
  const double mu = 1.0 / kMeanService;
  Scenario s = with_run(sync_pool(2, 2, Distribution::exponential(kMeanService), 6 * mu), 200, 20, 2);
  const Result r = simulate(s);
  CHECK(r.throughput.value == Approx(2 * mu).epsilon(0.02));
  CHECK(r.errors.refused > 0);
  CHECK(r.error_rate == Approx(2.0 / 3.0).epsilon(0.03));
  CHECK(r.servers[0].mean_queue_length.value == Approx(2048).epsilon(0.01));
}

TEST_CASE("simulate rejects an invalid scenario with the field's path", "[simulate]") {
  Scenario s = sync_pool(0, 1, Distribution::exponential(kMeanService), 10);
  REQUIRE_THROWS_AS(simulate(s), ScenarioError);
  REQUIRE_THROWS_WITH(simulate(s), Catch::Contains("servers.web.workers"));
}

TEST_CASE("Progress rises to 1 and a throwing callback cancels the run", "[simulate]") {
  const Scenario s =
      with_run(sync_pool(2, 2, Distribution::exponential(kMeanService), 100), 100, 5, 4);
  SECTION("every report is in (0, 1], non-decreasing, and the last is 1") {
    std::vector<double> seen;
    SimulationOptions options;
    options.threads = 2;
    options.on_progress = [&](double fraction) { seen.push_back(fraction); };
    (void)simulate(s, options);
    REQUIRE(seen.size() >= 400U);  // an interval end per 1 % of each of 4 replications
    CHECK(std::is_sorted(seen.begin(), seen.end()));
    CHECK(seen.front() > 0.0);
    CHECK(seen.back() == Approx(1.0));
  }
  SECTION("MSER-5's pilot runs count as half of the work") {
    Scenario auto_warmup = s;
    auto_warmup.run.warmup_mode = WarmupMode::mser5;
    double last = 0.0;
    bool passed_half = false;
    SimulationOptions options;
    options.threads = 1;
    options.on_progress = [&](double fraction) {
      passed_half = passed_half || (last < 0.5 && fraction >= 0.5);
      last = fraction;
    };
    (void)simulate(auto_warmup, options);
    CHECK(passed_half);
    CHECK(last == Approx(1.0));
  }
  SECTION("an exception from the callback stops every replication and propagates") {
    // A run that would take minutes is abandoned at the first report.
    const Scenario huge = with_run(s, 1e7, 0, 4);
    SimulationOptions options;
    options.threads = 2;
    int calls = 0;
    options.on_progress = [&](double) {
      ++calls;
      throw std::runtime_error("cancelled by the user");
    };
    CHECK_THROWS_WITH(simulate(huge, options), "cancelled by the user");
    CHECK(calls <= 2);  // one report per thread at most: the others stop on their own
  }
}

TEST_CASE("Constant arrivals: D/M/1 matches the G/M/1 root", "[simulate][accuracy][long]") {
  // Exact (G/M/1, Kleinrock I, 6.4): with arrivals exactly a = 1/lambda apart
  // and exponential service at rate mu, sigma solves sigma = exp(-mu a (1 - sigma))
  // and E[T] = 1 / (mu (1 - sigma)). Run: 8 x 2000 s at 80 req/s, 1.3 M requests.
  const double mu = 1.0 / kMeanService;
  const double lambda = 0.8 * mu;
  double sigma = 0.5;
  for (int i = 0; i < 200; ++i) sigma = std::exp(-mu / lambda * (1.0 - sigma));
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(kMeanService), lambda), 2000, 50, 8);
  s.workload.open->arrivals = ArrivalProcess::constant;
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean, 1.0 / (mu * (1.0 - sigma)), 0.01);
  check_estimate("throughput", r.throughput, lambda, 0.001);
  check_little(r);
}

TEST_CASE("Framework overhead, cpu and io phases add up to an M/G/1 service", "[simulate][accuracy][long]") {
  // One worker: the request's service time is overhead (constant 1 ms) +
  // cpu (exponential 4 ms) + io (exponential 5 ms): mean 10 ms, variance
  // 4^2 + 5^2 = 41 ms^2, so SCV = 0.41; Pollaczek-Khinchine gives E[T].
  // Only overhead and cpu use the core: utilization = lambda * 5 ms.
  // Run: 8 x 2000 s at 70 req/s, 1.1 M requests.
  const double lambda = 70.0;
  Scenario s = with_run(sync_pool(1, 1, Distribution::exponential(0.004), lambda), 2000, 50, 8);
  s.servers[0].framework_overhead = Distribution::constant(0.001);
  s.endpoints[0].phases.push_back(Phase{PhaseKind::io, Distribution::exponential(0.005)});
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean, mg1_mean_response(lambda, 0.010, 0.41), 0.01);
  check_estimate("cpu utilization", r.hosts[0].cpu_utilization, lambda * 0.005, 0.005);
  check_estimate("worker busy", r.servers[0].worker_busy_fraction, lambda * 0.010, 0.005);
  check_little(r);
}

TEST_CASE("A weighted mix splits traffic and shares one FCFS queue", "[simulate][accuracy][long]") {
  // Endpoints a (constant 5 ms) and b (constant 20 ms), weights 3 : 1, on one
  // worker: an M/G/1 queue whose service is the mixture, E[S] = 8.75 ms,
  // E[S^2] = (3 * 25 + 400) / 4 ms^2. FCFS makes the wait the same for both,
  // so E[T_a] = E[W] + 5 ms and E[T_b] = E[W] + 20 ms (PK, Kleinrock I, 5.7);
  // the split follows the weights. Run: 8 x 2000 s at 80 req/s.
  const double lambda = 80.0;
  Scenario s = with_run(sync_pool(1, 1, Distribution::constant(0.005), lambda), 2000, 50, 8);
  s.endpoints[0].name = "a";
  s.endpoints.push_back(Endpoint{"b", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.020)}}});
  s.workload.mix = {MixEntry{"a", 3.0}, MixEntry{"b", 1.0}};
  const double mean = 0.00875;
  const double second_moment = (3 * 25e-6 + 400e-6) / 4;
  const double wait = mg1_mean_wait(lambda, mean, second_moment / (mean * mean) - 1.0);
  const Result r = simulate(s);
  REQUIRE(r.endpoints.size() == 2);
  check_estimate("a throughput", r.endpoints[0].throughput, 0.75 * lambda, 0.005);
  check_estimate("b throughput", r.endpoints[1].throughput, 0.25 * lambda, 0.005);
  check_estimate("a mean response", r.endpoints[0].latency.mean, wait + 0.005, 0.01);
  check_estimate("b mean response", r.endpoints[1].latency.mean, wait + 0.020, 0.01);
  check_little(r);
}
