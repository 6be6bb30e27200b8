#include <catch2/catch.hpp>
#include <vector>

#include "servesim/analytic/bounds.hpp"
#include "servesim/analytic/mva.hpp"
#include "servesim/core/rng.hpp"
#include "servesim/errors.hpp"

using servesim::closed_network_bounds;
using Station = servesim::MvaStation;
using Kind = servesim::MvaStation::Kind;

TEST_CASE("closed-network bounds on textbook networks", "[analytic][bounds]") {
  SECTION("a single queue") {
    // D = D_max = 0.05 s, Z = 1 s: N* = (D + Z) / D_max = 21 (Lazowska et al., QSP, section 5.2).
    const Station cpu{"cpu", Kind::queue, 0.05, 1};
    const auto b = closed_network_bounds({&cpu, 1}, 40, 1.0);
    CHECK(b.saturation_population == Approx(21.0).epsilon(1e-14));
    CHECK(b.throughput_upper == Approx(20.0).epsilon(1e-14));         // 1 / D_max
    CHECK(b.throughput_lower == Approx(40.0 / 3.0).epsilon(1e-14));   // N / (N D + Z)
    CHECK(b.response_lower == Approx(1.0).epsilon(1e-14));            // N D_max - Z
    CHECK(b.response_upper == Approx(2.0).epsilon(1e-14));            // N D
  }
  SECTION("balanced network: the balanced job bounds are exact") {
    // K equal queues of demand d, Z = 0: X(N) = N / ((N + K - 1) d) (QSP section 5.4), and
    // with D_avg = D_max both balanced bounds equal it.
    const std::vector<Station> net{{"a", Kind::queue, 0.02, 1}, {"b", Kind::queue, 0.02, 1},
                                   {"c", Kind::queue, 0.02, 1}};
    const auto b = closed_network_bounds(net, 10, 0.0);
    CHECK(b.balanced_throughput_lower == Approx(10.0 / (12.0 * 0.02)).epsilon(1e-13));
    CHECK(b.balanced_throughput_upper == Approx(10.0 / (12.0 * 0.02)).epsilon(1e-13));
  }
}

TEST_CASE("exact MVA lies within every bound", "[analytic][bounds]") {
  // Random product-form networks of 1-4 queues and a delay, populations 1-200: X(N) from
  // exact MVA must satisfy asymptotic <= balanced <= X <= balanced <= asymptotic.
  servesim::Rng rng(2024, 5);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<Station> net;
    const int queues = 1 + static_cast<int>(rng.uniform01() * 4);
    net.reserve(static_cast<std::size_t>(queues) + 1);
    for (int k = 0; k < queues; ++k) net.push_back({"q", Kind::queue, 0.001 + 0.05 * rng.uniform01(), 1});
    net.push_back({"lan", Kind::delay, 0.01 * rng.uniform01(), 1});
    const double think = rng.uniform01() < 0.3 ? 0.0 : 2.0 * rng.uniform01();
    const int users = 1 + static_cast<int>(rng.uniform01() * 200);
    const auto b = closed_network_bounds(net, users, think);
    const double x = servesim::mva_exact(net, users, think).throughput;
    INFO("trial " << trial << ", users " << users << ", think " << think);
    CHECK(x <= b.balanced_throughput_upper * (1 + 1e-12));
    CHECK(x >= b.balanced_throughput_lower * (1 - 1e-12));
    CHECK(b.balanced_throughput_upper <= b.throughput_upper * (1 + 1e-12));
    CHECK(b.balanced_throughput_lower >= b.throughput_lower * (1 - 1e-12));
  }
}

TEST_CASE("mva_exact_curve is mva_exact at every population", "[analytic][bounds][mva]") {
  // Throughput rises with N towards 1 / D_max and crosses from the light-load asymptote
  // N / (D + Z) to the heavy one near N* (QSP figure 5.3).
  const std::vector<Station> net{{"pool", Kind::multi_server, 0.08, 4}, {"db", Kind::queue, 0.01, 1}};
  const auto curve = servesim::mva_exact_curve(net, 120, 1.0);
  REQUIRE(curve.size() == 120);
  for (int n : {1, 7, 60, 120}) {
    CHECK(curve[n - 1].throughput == Approx(servesim::mva_exact(net, n, 1.0).throughput).epsilon(1e-13));
  }
  for (std::size_t n = 1; n < curve.size(); ++n) CHECK(curve[n].throughput >= curve[n - 1].throughput);
  const auto b = closed_network_bounds(net, 120, 1.0);
  CHECK(b.saturation_population == Approx((0.09 + 1.0) / 0.02).epsilon(1e-13));
}

TEST_CASE("bounds reject bad input", "[analytic][bounds]") {
  const Station cpu{"cpu", Kind::queue, 0.05, 1};
  CHECK_THROWS_WITH(closed_network_bounds({&cpu, 1}, 0, 1.0),
                    "closed_network_bounds: users must be >= 1, got 0");
  const Station negative{"cpu", Kind::queue, -1.0, 1};
  CHECK_THROWS_WITH(closed_network_bounds({&negative, 1}, 3, 1.0),
                    "closed_network_bounds: stations[0].demand must be finite and >= 0, got -1");
}
