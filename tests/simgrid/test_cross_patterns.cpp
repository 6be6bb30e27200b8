// The SimGrid engine against the native engine on the patterns of issue 17
// and the fidelity work: free-threaded CPython, cache stores (Redis) as
// servers, task queues (Celery), long-lived connections (WebSockets,
// streams), CPU stalls, model servers with dynamic batching. Same method as
// test_cross_validation.cpp: each engine runs its own seed, and the two
// agree within 4 standard errors of their difference (cross_support.hpp),
// each case bounding that SE.

#include <catch2/catch.hpp>

#include <cmath>
#include <utility>
#include <vector>

#include "model/enum_names.hpp"
#include "servesim/analytic/erlang.hpp"
#include "servesim/metrics/statistics.hpp"
#include "servesim/model/framework.hpp"
#include "support/replications.hpp"
#include "support/scenarios.hpp"
#include "cross_support.hpp"

using namespace servesim;
using servesim::test::agree;
using servesim::test::agree_on_all;
using servesim::test::Pair;
using servesim::test::run_both;

TEST_CASE("SimGrid agrees with native: free-threaded gthread threads share the cores", "[simgrid][cross][free_threading]") {
  // One gthread process, 6 threads on 4 cores, no GIL: up to 6 runnable
  // threads share 4 cores by processor sharing, with Python 8 % slower.
  // Open Poisson load at 70 % of the cores, with an I/O wait between two
  // pieces of Python; 8 x 150 s gives about 30,000 requests per replication.
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_gthread, 1, 4), 150.0, 15.0, 8);
  s.run.seed = 23;
  s.servers[0].threads = 6;
  s.servers[0].python = PythonBuild::free_threaded;
  test::add_endpoint(s, "work", "web",
                     {Phase{PhaseKind::cpu, Distribution::exponential(0.006)},
                      Phase{PhaseKind::io, Distribution::exponential(0.004)},
                      Phase{PhaseKind::cpu, Distribution::gamma(0.004, 0.5)}});
  s.workload.open = OpenWorkload{0.7 * 4.0 / (0.010 * 1.08), ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
}

TEST_CASE("SimGrid agrees with native: uvicorn's thread pool without the GIL", "[simgrid][cross][free_threading]") {
  // A sync endpoint in a pool of 8 threads on 2 cores, free-threaded with a
  // 3.13t-like slowdown of 0.4; 24 wrk-style connections keep it saturated.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 2), 60.0, 6.0, 8);
  s.run.seed = 29;
  s.servers[0].thread_pool = 8;
  s.servers[0].python = PythonBuild::free_threaded;
  s.servers[0].free_threaded_slowdown = 0.4;
  test::add_endpoint(s, "work", "web",
                     {Phase{PhaseKind::cpu, Distribution::exponential(0.003)},
                      Phase{PhaseKind::io, Distribution::constant(0.002)}},
                     EndpointStyle::sync);
  s.workload.closed = ClosedWorkload{24, Distribution::constant(0.0)};
  agree_on_all(run_both(s), 0.03);
}

TEST_CASE("SimGrid agrees with native: a Redis store behind two event loops", "[simgrid][cross][cache_store]") {
  // Two uvicorn processes on 2 cores, each request 200 us of Python on the
  // loop and a lookup at a one-thread store (exponential 150 us); a miss (20 %)
  // waits 5 ms for the database and writes back (a second command). 3,000
  // req/s load the store to 3,000 x 1.2 x 150 us = 54 %; 8 x 60 s gives some
  // 160,000 requests per replication.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 2, 2), 60.0, 6.0, 8);
  s.run.seed = 37;
  s.caches.push_back(Cache{"redis", 1, Distribution::exponential(150e-6)});
  Phase lookup{PhaseKind::cache, Distribution::constant(0.0)};
  lookup.target = "redis";
  lookup.hit_ratio = 0.8;
  Phase write_back{PhaseKind::cache, Distribution::constant(0.0)};
  write_back.target = "redis";
  lookup.miss = {Phase{PhaseKind::io, Distribution::exponential(0.005)}, write_back};
  test::add_endpoint(s, "get", "web", {Phase{PhaseKind::cpu, Distribution::constant(200e-6)}, lookup});
  s.workload.open = OpenWorkload{3000.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  agree("store utilization", p.native.caches[0].utilization, p.simgrid.caches[0].utilization, 0.03);
  agree("mean response at the store", p.native.caches[0].mean_response, p.simgrid.caches[0].mean_response, 0.03);
}

namespace {

// One uvicorn process on one core with `count` WebSockets of `rate` messages
// per second, each exponential `cpu` of Python then an awaited 2 ms wait;
// light HTTP traffic beside them.
Scenario websockets(int count, double rate, double cpu) {
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 1), 60.0, 6.0, 8);
  s.run.seed = 43;
  test::add_endpoint(s, "health", "web", {Phase{PhaseKind::cpu, Distribution::exponential(0.0005)}});
  s.workload.open = OpenWorkload{50.0, ArrivalProcess::poisson};
  s.connections.push_back(test::chat_group(count, rate,
                                            {Phase{PhaseKind::cpu, Distribution::exponential(cpu)},
                                             Phase{PhaseKind::io, Distribution::constant(0.002)}}));
  return s;
}

// The share of each replication's requests that failed with out_of_memory, as an interval.
ConfidenceInterval share_lost_to_memory_kills(const Result& r) {
  std::vector<double> fractions;
  for (const auto& rep : r.replications) {
    fractions.push_back(static_cast<double>(rep.errors.out_of_memory) /
                        static_cast<double>(rep.completed + rep.errors.total()));
  }
  return mean_ci(fractions);
}

}  // namespace

TEST_CASE("SimGrid agrees with native: WebSockets on one event loop", "[simgrid][cross][connections]") {
  // 400 connections x 5 msg/s x 300 us = 0.6 of the loop, plus HTTP's 2.5 %.
  // The native engine draws one Poisson stream for all connections, SimGrid
  // one per connection: this checks the superposition as well. 8 x 54 s of
  // some 108,000 messages each.
  const Pair p = run_both(websockets(400, 5.0, 300e-6));
  agree_on_all(p, 0.03);
  const ConnectionSummary& native = p.native.connections[0];
  const ConnectionSummary& simgrid = p.simgrid.connections[0];
  agree("messages per second", native.message_rate, simgrid.message_rate, 0.01);
  agree("mean message latency", native.message_latency.mean, simgrid.message_latency.mean, 0.02);
  agree("p99 message latency", native.message_latency.p99, simgrid.message_latency.p99, 0.03,
        0.008 * native.message_latency.p99.value);
  agree("loop utilization", p.native.servers[0].worker_busy_fraction, p.simgrid.servers[0].worker_busy_fraction,
        0.01);
}

TEST_CASE("SimGrid agrees with native: connections opened at a rate, and streams", "[simgrid][cross][connections]") {
  // 10 WebSockets per second held an exponential 10 s (about 100 open) at 2
  // msg/s, and 4 streaming responses per second of 20 chunks 50 ms apart.
  Scenario s = websockets(1, 2.0, 500e-6);
  ConnectionGroup& chat = s.connections[0];
  chat.count.reset();
  chat.open_rate = 10.0;
  chat.hold = Distribution::exponential(10.0);
  s.run.warmup = 20.0;
  s.run.duration = 120.0;
  ConnectionGroup stream;
  stream.name = "tokens";
  stream.server = "web";
  stream.kind = ConnectionKind::stream;
  stream.open_rate = 4.0;
  stream.chunks = 20;
  stream.chunk_gap = Distribution::exponential(0.05);
  stream.phases = {Phase{PhaseKind::cpu, Distribution::exponential(200e-6)}};
  s.connections.push_back(stream);
  const Pair p = run_both(s);
  for (std::size_t g = 0; g < 2; ++g) {
    const ConnectionSummary& native = p.native.connections[g];
    const ConnectionSummary& simgrid = p.simgrid.connections[g];
    INFO(native.name);
    agree("mean open", native.mean_open, simgrid.mean_open, 0.03);
    agree("messages per second", native.message_rate, simgrid.message_rate, 0.03);
    agree("mean message latency", native.message_latency.mean, simgrid.message_latency.mean, 0.03);
  }
}

TEST_CASE("SimGrid agrees with native: Flask awaiting Celery tasks that share their host's cores",
          "[simgrid][cross][task_queue]") {
  // 16 sync workers each take 1 ms of Python, publish a task to a one-thread
  // broker (exponential 500 us) and wait for its result. The pool's 4
  // processes share 2 cores: a task is 40 ms of Python (exponential) and a
  // 20 ms query-like wait. 30 tasks/s load the cores to 30 x 40 ms / 2 = 60 %
  // and the workers to 30 x 60 ms / 4 = 45 % plus the cores' slowdown;
  // 8 x 400 s give some 11,000 tasks per replication.
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 16, 2), 400.0, 20.0, 8);
  s.run.seed = 43;
  s.hosts.push_back(Host{"jobs", 2, 1.0});
  s.brokers.push_back(Broker{"redis", 1, Distribution::exponential(500e-6)});
  s.task_workers.push_back(TaskPool{"celery", "jobs", "redis", 4,
                                    {Task{"report", {Phase{PhaseKind::cpu, Distribution::exponential(0.040)},
                                                     Phase{PhaseKind::io, Distribution::exponential(0.020)}}}}});
  Phase enqueue{PhaseKind::enqueue, Distribution::constant(0.0)};
  enqueue.target = "report";
  enqueue.has_duration = false;
  enqueue.wait = true;
  test::add_endpoint(s, "export", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.001)}, enqueue});
  s.workload.open = OpenWorkload{30.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  REQUIRE(p.simgrid.task_workers.size() == 1);
  agree("pool utilization", p.native.task_workers[0].utilization, p.simgrid.task_workers[0].utilization, 0.03);
  agree("tasks waiting", p.native.task_workers[0].mean_queue_length, p.simgrid.task_workers[0].mean_queue_length,
        0.1);
  agree("mean task wait", p.native.task_workers[0].wait.mean, p.simgrid.task_workers[0].wait.mean, 0.1);
  agree("mean task run", p.native.task_workers[0].run.mean, p.simgrid.task_workers[0].run.mean, 0.03);
  agree("broker response", p.native.brokers[0].mean_response, p.simgrid.brokers[0].mean_response, 0.03);
}

TEST_CASE("SimGrid agrees with native: stalls on a core shared by GIL-bound threads", "[simgrid][cross][stalls]") {
  // Stalls (hosts.X.stalls) lengthen every CPU step on the host, the
  // framework's overhead included; a stalled thread keeps its GIL. One
  // gthread process of 4 threads and a sync endpoint on one core: the
  // threads convoy on the GIL through the stalls. 12 users, think 20 ms,
  // exponential stalls of 2 ms taking 10 % of running time.
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_gthread, 1, 1), 150.0, 15.0, 8);
  s.run.seed = 37;
  s.hosts[0].stalls = Stalls{0.1, Distribution::exponential(0.002)};
  s.servers[0].threads = 4;
  s.servers[0].framework_overhead = Distribution::constant(0.0003);
  test::add_endpoint(s, "work", "web",
                     {Phase{PhaseKind::cpu, Distribution::exponential(0.002)},
                      Phase{PhaseKind::io, Distribution::constant(0.005)},
                      Phase{PhaseKind::cpu, Distribution::constant(0.001)}});
  s.workload.closed = ClosedWorkload{12, Distribution::exponential(0.020)};
  agree_on_all(run_both(s), 0.03);
}

TEST_CASE("SimGrid agrees with native: workers recycled at max_requests or killed by a leak",
          "[simgrid][cross][restarts]") {
  // 4 sync workers of 100 MB leaking 1 MB a request under a 449.5 MB limit:
  // killed at their 350th request unless max_requests (300 + a jitter draw
  // in [0, 100]) recycles them first, about half the time. Each request is
  // 5 ms of Python and a 10 ms wait (exponential), 160 req/s on 4 cores;
  // each restart takes 0.5 s. About 0.45 restarts/s, some 270 per replication
  // and 8 replications: the restart rate's SE is about 3 %; the boots' queues
  // make latency noisy (its mean's SE about 2.5 %, the p99's 7 %).
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 4, 4), 600.0, 15.0, 8);
  s.run.seed = 41;
  Server& web = s.servers[0];
  web.memory = ProcessMemory{100.0 * 1024 * 1024, 0.0, 0.0, 1024.0 * 1024};
  web.memory_limit = 449.5 * 1024 * 1024;
  web.max_requests = 300;
  web.max_requests_jitter = 100;
  web.boot_time = 0.5;
  test::add_endpoint(s, "work", "web",
                     {Phase{PhaseKind::cpu, Distribution::exponential(0.005)},
                      Phase{PhaseKind::io, Distribution::exponential(0.010)}});
  s.workload.open = OpenWorkload{160.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree("throughput", p.native.throughput, p.simgrid.throughput, 0.03);
  agree("CPU utilization", p.native.hosts[0].cpu_utilization, p.simgrid.hosts[0].cpu_utilization, 0.03);
  agree("busy workers", p.native.servers[0].worker_busy_fraction, p.simgrid.servers[0].worker_busy_fraction, 0.03);
  agree("mean latency", p.native.latency.mean, p.simgrid.latency.mean, 0.04);
  agree("p99 latency", p.native.latency.p99, p.simgrid.latency.p99, 0.12,
        2 * LatencyHistogram::relative_error() * p.native.latency.p99.value);
  agree("restarts per second", p.native.servers[0].restart_rate, p.simgrid.servers[0].restart_rate, 0.05);
  CHECK(p.native.servers[0].recycled > 0);
  CHECK(p.simgrid.servers[0].recycled > 0);
  CHECK(p.simgrid.servers[0].memory_killed > 0);
  CHECK(p.simgrid.errors.out_of_memory == p.simgrid.servers[0].memory_killed);  // one request each
  CHECK(p.simgrid.servers[0].peak_memory == *web.memory_limit);
}

TEST_CASE("SimGrid kills a process with every request it holds: the native engine's exact counts",
          "[simgrid][cross][restarts]") {
  // tests/cpp/sim/test_restarts.cpp's closed form, on every kind whose
  // processes hold several requests: B = 50 MB, 10 MB per request held,
  // M = 85 MB, so the 4th request held kills the process and fails all 4.
  // 4 users without think time send at once: kills at 0, 1, ..., 10 s
  // (R = 1 s), 11 kills and 44 failures in 10.05 s, no completion; the
  // native engine counts the same. With 3 users none: 3 / 100 ms = 30 req/s,
  // 80 MB at the peak (a user's next request comes once its last has left).
  constexpr double kMB = 1024.0 * 1024.0;
  for (const ServerKind kind : {ServerKind::gunicorn_gthread, ServerKind::gunicorn_gevent, ServerKind::uvicorn,
                                ServerKind::hypercorn, ServerKind::granian, ServerKind::gunicorn_uvicorn}) {
    INFO("kind " << detail::server_kind_name(kind));
    Scenario s = test::one_server(kind, 1, 1);
    s.run.duration = 10.05;
    s.servers[0].threads = kind == ServerKind::gunicorn_gthread ? 3 : 1;
    s.servers[0].memory = ProcessMemory{50 * kMB, 0.0, 10 * kMB, 0.0};
    s.servers[0].memory_limit = 85 * kMB;
    test::add_endpoint(s, "work", "web", {Phase{PhaseKind::io, Distribution::constant(0.100)}});
    s.workload.closed = ClosedWorkload{4, Distribution::constant(0.0)};
    SimulationOptions options;
    const ReplicationResult native = simulate(s, options).replications.at(0);
    options.engine = Engine::simgrid;
    const ReplicationResult rep = simulate(s, options).replications.at(0);
    CHECK(native.servers[0].memory_killed == 11);
    CHECK(native.errors.out_of_memory == 44);
    CHECK(rep.servers[0].memory_killed == 11);
    CHECK(rep.errors.out_of_memory == 44);
    CHECK(rep.errors.total() == 44);
    CHECK(rep.completed == 0);
    CHECK(rep.servers[0].peak_memory == 85 * kMB);
    s.workload.closed->users = 3;
    s.run.duration = 100.0;
    s.run.warmup = 1.0;
    const Result fits = simulate(s, options);
    CHECK(fits.replications[0].servers[0].memory_killed == 0);
    CHECK(fits.replications[0].errors.total() == 0);
    CHECK(fits.throughput.value == Approx(30.0).epsilon(0.01));
    CHECK(fits.servers[0].peak_memory == 80 * kMB);
  }
}

TEST_CASE("SimGrid agrees with native: leaking processes killed with the requests they hold",
          "[simgrid][cross][restarts]") {
  // Each process starts at 100 MB, holds 1 MB per request in it and keeps
  // 0.5 MB of each it accepted, under a 250 MB limit: killed near its 295th
  // request with the 3 or so it holds (100 req/s each, ~33 ms in the
  // process), those failing with out_of_memory; 0.5 s to boot. Requests are
  // 1 ms of Python, a query (4 connections, 10 ms) and a 20 ms wait, at
  // 200 req/s on 2 processes and 2 cores: about 0.6 kills/s, 70 per 120 s
  // replication, nearly periodic (a deterministic leak), so 8 replications
  // bound the restart rate's SE near 3 %; the boots' queues make latency
  // noisy (its mean's SE near 6 %). The kills stop requests at the database
  // too: its utilization agrees only if both engines give back what the
  // killed held. A gthread process runs them on 16 threads, so its threads
  // never queue them either.
  constexpr double kMB = 1024.0 * 1024.0;
  for (const ServerKind kind : {ServerKind::gunicorn_gthread, ServerKind::uvicorn}) {
    INFO("kind " << detail::server_kind_name(kind));
    Scenario s = test::with_run(test::one_server(kind, 2, 2), 120.0, 10.0, 8);
    s.run.seed = 43;
    Server& web = s.servers[0];
    if (kind == ServerKind::gunicorn_gthread) web.threads = 16;
    web.memory = ProcessMemory{100 * kMB, 0.0, 1 * kMB, 0.5 * kMB};
    web.memory_limit = 250 * kMB;
    web.boot_time = 0.5;
    s.databases.push_back(test::database("pg", 4, Distribution::exponential(0.010), 5, 10));
    test::add_endpoint(s, "work", "web",
                       {Phase{PhaseKind::cpu, Distribution::exponential(0.001)}, test::db("pg"),
                        Phase{PhaseKind::io, Distribution::exponential(0.020)}});
    s.workload.open = OpenWorkload{200.0, ArrivalProcess::poisson};
    const Pair p = run_both(s);
    agree("restarts per second", p.native.servers[0].restart_rate, p.simgrid.servers[0].restart_rate, 0.05);
    agree("throughput", p.native.throughput, p.simgrid.throughput, 0.03);
    agree("mean latency", p.native.latency.mean, p.simgrid.latency.mean, 0.08);
    agree("database utilization", p.native.databases[0].utilization, p.simgrid.databases[0].utilization, 0.03);
    agree("share of requests lost to kills", share_lost_to_memory_kills(p.native),
        share_lost_to_memory_kills(p.simgrid), 0.06);
    CHECK(p.simgrid.servers[0].memory_killed > 0);
    CHECK(p.simgrid.errors.out_of_memory > p.simgrid.servers[0].memory_killed);  // several each
    CHECK(p.simgrid.servers[0].peak_memory == *web.memory_limit);
  }
}

namespace {

// A model server `llm` of `instances`, batches of up to `size` after at most
// `delay`, each `batch_time` long; an endpoint `predict` on `web` awaiting it
// after `before`.
void add_inference(Scenario& s, int instances, int size, double delay, Distribution batch_time,
                   std::vector<Phase> before) {
  ModelServer llm;
  llm.name = "llm";
  llm.instances = instances;
  llm.max_batch_size = size;
  llm.max_queue_delay = delay;
  llm.batch_time = std::move(batch_time);
  s.model_servers.push_back(llm);
  Phase infer{PhaseKind::infer, Distribution::constant(0.0)};
  infer.target = "llm";
  infer.has_duration = false;
  before.push_back(infer);
  test::add_endpoint(s, "predict", "web", std::move(before));
}

// One replication of `s` on each engine: {native, SimGrid}.
std::pair<ReplicationResult, ReplicationResult> one_replication_each(const Scenario& s) {
  SimulationOptions options;
  ReplicationResult native = simulate(s, options).replications.at(0);
  options.engine = Engine::simgrid;
  return {std::move(native), simulate(s, options).replications.at(0)};
}

// The SimGrid replication failed, answered and batched what the native one did.
void check_same_batches(const ReplicationResult& native, const ReplicationResult& rep) {
  CHECK(rep.errors.total() == native.errors.total());
  CHECK(rep.completed == native.completed);
  CHECK(rep.model_servers[0].batches == native.model_servers[0].batches);
  CHECK(rep.model_servers[0].inferences == native.model_servers[0].inferences);
  CHECK(rep.model_servers[0].batch_sizes == native.model_servers[0].batch_sizes);
}

}  // namespace

TEST_CASE("SimGrid kills a process awaiting a model server: the native engine's exact counts",
          "[simgrid][cross][restarts][model_server]") {
  // One Uvicorn process of B = 100 MB keeping L = 1 MB of each request under
  // M = 120.5 MB: killed at its 21st acceptance with the few it holds, some
  // queued at the model server (they leave its queue: no batch takes them)
  // and some in a batch (it runs on, its answers go nowhere). Requests arrive
  // every 100 ms; batches of up to 4 start after at most 121.3 ms and last
  // 231.7 ms; boots take 537.1 ms (odd times, so no two events tie). Nothing
  // is random: both engines count the same completions, kills, failures and
  // batches, and neither hangs nor leaks a queued request.
  constexpr double kMB = 1024.0 * 1024.0;
  Scenario s = test::one_server(ServerKind::uvicorn, 1, 1);
  s.run.duration = 30.0;
  s.servers[0].boot_time = 0.5371;
  s.servers[0].memory = ProcessMemory{100 * kMB, 0.0, 0.0, 1 * kMB};
  s.servers[0].memory_limit = 120.5 * kMB;
  add_inference(s, 1, 4, 0.1213, Distribution::constant(0.2317), {});
  s.workload.open = OpenWorkload{10.0, ArrivalProcess::constant};
  const auto [native, rep] = one_replication_each(s);
  CHECK(native.servers[0].memory_killed > 5);
  CHECK(native.errors.out_of_memory > 2 * native.servers[0].memory_killed);  // several held at each
  CHECK(rep.servers[0].memory_killed == native.servers[0].memory_killed);
  CHECK(rep.errors.out_of_memory == native.errors.out_of_memory);
  check_same_batches(native, rep);
}

TEST_CASE("SimGrid's arbiter kills a Uvicorn worker awaiting a model server: the native engine's exact counts",
          "[simgrid][cross][arbiter][model_server]") {
  // One Uvicorn worker under Gunicorn, timeout 1.0137 s (the loop notifies
  // every 0.50685 s while free); each request awaits a batch (up to 4, after
  // at most 121.3 ms, 231.7 ms long), then holds the loop 0.9013 s. Requests
  // come every 100 ms. A new process takes its backlog, batches it at once
  // and runs the first answer's callback from 0.2317 s to 1.133 s after it
  // booted, past its deadline: the arbiter kills it at 1.0137 s with every
  // request it holds, some queued at the model server (they leave its
  // queue), some in a batch (answered to nobody), and it boots again in
  // 537.1 ms (odd times, so no two events tie). 19 kills in 30 s, 290
  // requests failed, none answered. Nothing is random: both engines count
  // the same failures and batches, of each size.
  Scenario s = test::one_server(ServerKind::gunicorn_uvicorn, 1, 1);
  s.run.duration = 30.0;
  s.servers[0].timeout = 1.0137;
  s.servers[0].boot_time = 0.5371;
  add_inference(s, 1, 4, 0.1213, Distribution::constant(0.2317), {});
  s.endpoints[0].phases.push_back(Phase{PhaseKind::cpu, Distribution::constant(0.9013)});
  s.endpoints[0].style = EndpointStyle::async;
  s.workload.open = OpenWorkload{10.0, ArrivalProcess::constant};
  const auto [native, rep] = one_replication_each(s);
  CHECK(native.errors.worker_killed == 290);
  CHECK(native.completed == 0);
  CHECK(rep.errors.worker_killed == native.errors.worker_killed);
  check_same_batches(native, rep);
}

TEST_CASE("SimGrid agrees with native: leaking processes killed while they await batches",
          "[simgrid][cross][restarts][model_server]") {
  // Two Uvicorn processes on 2 cores, 1 MB per request held and 0.5 MB kept
  // of each accepted under 250 MB: killed near their 295th request with the
  // ones they hold, most of them awaiting 2 instances batching up to 8 after
  // at most 5 ms (gamma 20 ms + 2 ms a request). At Poisson 300 req/s that
  // is about one kill a second, 60 per 60 s replication, nearly periodic;
  // 8 replications bound the restart rate's SE near 3 %, the batches' near 1 %.
  constexpr double kMB = 1024.0 * 1024.0;
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 2, 2), 60.0, 6.0, 8);
  s.run.seed = 67;
  Server& web = s.servers[0];
  web.memory = ProcessMemory{100 * kMB, 0.0, 1 * kMB, 0.5 * kMB};
  web.memory_limit = 250 * kMB;
  web.boot_time = 0.5;
  add_inference(s, 2, 8, 0.005, Distribution::gamma(0.020, 0.5), {Phase{PhaseKind::cpu, Distribution::exponential(0.001)}});
  s.model_servers[0].item_time = 0.002;
  s.workload.open = OpenWorkload{300.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree("restarts per second", p.native.servers[0].restart_rate, p.simgrid.servers[0].restart_rate, 0.05);
  agree("throughput", p.native.throughput, p.simgrid.throughput, 0.03);
  agree("share of requests lost to kills", share_lost_to_memory_kills(p.native),
        share_lost_to_memory_kills(p.simgrid), 0.06);
  const ModelServerSummary& native = p.native.model_servers[0];
  const ModelServerSummary& simgrid = p.simgrid.model_servers[0];
  agree("batches/s", native.batch_rate, simgrid.batch_rate, 0.03);
  agree("mean batch size", native.mean_batch_size, simgrid.mean_batch_size, 0.03);
  // Each kill empties part of the batch queue and the other process takes all
  // the load while one boots: the queue swings, its mean's SE near 5 %.
  agree("requests waiting", native.mean_queue_length, simgrid.mean_queue_length, 0.07);
  CHECK(p.simgrid.errors.out_of_memory > p.simgrid.servers[0].memory_killed);  // several each
}

TEST_CASE("SimGrid agrees with native and Erlang C: asyncpg's default pool in one event loop",
          "[simgrid][cross][dependencies][drivers]") {
  // One Uvicorn process, an async def awaiting asyncpg's default pool of 10
  // (min_size = max_size) in front of a database of 32, Poisson at 200 req/s,
  // exponential 40 ms queries: the pool is M/M/10 at rho 0.8, Erlang C
  // P(wait) 0.41, E[W] 8.2 ms (Kleinrock 3.5). 8 x 60 s, 96,000 queries an engine.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 2), 60.0, 6.0, 8);
  s.run.seed = 5;
  Database pg = test::database("pg", 32, Distribution::exponential(0.040), 1, 0);
  pg.pool = ConnectionPool::of_driver(PoolDriver::asyncpg);
  s.databases.push_back(pg);
  test::add_endpoint(s, "orders", "web", {test::db("pg")});
  s.endpoints[0].style = EndpointStyle::async;
  s.workload.open = OpenWorkload{200.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  const MmcMetrics exact = mmc(200.0, 25.0, 10);
  agree("throughput", p.native.throughput, p.simgrid.throughput, 0.02);
  agree("P(wait for a connection)", p.native.databases[0].pool_wait_fraction,
        p.simgrid.databases[0].pool_wait_fraction, 0.05);
  agree("mean pool wait", p.native.databases[0].mean_pool_wait, p.simgrid.databases[0].mean_pool_wait, 0.06);
  test::check_estimate("SimGrid: P(wait)", p.simgrid.databases[0].pool_wait_fraction, exact.wait_probability, 0.05);
  test::check_estimate("SimGrid: mean pool wait", p.simgrid.databases[0].mean_pool_wait, exact.mean_wait, 0.06);
  test::check_estimate("SimGrid: throughput", p.simgrid.throughput, 200.0, 0.01);
}

TEST_CASE("SimGrid agrees with native: a batching model server behind an event loop", "[simgrid][cross][model_server]") {
  // A FastAPI endpoint (1 ms of Python on the loop) awaiting a model server of
  // 2 instances, batches of up to 8 after at most 5 ms, a batch taking a gamma
  // draw of mean 20 ms (cv 0.5) plus 2 ms per request: full batches would
  // serve 2 x 8 / 36 ms = 444/s. At 300 req/s batches are partly full and the
  // queue delay mixes the timer and the instances' busy periods; 8 x 60 s
  // give some 18,000 requests per replication.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 2), 60.0, 6.0, 8);
  s.run.seed = 47;
  ModelServer llm;
  llm.name = "llm";
  llm.instances = 2;
  llm.max_batch_size = 8;
  llm.max_queue_delay = 0.005;
  llm.batch_time = Distribution::gamma(0.020, 0.5);
  llm.item_time = 0.002;
  s.model_servers.push_back(llm);
  Phase infer{PhaseKind::infer, Distribution::constant(0.0)};
  infer.target = "llm";
  infer.has_duration = false;
  test::add_endpoint(s, "predict", "web", {Phase{PhaseKind::cpu, Distribution::exponential(0.001)}, infer});
  s.workload.open = OpenWorkload{300.0, ArrivalProcess::poisson};
  const Pair p = run_both(s);
  agree_on_all(p, 0.03);
  REQUIRE(p.simgrid.model_servers.size() == 1);
  const ModelServerSummary& native = p.native.model_servers[0];
  const ModelServerSummary& simgrid = p.simgrid.model_servers[0];
  agree("batches/s", native.batch_rate, simgrid.batch_rate, 0.03);
  agree("mean batch size", native.mean_batch_size, simgrid.mean_batch_size, 0.03);
  agree("instances busy", native.utilization, simgrid.utilization, 0.03);
  agree("mean queue delay", native.queue_delay.mean, simgrid.queue_delay.mean, 0.05);
  agree("requests waiting", native.mean_queue_length, simgrid.mean_queue_length, 0.05);
}

TEST_CASE("SimGrid agrees with native: Hypercorn, Granian and Gunicorn's Uvicorn workers", "[simgrid][cross][asgi]") {
  // Each new ASGI kind on uvicorn's runtime with its own FastAPI costs (the
  // presets): 2 processes on 2 cores, an async def (Python, an awaited wait,
  // Python) at Poisson 300 req/s, about 60-75 % of the loops; 8 x 100 s gives
  // some 27,000 requests per replication.
  for (ServerKind kind : {ServerKind::hypercorn, ServerKind::granian, ServerKind::gunicorn_uvicorn}) {
    Scenario s = test::with_run(test::one_server(kind, 2, 2), 100.0, 10.0, 8);
    INFO(static_cast<int>(kind));
    s.run.seed = 31;
    const FrameworkPreset preset = *find_framework_preset("fastapi", kind);
    s.servers[0].framework_overhead = Distribution::constant(preset.overhead_s);
    s.servers[0].wait_overhead = Distribution::constant(preset.wait_overhead_s);
    test::add_endpoint(s, "work", "web",
                       {Phase{PhaseKind::cpu, Distribution::exponential(0.003)},
                        Phase{PhaseKind::io, Distribution::lognormal(0.03, 1.0)},
                        Phase{PhaseKind::cpu, Distribution::exponential(0.001)}});
    s.workload.open = OpenWorkload{300.0, ArrivalProcess::poisson};
    agree_on_all(run_both(s), 0.03);
  }
}

TEST_CASE("SimGrid refuses a burst beyond each ASGI kind's default backlog as native does", "[simgrid][cross][backlog]") {
  // 3,000 requests at t = 0, two processes that take one each and retire
  // (test::blocked_burst): the rest beyond backlog_of() are refused, exactly
  // 3,000 - 2 - 100 on Hypercorn and 3,000 - 2 - 2,048 on Uvicorn.
  SimulationOptions on_simgrid;
  on_simgrid.engine = Engine::simgrid;
  for (const auto& [kind, refused] : {std::pair{ServerKind::hypercorn, 2898}, std::pair{ServerKind::uvicorn, 950}}) {
    INFO("kind " << detail::server_kind_name(kind));
    const Scenario s = test::blocked_burst(kind, 3000);
    CHECK(simulate(s, on_simgrid).replications.at(0).errors.refused == static_cast<std::uint64_t>(refused));
    CHECK(simulate(s).replications.at(0).errors.refused == static_cast<std::uint64_t>(refused));
  }
}

TEST_CASE("SimGrid kills Uvicorn workers whose loop the arbiter finds blocked, as native does",
          "[simgrid][cross][arbiter]") {
  SimulationOptions on_simgrid;
  on_simgrid.engine = Engine::simgrid;
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_uvicorn, 1, 1), 9.9, 0.0, 1);
  s.servers[0].timeout = 1.0;
  s.servers[0].boot_time = 0.5;
  SECTION("deterministic: 3 users' 2 s callbacks, a kill at 1 + 1.5 k s, 18 requests failed") {
    // As tests/cpp/sim/test_arbiter.cpp: each kill takes the 3 requests the worker holds.
    test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::constant(2.0)}}, EndpointStyle::async);
    s.workload.closed = ClosedWorkload{3, Distribution::constant(0.0)};
    for (const ReplicationResult& r : {simulate(s).replications.at(0), simulate(s, on_simgrid).replications.at(0)}) {
      CHECK(r.errors.worker_killed == 18);
      CHECK(r.errors.total() == 18);
      CHECK(r.completed == 0);
    }
  }
  SECTION("exponential callbacks on fresh processes: killed with probability exp(-timeout / mean)") {
    // max_requests 1: each request opens a process that has just notified
    // the arbiter, killed iff its callback (exponential, mean 0.1 s) outlasts
    // 0.1 s: exp(-1) = 0.368. Some 13,000 requests in 1,000 s per engine: a
    // standard error of 0.0042 on the share; 4 of them.
    s.run.duration = 1000.0;
    s.run.seed = 7;
    s.servers[0].timeout = 0.1;
    s.servers[0].boot_time = 0.01;
    s.servers[0].max_requests = 1;
    test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::exponential(0.1)}},
                       EndpointStyle::async);
    s.workload.closed = ClosedWorkload{1, Distribution::constant(0.0)};
    const double p = std::exp(-1.0);
    for (const ReplicationResult& r : {simulate(s).replications.at(0), simulate(s, on_simgrid).replications.at(0)}) {
      const double n = static_cast<double>(r.completed + r.errors.worker_killed);
      CHECK(n > 12'000);
      CHECK(r.errors.worker_killed / n == Approx(p).margin(4.0 * std::sqrt(p * (1.0 - p) / n)));
    }
  }
}

TEST_CASE("SimGrid agrees with native: native code on 4 threads beside Python", "[simgrid][cross][native_threads]") {
  // 16 sync workers on 4 cores; a request runs 2 ms of Python, then 20 ms of
  // CPU (exponential) split over 4 threads, as PyTorch with 4 intra-op
  // threads would: each such phase is 4 of the runnable threads. 120 req/s
  // keep the cores 120 x 22 ms / 4 = 66 % busy; 8 x 100 s give some 12,000
  // requests per replication.
  Scenario s = test::with_run(test::one_server(ServerKind::gunicorn_sync, 16, 4), 100.0, 10.0, 8);
  s.run.seed = 59;
  Phase native{PhaseKind::cpu_nogil, Distribution::exponential(0.020)};
  native.threads = 4;
  test::add_endpoint(s, "predict", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.002)}, native});
  s.workload.open = OpenWorkload{120.0, ArrivalProcess::poisson};
  agree_on_all(run_both(s), 0.03);
}

TEST_CASE("Both engines judge an overload that async endpoints await unstable at its station",
          "[simgrid][cross][stability]") {
  // An async endpoint awaits a model server of one instance without
  // batching (exponential 10 ms: 100/s) and a one-thread cache store
  // (exponential 2 ms: 500/s). At 120 req/s the model server falls behind
  // by 20/s (some 950 requests through the second half of 95 s, against a
  // threshold of 2 % of the arrivals and 100); no worker waits, so only the
  // requests in flight show it. At 70 req/s both stations keep up.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 2), 100.0, 5.0, 2);
  s.run.seed = 61;
  ModelServer llm;
  llm.name = "llm";
  llm.batch_time = Distribution::exponential(0.010);
  s.model_servers.push_back(llm);
  s.caches.push_back(Cache{"redis", 1, Distribution::exponential(0.002)});
  Phase lookup{PhaseKind::cache, Distribution::constant(0.0)};
  lookup.target = "redis";
  lookup.hit_ratio = 1.0;
  Phase infer{PhaseKind::infer, Distribution::constant(0.0)};
  infer.target = "llm";
  infer.has_duration = false;
  test::add_endpoint(s, "predict", "web", {lookup, infer});
  s.workload.open = OpenWorkload{120.0, ArrivalProcess::poisson};
  const Pair over = run_both(s);
  for (const Result* r : {&over.native, &over.simgrid}) {
    CHECK_FALSE(r->stability.stable);
    CHECK(r->stability.resource == "model_servers.llm.instances");
    CHECK(r->stability.excess_rate == Approx(20.0).epsilon(0.25));
  }
  s.workload.open->rate = 70.0;
  const Pair fine = run_both(s);
  CHECK(fine.native.stability.stable);
  CHECK(fine.simgrid.stability.stable);
}

TEST_CASE("SimGrid agrees with native exactly: Uvicorn's loop reads a late client behind the previous poll's",
          "[simgrid][cross][loop_order]") {
  // The deterministic case of tests/cpp/sim/test_loop_order.cpp (16 users, 5 ms
  // of CPU, no think time, no framework costs): by hand, 14 of 15 requests take
  // 75 ms and one 150 ms (a FIFO loop: 80 ms each). Nothing is random, and the
  // late reads hang on which client answers at a poll's instant, which each
  // engine orders its own way: the rule (rules/loop_order.hpp) must decide it.
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 1), 30.0, 3.0, 1);
  s.servers[0].framework_overhead = Distribution::constant(0.0);
  s.servers[0].connection_overhead = Distribution::constant(0.0);
  test::add_endpoint(s, "work", "web", {Phase{PhaseKind::cpu, Distribution::constant(0.005)}}, EndpointStyle::async);
  s.workload.closed = ClosedWorkload{16, Distribution::constant(0.0)};
  const Pair p = run_both(s);
  for (const Result* r : {&p.native, &p.simgrid}) {
    CHECK(r->latency.p50.value == Approx(0.075).epsilon(LatencyHistogram::relative_error()));
    CHECK(r->latency.p99.value == Approx(0.150).epsilon(LatencyHistogram::relative_error()));
    CHECK(r->latency.mean.value == Approx(0.080).epsilon(2e-3));
  }
  // The same histogram bucket: equal but for the engines' rounding of time.
  CHECK(p.simgrid.latency.p50.value == Approx(p.native.latency.p50.value).epsilon(1e-9));
  CHECK(p.simgrid.latency.p99.value == Approx(p.native.latency.p99.value).epsilon(1e-9));
}

namespace {

// Two processes of `kind`, 4 wrk-style users on keep-alive connections,
// every request a 10 ms wait; 100 replications of 4 s, each drawing its own
// split of the connections on the SimGrid engine.
Result pinned_on_simgrid(ServerKind kind, bool reuse_port) {
  Scenario s = test::with_run(test::one_server(kind, 2, 2), 4.1, 0.1, 100);
  s.run.seed = 41;
  s.servers[0].threads = kind == ServerKind::gunicorn_gthread ? 2 : 1;
  s.servers[0].reuse_port = reuse_port;
  test::add_endpoint(s, "wait", "web", {Phase{PhaseKind::io, Distribution::constant(0.010)}});
  s.workload.closed = ClosedWorkload{4, Distribution::constant(0.0)};
  SimulationOptions options;
  options.engine = Engine::simgrid;
  return simulate(s, options);
}

}  // namespace

TEST_CASE("SimGrid pins keep-alive connections where they were accepted, by the native engine's laws",
          "[simgrid][cross][pinning]") {
  // The laws tests/cpp/sim/test_pinning.cpp checks on the native engine, on
  // SimGrid's own mechanism, with 100 replications (four binomial sigmas).
  SECTION("reuse_port: Binomial(4, 1/2) splits, each serving the capacity it leaves (200, 300, 400 req/s)") {
    // Busiest process holding 4, 3 or 2 connections of 2 threads: a share
    // of 1, 2/3 or 1/2 of the requests, with probability 2/16, 8/16, 6/16.
    const Result r = pinned_on_simgrid(ServerKind::gunicorn_gthread, true);
    // 2 degrees of freedom: below 13.8 at the 0.1 % level.
    CHECK(test::reuse_port_split_chi_square(r) < 13.8);
  }
  SECTION("a shared socket: gthread's burst all on one process with probability 0.72") {
    const Result r = pinned_on_simgrid(ServerKind::gunicorn_gthread, false);
    int all_on_one = 0;
    for (const ReplicationResult& rep : r.replications) all_on_one += rep.servers[0].busiest_process_share > 0.999;
    const double p = 0.72;
    CHECK(std::abs(all_on_one - 100.0 * p) < 4.0 * std::sqrt(100.0 * p * (1.0 - p)));
  }
}
