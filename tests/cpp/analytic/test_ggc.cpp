#include <catch2/catch.hpp>
#include <cmath>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/ggc.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/errors.hpp"

using servesim::ggc_allen_cunneen;
using servesim::ggc_kingman;

TEST_CASE("G/G/c approximations reduce to exact cases", "[analytic][ggc]") {
  SECTION("M/M/c is exact under Allen–Cunneen") {
    // ca² = cs² = 1: the factor (ca² + cs²) / 2 is 1 and E[W] is Erlang C's, 32/45 / 20 s.
    const auto m = ggc_allen_cunneen(80.0, 1.0, 0.02, 1.0, 2);
    CHECK(m.mean_wait == Approx(32.0 / 45.0 / 20.0).epsilon(1e-13));
    CHECK(m.wait_probability == Approx(32.0 / 45.0).epsilon(1e-13));
    CHECK(m.mean_queue_length == Approx(80.0 * m.mean_wait).epsilon(1e-13));
  }
  SECTION("M/G/1 is Pollaczek–Khinchine under both") {
    // c = 1, Poisson: E[W] = rho E[S] (1 + cs²) / (2 (1 - rho)) (Kleinrock vol. 1, eq. 5.76);
    // M/D/1 at rho 0.5 with E[S] = 10 ms waits 5 ms.
    for (double scv : {0.0, 0.25, 1.0, 4.0}) {
      INFO("scv " << scv);
      const double pk = servesim::mg1_mean_wait(50.0, 0.01, scv);
      CHECK(ggc_allen_cunneen(50.0, 1.0, 0.01, scv, 1).mean_wait == Approx(pk).epsilon(1e-13));
      CHECK(ggc_kingman(50.0, 1.0, 0.01, scv, 1).mean_wait == Approx(pk).epsilon(1e-13));
    }
    CHECK(ggc_kingman(50.0, 1.0, 0.01, 0.0, 1).mean_wait == Approx(0.005).epsilon(1e-13));
  }
  SECTION("Sakasegawa's multi-server term is close to Erlang C") {
    // Kingman–Sakasegawa for M/M/c: rho^(sqrt(2(c+1)) - 1) / (c (1 - rho)) E[S] against the exact
    // C(c, a) E[S] / (c (1 - rho)); Sakasegawa (1977) reports errors of a few percent at high
    // load, more at low load where both are small.
    for (int c : {2, 4, 8, 16}) {
      const double rate = 0.9 * c / 0.01;
      INFO("servers " << c);
      CHECK(ggc_kingman(rate, 1.0, 0.01, 1.0, c).mean_wait ==
            Approx(servesim::mmc(rate, 100.0, c).mean_wait).epsilon(0.05));
    }
  }
  SECTION("constant arrivals and service never wait (D/D/c)") {
    // ca² = cs² = 0: both formulas give no queueing, as a deterministic system has none at rho < 1.
    CHECK(ggc_allen_cunneen(150.0, 0.0, 0.02, 0.0, 4).mean_wait == 0.0);
    CHECK(ggc_kingman(150.0, 0.0, 0.02, 0.0, 4).mean_wait == 0.0);
  }
}

TEST_CASE("G/G/c approximations reject unstable and bad input", "[analytic][ggc]") {
  CHECK_THROWS_AS(ggc_allen_cunneen(200.0, 1.0, 0.02, 1.0, 4), servesim::UnstableSystemError);
  CHECK_THROWS_WITH(ggc_kingman(200.0, 1.0, 0.02, 1.0, 4),
                    "ggc_kingman: utilization must be < 1 for a steady state, got 1");
  CHECK_THROWS_WITH(ggc_kingman(10.0, -1.0, 0.02, 1.0, 4),
                    "ggc_kingman: arrival_scv must be finite and >= 0, got -1");
  CHECK_THROWS_WITH(ggc_allen_cunneen(10.0, 1.0, 0.0, 1.0, 4),
                    "ggc_allen_cunneen: mean_service must be finite and > 0, got 0");
  CHECK_THROWS_WITH(ggc_allen_cunneen(10.0, 1.0, 0.02, 1.0, 0),
                    "ggc_allen_cunneen: servers must be >= 1, got 0");
}
