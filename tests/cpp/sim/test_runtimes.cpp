// Python server runtimes in the native engine (GIL, gthread, uvicorn,
// gevent, worker timeout, keep-alive) against results known independently:
// closed-form queueing models, and saturation throughputs that follow from
// what a bottleneck can do. Each SECTION says which and why.

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/errors.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/scenarios.hpp"
#include "support/thread_counts.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::add_endpoint;
using servesim::test::check_estimate;
using servesim::test::simulate_on_one_and_three_threads;
using servesim::test::with_run;

namespace {

Scenario runtime_server(ServerKind kind, int workers, int cores) {
  Scenario s = with_run(test::one_server(kind, workers, cores), 200.0, 10.0, 4);
  s.run.seed = 5;
  return s;
}

Phase cpu(double seconds) { return Phase{PhaseKind::cpu, Distribution::constant(seconds)}; }

void closed(Scenario& s, int users) {
  s.workload.closed = ClosedWorkload{users, Distribution::constant(0.0)};
}

// A saturated closed loop completes exactly bottleneck-rate requests per
// second, up to the few in flight at the window's edges: with thousands of
// completions per replication, 1 % is ample and a wrong bottleneck misses
// by far more (a whole core is 2x).
void check_saturated(const Result& r, double expected) {
  INFO("throughput " << r.throughput.value << " req/s, expected " << expected);
  CHECK(r.throughput.value == Approx(expected).epsilon(0.01));
}

double fraction_of(const Result& r, std::uint64_t ErrorCounts::*kind, std::size_t replication) {
  const ReplicationResult& rep = r.replications[replication];
  return static_cast<double>(rep.errors.*kind) / static_cast<double>(rep.completed + rep.errors.total());
}

}  // namespace

TEST_CASE("The GIL: one process runs Python on one core at a time", "[simulate][runtimes]") {
  // 16 users without think time keep every thread busy with 10 ms of Python.
  SECTION("4 threads in one process on 4 cores: one core's worth, 100 req/s") {
    Scenario s = runtime_server(ServerKind::gunicorn_gthread, 1, 4);
    s.servers[0].threads = 4;
    add_endpoint(s, "work", "web", {cpu(0.010)});
    closed(s, 16);
    const Result r = simulate(s);
    check_saturated(r, 100.0);
    CHECK(r.servers[0].gil_busy_fraction.value == Approx(1.0).epsilon(0.001));
    CHECK(r.hosts[0].cpu_utilization.value == Approx(0.25).epsilon(0.01));
  }
  SECTION("the same work in 4 processes: min(4, cores) = 4 cores, 400 req/s") {
    // Sync workers: gthread would keep each keep-alive connection in the
    // process that accepted it, most of them in one (rules/pinning.hpp).
    Scenario s = runtime_server(ServerKind::gunicorn_sync, 4, 4);
    add_endpoint(s, "work", "web", {cpu(0.010)});
    closed(s, 16);
    check_saturated(simulate(s), 400.0);
  }
  SECTION("8 processes on 4 cores: still 4 cores, 400 req/s") {
    Scenario s = runtime_server(ServerKind::gunicorn_sync, 8, 4);
    add_endpoint(s, "work", "web", {cpu(0.010)});
    closed(s, 16);
    const Result r = simulate(s);
    check_saturated(r, 400.0);
    CHECK(r.hosts[0].cpu_utilization.value == Approx(1.0).epsilon(0.001));
  }
  SECTION("native code releases the GIL: cpu_nogil in 4 threads uses 4 cores") {
    Scenario s = runtime_server(ServerKind::gunicorn_gthread, 1, 4);
    s.servers[0].threads = 4;
    add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu_nogil, Distribution::constant(0.010)}});
    closed(s, 16);
    check_saturated(simulate(s), 400.0);
  }
}

TEST_CASE("A GIL waiter gets its turn after one switch interval", "[simulate][runtimes]") {
  // Two threads in one process on two cores; requests are a long 200 ms of
  // Python or a short 1 ms, at random. CPython makes a holder drop the GIL
  // once a waiter has waited a switch interval, so a short request behind a
  // long one is answered after exactly interval + 1 ms; without the forced
  // switch it would wait up to 200 ms. The worst case is that sum.
  for (const double interval : {0.005, 0.020}) {
    DYNAMIC_SECTION("switch interval " << interval * 1e3 << " ms") {
      Scenario s = runtime_server(ServerKind::gunicorn_gthread, 1, 2);
      s.servers[0].threads = 2;
      s.servers[0].switch_interval = interval;
      add_endpoint(s, "long", "web", {cpu(0.200)});
      add_endpoint(s, "short", "web", {cpu(0.001)});
      closed(s, 2);
      const Result r = simulate(s);
      const LatencySummary& fast = r.endpoints[1].latency;
      const double worst = interval + 0.001;
      const double resolution = LatencyHistogram::relative_error() * worst;
      CHECK(r.endpoints[1].latency.max <= worst + resolution);
      CHECK(fast.p99.value == Approx(worst).margin(resolution));
      // Either thread holds the GIL all the time: one core of Python.
      CHECK(r.servers[0].gil_busy_fraction.value == Approx(1.0).epsilon(0.001));
    }
  }
}

TEST_CASE("An async endpoint is an M/G/1 event loop plus an infinite-server wait", "[simulate][runtimes][accuracy]") {
  // Each request runs one 4 ms (exponential) Python segment on the loop, in
  // FIFO order, then awaits 50 ms of I/O without holding the loop. So the
  // loop is an M/M/1 queue and the await a pure delay: E[T] = W_q + E[S] + 50 ms,
  // with W_q from Pollaczek-Khinchine (SCV 1). rho = 0.6.
  // Run: 8 x 400 s at 150 req/s, 480 k requests.
  const double lambda = 150.0;
  Scenario s = runtime_server(ServerKind::uvicorn, 1, 1);
  s.run.duration = 400.0;
  s.run.replications = 8;
  add_endpoint(s, "orders", "web",
               {Phase{PhaseKind::cpu, Distribution::exponential(0.004)},
                Phase{PhaseKind::io, Distribution::exponential(0.050)}});
  s.workload.open = OpenWorkload{lambda, ArrivalProcess::poisson};
  const Result r = simulate(s);
  check_estimate("mean response", r.latency.mean, mg1_mean_response(lambda, 0.004, 1.0) + 0.050, 0.01);
  check_estimate("loop busy", r.servers[0].worker_busy_fraction, lambda * 0.004, 0.01);
  check_estimate("waited for the loop", r.servers[0].queued_fraction, lambda * 0.004, 0.02);
}

TEST_CASE("A blocking call in async def serializes the event loop", "[simulate][runtimes]") {
  // 1 ms of Python then a 10 ms blocking call: the loop cannot serve anyone
  // meanwhile, so one process completes 1 / 11 ms = 90.9 req/s however many
  // users wait, and by Little's law a closed loop of 50 answers in 50 x 11 ms.
  Scenario s = runtime_server(ServerKind::uvicorn, 1, 4);
  add_endpoint(s, "orders", "web", {cpu(0.001), Phase{PhaseKind::blocking_io, Distribution::constant(0.010)}},
               EndpointStyle::async);
  closed(s, 50);
  const Result r = simulate(s);
  check_saturated(r, 1.0 / 0.011);
  CHECK(r.latency.mean.value == Approx(50 * 0.011).epsilon(0.01));
  SECTION("awaited instead, the same I/O overlaps: 1 ms of loop time per request") {
    Scenario awaited = s;
    awaited.endpoints[0].phases[1].kind = PhaseKind::io;
    check_saturated(simulate(awaited), 1000.0);
  }
}

TEST_CASE("limit_concurrency answers 503 as an Erlang loss system", "[simulate][runtimes][accuracy]") {
  // Requests only await I/O (100 ms, exponential), so those in flight form an
  // M/G/infinity system truncated at the limit L: the fraction turned away
  // with 503 is Erlang B(L, lambda E[S]), whatever the I/O distribution
  // (insensitivity; Kleinrock I, 3.6). L = 10, offered load 8 Erlangs.
  // Run: 8 x 400 s at 80 req/s, 256 k requests, about 12 % rejected.
  Scenario s = runtime_server(ServerKind::uvicorn, 1, 1);
  s.run.duration = 400.0;
  s.run.replications = 8;
  s.servers[0].limit_concurrency = 10;
  add_endpoint(s, "orders", "web", {Phase{PhaseKind::io, Distribution::lognormal(0.100, 1.5)}});
  s.workload.open = OpenWorkload{80.0, ArrivalProcess::poisson};
  const Result r = simulate(s);
  std::vector<double> rejected(r.replications.size());
  for (std::size_t i = 0; i < rejected.size(); ++i) rejected[i] = fraction_of(r, &ErrorCounts::unavailable, i);
  check_estimate("503 fraction", mean_ci(rejected), erlang_b(10, 8.0), 0.02);
  CHECK(r.errors.refused == 0);
}

TEST_CASE("Uvicorn runs def endpoints in a bounded thread pool", "[simulate][runtimes]") {
  // 100 users call a plain def that waits 100 ms: only thread_pool = 40
  // threads run at once, so 40 / 100 ms = 400 req/s.
  Scenario s = runtime_server(ServerKind::uvicorn, 1, 1);
  add_endpoint(s, "report", "web", {Phase{PhaseKind::io, Distribution::constant(0.100)}}, EndpointStyle::sync);
  closed(s, 100);
  check_saturated(simulate(s), 400.0);
  SECTION("with 10 threads: 100 req/s") {
    s.servers[0].thread_pool = 10;
    check_saturated(simulate(s), 100.0);
  }
}

TEST_CASE("Gunicorn's worker timeout kills a stuck worker, which restarts", "[simulate][runtimes]") {
  // One sync worker, one user, a request that waits 40 s against a 30 s
  // timeout: killed at 30 s, the user retries at once, the worker boots for
  // 2 s and takes it, killed 30 s later: a kill every 32 s, at 30, 62, ...,
  // so 100 kills by 3200 s and no answer at all.
  Scenario s = runtime_server(ServerKind::gunicorn_sync, 1, 1);
  s.run = RunConfig{};
  s.run.duration = 3200.0;
  s.run.replications = 2;
  s.servers[0].boot_time = 2.0;
  add_endpoint(s, "stuck", "web", {Phase{PhaseKind::io, Distribution::constant(40.0)}});
  closed(s, 1);
  const Result r = simulate(s);
  for (const ReplicationResult& rep : r.replications) {
    CHECK(rep.errors.worker_killed == 100);
    CHECK(rep.completed == 0);
  }
  SECTION("a timeout of 0 disables it: the 40 s requests complete") {
    s.servers[0].timeout = 0.0;
    const Result patient = simulate(s);
    CHECK(patient.errors.worker_killed == 0);
    CHECK(patient.replications[0].completed == 80);
  }
}

TEST_CASE("Connections: sync workers pay set-up per request, keep-alive once", "[simulate][runtimes]") {
  // One thread, 1 ms of connection set-up, 1 ms of work, one user without
  // think time. A sync worker closes every connection: 2 ms per request,
  // 500 req/s. gthread keeps it alive: 1 ms per request, 1000 req/s. With
  // 3 s of thinking the 2 s keep-alive expires first: set-up every time.
  auto make = [](ServerKind kind, double think) {
    Scenario s = runtime_server(kind, 1, 1);
    s.servers[0].connection_overhead = Distribution::constant(0.001);
    add_endpoint(s, "work", "web", {cpu(0.001)});
    s.workload.closed = ClosedWorkload{1, Distribution::constant(think)};
    return s;
  };
  check_saturated(simulate(make(ServerKind::gunicorn_sync, 0.0)), 500.0);
  check_saturated(simulate(make(ServerKind::gunicorn_gthread, 0.0)), 1000.0);
  // Each cycle: 3 s think + 2 ms: 1 / 3.002 req/s; the CPU tells the set-up apart.
  Scenario slow = make(ServerKind::gunicorn_gthread, 3.0);
  slow.run.duration = 3000.0;
  const Result r = simulate(slow);
  CHECK(r.hosts[0].cpu_utilization.value == Approx(0.002 / 3.002).epsilon(0.02));
}

TEST_CASE("A request that changes threads pays thread_handoff", "[simulate][runtimes]") {
  // One core, 1 ms of Python per request, 1 ms of hand-off, 8 users without
  // think time: the core is the bottleneck. A sync worker and an async def
  // never change threads: 1 ms per request, 1000 req/s. gthread's pool and
  // uvicorn's thread pool for a def pay the hand-off: 2 ms, 500 req/s.
  auto make = [](ServerKind kind, std::optional<EndpointStyle> style) {
    Scenario s = runtime_server(kind, 1, 1);
    s.servers[0].thread_handoff = Distribution::constant(0.001);
    if (kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 4;
    add_endpoint(s, "work", "web", {cpu(0.001)}, style);
    closed(s, 8);
    return s;
  };
  check_saturated(simulate(make(ServerKind::gunicorn_sync, std::nullopt)), 1000.0);
  check_saturated(simulate(make(ServerKind::uvicorn, EndpointStyle::async)), 1000.0);
  check_saturated(simulate(make(ServerKind::gunicorn_gthread, std::nullopt)), 500.0);
  check_saturated(simulate(make(ServerKind::uvicorn, EndpointStyle::sync)), 500.0);
}

TEST_CASE("Every io and blocking_io wait costs what resumes it wait_overhead", "[simulate][runtimes]") {
  SECTION("one sync worker: throughput = 1 / (cpu + waits * wait_overhead + io)") {
    // One user, no think time, 1 ms of Python, then waits of 2 ms and 3 ms,
    // each ending with 0.5 ms of Python: 1 + 2 + 0.5 + 3 + 0.5 = 7 ms a
    // request, 1 / 7 ms = 142.9 req/s; the core is busy 2 ms of the 7.
    Scenario s = runtime_server(ServerKind::gunicorn_sync, 1, 1);
    s.servers[0].wait_overhead = Distribution::constant(0.0005);
    add_endpoint(s, "work", "web", {cpu(0.001), Phase{PhaseKind::io, Distribution::constant(0.002)},
                                    Phase{PhaseKind::io, Distribution::constant(0.003)}});
    closed(s, 1);
    const Result r = simulate(s);
    check_saturated(r, 1.0 / (0.001 + 2 * 0.0005 + 0.005));
    CHECK(r.hosts[0].cpu_utilization.value == Approx(0.002 / 0.007).epsilon(0.01));
    CHECK(r.latency.mean.value == Approx(0.007).epsilon(0.001));
  }
  // 1 ms of Python, a 10 ms wait, 1 ms of wait_overhead, 32 users: the
  // Python (GIL or loop) is the bottleneck at 2 ms a request, 500 req/s,
  // wherever the overhead runs; without it 1000 req/s.
  auto saturated = [](ServerKind kind, std::optional<EndpointStyle> style, PhaseKind wait) {
    Scenario s = runtime_server(kind, 1, 1);
    s.servers[0].wait_overhead = Distribution::constant(0.001);
    if (kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 16;
    add_endpoint(s, "work", "web", {cpu(0.001), Phase{wait, Distribution::constant(0.010)}}, style);
    closed(s, 32);
    return s;
  };
  SECTION("on an event loop, after an awaited io") {
    check_saturated(simulate(saturated(ServerKind::uvicorn, EndpointStyle::async, PhaseKind::io)), 500.0);
    check_saturated(simulate(saturated(ServerKind::gunicorn_gevent, std::nullopt, PhaseKind::io)), 500.0);
  }
  SECTION("on a thread, holding the GIL") {
    check_saturated(simulate(saturated(ServerKind::gunicorn_gthread, std::nullopt, PhaseKind::io)), 500.0);
    check_saturated(simulate(saturated(ServerKind::uvicorn, EndpointStyle::sync, PhaseKind::io)), 500.0);
  }
  SECTION("a blocking call stalls the loop for the wait and its overhead: 1 / 12 ms") {
    check_saturated(simulate(saturated(ServerKind::uvicorn, EndpointStyle::async, PhaseKind::blocking_io)),
                    1.0 / 0.012);
  }
  SECTION("a request that never waits pays nothing: 1 / 1 ms") {
    Scenario s = saturated(ServerKind::uvicorn, EndpointStyle::async, PhaseKind::io);
    s.endpoints[0].phases = {cpu(0.001)};
    check_saturated(simulate(s), 1000.0);
  }
}

TEST_CASE("A wait costs wait_crowding more per request its process holds", "[simulate][runtimes]") {
  // N users without think time on one process: every request is held by the
  // process (none is between responses), so each wait ends with k N of
  // Python more, and a saturated Python bottleneck serves 1 / (c + k N).
  auto crowded = [](ServerKind kind, std::optional<EndpointStyle> style, int users, double k) {
    Scenario s = runtime_server(kind, 1, 1);
    s.servers[0].wait_crowding = k;
    if (kind == ServerKind::gunicorn_gthread) s.servers[0].threads = 32;
    add_endpoint(s, "work", "web", {cpu(0.001), Phase{PhaseKind::io, Distribution::constant(0.010)}}, style);
    closed(s, users);
    return s;
  };
  SECTION("an event loop, 50 users, 10 us each: 1 / (1 + 0.5) ms = 666.7 req/s") {
    check_saturated(simulate(crowded(ServerKind::uvicorn, EndpointStyle::async, 50, 10e-6)), 1.0 / 0.0015);
  }
  SECTION("the same with 100 users: 1 / (1 + 1) ms = 500 req/s (linear in the requests held)") {
    check_saturated(simulate(crowded(ServerKind::uvicorn, EndpointStyle::async, 100, 10e-6)), 500.0);
  }
  SECTION("gthread's threads, holding the GIL: 1 / 1.5 ms") {
    check_saturated(simulate(crowded(ServerKind::gunicorn_gthread, std::nullopt, 50, 10e-6)), 1.0 / 0.0015);
  }
  SECTION("past the 512 requests held that were measured the cost stops growing: 1 / (1 + 5.12) ms") {
    check_saturated(simulate(crowded(ServerKind::uvicorn, EndpointStyle::async, 1000, 10e-6)), 1.0 / 0.00612);
  }
  SECTION("a sync worker holds its one request: 1 / (1 + 10 + 1 * 1) ms = 83.3 req/s") {
    check_saturated(simulate(crowded(ServerKind::gunicorn_sync, std::nullopt, 1, 0.001)), 1.0 / 0.012);
  }
}

TEST_CASE("gevent runs plain def code cooperatively: I/O overlaps, Python does not", "[simulate][runtimes]") {
  // 1 ms of Python and 50 ms of patched I/O per request, 200 users, one
  // process: the loop is the bottleneck at 1 ms per request, 1000 req/s,
  // where a sync worker would manage 1 / 51 ms.
  Scenario s = runtime_server(ServerKind::gunicorn_gevent, 1, 1);
  add_endpoint(s, "orders", "web", {cpu(0.001), Phase{PhaseKind::io, Distribution::constant(0.050)}});
  closed(s, 200);
  check_saturated(simulate(s), 1000.0);
  SECTION("worker_connections bounds the requests a process holds") {
    s.servers[0].worker_connections = 10;
    // 10 in the process at a time, each 51 ms: 10 / 51 ms = 196 req/s.
    check_saturated(simulate(s), 10.0 / 0.051);
  }
}

TEST_CASE("Runtimes: same seed, same result, on any thread count", "[simulate][runtimes]") {
  Scenario s = runtime_server(ServerKind::uvicorn, 2, 2);
  add_endpoint(s, "a", "web", {Phase{PhaseKind::cpu, Distribution::exponential(0.002)},
                        Phase{PhaseKind::io, Distribution::exponential(0.020)}});
  add_endpoint(s, "b", "web", {Phase{PhaseKind::cpu, Distribution::exponential(0.001)}}, EndpointStyle::sync);
  s.workload.open = OpenWorkload{300.0, ArrivalProcess::poisson};
  const auto [a, b] = simulate_on_one_and_three_threads(s);
  for (std::size_t i = 0; i < a.replications.size(); ++i) {
    CHECK(a.replications[i].completed == b.replications[i].completed);
    CHECK(a.replications[i].latency.p99 == b.replications[i].latency.p99);
  }
}
