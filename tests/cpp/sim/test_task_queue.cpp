// Task queues (brokers: and task_workers:, Celery/RQ-style) in the native
// engine: a pool of c worker processes fed by Poisson publishes of tasks with
// exponential run times is an M/M/c queue (Erlang C); a request that waits
// for its task takes the broker's time, the task's wait and its run; an
// overloaded pool is named by its scenario path.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "servesim/analytic/erlang.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "io/scenario_writer.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;

namespace {

constexpr double kRun = 0.1;  // seconds per task, exponential: mu = 10/s per worker
constexpr int kWorkers = 4;

// Requests to `web` (kind `kind`) each publish one task `report` to broker
// `redis` (command time `publish`), waiting for it or not; a pool of
// kWorkers processes on its own 4-core host runs it: `report` waits an
// exponential kRun (io: no CPU, so the pool alone is the queue).
Scenario offload(double rate, ServerKind kind, Distribution publish, bool wait) {
  Scenario s = test::with_run(test::one_server(kind, kind == ServerKind::uvicorn ? 1 : 64, 4), 2000.0, 50.0, 8);
  s.servers[0].framework_overhead = Distribution::constant(0.0);
  s.run.seed = 41;
  s.hosts.push_back(Host{"workers", 4, 1.0});
  s.brokers.push_back(Broker{"redis", 1, std::move(publish)});
  s.task_workers.push_back(TaskPool{"reports", "workers", "redis", kWorkers,
                                    {Task{"report", {Phase{PhaseKind::io, Distribution::exponential(kRun)}}}}});
  Phase enqueue{PhaseKind::enqueue, Distribution::constant(0.0)};
  enqueue.target = "report";
  enqueue.has_duration = false;
  enqueue.wait = wait;
  test::add_endpoint(s, "export", "web", {enqueue});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  return s;
}

}  // namespace

TEST_CASE("A task pool under Poisson publishes is an M/M/c queue", "[simulate][task_queue]") {
  // lambda = 32/s on c = 4 workers of mu = 10/s: rho = 0.8; Erlang C gives
  // P(wait) = 0.596, Wq = P(wait) / (c mu - lambda) = 74.5 ms, Lq = lambda Wq,
  // and the wait's tail P(W > t) = P(wait) e^{-(c mu - lambda) t}, so its p99
  // is ln(P(wait) / 0.01) / 8 = 511 ms. An instant broker passes the Poisson
  // stream on unchanged. 8 replications of 1,950 s (62,000 tasks each, some
  // 250 independent busy cycles of the pool's queue per 100 s at this load):
  // each mean's standard error is under 2 % of it, and a correct engine lands
  // within 4 of them.
  const double rate = 32.0;
  const MmcMetrics exact = mmc(rate, 1.0 / kRun, kWorkers);
  const Result r = simulate(offload(rate, ServerKind::uvicorn, Distribution::constant(0.0), false));
  REQUIRE(r.task_workers.size() == 1);
  const TaskPoolSummary& pool = r.task_workers[0];
  CHECK(r.stability.stable);
  check_estimate("tasks/s", pool.throughput, rate, 0.01);
  check_estimate("worker utilization", pool.utilization, exact.utilization, 0.01);
  check_estimate("mean wait (Erlang C)", pool.wait.mean, exact.mean_wait, 0.02);
  check_estimate("tasks waiting", pool.mean_queue_length, exact.mean_queue_length, 0.02);
  check_estimate("mean run", pool.run.mean, kRun, 0.01);
  // The p99 rests on the slowest 1 % of waits (some 600 a replication, bunched
  // in the longest busy periods): its standard error is under 3 %.
  const double p99 = std::log(exact.wait_probability / 0.01) / (kWorkers / kRun - rate);
  check_estimate("p99 wait", pool.wait.p99, p99, 0.03, LatencyHistogram::relative_error() * p99);
  // wait: false answers once the broker has the task: no time at an instant broker.
  CHECK(r.latency.mean.value < 1e-6);
  REQUIRE(r.brokers.size() == 1);
  // Every publish of the window but those still queued or running at its end ran in it.
  CHECK(static_cast<double>(r.brokers[0].messages) == Approx(static_cast<double>(pool.completed)).epsilon(0.001));
}

TEST_CASE("A request awaiting its task takes the broker's time, the wait and the run", "[simulate][task_queue]") {
  // Sync workers (64, never all busy: Little gives 32/s x 0.18 s = 6 in use)
  // publish to a one-thread broker of exponential 1 ms: an M/M/1 station at
  // rho 0.032, response 1 / (1000 - 32) = 1.033 ms, whose departures are
  // Poisson again (Burke's theorem), so the pool is the M/M/4 above. Mean
  // latency = 1.033 ms + Wq + 1 / mu = 175.5 ms.
  const double rate = 32.0;
  const MmcMetrics exact = mmc(rate, 1.0 / kRun, kWorkers);
  const double broker = 1.0 / (1000.0 - rate);
  const Result r = simulate(offload(rate, ServerKind::gunicorn_sync, Distribution::exponential(0.001), true));
  check_estimate("broker response (M/M/1)", r.brokers[0].mean_response, broker, 0.01);
  check_estimate("request latency", r.latency.mean, broker + exact.mean_wait + kRun, 0.015);
  check_estimate("pool's mean wait", r.task_workers[0].wait.mean, exact.mean_wait, 0.02);
  CHECK(r.errors.total() == 0);
}

TEST_CASE("An overloaded task pool is a result that names it", "[simulate][task_queue]") {
  // 4 workers run 4 / 100 ms = 40 tasks/s: the bound analysis names them first.
  Scenario s = test::with_run(offload(50.0, ServerKind::uvicorn, Distribution::constant(0.0), false), 200.0, 10.0, 2);
  const std::vector<ResourceLoad> loads = resource_loads(s);
  REQUIRE_FALSE(loads.empty());
  CHECK(loads.front().path == "task_workers.reports.concurrency");
  CHECK(loads.front().saturation_rate == Approx(kWorkers / kRun));
  // 50 tasks/s offered: the queue grows by about 10/s; requests still get their 202 at once.
  Result r = simulate(s);
  CHECK_FALSE(r.stability.stable);
  CHECK(r.stability.resource == "task_workers.reports.concurrency");
  CHECK(r.task_workers[0].utilization.value == Approx(1.0).epsilon(0.01));
  CHECK(r.task_workers[0].queue_growth.value == Approx(10.0).epsilon(0.25));
  CHECK(r.task_workers[0].throughput.value == Approx(40.0).epsilon(0.03));
  // CPU-bound tasks (100 ms of Python each) on 2 cores serve 20/s, whatever the pool's 4 processes.
  s.hosts[1].cores = 2;
  s.task_workers[0].tasks[0].phases[0] = Phase{PhaseKind::cpu, Distribution::exponential(kRun)};
  s.workload.open->rate = 30.0;
  r = simulate(s);
  CHECK_FALSE(r.stability.stable);
  CHECK(r.stability.resource == "hosts.workers.cpu");
  CHECK(r.task_workers[0].throughput.value == Approx(20.0).epsilon(0.03));
}

TEST_CASE("A broker overloaded by awaited publishes is unstable at the broker", "[simulate][task_queue][stability]") {
  // An async endpoint awaits each publish at a one-thread broker of
  // exponential 1 ms (1,000/s) and returns; 200 pool workers (2,000 tasks/s)
  // keep up with what it lets through. At 1,200/s the requests in flight grow
  // by 200/s, 8 times the 2 % threshold; at 800/s it keeps up.
  Scenario s = test::with_run(offload(1200.0, ServerKind::uvicorn, Distribution::exponential(0.001), false),
                              40.0, 4.0, 2);
  s.task_workers[0].concurrency = 200;
  const Result over = simulate(s);
  CHECK_FALSE(over.stability.stable);
  CHECK(over.stability.resource == "brokers.redis.threads");
  CHECK(over.stability.excess_rate == Approx(200.0).epsilon(0.15));
  s.workload.open->rate = 800.0;
  const Result loaded = simulate(s);
  CHECK(loaded.brokers[0].utilization.value == Approx(0.8).epsilon(0.03));
  CHECK(loaded.stability.stable);
}

TEST_CASE("Task queues parse, write back and reject bad input by name", "[io][task_queue]") {
  const std::string base = R"(
hosts: {app: {cores: 2}, jobs: {cores: 4}}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 4, framework: flask}
databases:
  pg: {connections: 20, query_time: 5ms}
brokers:
  redis: {threads: 1, command_time: 300us}
task_workers:
  celery: {host: jobs, broker: redis, concurrency: 8, tasks: {build_report: [{cpu: 200ms}, {db: pg}]}}
endpoints:
  export: {server: web, phases: [{cpu: 2ms}, {enqueue: {task: build_report, wait: false}}]}
workload: {open: {rate: 10}}
)";
  SECTION("the sections and the phase that names them") {
    const Scenario s = parse_scenario(base);
    REQUIRE(s.brokers.size() == 1);
    CHECK(s.brokers[0].command_time.mean() == Approx(300e-6));
    REQUIRE(s.task_workers.size() == 1);
    CHECK(s.concurrency_of(s.task_workers[0]) == 8);
    CHECK(s.task_workers[0].tasks[0].phases.size() == 2);
    CHECK(s.endpoints[0].phases[1].kind == PhaseKind::enqueue);
    CHECK(s.endpoints[0].phases[1].target == "build_report");
    CHECK_FALSE(s.endpoints[0].phases[1].wait);
    // Written for the SimGrid engine's child process and read back alike.
    const Scenario again = parse_scenario(detail::scenario_to_json(s));
    CHECK(again.task_workers[0].tasks[0].name == "build_report");
    CHECK(again.task_workers[0].concurrency == 8);
    CHECK(again.brokers[0].threads == 1);
    // Celery's default concurrency: the host's cores.
    const Scenario defaulted = parse_scenario(test::with(base, "concurrency: 8, ", ""));
    CHECK(defaulted.concurrency_of(defaulted.task_workers[0]) == 4);
    CHECK(parse_scenario(test::with(base, "wait: false", "wait: true")).endpoints[0].phases[1].wait);
  }
  SECTION("bad input names the field") {
    test::require_error(test::with(base, "concurrency: 8", "concurrency: 0"), "task_workers.celery.concurrency",
                        "must be an integer >= 1, got 0");
    test::require_error(test::with(base, "broker: redis,", "broker: rabbit,"), "task_workers.celery.broker",
                        "no broker named 'rabbit'");
    test::require_error(test::with(base, "host: jobs", "host: job"), "task_workers.celery.host",
                        "no host named 'job'");
    test::require_error(test::with(base, "task: build_report", "task: build_reprt"),
                        "endpoints.export.phases[1].enqueue.task", "no task named 'build_reprt'");
    test::require_error(test::with(base, "wait: false", "wait: maybe"), "endpoints.export.phases[1].enqueue.wait",
                        "must be true");
    test::require_error(test::with(base, "threads: 1", "threads: 0"), "brokers.redis.threads",
                        "must be an integer >= 1, got 0");
    test::require_error(test::with(base, "{db: pg}]", "{enqueue: build_report}]"),
                        "task_workers.celery.tasks.build_report[1].enqueue", "not modelled");
    test::require_error(test::with(base, "{db: pg}]", "{blocking_io: 5ms}]"),
                        "task_workers.celery.tasks.build_report[1].blocking_io", "use io");
    test::require_error(test::with(base, "concurrency: 8", "concurrency: 8, queues: 2"),
                        "task_workers.celery.queues", "unknown key");
  }
  SECTION("an async endpoint cannot block its event loop on a task's result") {
    const std::string fastapi = test::with(test::with(base, "kind: gunicorn-sync, workers: 4, framework: flask",
                                                      "kind: uvicorn, framework: fastapi"),
                                           "wait: false", "wait: true");
    test::require_error(test::with(fastapi, "phases: [{cpu", "style: async, phases: [{cpu"),
                        "endpoints.export.phases[1].enqueue.wait", "blocks the event loop");
    // A def endpoint, run in the thread pool, may wait.
    CHECK(parse_scenario(test::with(fastapi, "phases: [{cpu", "style: sync, phases: [{cpu")).endpoints.size() == 1);
  }
}
