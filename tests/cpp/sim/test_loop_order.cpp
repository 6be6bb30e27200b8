// The order in which Uvicorn's event loop serves ready requests (rules/loop_order.hpp):
// in iterations, a poll then the callbacks it made ready; connections read at
// the previous poll first, in that poll's order; a client whose response was
// the iteration's last work is read one iteration late. Checked on the exact
// deterministic case, derived by hand, and on the kinds that stay FIFO.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_quantile;

namespace {

constexpr double kCpu = 0.005;  // seconds of CPU per request
constexpr int kUsers = 16;

// `kind` with no framework costs, one core, one async endpoint of kCpu, kUsers
// wrk-style users (keep-alive, no think time).
Scenario saturated_loop(const std::string& kind, int users = kUsers) {
  return parse_scenario("hosts:\n  app: {cores: 1}\nservers:\n  web: {host: app, kind: " + kind +
                        ", framework: none}\nendpoints:\n  work: {server: web, style: async, phases: [{cpu: 5ms}]}\n"
                        "workload:\n  closed: {users: " + std::to_string(users) + ", think_time: 0s}\n"
                        "run: {duration: 60s, warmup: 5s, replications: 1, seed: 5}\n");
}

}  // namespace

TEST_CASE("Uvicorn's loop reads the iteration's last client one poll late, behind the previous poll's",
          "[simulate][loop_order]") {
  // By hand, N users and c seconds per request, all sending at 0: the first
  // request runs alone; the other N - 1 are read at its end (t = c) and run
  // in one iteration. Each client answers during it and stays on the ready
  // list, except the last one's, answered at the poll itself: it is read at
  // the poll after, behind the N - 2 read before, and the user that was
  // waiting since t = c runs last in the iteration of N - 1 after t = N c.
  // From then on every iteration runs N - 1 requests, the same N - 2 first,
  // and its last slot alternates between the two users that miss a poll in
  // turn: N - 2 of N - 1 requests take (N - 1) c (75 ms), one takes
  // 2 (N - 1) c (150 ms), which a FIFO loop would have served in N c (80 ms).
  // Mean N c (Little: N users, none thinking, 1 / c a second).
  const Result r = simulate(saturated_loop("uvicorn"));
  const double c = kCpu;
  CHECK(r.throughput.value == Approx(1.0 / c).epsilon(1e-3));
  CHECK(r.latency.mean.value == Approx(kUsers * c).epsilon(2e-3));
  check_quantile("p50", r.latency.p50, (kUsers - 1) * c);
  check_quantile("p90", r.latency.p90, (kUsers - 1) * c);  // 1 / 15 of requests = 6.7 % take 150 ms
  check_quantile("p99", r.latency.p99, 2 * (kUsers - 1) * c);

  SECTION("Gunicorn's Uvicorn workers too") {
    const Result g = simulate(saturated_loop("gunicorn-uvicorn"));
    check_quantile("p50", g.latency.p50, (kUsers - 1) * c);
    check_quantile("p99", g.latency.p99, 2 * (kUsers - 1) * c);
  }
  SECTION("one user: nothing else is ready, so its late request is read at once (c each)") {
    const Result one = simulate(saturated_loop("uvicorn", 1));
    check_quantile("p50", one.latency.p50, c);
    check_quantile("p99", one.latency.p99, c);
  }
}

TEST_CASE("Hypercorn's and Granian's loops serve first come, first served", "[simulate][loop_order]") {
  // FIFO with N users and c each: every request waits for the N - 1 others once, N c.
  for (const char* kind : {"hypercorn", "granian"}) {
    INFO(kind);
    const Result r = simulate(saturated_loop(kind));
    check_quantile("p50", r.latency.p50, kUsers * kCpu);
    check_quantile("p99", r.latency.p99, kUsers * kCpu);
  }
}
