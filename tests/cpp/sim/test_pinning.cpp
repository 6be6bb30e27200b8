// Keep-alive connections pinned to the process that accepted them, in the
// native engine (rules/pinning.hpp): the split of wrk-style connections
// across two processes, drawn once per replication, against the binomial law
// of SO_REUSEPORT's hashing and the burst rule's capture probability, and each
// replication's throughput against the capacity its split leaves. Each
// SECTION says which and why.

#include <catch2/catch.hpp>

#include <cmath>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/replications.hpp"
#include "support/require_error.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using servesim::test::add_endpoint;

namespace {

constexpr double kPinnedWait = 0.010;  // each request only waits: a process serves min(k, threads) / S

// Two processes of `kind` on two cores, `users` wrk-style users (no think
// time, so their connections never idle out), every request a 10 ms wait;
// `replications` runs of 4 s, each drawing its own split. Every connection
// completes 400 requests in the window, give or take one at its edges: 0.25 %.
Scenario two_processes(ServerKind kind, int users, int replications) {
  Scenario s = test::with_run(test::one_server(kind, 2, 2), 4.1, 0.1, replications);
  s.run.seed = 11;
  add_endpoint(s, "wait", "web", {Phase{PhaseKind::io, Distribution::constant(kPinnedWait)}});
  s.workload.closed = ClosedWorkload{users, Distribution::constant(0.0)};
  return s;
}

// Replications whose busiest process accepted all the requests.
int all_on_one(const Result& r) {
  int count = 0;
  for (const ReplicationResult& rep : r.replications) count += rep.servers[0].busiest_process_share > 0.999 ? 1 : 0;
  return count;
}

// Four standard deviations of a binomial count of `n` trials at `p`: a
// correct rule fails the check once in 16,000 seeds.
double four_sigma(int n, double p) { return 4.0 * std::sqrt(n * p * (1.0 - p)); }

}  // namespace

TEST_CASE("reuse_port: wrk's connections hash over the processes as the binomial law says", "[simulate][pinning]") {
  // 4 connections, 2 gthread processes of 2 threads, SO_REUSEPORT: the
  // busier process holds k ~ max of Binomial(4, 1/2): all 4 with p = 2/16,
  // 3 with 8/16, 2 with 6/16. A process with k connections and 2 threads
  // serves min(k, 2) / 10 ms, so the replication serves 200, 300 or 400
  // req/s, and its busiest process takes 1, 2/3 or 1/2 of the requests: the
  // split alone decides each replication, exactly (but for the window's edges).
  Scenario s = two_processes(ServerKind::gunicorn_gthread, 4, 400);
  s.servers[0].threads = 2;
  s.servers[0].reuse_port = true;
  const Result r = simulate(s);
  // The splits' frequencies: chi-square with 2 degrees of freedom below 13.8 (0.1 % level).
  CHECK(test::reuse_port_split_chi_square(r) < 13.8);
}

TEST_CASE("A shared socket: one process takes a whole burst of connects with the kind's probability",
          "[simulate][pinning]") {
  // wrk's 4 connections connect at one instant: the first goes to the least
  // loaded process, which takes the other three too with probability q,
  // else they spread one by one, 2/2. So all 4 share a process in a
  // fraction q of the replications; 400 replications give that count within
  // four binomial sigmas.
  SECTION("gthread: q = 0.72, each such run serving one process's 2 threads, 200 req/s") {
    Scenario s = two_processes(ServerKind::gunicorn_gthread, 4, 400);
    s.servers[0].threads = 2;
    const Result r = simulate(s);
    CHECK(std::abs(all_on_one(r) - 400 * 0.72) < four_sigma(400, 0.72));
    for (const ReplicationResult& rep : r.replications) {
      const bool one = rep.servers[0].busiest_process_share > 0.999;
      CHECK(rep.throughput == Approx(one ? 200.0 : 400.0).epsilon(0.01));
    }
  }
  SECTION("uvicorn: q = 0.20 (least loaded alone: never; hashing: 12.5 %)") {
    const Result r = simulate(two_processes(ServerKind::uvicorn, 4, 400));
    CHECK(std::abs(all_on_one(r) - 400 * 0.20) < four_sigma(400, 0.20));
  }
}

TEST_CASE("Requests on a pinned connection wait in their process while another is idle", "[simulate][pinning]") {
  // All 8 connections on one gthread process of 4 threads (a burst that
  // stayed): the process serves 4 / 10 ms = 400 req/s and its requests wait
  // for a thread: 4 of them at every moment, while the other process
  // idles. Placing each request on arrival would serve all 8 at 800 req/s.
  Scenario s = two_processes(ServerKind::gunicorn_gthread, 8, 60);
  s.servers[0].threads = 4;
  const Result r = simulate(s);
  int pinned = 0;
  for (const ReplicationResult& rep : r.replications) {
    if (rep.servers[0].busiest_process_share < 0.999) continue;
    pinned += 1;
    CHECK(rep.throughput == Approx(400.0).epsilon(0.01));
    CHECK(rep.servers[0].mean_queue_length == Approx(4.0).margin(0.05));
  }
  CHECK(pinned > 29);  // 0.72 x 60 = 43, sigma 3.5
}

TEST_CASE("Gunicorn sync pins nothing: it closes each connection", "[simulate][pinning]") {
  // 4 users keep both single-request workers busy, taking turns from the
  // shared backlog: 2 / 10 ms = 200 req/s, half each, in every replication.
  const Result r = simulate(two_processes(ServerKind::gunicorn_sync, 4, 20));
  CHECK(r.throughput.value == Approx(200.0).epsilon(0.01));
  for (const ReplicationResult& rep : r.replications) {
    CHECK(rep.servers[0].busiest_process_share == Approx(0.5).margin(0.01));
  }
}

TEST_CASE("reuse_port is a setting of Gunicorn's keep-alive workers only", "[simulate][pinning][parser]") {
  using test::require_error;
  const std::string base =
      "hosts: {app: {cores: 1}}\nendpoints: {e: {server: web, phases: [{cpu: 1ms}]}}\n"
      "workload: {closed: {users: 2}}\nservers:\n  web: {host: app, workers: 2, ";
  CHECK(parse_scenario(base + "kind: gunicorn-gthread, reuse_port: true}\n").servers[0].reuse_port);
  CHECK_FALSE(parse_scenario(base + "kind: gunicorn-uvicorn, reuse_port: false}\n").servers[0].reuse_port);
  require_error(base + "kind: gunicorn-gthread, reuse_port: 1}\n", "servers.web.reuse_port",
                "must be true or false, got 1");
  require_error(base + "kind: uvicorn, reuse_port: true}\n", "servers.web.reuse_port",
                "uvicorn servers have no 'reuse_port' setting");
}
