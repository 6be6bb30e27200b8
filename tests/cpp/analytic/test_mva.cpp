#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <vector>

#include "servesim/analytic/mva.hpp"
#include "servesim/errors.hpp"

using servesim::mva_exact;
using servesim::mva_schweitzer;
using Station = servesim::MvaStation;
using Kind = servesim::MvaStation::Kind;

namespace {

/// Throughput of the machine-repairman model (M/M/c//N): N users think Exp(Z), then
/// queue at c exponential servers of mean S. A birth-death chain in the number n at the
/// servers with p_n ∝ N!/(N-n)! (S/Z)^n / (n! if n <= c, else c! c^(n-c)), evaluated in
/// log space (Gross & Harris, Fundamentals of Queueing Theory, 4th ed., section 2.8).
/// Independent of MVA: X = E[min(n, c)] / S.
double repairman_throughput(int users, double think, double service, int servers) {
  std::vector<double> log_w(static_cast<std::size_t>(users) + 1, 0.0);
  for (int n = 1; n <= users; ++n) {
    log_w[n] = log_w[n - 1] + std::log((users - n + 1) * service / think / std::min(n, servers));
  }
  const double top = *std::max_element(log_w.begin(), log_w.end());
  double total = 0.0, busy = 0.0;
  for (int n = 0; n <= users; ++n) {
    const double w = std::exp(log_w[n] - top);
    total += w;
    busy += std::min(n, servers) * w;
  }
  return busy / total / service;
}

/// Throughput X(N) = G(N-1) / G(N) by Buzen's convolution algorithm (Buzen 1973; Bolch et
/// al., Queueing Networks and Markov Chains, 2nd ed., section 8.1), an oracle independent of
/// MVA: G is the convolution of the stations' factors f(n), D^n for a queue,
/// D^n / prod_{j<=n} min(j, c) for c servers, D^n / n! for a delay (think time included).
double convolution_throughput(const std::vector<Station>& stations, int users, double think) {
  const auto factors = [users](double demand, int servers) {
    std::vector<double> f(static_cast<std::size_t>(users) + 1, 1.0);
    for (int n = 1; n <= users; ++n) f[n] = f[n - 1] * demand / std::min(n, servers);
    return f;
  };
  std::vector<double> g = factors(think, users);
  for (const Station& s : stations) {
    const int servers = s.kind == Kind::delay ? users : s.kind == Kind::queue ? 1 : s.servers;
    const std::vector<double> f = factors(s.demand, servers);
    std::vector<double> next(g.size(), 0.0);
    for (int n = 0; n <= users; ++n) {
      for (int j = 0; j <= n; ++j) next[n] += f[j] * g[n - j];
    }
    g = next;
  }
  return g[users - 1] / g[users];
}

}  // namespace

TEST_CASE("mva_exact on a single queue", "[analytic][mva]") {
  const std::vector<Station> cpu{{"cpu", Kind::queue, 0.05, 1}};
  SECTION("one user never queues") {
    // N = 1: R = D = 0.05 s, X = 1 / (D + Z) = 1 / 1.05.
    const auto r = mva_exact(cpu, 1, 1.0);
    CHECK(r.response_time == Approx(0.05).epsilon(1e-14));
    CHECK(r.throughput == Approx(1.0 / 1.05).epsilon(1e-14));
    CHECK(r.station_utilization[0] == Approx(0.05 / 1.05).epsilon(1e-14));
  }
  SECTION("matches the machine-repairman model") {
    // One exponential server with N = 30 users, Z = 1 s: the M/M/1//N chain.
    CHECK(mva_exact(cpu, 30, 1.0).throughput ==
          Approx(repairman_throughput(30, 1.0, 0.05, 1)).epsilon(1e-11));
  }
  SECTION("throughput within the asymptotic bounds") {
    // N / (N D + Z) <= X(N) <= min(N / (D + Z), 1 / Dmax)
    // (Lazowska et al., Quantitative System Performance, 1984, section 5.2).
    for (int n : {1, 2, 5, 10, 21, 22, 50, 200}) {
      const double x = mva_exact(cpu, n, 1.0).throughput;
      CHECK(x <= std::min(n / 1.05, 1.0 / 0.05) * (1 + 1e-12));
      CHECK(x >= n / (n * 0.05 + 1.0) * (1 - 1e-12));
    }
  }
  SECTION("Little's law holds in every station") {
    // Users in the network + thinking = N: X (R + Z) = N.
    const auto r = mva_exact(cpu, 40, 0.5);
    CHECK(r.throughput * (r.response_time + 0.5) == Approx(40.0).epsilon(1e-12));
    CHECK(r.station_queue_length[0] == Approx(r.throughput * r.station_residence[0]));
  }
}

TEST_CASE("mva_exact on balanced and mixed networks", "[analytic][mva]") {
  SECTION("balanced network closed form") {
    // K queues of equal demand D, Z = 0: X(N) = N / ((N + K - 1) D)
    // (Lazowska et al., Quantitative System Performance, section 5.4, balanced systems).
    const std::vector<Station> balanced{{"a", Kind::queue, 0.02, 1},
                                        {"b", Kind::queue, 0.02, 1},
                                        {"c", Kind::queue, 0.02, 1}};
    CHECK(mva_exact(balanced, 10, 0.0).throughput ==
          Approx(10.0 / (12.0 * 0.02)).epsilon(1e-12));
  }
  SECTION("a delay station is think time") {
    // Moving Z into a delay station changes only where it is reported.
    const std::vector<Station> with_delay{{"cpu", Kind::queue, 0.03, 1},
                                          {"think", Kind::delay, 2.0, 1}};
    const std::vector<Station> without{{"cpu", Kind::queue, 0.03, 1}};
    CHECK(mva_exact(with_delay, 80, 0.0).throughput ==
          Approx(mva_exact(without, 80, 2.0).throughput).epsilon(1e-13));
  }
  SECTION("bottleneck saturates") {
    // Large N: X -> 1 / Dmax = 1 / 0.04.
    const std::vector<Station> net{{"cpu", Kind::queue, 0.04, 1},
                                   {"disk", Kind::queue, 0.03, 1},
                                   {"lan", Kind::delay, 0.01, 1}};
    CHECK(mva_exact(net, 2'000, 1.0).throughput == Approx(25.0).epsilon(1e-9));
  }
}

TEST_CASE("mva_exact on a multi-server station (Gunicorn sync pool)", "[analytic][mva]") {
  SECTION("users <= servers never queue") {
    // N <= c: every request finds a free worker, R = S exactly.
    const std::vector<Station> pool{{"gunicorn", Kind::multi_server, 0.02, 8}};
    for (int n : {1, 4, 8}) {
      const auto r = mva_exact(pool, n, 0.5);
      CHECK(r.response_time == Approx(0.02).epsilon(1e-12));
      CHECK(r.throughput == Approx(n / 0.52).epsilon(1e-12));
    }
  }
  SECTION("one server is a queue") {
    // c = 1: the multi-server recursion reduces to R = D (1 + Q).
    const std::vector<Station> multi{{"w", Kind::multi_server, 0.02, 1}};
    const std::vector<Station> single{{"w", Kind::queue, 0.02, 1}};
    CHECK(mva_exact(multi, 60, 1.0).throughput ==
          Approx(mva_exact(single, 60, 1.0).throughput).epsilon(1e-13));
  }
  SECTION("matches the machine-repairman model") {
    // M/M/c//N chain (see repairman_throughput), across load levels and pool sizes,
    // including large pools where the load-dependent recursion could lose accuracy.
    struct Case { int users; double think; double service; int servers; };
    for (const Case& k : {Case{10, 1.0, 0.02, 4}, Case{200, 1.0, 0.02, 4},
                          Case{50, 0.1, 0.05, 3}, Case{500, 1.0, 0.1, 16},
                          Case{1'000, 0.5, 0.04, 17}, Case{2'000, 1.0, 0.25, 64}}) {
      const std::vector<Station> pool{{"gunicorn", Kind::multi_server, k.service, k.servers}};
      INFO("users " << k.users << ", servers " << k.servers);
      CHECK(mva_exact(pool, k.users, k.think).throughput ==
            Approx(repairman_throughput(k.users, k.think, k.service, k.servers)).epsilon(1e-9));
    }
  }
  SECTION("large N approaches c / S") {
    // 4 workers of 20 ms saturate at 200 req/s; N = 5,000 users with Z = 1 s offer 5,000/s.
    const std::vector<Station> pool{{"gunicorn", Kind::multi_server, 0.02, 4}};
    const auto r = mva_exact(pool, 5'000, 1.0);
    CHECK(r.throughput == Approx(200.0).epsilon(1e-9));
    CHECK(r.station_utilization[0] == Approx(1.0).epsilon(1e-9));
    // R = N / X - Z once saturated.
    CHECK(r.response_time == Approx(5'000 / 200.0 - 1.0).epsilon(1e-9));
  }
  SECTION("the header example") {
    // 4 workers, S = 20 ms, 100 users, Z = 1 s: offered 100/1.02 = 98/s, below c/S = 200/s,
    // so X is close to N / (S + Z) and inside the bounds.
    const servesim::MvaStation pool{"gunicorn", servesim::MvaStation::Kind::multi_server, 0.02, 4};
    const auto r = servesim::mva_exact({&pool, 1}, 100, 1.0);
    CHECK(r.throughput <= 100 / 1.02);
    CHECK(r.throughput > 0.99 * 100 / 1.02);
  }
}

TEST_CASE("mva_exact on networks with several multi-server stations", "[analytic][mva]") {
  // Web pool, database with its own connections, a disk and a network delay: compared with
  // the convolution algorithm (see convolution_throughput) at light, medium and heavy load.
  const std::vector<Station> net{{"web", Kind::multi_server, 0.030, 4},
                                 {"db", Kind::multi_server, 0.045, 3},
                                 {"disk", Kind::queue, 0.010, 1},
                                 {"lan", Kind::delay, 0.002, 1},
                                 {"cache", Kind::multi_server, 0.0, 8}};
  for (int n : {1, 3, 10, 40, 120}) {
    INFO("users " << n);
    CHECK(mva_exact(net, n, 0.5).throughput ==
          Approx(convolution_throughput(net, n, 0.5)).epsilon(1e-10));
  }
}

TEST_CASE("mva_schweitzer approximates mva_exact", "[analytic][mva]") {
  const std::vector<Station> net{{"cpu", Kind::queue, 0.04, 1},
                                 {"disk", Kind::queue, 0.03, 1},
                                 {"pool", Kind::multi_server, 0.08, 4},
                                 {"lan", Kind::delay, 0.01, 1}};
  SECTION("exact for one user") {
    // N = 1: (N-1)/N = 0, no queueing; R = sum of demands = 0.16 s.
    const auto r = mva_schweitzer(net, 1, 1.0);
    CHECK(r.response_time == Approx(0.16).epsilon(1e-12));
    CHECK(r.throughput == Approx(mva_exact(net, 1, 1.0).throughput).epsilon(1e-12));
  }
  SECTION("within a few percent at every load") {
    // Schweitzer's error is typically below 5 % in throughput
    // (Lazowska et al., Quantitative System Performance, section 6.4.2).
    for (int n : {2, 5, 10, 20, 30, 40, 60, 100, 400}) {
      INFO("users " << n);
      CHECK(mva_schweitzer(net, n, 1.0).throughput ==
            Approx(mva_exact(net, n, 1.0).throughput).epsilon(0.05));
    }
  }
  SECTION("saturates at the same bottleneck") {
    // Large N: X -> 1 / Dmax = 25/s.
    CHECK(mva_schweitzer(net, 20'000, 1.0).throughput == Approx(25.0).epsilon(1e-3));
  }
}

TEST_CASE("mva rejects bad input", "[analytic][mva]") {
  const std::vector<Station> ok{{"cpu", Kind::queue, 0.05, 1}};
  CHECK_THROWS_WITH(mva_exact(ok, 0, 1.0), "mva_exact: users must be >= 1, got 0");
  CHECK_THROWS_AS(mva_exact(ok, 1, -1.0), servesim::Error);
  const std::vector<Station> negative{{"cpu", Kind::queue, -0.05, 1}};
  CHECK_THROWS_WITH(mva_exact(negative, 1, 1.0),
                    "mva_exact: stations[0].demand must be finite and >= 0, got -0.05");
  const std::vector<Station> no_workers{{"pool", Kind::multi_server, 0.05, 0}};
  CHECK_THROWS_WITH(mva_schweitzer(no_workers, 3, 1.0),
                    "mva_schweitzer: stations[0].servers must be >= 1, got 0");
  CHECK_THROWS_AS(mva_exact({}, 3, 0.0), servesim::Error);
  CHECK_THROWS_AS(mva_schweitzer(ok, 3, 1.0, 0.0), servesim::Error);
}
