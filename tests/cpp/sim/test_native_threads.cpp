// Native code on several threads (`{cpu_nogil: {time, threads}}`): a job of
// k threads is k runnable threads of the host's processor sharing whose
// shares of the work end together. With k equal to the cores, every job
// splits the whole host evenly with the others: the host is one M/G/1-PS
// server c times as fast (Kleinrock), whatever the work's distribution.

#include <catch2/catch.hpp>

#include "servesim/analytic/processor_sharing.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "sim/shared_cpu.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::detail::SharedCpu;
using servesim::test::check_estimate;

TEST_CASE("A job of 4 threads takes 4 shares of the cores", "[shared_cpu][native_threads]") {
  // 4 cores. A: 0.4 s of work on 4 threads; B: 0.2 s on one, both at t = 0.
  // 5 threads on 4 cores run at 0.8 each: A's threads each need 0.1 s and end
  // at 0.125 s, when B has 0.1 s done; B alone then needs 0.1 s more: 0.225 s.
  SharedCpu cpu(4, 1.0);
  cpu.add(0.0, 1, 0.4, 4);
  cpu.add(0.0, 2, 0.2);
  CHECK(cpu.runnable() == 5);
  CHECK(cpu.next_completion() == Approx(0.125));
  CHECK(cpu.complete(0.125) == 1);
  CHECK(cpu.next_completion() == Approx(0.225));
  // Preempted at 0.175, B's remaining work is 0.05 s; put back, it ends at 0.225.
  CHECK(cpu.preempt(0.175, 2) == Approx(0.05));
  cpu.add(0.175, 2, 0.05);
  CHECK(cpu.complete(cpu.next_completion()) == 2);
  CHECK(cpu.busy_core_seconds(0.225) == Approx(0.6));
  SECTION("preempting a job of several threads returns the work of all of them") {
    SharedCpu two(2, 1.0);
    // 4 threads on 2 cores, 0.5 of a core each: at 0.25 s each has done
    // 0.125 of its 0.25, so 4 x 0.125 = 0.5 of the work is left.
    two.add(0.0, 7, 1.0, 4);
    CHECK(two.preempt(0.25, 7) == Approx(0.5));
  }
}

TEST_CASE("Poisson jobs of native code on as many threads as cores: M/G/1-PS", "[simulate][native_threads]") {
  // 4 cores, each request 40 ms of CPU (gamma, cv 1.5) on 4 threads: n jobs
  // share the host evenly, each at 4 / n cores, a PS server of 4 cores' speed.
  // lambda = 70/s: rho = 70 x 40 ms / 4 = 0.7, W = (40 ms / 4) / (1 - rho) =
  // 33.3 ms. 64 sync workers never run out (P(N > 64) = 0.7^65). 8 x 2,000 s:
  // 140,000 requests per replication, a standard error near 1 % of W.
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 64, 4), 2000.0, 100.0, 8);
  s.run.seed = 53;
  Phase native{PhaseKind::cpu_nogil, Distribution::gamma(0.040, 1.5)};
  native.threads = 4;
  test::add_endpoint(s, "predict", "web", {native});
  s.workload.open = OpenWorkload{70.0, ArrivalProcess::poisson};
  const Result r = simulate(s);
  const double exact = mg1_ps_mean_response(70.0, 0.040 / 4.0);
  check_estimate("mean latency", r.latency.mean, exact, 0.02);
  check_estimate("CPU utilization", r.hosts[0].cpu_utilization, 0.7, 0.01);
  SECTION("alone on idle cores a request takes its work / threads") {
    Scenario one = test::with_run(test::one_server(ServerKind::gunicorn_sync, 1, 4), 100.0, 0.0, 1);
    Phase fixed{PhaseKind::cpu_nogil, Distribution::constant(0.040)};
    fixed.threads = 4;
    test::add_endpoint(one, "predict", "web", {fixed});
    one.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
    CHECK(simulate(one).latency.mean.value == Approx(0.010));
  }
}

TEST_CASE("Native threads: time / min(k, C) alone, C / time saturated", "[simulate][native_threads]") {
  // 2 cores, 40 ms of native CPU (constant) on k = 4 threads: alone a
  // request runs its 4 threads at 2 / 4 of a core each, taking
  // 40 ms / min(4, 2) = 20 ms. 16 users without think time on 8 sync workers
  // keep both cores busy: 2 / 40 ms = 50 req/s whatever k, since threads
  // split the work but add no cores. Deterministic work: over 95 s only the
  // requests running at the window's edges (8 at most) blur the count, 0.2 %.
  const auto run = [](int threads, int users) {
    Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 8, 2), 100.0, 5.0, 1);
    Phase native{PhaseKind::cpu_nogil, Distribution::constant(0.040)};
    native.threads = threads;
    test::add_endpoint(s, "predict", "web", {native});
    s.workload.closed = ClosedWorkload{users, Distribution::constant(0.0)};
    return simulate(s);
  };
  CHECK(run(4, 1).latency.mean.value == Approx(0.020));
  CHECK(run(1, 1).latency.mean.value == Approx(0.040));
  for (int threads : {1, 4}) {
    INFO("threads " << threads);
    const Result saturated = run(threads, 16);
    CHECK(saturated.throughput.value == Approx(50.0).epsilon(0.005));
    CHECK(saturated.hosts[0].cpu_utilization.value == Approx(1.0).epsilon(0.001));
  }
}

TEST_CASE("cpu_nogil threads parse, write back and reject bad input by name", "[io][native_threads]") {
  const std::string base = R"(
hosts: {app: {cores: 4}}
servers: {web: {host: app, kind: uvicorn, framework: none}}
endpoints:
  predict: {server: web, phases: [{cpu_nogil: {time: 40ms, threads: 4}}, {cpu_nogil: {dist: exponential, mean: 1ms}}]}
workload: {open: {rate: 10}}
)";
  const Scenario s = parse_scenario(base);
  CHECK(s.endpoints[0].phases[0].threads == 4);
  CHECK(s.endpoints[0].phases[0].duration.mean() == Approx(0.040));
  CHECK(s.endpoints[0].phases[1].threads == 1);
  const Scenario one = parse_scenario(test::with(base, "threads: 4}", "}"));
  CHECK(one.endpoints[0].phases[0].threads == 1);  // {time: 40ms}: one thread
  CHECK(one.endpoints[0].phases[0].duration.mean() == Approx(0.040));
  test::require_error(test::with(base, "threads: 4", "threads: 0"), "endpoints.predict.phases[0].cpu_nogil.threads",
                      ">= 1, got 0");
  test::require_error(test::with(base, "threads: 4", "threads: 5000"), "endpoints.predict.phases[0].cpu_nogil.threads",
                      "must be an integer in [1, 1024], got 5000");
  test::require_error(test::with(base, "threads: 4}", "threads: 4, cores: 2}"),
                      "endpoints.predict.phases[0].cpu_nogil.cores", "unknown key");
}
