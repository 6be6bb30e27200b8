// Load balancers (rules/balancer.hpp, in the native engine) against results
// known independently: exact counts of a deterministic policy, the binomial
// law of random splitting, queueing formulas for the servers behind a
// balancer, and the exact delay of a network path. Each SECTION says which.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "servesim/analytic/erlang.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "rules/balancer.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/thread_counts.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;
using servesim::test::farm;
using servesim::test::simulate_on_one_and_three_threads;
using servesim::test::standard_error;
using servesim::test::require_error;
using servesim::test::with;

namespace {

std::vector<std::uint64_t> sent_counts(const ReplicationResult& r) {
  std::vector<std::uint64_t> sent;
  for (const BalancedServerStats& server : r.balancers.at(0).servers) sent.push_back(server.sent);
  return sent;
}

// Mean response of a GI/M/1 queue whose inter-arrival times are Erlang-k of
// rate k * lambda (every k-th of a Poisson stream of rate k * lambda), with
// service rate mu: the response time is exponential of rate mu (1 - sigma),
// sigma the root in (0, 1) of sigma = A*(mu (1 - sigma)), A*(s) the Laplace
// transform of the inter-arrival time (Kleinrock I, 6.4). Fixed-point
// iteration from 0 converges monotonically for lambda < mu.
double erlang_gm1_mean_response(int k, double lambda, double mu) {
  const double stage = k * lambda;
  double sigma = 0.0;
  for (int i = 0; i < 10'000; ++i) sigma = std::pow(stage / (stage + mu * (1.0 - sigma)), k);
  return 1.0 / (mu * (1.0 - sigma));
}

// A valid balanced scenario the error tests break one field at a time.
const std::string kBalanced = R"(
hosts:
  a: {cores: 2}
  b: {cores: 2}
servers:
  web1: {host: a}
  web2: {host: b}
balancers:
  lb: {servers: [web1, web2], policy: least_connections, rtt: 2ms}
endpoints:
  work: {server: lb, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 10}
)";

}  // namespace

TEST_CASE("A balancer's policies pick as documented", "[balancer]") {
  using detail::LoadBalancer;
  SECTION("least connections: the fewest outstanding, ties taken in turn") {
    LoadBalancer lb(BalancingPolicy::least_connections, 3, Rng(1, 1));
    // All idle: ties rotate, 0, 1, 2; then all hold one and the rotation goes on.
    CHECK(lb.pick() == 0);
    CHECK(lb.pick() == 1);
    CHECK(lb.pick() == 2);
    lb.answered(1);
    CHECK(lb.pick() == 1);  // the only one with fewer
    lb.answered(0);
    lb.answered(2);
    CHECK(lb.pick() == 2);  // 0 and 2 tie; the turn is at 2
    CHECK(lb.pick() == 0);
  }
  SECTION("power of two: two distinct servers, the less loaded wins") {
    // With two servers both are always drawn: the idle one is always chosen.
    LoadBalancer lb(BalancingPolicy::power_of_two, 2, Rng(1, 2));
    const std::size_t busy = lb.pick();
    for (int i = 0; i < 100; ++i) {
      const std::size_t chosen = lb.pick();
      CHECK(chosen != busy);
      lb.answered(chosen);
    }
  }
  SECTION("sent counts restart with the measured window") {
    LoadBalancer lb(BalancingPolicy::round_robin, 2, Rng(1, 3));
    (void)lb.pick();
    lb.start_measuring();
    (void)lb.pick();
    CHECK(lb.sent() == std::vector<std::uint64_t>{0, 1});
  }
}

TEST_CASE("Round robin sends every server the same number of requests", "[simulate][balancer]") {
  // Each server gets every third request: over any window the counts differ
  // by at most one, whatever the servers do with them.
  Scenario s = farm({1.0, 1.0, 0.5}, BalancingPolicy::round_robin, 90.0, Distribution::exponential(0.010));
  s.run.duration = 100.0;
  s.run.replications = 3;
  const Result r = simulate(s);
  for (const ReplicationResult& rep : r.replications) {
    const std::vector<std::uint64_t> sent = sent_counts(rep);
    const auto [low, high] = std::minmax_element(sent.begin(), sent.end());
    CHECK(*high - *low <= 1);
    CHECK(*low > 1000);
  }
  REQUIRE(r.balancers.size() == 1);
  CHECK(r.balancers[0].name == "lb");
  CHECK(r.balancers[0].servers[2].name == "web2");
  CHECK(r.balancers[0].servers[2].share.mean == Approx(1.0 / 3.0).epsilon(1e-3));
}

TEST_CASE("Random splitting is binomial", "[simulate][balancer]") {
  // Each request goes to one of 4 servers with probability 1/4, independently:
  // the counts of a replication are multinomial, so Pearson's statistic
  // sum (O - E)^2 / E over servers is chi-squared with 3 degrees of freedom,
  // and summed over 32 independent replications with 96 (mean 96, SD
  // sqrt(192) = 13.9). Within 4 SDs of 96 rejects a biased split (too large)
  // and an evened-out one such as round robin's (near 0) alike.
  Scenario s = farm(4, BalancingPolicy::random, 200.0, Distribution::exponential(0.002));
  s.run.duration = 20.0;
  s.run.warmup = 0.0;
  s.run.replications = 32;
  const Result r = simulate(s);
  double chi_squared = 0.0;
  for (const ReplicationResult& rep : r.replications) {
    const std::vector<std::uint64_t> sent = sent_counts(rep);
    double total = 0.0;
    for (const std::uint64_t count : sent) total += static_cast<double>(count);
    for (const std::uint64_t count : sent) {
      const double deviation = static_cast<double>(count) - total / 4.0;
      chi_squared += deviation * deviation / (total / 4.0);
    }
  }
  const double dof = 32.0 * 3.0;
  INFO("chi-squared " << chi_squared << " with " << dof << " degrees of freedom");
  CHECK(std::abs(chi_squared - dof) <= 4.0 * std::sqrt(2.0 * dof));
  check_estimate("share of web0", r.balancers[0].servers[0].share, 0.25, 0.01);
}

TEST_CASE("Round robin makes each server an Erlang-arrival GI/M/1 queue", "[simulate][balancer][accuracy]") {
  // Every third request of a Poisson stream of 120 req/s reaches each server:
  // Erlang-3 inter-arrival times at 40 req/s. Service is exponential at
  // 100 req/s on the two fast hosts and 50 on the half-speed one, so each
  // server is an E3/M/1 queue (rho 0.4, 0.4, 0.8) and the mean response,
  // a third from each, follows from the GI/M/1 formula.
  // Run: 8 x 400 s at 120 req/s, 350 k requests.
  const double lambda = 120.0;
  Scenario s = farm({1.0, 1.0, 0.5}, BalancingPolicy::round_robin, lambda, Distribution::exponential(0.010));
  const Result r = simulate(s);
  const double fast = erlang_gm1_mean_response(3, lambda / 3.0, 100.0);
  const double slow = erlang_gm1_mean_response(3, lambda / 3.0, 50.0);
  check_estimate("mean response", r.latency.mean, (2.0 * fast + slow) / 3.0, 0.02);
}

TEST_CASE("Random splitting makes M/M/1 queues; least connections lies between them and M/M/N", "[simulate][balancer][accuracy]") {
  // 4 identical single-worker servers, exponential 10 ms, 280 req/s (rho 0.7).
  // Random splitting thins the Poisson stream into 4 independent Poisson
  // streams of 70 req/s: 4 M/M/1 queues, E[T] = 1 / (100 - 70) = 33.3 ms.
  // No policy that must commit a request to a server on arrival beats one
  // shared queue, M/M/4 (Erlang C), E[T] = 13.6 ms. Least connections (join
  // the shortest queue) lies above that, the power of two choices, which
  // sees only two queues, above least connections, and both below random.
  // Run: 8 x 400 s at 280 req/s, 800 k requests per policy.
  const double lambda = 280.0;
  const double mm1 = 1.0 / (100.0 - lambda / 4.0);
  const double mmn = mmc(lambda, 100.0, 4).mean_response;
  const Result random = simulate(farm(4, BalancingPolicy::random, lambda, Distribution::exponential(0.010)));
  check_estimate("random: mean response", random.latency.mean, mm1, 0.02);
  check_estimate("random: each server busy", random.servers[0].worker_busy_fraction, 0.7, 0.01);

  const Result least = simulate(farm(4, BalancingPolicy::least_connections, lambda, Distribution::exponential(0.010)));
  const Result two = simulate(farm(4, BalancingPolicy::power_of_two, lambda, Distribution::exponential(0.010)));
  const Estimate& lc = least.latency.mean;
  const Estimate& p2 = two.latency.mean;
  INFO("M/M/4 " << mmn << ", least connections " << lc.mean << " +- " << lc.half_width << ", power of two "
                << p2.mean << " +- " << p2.half_width << ", M/M/1 " << mm1);
  CHECK(lc.mean + 4.0 * standard_error(lc) >= mmn);
  CHECK(lc.upper() < p2.lower());
  CHECK(p2.upper() < random.latency.mean.lower());
}

TEST_CASE("Least connections and power of two choices beat round robin on p99 with a slow host",
          "[simulate][balancer]") {
  // Three single-worker servers, one on a host at half speed (10 ms of
  // exponential work takes it 20 ms), 120 req/s: round robin loads the slow
  // one to rho 0.8 whatever its queue; the adaptive policies send it less.
  // Run: 8 x 400 s per policy; the 95 % intervals of p99 must not overlap.
  const std::vector<double> speeds{1.0, 1.0, 0.5};
  auto p99 = [&](BalancingPolicy policy) {
    return simulate(farm(speeds, policy, 120.0, Distribution::exponential(0.010))).latency.p99;
  };
  const Estimate round_robin = p99(BalancingPolicy::round_robin);
  const Estimate least = p99(BalancingPolicy::least_connections);
  const Estimate two = p99(BalancingPolicy::power_of_two);
  INFO("p99: round robin " << round_robin.mean << " +- " << round_robin.half_width << ", least connections "
                           << least.mean << " +- " << least.half_width << ", power of two " << two.mean
                           << " +- " << two.half_width);
  CHECK(least.upper() < round_robin.lower());
  CHECK(two.upper() < round_robin.lower());
}

TEST_CASE("The network adds rtt and transfer times to every latency", "[simulate][balancer]") {
  // An async endpoint that only awaits 20 ms never queues (uvicorn's loop is
  // free between awaits), so its latency is 20 ms plus the network: rtt 10 ms,
  // 12,500 bytes up at 100 Mbit/s (1 ms) and 125,000 bytes down (10 ms):
  // exactly 41 ms for every request. The same endpoint on the server
  // directly pays no network.
  Scenario s;
  s.hosts.push_back(Host{"app", 1, 1.0});
  Server server;
  server.name = "api";
  server.host = "app";
  server.kind = ServerKind::uvicorn;
  s.servers.push_back(server);
  s.balancers.push_back(Balancer{"lb", {"api"}, BalancingPolicy::round_robin, 0.010, 100.0});
  Endpoint through{"through", "lb", {Phase{PhaseKind::io, Distribution::constant(0.020)}}};
  through.request_bytes = 12'500;
  through.response_bytes = 125'000;
  Endpoint direct = through;
  direct.name = "direct";
  direct.server = "api";
  s.endpoints = {through, direct};
  s.workload.open = OpenWorkload{100.0, ArrivalProcess::poisson};
  s.run.duration = 100.0;
  s.run.warmup = 1.0;
  s.run.replications = 2;
  const double resolution = LatencyHistogram::relative_error();

  const Result r = simulate(s);
  const double expected = 0.020 + 0.010 + 0.001 + 0.010;
  CHECK(r.endpoints[0].latency.mean.mean == Approx(expected).epsilon(1e-9));
  CHECK(r.endpoints[0].latency.p50.mean == Approx(expected).epsilon(resolution));
  CHECK(r.endpoints[0].latency.max == Approx(expected).epsilon(resolution));
  CHECK(r.endpoints[1].latency.mean.mean == Approx(0.020).epsilon(1e-9));
  CHECK(r.endpoints[1].latency.max == Approx(0.020).epsilon(resolution));
  // Little's law on the server sees only its own 20 ms.
  CHECK(r.little.mean_response == Approx(0.020).epsilon(1e-6));
  CHECK(r.little.relative_error() < 0.01);

  SECTION("a closed loop waits for the answer to reach it: users / 41 ms") {
    Scenario closed = s;
    closed.endpoints = {through};
    closed.workload.open.reset();
    closed.workload.closed = ClosedWorkload{10, Distribution::constant(0.0)};
    const Result c = simulate(closed);
    CHECK(c.throughput.mean == Approx(10 / expected).epsilon(0.005));
  }
  SECTION("without bandwidth the bytes cost nothing") {
    s.balancers[0].bandwidth_mbps.reset();
    CHECK(simulate(s).endpoints[0].latency.mean.mean == Approx(0.030).epsilon(1e-9));
  }
  SECTION("a client timeout shorter than the path fails every request, at its deadline") {
    // The answer leaves the server in time (31 ms) but reaches the client at
    // 41 ms, after its 35 ms timeout; 10 users without think time then send
    // every 35 ms.
    Scenario closed = s;
    closed.endpoints = {through};
    closed.workload.open.reset();
    closed.workload.closed = ClosedWorkload{10, Distribution::constant(0.0)};
    closed.workload.client_timeout = 0.035;
    const Result c = simulate(closed);
    CHECK(c.completed == 0);
    const double per_second = static_cast<double>(c.errors.client_timeout) /
                              (c.replications[0].measured_duration * static_cast<double>(c.replications.size()));
    CHECK(per_second == Approx(10 / 0.035).epsilon(0.005));
  }
}

TEST_CASE("A request whose client gave up on the way is not also refused", "[simulate][balancer]") {
  // 20 users without think time, a 2 ms timeout and a 10 ms round trip: each
  // client gives up 2 ms after sending, before its request reaches the server
  // (5 ms), and sends the next. The one sync worker, 1 s per request, with a
  // backlog of 1, refuses nearly all of them; those refusals reach no client:
  // every user fails once per 2 ms, by timeout only.
  Scenario s = farm(1, BalancingPolicy::round_robin, 1.0, Distribution::constant(1.0));
  s.servers[0].backlog = 1;
  s.balancers[0].rtt = 0.010;
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{20, Distribution::constant(0.0)};
  s.workload.client_timeout = 0.002;
  s.run.duration = 20.0;
  s.run.warmup = 1.0;
  s.run.replications = 2;
  const Result r = simulate(s);
  CHECK(r.errors.refused == 0);
  CHECK(r.completed == 0);
  const double per_second =
      static_cast<double>(r.errors.client_timeout) / (19.0 * static_cast<double>(r.replications.size()));
  CHECK(per_second == Approx(20 / 0.002).epsilon(0.001));
}

TEST_CASE("Requests that fail in a handler stop counting against their server", "[simulate][balancer]") {
  // Two single-worker servers, the second at half speed; 10 ms of Python,
  // then a 1 ms call to a service. Least connections sends the fast server
  // more (about 63 % at 120 req/s). When the call fails half the time the
  // servers do the same work, so the split must stay the same; were failed
  // requests still counted as outstanding, the counts would grow with what
  // each server was sent, and least connections would drift to an even split.
  Scenario s = farm({1.0, 0.5}, BalancingPolicy::least_connections, 120.0, Distribution::exponential(0.010));
  s.services.push_back(Service{"partner", Distribution::constant(0.001), std::nullopt, 0.0});
  s.endpoints[0].phases.push_back(Phase{PhaseKind::call, {}, "partner"});
  s.run.duration = 200.0;
  s.run.replications = 4;
  const Result clean = simulate(s);
  s.services[0].error_rate = 0.5;
  const Result failing = simulate(s);
  const Estimate& before = clean.balancers[0].servers[0].share;
  const Estimate& after = failing.balancers[0].servers[0].share;
  INFO("fast server's share: " << before.mean << " without errors, " << after.mean << " with");
  CHECK(before.mean > 0.55);
  CHECK(std::abs(after.mean - before.mean) < 0.01);
  CHECK(failing.errors.downstream > 0);
}

TEST_CASE("A balanced run is the same on any thread count", "[simulate][balancer]") {
  for (const BalancingPolicy policy : {BalancingPolicy::random, BalancingPolicy::power_of_two}) {
    Scenario s = farm(3, policy, 200.0, Distribution::exponential(0.010));
    s.run.duration = 20.0;
    s.run.warmup = 2.0;
    s.run.replications = 3;
    s.balancers[0].rtt = 0.004;
    const auto [a, b] = simulate_on_one_and_three_threads(s);
    for (std::size_t i = 0; i < a.replications.size(); ++i) {
      CHECK(sent_counts(a.replications[i]) == sent_counts(b.replications[i]));
      CHECK(a.replications[i].latency.mean == b.replications[i].latency.mean);
    }
  }
}

TEST_CASE("Balancer mistakes are named with the field", "[balancer][errors]") {
  CHECK_NOTHROW(parse_scenario(kBalanced));
  require_error(with(kBalanced, "[web1, web2]", "[web1, web3]"), "balancers.lb.servers[1]",
                "no server named 'web3'");
  require_error(with(kBalanced, "{host: b}", "{host: c}"), "servers.web2.host", "no host named 'c'");
  require_error(with(kBalanced, "[web1, web2]", "[]"), "balancers.lb.servers", "at least one server");
  require_error(with(kBalanced, "least_connections", "least_conn"), "balancers.lb.policy",
                "unknown policy 'least_conn'");
  require_error(with(kBalanced, "[web1, web2]", "[web1, web1]"), "balancers.lb.servers[1]", "listed twice");
  require_error(with(kBalanced, "rtt: 2ms", "rtt: -2ms"), "balancers.lb.rtt", "");
  require_error(with(kBalanced, "rtt: 2ms", "bandwidth_mbps: 0"), "balancers.lb.bandwidth_mbps", "");
  require_error(with(kBalanced, "server: lb", "server: lbb"), "endpoints.work.server", "no server or balancer named 'lbb'");
  require_error(with(kBalanced, "phases:", "request_bytes: -1, phases:"), "endpoints.work.request_bytes", "");
}
