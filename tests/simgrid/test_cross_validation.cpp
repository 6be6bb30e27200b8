// The SimGrid engine against the native engine on the same scenarios. The two
// share the model's definitions only: the scenario, the variate code, the
// route (which phase runs on what), and the rules that pick a balancer's
// server, draw open arrivals and retry backoffs. How requests then queue,
// share cores, hold the GIL, cross links and are measured is each engine's
// own: the native engine steps request state machines through its calendar
// and processor-sharing heap; SimGrid runs actors, semaphores, its CPU and
// network models. Each engine
// runs its own seed, so the two results are independent; they must agree
// within 4 standard errors of their difference (support/tolerance.hpp's
// reasoning, with the SE of a difference, sqrt(se_a^2 + se_b^2)), and each
// case bounds that SE so the check can see a real disagreement of a few
// percent. Each case's run length is in its table row.

#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "servesim/metrics/statistics.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"
#include "cross_support.hpp"

using namespace servesim;
using servesim::test::call;
using servesim::test::database;
using servesim::test::db;
using servesim::test::agree;
using servesim::test::agree_on_all;
using servesim::test::Pair;
using servesim::test::run_both;

namespace {

// The fraction of requests answered with an error, per replication.
ConfidenceInterval error_fraction(const Result& r) {
  std::vector<double> fractions;
  for (const auto& rep : r.replications) {
    const auto attempts = static_cast<double>(rep.completed + rep.errors.total());
    fractions.push_back(attempts > 0 ? static_cast<double>(rep.errors.total()) / attempts : 0.0);
  }
  return mean_ci(fractions);
}

Scenario sync(int workers, int cores, std::vector<Phase> phases, double rate) {
  Scenario s = test::sync_pool(workers, cores, Distribution::constant(0.0), rate);
  s.endpoints[0].phases = std::move(phases);
  return s;
}

Phase cpu(Distribution d) { return Phase{PhaseKind::cpu, std::move(d)}; }
Phase io(Distribution d) { return Phase{PhaseKind::io, std::move(d)}; }

}  // namespace

// Run lengths: 8 replications per engine; the durations give 15,000 to
// 60,000 requests per replication.

TEST_CASE("SimGrid agrees with native: M/M/2 sync pool, open load", "[simgrid][cross]") {
  // Two workers on four cores: no CPU contention, an M/M/2 queue at rho = 0.8.
  const Scenario s = test::with_run(test::sync_pool(2, 4, Distribution::exponential(0.01), 160.0),
                                    300.0, 30.0, 8);
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  agree("P(wait)", p.native.servers[0].queued_fraction, p.simgrid.servers[0].queued_fraction, 0.03);
}

TEST_CASE("SimGrid agrees with native: cpu and io phases, more workers than cores", "[simgrid][cross]") {
  // 8 workers on 2 cores: up to 8 runnable phases share the cores by processor
  // sharing; lognormal CPU (CV 1.5) between two I/O waits; Flask's overhead.
  Scenario s = sync(8, 2,
                    {io(Distribution::exponential(0.005)), cpu(Distribution::lognormal(0.006, 1.5)),
                     io(Distribution::uniform(0.002, 0.02))},
                    250.0);
  s.servers[0].framework_overhead = Distribution::constant(0.0003);
  // The CV 1.5 tail makes the latency noisier: a longer run, a looser SE bound.
  agree_on_all(run_both(test::with_run(s, 300.0, 30.0, 8)), 0.04);
}

TEST_CASE("SimGrid agrees with native: closed users with think time", "[simgrid][cross]") {
  // 40 users thinking 100 ms (exponential) on 4 workers and 2 cores.
  Scenario s = sync(4, 2, {cpu(Distribution::gamma(0.004, 0.5)), io(Distribution::exponential(0.01))}, 1.0);
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{40, Distribution::exponential(0.1)};
  agree_on_all(run_both(test::with_run(s, 150.0, 15.0, 8)), 0.03);
}

TEST_CASE("SimGrid agrees with native: wrk-style connections on one core", "[simgrid][cross]") {
  // 12 connections with no think time, 3 workers, one core: requests queue in
  // the backlog and the three workers' CPU phases share the core.
  Scenario s = sync(3, 1, {cpu(Distribution::exponential(0.002)), io(Distribution::constant(0.003))}, 1.0);
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{12, Distribution::constant(0.0)};
  const Pair p = run_both(test::with_run(s, 60.0, 6.0, 8));
  agree_on_all(p, 0.03);
  agree("mean backlog", p.native.servers[0].mean_queue_length, p.simgrid.servers[0].mean_queue_length, 0.03);
}

TEST_CASE("SimGrid agrees with native: client timeouts", "[simgrid][cross]") {
  // M/M/1 at rho = 0.9; clients give up after 50 ms (about 1 in 6 do).
  Scenario s = test::with_run(test::sync_pool(1, 1, Distribution::exponential(0.01), 90.0), 600.0, 60.0, 8);
  s.workload.client_timeout = 0.05;
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  agree("timed-out fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.05);
}

TEST_CASE("SimGrid agrees with native: a full backlog refuses connections", "[simgrid][cross]") {
  // Two workers, a backlog of 3, offered 110 % of capacity: M/M/2/5 losses.
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.01), 220.0), 200.0, 20.0, 8);
  s.servers[0].backlog = 3;
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  agree("refused fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.03);
}

TEST_CASE("SimGrid agrees with native: two servers on two hosts, a weighted mix", "[simgrid][cross]") {
  // An API server (4 workers, 2 cores at speed 2) and a slower reporting
  // server (2 workers, 1 core), three endpoints in a 6:3:1 mix, constant arrivals.
  Scenario s = sync(4, 2, {cpu(Distribution::exponential(0.008)), io(Distribution::exponential(0.004))}, 150.0);
  s.hosts[0].speed = 2.0;
  s.hosts.push_back(Host{"reports-host", 1, 1.0});
  Server reports;
  reports.name = "reports";
  reports.host = "reports-host";
  reports.workers = 2;
  reports.framework_overhead = Distribution::constant(0.0007);
  s.servers.push_back(reports);
  s.endpoints.push_back(Endpoint{"search", "web", {cpu(Distribution::hyperexponential(0.003, 2.0))}});
  s.endpoints.push_back(Endpoint{"report", "reports", {cpu(Distribution::uniform(0.02, 0.04)), io(Distribution::pareto(2.5, 0.01))}});
  s.workload.mix = {{"work", 6.0}, {"search", 3.0}, {"report", 1.0}};
  s.workload.open->arrivals = ArrivalProcess::constant;
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  for (std::size_t e = 0; e < p.native.endpoints.size(); ++e) {
    agree("mean latency of " + p.native.endpoints[e].name, p.native.endpoints[e].latency.mean,
          p.simgrid.endpoints[e].latency.mean, 0.04);
  }
}

TEST_CASE("SimGrid agrees with native: closed users who time out", "[simgrid][cross]") {
  // 30 users, 20 ms think, 2 workers on 1 core: overloaded, so clients give up
  // after 150 ms and send again while the server still works on the old request.
  Scenario s = sync(2, 1, {cpu(Distribution::hyperexponential(0.004, 3.0)), io(Distribution::constant(0.002))}, 1.0);
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{30, Distribution::exponential(0.02)};
  s.workload.client_timeout = 0.15;
  const Pair p = run_both(test::with_run(s, 150.0, 15.0, 8));
  agree_on_all(p, 0.03);
  agree("timed-out fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.05);
}

// ---------------------------------------------------------------------------
// Python server runtimes: the GIL, threads, event loops, worker timeouts.

namespace {

Scenario runtime(ServerKind kind, int workers, int cores, std::vector<Phase> phases, double rate,
                 std::optional<EndpointStyle> style = std::nullopt) {
  Scenario s = sync(workers, cores, std::move(phases), rate);
  s.servers[0].kind = kind;
  s.endpoints[0].style = style;
  return s;
}

void agree_on_gil(const Pair& p, double max_se) {
  agree("GIL busy", p.native.servers[0].gil_busy_fraction, p.simgrid.servers[0].gil_busy_fraction, max_se);
}

}  // namespace

TEST_CASE("SimGrid agrees with native: gthread threads contending for the GIL", "[simgrid][cross]") {
  // 2 processes x 4 threads on 4 cores, 60 % GIL load per process: threads
  // waiting for the GIL force switches every 5 ms; io releases it.
  Scenario s = runtime(ServerKind::gunicorn_gthread, 2, 4,
                       {cpu(Distribution::exponential(0.006)), io(Distribution::exponential(0.02)),
                        cpu(Distribution::gamma(0.006, 0.7))},
                       100.0);
  s.servers[0].threads = 4;
  s.servers[0].thread_handoff = Distribution::constant(0.0002);  // poller to pool thread
  const Pair p = run_both(test::with_run(s, 300.0, 30.0, 8));
  agree_on_all(p, 0.03);
  agree_on_gil(p, 0.03);
  agree("mean waiting", p.native.servers[0].mean_queue_length, p.simgrid.servers[0].mean_queue_length, 0.08);
}

TEST_CASE("SimGrid agrees with native: gthread, closed users on keep-alive connections", "[simgrid][cross]") {
  // Users thinking 1.5 s on average reuse their connection within the 2 s
  // keep-alive most of the time; a new one costs 2 ms of CPU.
  Scenario s = runtime(ServerKind::gunicorn_gthread, 1, 2,
                       {cpu(Distribution::exponential(0.004)), io(Distribution::constant(0.01))}, 1.0);
  s.servers[0].threads = 8;
  s.servers[0].connection_overhead = Distribution::constant(0.002);
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{150, Distribution::exponential(1.5)};
  const Pair p = run_both(test::with_run(s, 300.0, 30.0, 8));
  agree_on_all(p, 0.03);
  agree_on_gil(p, 0.03);
}

TEST_CASE("SimGrid agrees with native: uvicorn async endpoints on the event loop", "[simgrid][cross]") {
  // 2 processes, async endpoint: Python on the loop, awaited io frees it.
  Scenario s = runtime(ServerKind::uvicorn, 2, 2,
                       {cpu(Distribution::exponential(0.003)), io(Distribution::lognormal(0.03, 1.0)),
                        cpu(Distribution::exponential(0.002))},
                       300.0);
  s.servers[0].framework_overhead = Distribution::constant(0.00015);
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  agree_on_gil(p, 0.03);
  agree("mean waiting", p.native.servers[0].mean_queue_length, p.simgrid.servers[0].mean_queue_length, 0.05);
}

TEST_CASE("SimGrid agrees with native: a blocking call stalls the event loop", "[simgrid][cross]") {
  // An async endpoint whose 3 ms call blocks the loop (requests.get inside
  // async def): everything on that process waits behind it.
  Scenario s = runtime(ServerKind::uvicorn, 2, 2,
                       {cpu(Distribution::exponential(0.002)), Phase{PhaseKind::blocking_io, Distribution::exponential(0.003)},
                        io(Distribution::exponential(0.01))},
                       250.0);
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
}

TEST_CASE("SimGrid agrees with native: uvicorn def endpoints in the thread pool, background work", "[simgrid][cross]") {
  // A plain def endpoint runs in a 4-thread pool contending with the loop for
  // the GIL; an async one adds background work after its response.
  Scenario s = runtime(ServerKind::uvicorn, 1, 2,
                       {cpu(Distribution::exponential(0.003)), io(Distribution::exponential(0.01)),
                        Phase{PhaseKind::cpu_nogil, Distribution::exponential(0.002)}},
                       120.0, EndpointStyle::sync);
  s.servers[0].thread_pool = 4;
  s.servers[0].framework_overhead = Distribution::constant(0.0002);
  s.servers[0].thread_handoff = Distribution::constant(0.0001);  // loop to pool and back
  s.endpoints.push_back(Endpoint{"notify", "web",
                                 {cpu(Distribution::exponential(0.001)), io(Distribution::exponential(0.005)),
                                  Phase{PhaseKind::background, Distribution::exponential(0.002)}},
                                 EndpointStyle::async});
  const Pair p = run_both(test::with_run(s, 300.0, 30.0, 8));
  agree_on_all(p, 0.03);
  agree_on_gil(p, 0.03);
  for (std::size_t e = 0; e < p.native.endpoints.size(); ++e) {
    agree("mean latency of " + p.native.endpoints[e].name, p.native.endpoints[e].latency.mean,
          p.simgrid.endpoints[e].latency.mean, 0.04);
  }
}

TEST_CASE("SimGrid agrees with native: every io and blocking_io wait costs wait_overhead", "[simgrid][cross]") {
  // An async endpoint (awaited io, then a blocking call) resumes on the loop,
  // a def one in the thread pool, each paying 0.5 ms of Python per wait: a
  // third of the loop's and pool's Python is wait_overhead.
  Scenario s = runtime(ServerKind::uvicorn, 1, 2,
                       {cpu(Distribution::exponential(0.002)), io(Distribution::exponential(0.01)),
                        Phase{PhaseKind::blocking_io, Distribution::exponential(0.001)}},
                       150.0, EndpointStyle::async);
  s.servers[0].wait_overhead = Distribution::exponential(0.0005);
  s.endpoints.push_back(Endpoint{"report", "web",
                                 {cpu(Distribution::exponential(0.001)), io(Distribution::exponential(0.005))},
                                 EndpointStyle::sync});
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  agree_on_gil(p, 0.03);
  for (std::size_t e = 0; e < p.native.endpoints.size(); ++e) {
    agree("mean latency of " + p.native.endpoints[e].name, p.native.endpoints[e].latency.mean,
          p.simgrid.endpoints[e].latency.mean, 0.04);
  }
}

TEST_CASE("SimGrid agrees with native: a wait costs wait_crowding per request its process holds",
          "[simgrid][cross]") {
  // 50 users without think time on one uvicorn loop: each request is held by
  // the process, so its wait ends with 50 * 10 us of loop time: the loop
  // serves 1 / (1 ms + 0.5 ms) = 666.7 req/s on both engines, each request
  // taking N / X = 75 ms (Little). Constant work: no sampling error; 1 % is
  // the few requests in flight at the window's edges (and a user's instant
  // between a response and its next request, when its process holds N - 1).
  Scenario s = runtime(ServerKind::uvicorn, 1, 1,
                       {cpu(Distribution::constant(0.001)), io(Distribution::constant(0.01))}, 100.0,
                       EndpointStyle::async);
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{50, Distribution::constant(0.0)};
  s.servers[0].wait_crowding = 10e-6;
  const Pair p = run_both(test::with_run(s, 60.0, 5.0, 4));
  for (const Result* r : {&p.native, &p.simgrid}) {
    CHECK(r->throughput.value == Approx(1.0 / 0.0015).epsilon(0.01));
    CHECK(r->latency.mean.value == Approx(0.075).epsilon(0.01));
  }
}

TEST_CASE("SimGrid agrees with native: limit_concurrency answers 503", "[simgrid][cross]") {
  // One uvicorn process allowing 4 requests, offered more than it can take.
  Scenario s = runtime(ServerKind::uvicorn, 1, 1,
                       {cpu(Distribution::exponential(0.004)), io(Distribution::exponential(0.02))}, 230.0);
  s.servers[0].limit_concurrency = 4;
  s.servers[0].framework_overhead = Distribution::constant(0.0002);
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  agree("503 fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.03);
}

TEST_CASE("SimGrid agrees with native: the worker timeout kills stuck sync workers", "[simgrid][cross]") {
  // 4 sync workers; 2 % of requests hang on a 3 s call against a 1 s worker
  // timeout: their worker is killed and boots again in 0.5 s.
  Scenario s = sync(4, 2, {cpu(Distribution::exponential(0.005)), io(Distribution::hyperexponential(0.05, 5.0))}, 40.0);
  s.servers[0].timeout = 1.0;
  s.servers[0].boot_time = 0.5;
  const Pair p = run_both(test::with_run(s, 600.0, 30.0, 8));
  agree_on_all(p, 0.05);
  agree("killed fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.08);
}

TEST_CASE("SimGrid agrees with native: gevent runs plain code on a cooperative loop", "[simgrid][cross]") {
  Scenario s = runtime(ServerKind::gunicorn_gevent, 2, 2,
                       {cpu(Distribution::exponential(0.004)), io(Distribution::exponential(0.03))}, 300.0);
  s.servers[0].worker_connections = 50;
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
}

// ---------------------------------------------------------------------------
// Several hosts behind a load balancer: the SimGrid engine sends each request
// and response across a link of the balancer's latency and bandwidth.

namespace {

void agree_on_split(const Pair& p, double max_se) {
  const BalancerSummary& native = p.native.balancers.at(0);
  const BalancerSummary& simgrid = p.simgrid.balancers.at(0);
  double sent = 0.0;
  for (const BalancedServerSummary& server : native.servers) sent += static_cast<double>(server.sent);
  // Round robin's shares are exact but for where the measured window starts
  // in its cycle: one request per replication either way.
  const double one_request = static_cast<double>(p.native.replications.size()) / sent;
  for (std::size_t s = 0; s < native.servers.size(); ++s) {
    agree("share of " + native.servers[s].name, native.servers[s].share, simgrid.servers[s].share, max_se,
          one_request);
  }
}

}  // namespace

TEST_CASE("SimGrid agrees with native: two hosts behind a least-connections balancer", "[simgrid][cross]") {
  // A gthread server (2 x 4 threads) and a uvicorn one (2 loops on faster
  // cores) run the same endpoint, sync on one and async on the other, behind
  // a balancer 2 ms away at 100 Mbit/s: 2 KB requests take 0.16 ms, 40 KB
  // responses 3.2 ms on top of the half round trips.
  Scenario s = runtime(ServerKind::gunicorn_gthread, 2, 2,
                       {cpu(Distribution::exponential(0.004)), io(Distribution::lognormal(0.02, 1.0)),
                        cpu(Distribution::exponential(0.002))},
                       300.0);
  s.servers[0].threads = 4;
  s.hosts.push_back(Host{"fast", 2, 1.5});
  Server loop;
  loop.name = "api";
  loop.host = "fast";
  loop.kind = ServerKind::uvicorn;
  loop.workers = 2;
  loop.framework_overhead = Distribution::constant(0.0001);
  s.servers.push_back(loop);
  s.balancers.push_back(Balancer{"lb", {"web", "api"}, BalancingPolicy::least_connections, 0.002, 100.0});
  s.endpoints[0].server = "lb";
  s.endpoints[0].request_bytes = 2'000;
  s.endpoints[0].response_bytes = 40'000;
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  agree_on_split(p, 0.03);
  agree_on_gil(p, 0.03);
}

TEST_CASE("SimGrid agrees with native: closed users refused and timing out through a balancer",
          "[simgrid][cross]") {
  // 40 users with 50 ms think time on two single-worker servers, one at half
  // speed, round robin 10 ms away: the slow server's 2-slot backlog fills and
  // refuses, and clients give up after 150 ms (the network's 10 ms included).
  Scenario s = test::farm({1.0, 0.5}, BalancingPolicy::round_robin, 1.0, Distribution::exponential(0.008));
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{40, Distribution::exponential(0.05)};
  s.workload.client_timeout = 0.15;
  s.balancers[0].rtt = 0.01;
  for (Server& server : s.servers) server.backlog = 2;
  const Pair p = run_both(test::with_run(s, 200.0, 20.0, 8));
  agree_on_all(p, 0.03);
  agree_on_split(p, 0.03);
  agree("error fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.05);
}

TEST_CASE("Both engines find least connections and power of two beating round robin on p99",
          "[simgrid][cross]") {
  // Three single-worker servers, one at half speed, 120 req/s of 10 ms
  // exponential work (as the native engine's own balancer test): round robin
  // loads the slow server to rho 0.8 whatever its queue. Each policy's mean
  // and p99 agree between the engines, and on each engine the adaptive
  // policies' p99 intervals lie below round robin's. 8 x 300 s per run.
  std::vector<Pair> runs;
  for (const BalancingPolicy policy :
       {BalancingPolicy::round_robin, BalancingPolicy::least_connections, BalancingPolicy::power_of_two}) {
    const Scenario s = test::with_run(test::farm({1.0, 1.0, 0.5}, policy, 120.0, Distribution::exponential(0.010)),
                                      300.0, 30.0, 8);
    runs.push_back(run_both(s));
    const Pair& p = runs.back();
    agree("mean latency", p.native.latency.mean, p.simgrid.latency.mean, 0.04);
    agree("p99 latency", p.native.latency.p99, p.simgrid.latency.p99, 0.06,
          2 * LatencyHistogram::relative_error() * p.native.latency.p99.value);
    agree_on_split(p, 0.03);
  }
  for (const auto engine : {&Pair::native, &Pair::simgrid}) {
    const ConfidenceInterval& round_robin = (runs[0].*engine).latency.p99;
    const ConfidenceInterval& least = (runs[1].*engine).latency.p99;
    const ConfidenceInterval& two = (runs[2].*engine).latency.p99;
    INFO((engine == &Pair::native ? "native" : "SimGrid")
         << " p99: round robin " << round_robin.value << " +- " << round_robin.half_width << ", least connections "
         << least.value << " +- " << least.half_width << ", power of two " << two.value << " +- " << two.half_width);
    CHECK(least.upper() < round_robin.lower());
    CHECK(two.upper() < round_robin.lower());
  }
}

// ---------------------------------------------------------------------------
// Realistic load: bursts, rate profiles, client retries with backoff, SLOs.

namespace {

ConfidenceInterval per_replication(const Result& r, double (*value)(const ReplicationResult&)) {
  std::vector<double> values;
  for (const ReplicationResult& rep : r.replications) values.push_back(value(rep));
  return mean_ci(values);
}

double attempts_per_second(const ReplicationResult& rep) {
  return static_cast<double>(rep.arrivals) / rep.measured_duration;
}

double goodput(const ReplicationResult& rep) { return rep.goodput; }

double retries_per_attempt(const ReplicationResult& rep) {
  return rep.arrivals ? static_cast<double>(rep.retries) / static_cast<double>(rep.arrivals) : 0.0;
}

}  // namespace

TEST_CASE("SimGrid agrees with native: bursty arrivals", "[simgrid][cross]") {
  // An MMPP: 150 req/s, with 0.5 s bursts at 350 req/s every 5 s on average,
  // into 3 workers that serve 300 req/s: each burst leaves a queue behind.
  Scenario s = test::sync_pool(3, 3, Distribution::exponential(0.010), 150.0);
  s.workload.open->arrivals = ArrivalProcess::bursty;
  s.workload.open->burst = Burst{350.0, 0.5, 5.0};
  // The bursts' queues make the latency vary from run to run: long runs,
  // and a 6 % bound on the standard error.
  agree_on_all(run_both(test::with_run(s, 800.0, 20.0, 8)), 0.06);
}

TEST_CASE("SimGrid agrees with native: a ramp past capacity with retries, backoff and an SLO",
          "[simgrid][cross]") {
  // A ramp from 50 to 260 req/s over 200 s into 2 workers serving 200 req/s;
  // a 20-slot backlog refuses the excess; clients give up after 300 ms
  // (rarely: the backlog holds 0.1 s of work) and try 3 times, 100 ms then
  // 200 ms later (half-jittered); goodput counts answers within 250 ms of
  // the first attempt.
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.010), 1.0), 200.0, 0.0, 8);
  s.workload.open->profile = RateProfile{RateProfileKind::ramp, 50.0, 260.0, {}, 0.0, 0.0, 86'400.0};
  s.servers[0].backlog = 20;
  s.workload.client_timeout = 0.3;
  s.workload.retries = RetryPolicy{3, 0.1, 2.0, 5.0, 0.5};
  s.workload.mix = {MixEntry{"work", 1.0, 0.25}};
  const Pair p = run_both(s);
  agree("throughput", p.native.throughput, p.simgrid.throughput, 0.03);
  agree("attempts per second", per_replication(p.native, attempts_per_second),
        per_replication(p.simgrid, attempts_per_second), 0.03);
  agree("retries per attempt", per_replication(p.native, retries_per_attempt),
        per_replication(p.simgrid, retries_per_attempt), 0.05);
  agree("goodput", per_replication(p.native, goodput), per_replication(p.simgrid, goodput), 0.03);
  agree("error fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.05);
}

TEST_CASE("Both engines find the retry storm: N k / (k tau + Z) attempts per second", "[simgrid][cross]") {
  // As the native engine's own test: 250 users thinking 1 s on 2 workers
  // serving 200 req/s, a 0.4 s client timeout, 4 attempts without backoff:
  // every attempt fails and each user sends 4 per cycle of 4 tau + Z.
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.010), 1.0), 60.0, 20.0, 4);
  s.servers[0].backlog = 1'000'000;
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{250, Distribution::exponential(1.0)};
  s.workload.client_timeout = 0.4;
  s.workload.retries = RetryPolicy{4, 0.0, 2.0, 10.0, 0.0};
  const Pair p = run_both(s);
  const double storm = 250.0 * 4 / (4 * 0.4 + 1.0);
  for (const Result* r : {&p.native, &p.simgrid}) {
    CHECK(per_replication(*r, attempts_per_second).value == Approx(storm).epsilon(0.02));
    CHECK(r->completed == 0);
  }
}

// ---------------------------------------------------------------------------
// Databases, connection pools, downstream services and caches. The native
// engine's definitions (sim/dependencies.cpp) are the reference: the
// DatabaseStats and ServiceStats of both must agree, not only the latency.

namespace {

Scenario dependent(ServerKind kind, int workers, int cores, double rate) {
  Scenario s = sync(workers, cores, {}, rate);
  s.servers[0].kind = kind;
  return s;
}

void agree_on_database(const Pair& p, double max_se) {
  const DatabaseSummary& a = p.native.databases.at(0);
  const DatabaseSummary& b = p.simgrid.databases.at(0);
  agree("database utilization", a.utilization, b.utilization, max_se);
  agree("mean pool wait", a.mean_pool_wait, b.mean_pool_wait, 2 * max_se);
  agree("P(wait for a connection)", a.pool_wait_fraction, b.pool_wait_fraction, max_se);
}

}  // namespace

TEST_CASE("SimGrid agrees with native: a pool of k in front of a fast database", "[simgrid][cross][dependencies]") {
  // A pool of 4 connections (no overflow) per process and a database with 8:
  // the database never queues, the pool is an M/M/4 queue at rho 0.7 (Erlang
  // C: P(wait) 0.43, mean wait 3.6 ms). gthread threads block on the driver;
  // a little Python before and after the query.
  Scenario s = dependent(ServerKind::gunicorn_gthread, 1, 2, 280.0);
  s.servers[0].threads = 64;
  s.databases.push_back(database("pg", 8, Distribution::exponential(0.010), 4, 0));
  s.endpoints[0].phases = {cpu(Distribution::exponential(0.0005)), db("pg"), cpu(Distribution::constant(0.0003))};
  const Pair p = run_both(test::with_run(s, 60.0, 6.0, 8));
  agree_on_all(p, 0.03);
  agree_on_database(p, 0.03);
  CHECK(p.simgrid.databases[0].mean_queue_length.value == 0.0);
}

TEST_CASE("SimGrid agrees with native: a saturated database shared by two servers", "[simgrid][cross][dependencies]") {
  // Two gthread servers on two hosts query one database with 4 connections;
  // 40 users without think time. Each process lends up to 15 connections, so
  // the database is always saturated: 4 / 20 ms = 200 req/s, every request
  // takes 40 x 20 ms / 4 = 200 ms by Little's law, and 21 or more queries queue.
  Scenario s = dependent(ServerKind::gunicorn_gthread, 1, 2, 1.0);
  s.servers[0].threads = 50;
  s.hosts.push_back(Host{"app2", 2, 1.0});
  Server second = s.servers[0];
  second.name = "web2";
  second.host = "app2";
  s.servers.push_back(second);
  s.databases.push_back(database("pg", 4, Distribution::exponential(0.020), 5, 10));
  s.endpoints[0].phases = {db("pg")};
  s.endpoints.push_back(Endpoint{"work2", "web2", {db("pg")}});
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{40, Distribution::constant(0.0)};
  const Pair p = run_both(test::with_run(s, 60.0, 6.0, 8));
  agree_on_all(p, 0.03);
  for (std::size_t e = 0; e < p.native.endpoints.size(); ++e) {
    agree("mean latency of " + p.native.endpoints[e].name, p.native.endpoints[e].latency.mean,
          p.simgrid.endpoints[e].latency.mean, 0.03);
  }
  agree("database utilization", p.native.databases[0].utilization, p.simgrid.databases[0].utilization, 0.01);
  agree("queries waiting at the database", p.native.databases[0].mean_queue_length,
        p.simgrid.databases[0].mean_queue_length, 0.03);
}

TEST_CASE("SimGrid agrees with native: pool checkouts time out", "[simgrid][cross][dependencies]") {
  // A pool of 2 in front of a fast database, 10 ms queries, a 20 ms checkout
  // timeout and 250 req/s, more than the pool's 200: about a quarter of the
  // requests fail with a pool timeout (the M/M/c+D queue).
  Scenario s = dependent(ServerKind::uvicorn, 1, 2, 250.0);
  s.endpoints[0].style = EndpointStyle::async;
  Database pg = database("pg", 2, Distribution::exponential(0.010), 2, 0);
  pg.pool.timeout = 0.020;
  s.databases.push_back(pg);
  s.endpoints[0].phases = {cpu(Distribution::exponential(0.0003)), db("pg")};
  const Pair p = run_both(test::with_run(s, 60.0, 6.0, 8));
  agree_on_all(p, 0.03);
  agree_on_database(p, 0.03);
  agree("pool-timeout fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.03);
  CHECK(p.simgrid.databases[0].pool_timeouts == p.simgrid.errors.pool_timeout);
}

TEST_CASE("SimGrid agrees with native: a downstream service with a cap and errors", "[simgrid][cross][dependencies]") {
  // gthread threads call a service serving 3 calls at once, exponential
  // 30 ms (an M/M/3 queue at rho 0.7); 10 % of calls fail with a 502.
  Scenario s = dependent(ServerKind::gunicorn_gthread, 2, 2, 70.0);
  s.servers[0].threads = 16;
  s.services.push_back(Service{"payments", Distribution::exponential(0.030), 3, 0.1});
  s.endpoints[0].phases = {cpu(Distribution::exponential(0.001)), call("payments"), cpu(Distribution::exponential(0.001))};
  const Pair p = run_both(test::with_run(s, 100.0, 10.0, 8));
  agree_on_all(p, 0.03);
  const ServiceSummary& a = p.native.services[0];
  const ServiceSummary& b = p.simgrid.services[0];
  agree("calls in progress", a.mean_in_use, b.mean_in_use, 0.03);
  agree("calls waiting", a.mean_queue_length, b.mean_queue_length, 0.08);
  agree("downstream-error fraction", error_fraction(p.native), error_fraction(p.simgrid), 0.05);
  CHECK(b.errors == p.simgrid.errors.downstream);
  CHECK(b.calls == p.simgrid.errors.downstream + p.simgrid.completed);
}

TEST_CASE("SimGrid agrees with native: a cache's hit and miss paths", "[simgrid][cross][dependencies]") {
  // 80 % hits cost a 1 ms lookup; misses also query a database of one
  // connection (exponential 13 ms: an M/M/1 queue at rho 0.39 fed by the
  // misses only) and run 2 ms of Python. 8 sync workers, about 1 busy.
  Scenario s = dependent(ServerKind::gunicorn_sync, 8, 2, 150.0);
  s.databases.push_back(database("pg", 1, Distribution::exponential(0.013), 5, 10));
  Phase cache;
  cache.kind = PhaseKind::cache;
  cache.hit_ratio = 0.8;
  cache.hit = {io(Distribution::constant(0.001))};
  cache.miss = {io(Distribution::constant(0.001)), db("pg"), cpu(Distribution::exponential(0.002))};
  s.endpoints[0].phases = {cpu(Distribution::exponential(0.001)), cache};
  const Pair p = run_both(test::with_run(s, 100.0, 10.0, 8));
  agree_on_all(p, 0.03);
  agree("p50 latency", p.native.latency.p50, p.simgrid.latency.p50, 0.03,
        2 * LatencyHistogram::relative_error() * p.native.latency.p50.value);
  agree("database utilization", p.native.databases[0].utilization, p.simgrid.databases[0].utilization, 0.03);
  agree("queries waiting at the database", p.native.databases[0].mean_queue_length,
        p.simgrid.databases[0].mean_queue_length, 0.08);
}
