// Free-threaded CPython (python: free-threaded) in the native engine: a
// process without a GIL runs its threads' Python code on several cores, each
// piece (1 + slowdown) times as long. Checked against the saturation
// throughput of the bottleneck (cores / E[cpu (1 + slowdown)] without the
// GIL, 1 / E[cpu] with it), and an M/M/c queue for open arrivals.

#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::add_endpoint;
using servesim::test::check_estimate;
using servesim::test::with_run;

namespace {

constexpr double kPythonCpu = 0.010;  // seconds of Python per request on the standard build

Phase python_work() { return Phase{PhaseKind::cpu, Distribution::exponential(kPythonCpu)}; }

// One process of 4 threads (gthread) or a 4-thread pool (uvicorn, sync
// endpoint) on 4 cores; 16 users without think time keep every thread busy.
Scenario four_threads(ServerKind kind, PythonBuild python) {
  Scenario s = with_run(test::one_server(kind, 1, 4), 200.0, 10.0, 4);
  s.run.seed = 17;
  Server& server = s.servers[0];
  server.python = python;
  if (kind == ServerKind::gunicorn_gthread) server.threads = 4;
  if (kind == ServerKind::uvicorn) server.thread_pool = 4;
  add_endpoint(s, "work", "web", {python_work()}, EndpointStyle::sync);
  s.workload.closed = ClosedWorkload{16, Distribution::constant(0.0)};
  return s;
}

// A saturated closed loop completes bottleneck-rate requests per second; the
// exponential work makes each replication's count about Poisson, so 4 x 190 s
// at >= 100 req/s gives a standard error under 0.4 %, bounded at 1 %.
void check_throughput(const Result& r, double expected) {
  check_estimate("throughput", r.throughput, expected, 0.01);
}

}  // namespace

TEST_CASE("Free-threaded Python runs a process's threads on several cores", "[simulate][free_threading]") {
  const double slowdown = kFreeThreadedSlowdown;
  SECTION("gthread, 4 threads, 4 cores, with the GIL: one core, 1 / E[cpu] = 100 req/s") {
    const Result r = simulate(four_threads(ServerKind::gunicorn_gthread, PythonBuild::standard));
    check_throughput(r, 1.0 / kPythonCpu);
    CHECK(r.hosts[0].cpu_utilization.value == Approx(0.25).epsilon(0.01));
  }
  SECTION("the same without the GIL: 4 cores, 4 / (E[cpu] (1 + 0.08)) = 370.4 req/s") {
    const Result r = simulate(four_threads(ServerKind::gunicorn_gthread, PythonBuild::free_threaded));
    check_throughput(r, 4.0 / (kPythonCpu * (1.0 + slowdown)));
    CHECK(r.hosts[0].cpu_utilization.value == Approx(1.0).epsilon(0.001));
    // No Python code holds a GIL, so none is reported busy.
    CHECK(r.servers[0].gil_busy_fraction.value == 0.0);
  }
  SECTION("a given slowdown: 0.4 (CPython 3.13t) gives 4 / (E[cpu] 1.4) = 285.7 req/s") {
    Scenario s = four_threads(ServerKind::gunicorn_gthread, PythonBuild::free_threaded);
    s.servers[0].free_threaded_slowdown = 0.4;
    check_throughput(simulate(s), 4.0 / (kPythonCpu * 1.4));
  }
  SECTION("uvicorn's thread pool: a sync endpoint on 4 pool threads gets 4 cores too") {
    check_throughput(simulate(four_threads(ServerKind::uvicorn, PythonBuild::standard)), 1.0 / kPythonCpu);
    check_throughput(simulate(four_threads(ServerKind::uvicorn, PythonBuild::free_threaded)),
                     4.0 / (kPythonCpu * (1.0 + slowdown)));
  }
  SECTION("gunicorn sync has one thread per process: it only pays, 1 / (E[cpu] 1.08) = 92.6 req/s") {
    Scenario s = four_threads(ServerKind::gunicorn_gthread, PythonBuild::free_threaded);
    s.servers[0].kind = ServerKind::gunicorn_sync;
    s.servers[0].threads = 1;
    s.endpoints[0].style.reset();
    check_throughput(simulate(s), 1.0 / (kPythonCpu * (1.0 + slowdown)));
  }
}

TEST_CASE("A free-threaded gthread process under Poisson load is an M/M/4 queue", "[simulate][free_threading]") {
  // 4 threads on 4 cores, no GIL: each request holds one core for exp(E[cpu]
  // 1.08) and waits FIFO for a thread, so the process is M/M/4 (Erlang C).
  Scenario s = four_threads(ServerKind::gunicorn_gthread, PythonBuild::free_threaded);
  s = with_run(std::move(s), 1000.0, 50.0, 8);
  s.workload.closed.reset();
  const double service = kPythonCpu * (1.0 + kFreeThreadedSlowdown);
  const double rate = 0.75 * 4.0 / service;  // 75 % of 4 cores
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  const Result r = simulate(s);
  const double mean_response = mmc(rate, 1.0 / service, 4).mean_response;
  // 8 replications of ~260,000 requests: the mean's SE is under 1 %.
  check_estimate("mean latency", r.latency.mean, mean_response, 0.01);
}

TEST_CASE("The free-threaded settings parse and reject bad values by name", "[io][free_threading]") {
  const std::string base = R"(
hosts: {app: {cores: 4}}
servers:
  web: {host: app, kind: gunicorn-gthread, threads: 4, python: free-threaded}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload: {open: {rate: 10}}
)";
  SECTION("python: free-threaded, with the documented default slowdown") {
    const Scenario s = parse_scenario(base);
    CHECK(s.servers[0].python == PythonBuild::free_threaded);
    CHECK(Scenario::python_time_factor(s.servers[0]) == Approx(1.08));
  }
  SECTION("a given slowdown") {
    const Scenario s = parse_scenario(test::with(base, "python: free-threaded", "python: free-threaded, "
                                                                               "free_threaded_slowdown: 0.4"));
    CHECK(Scenario::python_time_factor(s.servers[0]) == Approx(1.4));
  }
  SECTION("bad input names the field") {
    test::require_error(test::with(base, "free-threaded", "nogil"), "servers.web.python",
                        "unknown python build 'nogil'");
    test::require_error(test::with(base, "python: free-threaded", "python: free-threaded, free_threaded_slowdown: -1"),
                        "servers.web.free_threaded_slowdown", "got -1");
    test::require_error(test::with(base, "python: free-threaded", "free_threaded_slowdown: 0.1"),
                        "servers.web.free_threaded_slowdown", "applies to the free-threaded build only");
  }
}
