#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/analytic/processor_sharing.hpp"
#include "servesim/errors.hpp"

using servesim::mg1_ps_mean_response;
using servesim::mgc_ps_mean_response;

TEST_CASE("M/G/1-PS mean response", "[analytic][processor_sharing]") {
  SECTION("equals M/M/1 FCFS in the mean") {
    // E[T] = E[S] / (1 - rho) = 1 / (mu - lambda): 1/20 s for lambda 30, mu 50
    // (Kleinrock, Queueing Systems vol. 2, eq. 4.17).
    CHECK(mg1_ps_mean_response(30.0, 0.02) == Approx(0.05).epsilon(1e-13));
  }
  SECTION("half load doubles the work") {
    // rho = 0.5: E[T] = 2 E[S].
    CHECK(mg1_ps_mean_response(50.0, 0.01) == Approx(0.02).epsilon(1e-13));
  }
}

TEST_CASE("multi-core PS mean response", "[analytic][processor_sharing]") {
  SECTION("one core is M/G/1-PS") {
    // c = 1: min(1, 1/n) of a core is plain PS.
    CHECK(mgc_ps_mean_response(30.0, 0.02, 1) == Approx(mg1_ps_mean_response(30.0, 0.02)));
  }
  SECTION("matches the birth-death chain with rates min(n, c) / E[S]") {
    // Independent check of the derivation: solve the chain numerically (mmck_ctmc with a
    // capacity where rho^K is negligible) and apply Little's law.
    const double lambda = 350.0, work = 0.01;
    const int cores = 4;
    const auto chain = servesim::mmck_ctmc(lambda, 1.0 / work, cores, 2'000);
    CHECK(mgc_ps_mean_response(lambda, work, cores) == Approx(chain.mean_response).epsilon(1e-9));
  }
  SECTION("light load: no sharing") {
    // lambda -> 0: a job runs alone on a core, E[T] -> E[S].
    CHECK(mgc_ps_mean_response(1e-6, 0.01, 8) == Approx(0.01).epsilon(1e-9));
  }
  SECTION("more cores help less than a faster core") {
    // At equal capacity, c cores of speed 1 are slower than 1 core of speed c at light load
    // (one thread cannot use two cores): M/M/4 E[T] > M/M/1 E[T] with mu' = 4 mu.
    CHECK(mgc_ps_mean_response(200.0, 0.01, 4) > mg1_ps_mean_response(200.0, 0.0025));
  }
}

TEST_CASE("processor sharing rejects bad input", "[analytic][processor_sharing]") {
  CHECK_THROWS_AS(mg1_ps_mean_response(100.0, 0.01), servesim::UnstableSystemError);
  CHECK_THROWS_AS(mgc_ps_mean_response(400.0, 0.01, 4), servesim::UnstableSystemError);
  CHECK_THROWS_WITH(mgc_ps_mean_response(1.0, 0.01, 0),
                    "mgc_ps_mean_response: cores must be >= 1, got 0");
  CHECK_THROWS_AS(mg1_ps_mean_response(1.0, -0.01), servesim::Error);
}
