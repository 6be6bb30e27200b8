#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/errors.hpp"

using servesim::mg1_mean_response;
using servesim::mg1_mean_wait;

TEST_CASE("Pollaczek-Khinchine mean wait", "[analytic][mg1]") {
  SECTION("M/D/1") {
    // scv = 0: E[W] = rho S / (2 (1 - rho)); lambda 50/s, S 10 ms, rho 0.5 -> 5 ms
    // (Kleinrock, Queueing Systems vol. 1, eq. 5.73).
    CHECK(mg1_mean_wait(50.0, 0.01, 0.0) == Approx(0.005).epsilon(1e-13));
    CHECK(mg1_mean_response(50.0, 0.01, 0.0) == Approx(0.015).epsilon(1e-13));
  }
  SECTION("exponential service is M/M/1") {
    // scv = 1: E[W] = rho / (mu - lambda), the M/M/1 value from mmc(c = 1).
    const auto mm1 = servesim::mmc(30.0, 50.0, 1);
    CHECK(mg1_mean_wait(30.0, 0.02, 1.0) == Approx(mm1.mean_wait).epsilon(1e-13));
    CHECK(mg1_mean_response(30.0, 0.02, 1.0) == Approx(mm1.mean_response).epsilon(1e-13));
  }
  SECTION("variability scales the wait by (1 + scv) / 2") {
    // Hyperexponential-like scv = 4 waits 5/2 times the M/M/1 wait at equal mean
    // (Harchol-Balter, Performance Modeling and Design of Computer Systems, eq. 23.14).
    CHECK(mg1_mean_wait(30.0, 0.02, 4.0) == Approx(2.5 * mg1_mean_wait(30.0, 0.02, 1.0)));
  }
  SECTION("no arrivals, no wait") {
    // lambda = 0: E[W] = 0, E[T] = E[S].
    CHECK(mg1_mean_wait(0.0, 0.02, 1.0) == 0.0);
    CHECK(mg1_mean_response(0.0, 0.02, 1.0) == 0.02);
  }
}

TEST_CASE("mg1 rejects bad input", "[analytic][mg1]") {
  CHECK_THROWS_AS(mg1_mean_wait(100.0, 0.01, 1.0), servesim::UnstableSystemError);
  CHECK_THROWS_WITH(mg1_mean_response(200.0, 0.01, 1.0),
                    "mg1_mean_response: utilization must be < 1 for a steady state, got 2");
  CHECK_THROWS_WITH(mg1_mean_wait(1.0, 0.01, -0.5),
                    "mg1_mean_wait: service_scv must be finite and >= 0, got -0.5");
  CHECK_THROWS_AS(mg1_mean_wait(1.0, 0.0, 1.0), servesim::Error);
  CHECK_THROWS_AS(mg1_mean_wait(-1.0, 0.01, 1.0), servesim::Error);
}
