#include <catch2/catch.hpp>
#include <cmath>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/errors.hpp"

using servesim::mmck;
using servesim::mmck_ctmc;

namespace {

void check_same(const servesim::MmckMetrics& a, const servesim::MmckMetrics& b, double eps) {
  CHECK(a.loss_probability == Approx(b.loss_probability).epsilon(eps).margin(1e-15));
  CHECK(a.throughput == Approx(b.throughput).epsilon(eps));
  CHECK(a.mean_in_system == Approx(b.mean_in_system).epsilon(eps));
  CHECK(a.mean_queue_length == Approx(b.mean_queue_length).epsilon(eps).margin(1e-15));
  CHECK(a.mean_response == Approx(b.mean_response).epsilon(eps));
  CHECK(a.mean_wait == Approx(b.mean_wait).epsilon(eps).margin(1e-15));
  CHECK(a.utilization == Approx(b.utilization).epsilon(eps));
}

}  // namespace

TEST_CASE("mmck matches the M/M/1/K closed form", "[analytic][mmck]") {
  SECTION("rho 0.5, K 3") {
    // M/M/1/K: p_n = (1 - rho) rho^n / (1 - rho^(K+1)) (Gross & Harris, Fundamentals of
    // Queueing Theory, 4th ed., eq. 2.41): loss = 0.0625 / 0.9375 = 1/15,
    // E[N] = (1*0.25 + 2*0.125 + 3*0.0625) / 0.9375 * 2 = 11/15.
    const auto m = mmck(1.0, 2.0, 1, 3);
    CHECK(m.loss_probability == Approx(1.0 / 15.0).epsilon(1e-13));
    CHECK(m.mean_in_system == Approx(11.0 / 15.0).epsilon(1e-13));
    CHECK(m.throughput == Approx(14.0 / 15.0).epsilon(1e-13));
    // Little: E[T] = E[N] / throughput = 11/14 s.
    CHECK(m.mean_response == Approx(11.0 / 14.0).epsilon(1e-13));
  }
  SECTION("rho 1 is uniform") {
    // rho = 1: p_n = 1 / (K + 1), so loss = 1/11 and E[N] = K / 2 = 5 for K = 10.
    const auto m = mmck(4.0, 4.0, 1, 10);
    CHECK(m.loss_probability == Approx(1.0 / 11.0).epsilon(1e-13));
    CHECK(m.mean_in_system == Approx(5.0).epsilon(1e-13));
  }
}

TEST_CASE("mmck limits", "[analytic][mmck]") {
  SECTION("no waiting room is Erlang B") {
    // K = c: M/M/c/c, loss = B(c, a) (Erlang's loss formula).
    CHECK(mmck(40.0, 1.0, 50, 50).loss_probability ==
          Approx(servesim::erlang_b(50, 40.0)).epsilon(1e-12));
  }
  SECTION("huge capacity is M/M/c") {
    // K -> infinity at rho = 0.8: p_K ~ rho^K vanishes, metrics converge to M/M/c.
    const auto finite = mmck(80.0, 50.0, 2, 5'000);
    const auto infinite = servesim::mmc(80.0, 50.0, 2);
    CHECK(finite.loss_probability < 1e-300);
    CHECK(finite.mean_response == Approx(infinite.mean_response).epsilon(1e-12));
    CHECK(finite.mean_wait == Approx(infinite.mean_wait).epsilon(1e-12));
    CHECK(finite.mean_in_system == Approx(infinite.mean_in_system).epsilon(1e-12));
    CHECK(finite.mean_queue_length == Approx(infinite.mean_queue_length).epsilon(1e-12));
    CHECK(finite.utilization == Approx(infinite.utilization).epsilon(1e-12));
  }
  SECTION("overload keeps the servers busy") {
    // rho = 1.2 and K large: throughput -> c mu = 100, loss -> 1 - 1/rho = 1/6,
    // E[N] -> K (the backlog fills).
    const auto m = mmck(120.0, 25.0, 4, 2'000);
    CHECK(m.throughput == Approx(100.0).epsilon(1e-12));
    CHECK(m.loss_probability == Approx(1.0 / 6.0).epsilon(1e-12));
    CHECK(m.utilization == Approx(1.0).epsilon(1e-12));
    CHECK(m.mean_in_system > 1'990.0);
  }
  SECTION("no arrivals") {
    // lambda = 0: empty system, E[T] = 1 / mu by the lambda -> 0 limit.
    const auto m = mmck(0.0, 5.0, 2, 10);
    CHECK(m.loss_probability == 0.0);
    CHECK(m.mean_in_system == 0.0);
    CHECK(m.mean_response == Approx(0.2));
  }
  SECTION("a million places") {
    // Log-space weights neither overflow nor underflow at K = 10^6, rho = 2:
    // throughput = c mu, loss = 1 - 1/rho.
    const auto m = mmck(400.0, 50.0, 4, 1'000'000);
    CHECK(m.throughput == Approx(200.0).epsilon(1e-12));
    CHECK(m.loss_probability == Approx(0.5).epsilon(1e-12));
  }
}

TEST_CASE("mmck agrees with the numerically solved CTMC", "[analytic][mmck]") {
  // The product form and an LU solve of the generator share no formula: they must
  // agree to 1e-9 (round-off of a tridiagonal solve of a few thousand states).
  SECTION("light load, small system") { check_same(mmck(3.0, 2.0, 2, 6), mmck_ctmc(3.0, 2.0, 2, 6), 1e-9); }
  SECTION("near saturation, Gunicorn-like") {
    check_same(mmck(190.0, 50.0, 4, 2052), mmck_ctmc(190.0, 50.0, 4, 2052), 1e-9);
  }
  SECTION("overload") { check_same(mmck(300.0, 10.0, 17, 500), mmck_ctmc(300.0, 10.0, 17, 500), 1e-9); }
  SECTION("many servers") { check_same(mmck(90.0, 1.0, 100, 3000), mmck_ctmc(90.0, 1.0, 100, 3000), 1e-9); }
}

TEST_CASE("mmck rejects bad input", "[analytic][mmck]") {
  CHECK_THROWS_WITH(mmck(1.0, 2.0, 4, 3), "mmck: capacity must be >= 4, got 3");
  CHECK_THROWS_AS(mmck(1.0, 0.0, 1, 3), servesim::Error);
  CHECK_THROWS_AS(mmck(-1.0, 1.0, 1, 3), servesim::Error);
  CHECK_THROWS_AS(mmck(1.0, 1.0, 0, 3), servesim::Error);
  CHECK_THROWS_AS(mmck_ctmc(1.0, 1.0, 2, 1), servesim::Error);
  CHECK_THROWS_AS(mmck_ctmc(std::nan(""), 1.0, 2, 4), servesim::Error);
}
