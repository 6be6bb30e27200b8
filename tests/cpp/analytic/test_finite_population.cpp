#include <catch2/catch.hpp>
#include <vector>

#include "servesim/analytic/finite_population.hpp"
#include "servesim/analytic/mva.hpp"
#include "servesim/errors.hpp"

using servesim::mmcn;

TEST_CASE("mmcn matches hand-solved and MVA values", "[analytic][finite_population]") {
  SECTION("two users, one server") {
    // N = 2, c = 1, Z = 1 s, mu = 1/s: p_n ∝ 1, 2, 2 so p = (1/5, 2/5, 2/5); X = mu P(busy) = 4/5,
    // E[L] = 2/5 + 4/5 = 6/5, E[T] = E[L] / X = 3/2 s; an arrival sees the 1-user network,
    // whose server is busy with probability S / (S + Z) = 1/2 (Gross & Harris, section 2.8).
    const auto m = mmcn(2, 1.0, 1.0, 1);
    CHECK(m.throughput == Approx(0.8).epsilon(1e-14));
    CHECK(m.mean_in_system == Approx(1.2).epsilon(1e-14));
    CHECK(m.mean_response == Approx(1.5).epsilon(1e-14));
    CHECK(m.mean_wait == Approx(0.5).epsilon(1e-14));
    CHECK(m.wait_probability == Approx(0.5).epsilon(1e-14));
    CHECK(m.utilization == Approx(0.8).epsilon(1e-14));
  }
  SECTION("agrees with exact multi-server MVA") {
    // The load-dependent MVA recursion is another exact algorithm for the same network.
    struct Case { int users; double think; double service; int servers; };
    for (const Case& k : {Case{10, 1.0, 0.02, 4}, Case{300, 1.0, 0.02, 4},
                          Case{64, 0.0001, 0.05, 8}, Case{2'000, 1.0, 0.25, 64}}) {
      INFO("users " << k.users << ", servers " << k.servers);
      const servesim::MvaStation pool{"pool", servesim::MvaStation::Kind::multi_server,
                                      k.service, k.servers};
      const auto exact = servesim::mva_exact({&pool, 1}, k.users, k.think);
      const auto m = mmcn(k.users, k.think, 1.0 / k.service, k.servers);
      CHECK(m.throughput == Approx(exact.throughput).epsilon(1e-9));
      CHECK(m.mean_response == Approx(exact.response_time).epsilon(1e-9));
      CHECK(m.utilization == Approx(exact.station_utilization[0]).epsilon(1e-9));
    }
  }
  SECTION("interactive response time law") {
    // R = N / X - Z whatever the parameters (Little's law on the whole loop).
    const auto m = mmcn(40, 0.5, 20.0, 3);
    CHECK(m.mean_response == Approx(40.0 / m.throughput - 0.5).epsilon(1e-12));
  }
}

TEST_CASE("mmcn rejects bad input", "[analytic][finite_population]") {
  CHECK_THROWS_WITH(mmcn(0, 1.0, 1.0, 1), "mmcn: users must be >= 1, got 0");
  CHECK_THROWS_WITH(mmcn(2, 0.0, 1.0, 1), "mmcn: think_time must be finite and > 0, got 0");
  CHECK_THROWS_WITH(mmcn(2, 1.0, 0.0, 1), "mmcn: service_rate must be finite and > 0, got 0");
  CHECK_THROWS_WITH(mmcn(2, 1.0, 1.0, 0), "mmcn: servers must be >= 1, got 0");
}
