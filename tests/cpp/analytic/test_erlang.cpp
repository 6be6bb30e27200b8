#include <catch2/catch.hpp>
#include <cmath>

#include "servesim/analytic/erlang.hpp"
#include "servesim/errors.hpp"

using servesim::erlang_b;
using servesim::erlang_c;
using servesim::mmc;

TEST_CASE("erlang_b matches Erlang B tables", "[analytic][erlang]") {
  SECTION("one server") {
    // B(1, a) = a / (1 + a): 3 / 4 (direct from the definition).
    CHECK(erlang_b(1, 3.0) == Approx(0.75).epsilon(1e-14));
  }
  SECTION("small systems") {
    // B(5, 2) = (2^5/5!) / sum_{k<=5} 2^k/k! = 0.0366972; B(10, 5) = 0.0183846
    // (Erlang B tables, e.g. Cooper, Introduction to Queueing Theory, 1981, table I;
    // digits from exact rational arithmetic).
    CHECK(erlang_b(5, 2.0) == Approx(0.036697247706422).epsilon(1e-12));
    CHECK(erlang_b(10, 5.0) == Approx(0.018384570336648).epsilon(1e-12));
  }
  SECTION("trunk groups") {
    // Tables: 50 trunks at 40 E lose 1.87 %, 100 trunks at 80 E lose 0.40 %.
    CHECK(erlang_b(50, 40.0) == Approx(0.018690671109632).epsilon(1e-11));
    CHECK(erlang_b(100, 80.0) == Approx(0.003992028604553).epsilon(1e-11));
  }
  SECTION("large systems stay finite") {
    // The recurrence never forms a^c / c!: 10^4 servers at 9,000 E is a number in (0, 1),
    // and for a << c the loss is tiny but positive.
    const double b = erlang_b(10'000, 9'000.0);
    CHECK(b > 0.0);
    CHECK(b < 0.01);
    CHECK(erlang_b(1'000, 10.0) >= 0.0);
  }
  SECTION("no load, no loss") {
    // a = 0: nobody arrives, nobody is lost.
    CHECK(erlang_b(3, 0.0) == 0.0);
  }
}

TEST_CASE("erlang_c matches textbook values", "[analytic][erlang]") {
  SECTION("two servers") {
    // C(2, 1.6) = 0.7111 (c = 2, rho = 0.8; e.g. Kleinrock, Queueing Systems vol. 1, eq. 3.40;
    // exact value 32/45).
    CHECK(erlang_c(2, 1.6) == Approx(32.0 / 45.0).epsilon(1e-13));
  }
  SECTION("ten servers") {
    // C(10, 8) = 0.409180 (exact rational arithmetic on the Erlang C formula).
    CHECK(erlang_c(10, 8.0) == Approx(0.409180150796444).epsilon(1e-12));
  }
  SECTION("one server waits with probability rho") {
    // M/M/1: P(wait) = rho.
    CHECK(erlang_c(1, 0.3) == Approx(0.3).epsilon(1e-14));
  }
  SECTION("waiting is likelier than losing") {
    // C(c, a) > B(c, a) for 0 < a < c (Kleinrock vol. 1, section 3.6).
    CHECK(erlang_c(8, 6.0) > erlang_b(8, 6.0));
  }
}

TEST_CASE("mmc reduces to M/M/1 and obeys Little's law", "[analytic][erlang]") {
  SECTION("M/M/1") {
    // c = 1: utilization = P(wait) = rho, E[T] = 1 / (mu - lambda), E[L] = rho / (1 - rho).
    const auto m = mmc(30.0, 50.0, 1);
    CHECK(m.utilization == Approx(0.6));
    CHECK(m.wait_probability == Approx(0.6));
    CHECK(m.mean_response == Approx(1.0 / 20.0).epsilon(1e-13));
    CHECK(m.mean_wait == Approx(0.6 / 20.0).epsilon(1e-13));
    CHECK(m.mean_in_system == Approx(1.5).epsilon(1e-13));
  }
  SECTION("M/M/2 at rho 0.8") {
    // lambda 80, mu 50, c 2: C = 32/45, E[W] = C / (c mu - lambda) = 0.035556 s,
    // E[T] = E[W] + 0.02 s, E[Lq] = lambda E[W] = 2.8444 (Kleinrock vol. 1, 3.4).
    const auto m = mmc(80.0, 50.0, 2);
    CHECK(m.mean_wait == Approx(32.0 / 45.0 / 20.0).epsilon(1e-13));
    CHECK(m.mean_response == Approx(32.0 / 45.0 / 20.0 + 0.02).epsilon(1e-13));
    CHECK(m.mean_queue_length == Approx(80.0 * 32.0 / 45.0 / 20.0).epsilon(1e-13));
    // Little: E[L] = E[Lq] + lambda / mu (mean busy servers).
    CHECK(m.mean_in_system == Approx(m.mean_queue_length + 1.6).epsilon(1e-13));
  }
  SECTION("no arrivals") {
    // lambda = 0: no waiting, E[T] = 1 / mu.
    const auto m = mmc(0.0, 4.0, 3);
    CHECK(m.wait_probability == 0.0);
    CHECK(m.mean_wait == 0.0);
    CHECK(m.mean_response == 0.25);
  }
}

TEST_CASE("mmc waiting and response time distribution", "[analytic][erlang]") {
  SECTION("wait tail and quantile are inverse") {
    // P(W > w_p) = 1 - p for p > 1 - C; w_p = 0 below (C = 32/45 for lambda 80, mu 50, c 2).
    const double w99 = servesim::mmc_wait_quantile(80.0, 50.0, 2, 0.99);
    CHECK(servesim::mmc_wait_exceedance(80.0, 50.0, 2, w99) == Approx(0.01).epsilon(1e-12));
    CHECK(servesim::mmc_wait_quantile(80.0, 50.0, 2, 0.2) == 0.0);
    CHECK(servesim::mmc_wait_exceedance(80.0, 50.0, 2, 0.0) == Approx(32.0 / 45.0));
  }
  SECTION("M/M/1 response time is exponential") {
    // M/M/1 FCFS: T ~ Exp(mu - lambda), so P(T > t) = e^{-(mu - lambda) t} and
    // t_99 = ln(100) / (mu - lambda) (Kleinrock vol. 1, eq. 3.29).
    CHECK(servesim::mmc_response_exceedance(30.0, 50.0, 1, 0.1) ==
          Approx(std::exp(-2.0)).epsilon(1e-12));
    CHECK(servesim::mmc_response_quantile(30.0, 50.0, 1, 0.99) ==
          Approx(std::log(100.0) / 20.0).epsilon(1e-10));
  }
  SECTION("response tail integrates to the mean response") {
    // E[T] = integral of P(T > t) dt (Simpson's rule, step 1e-4 s, to 2 s where the tail
    // is below 1e-20); M/M/4 at rho 0.9 gives E[T] from mmc().
    const double lambda = 180.0, mu = 50.0;
    const int c = 4;
    const double h = 1e-4;
    double integral = 0.0;
    for (int i = 0; i < 20'000; i += 2) {
      const double t = i * h;
      integral += h / 3.0 *
                  (servesim::mmc_response_exceedance(lambda, mu, c, t) +
                   4.0 * servesim::mmc_response_exceedance(lambda, mu, c, t + h) +
                   servesim::mmc_response_exceedance(lambda, mu, c, t + 2.0 * h));
    }
    CHECK(integral == Approx(mmc(lambda, mu, c).mean_response).epsilon(1e-9));
  }
  SECTION("no jump where the wait rate equals the service rate") {
    // c mu - lambda = mu (lambda = mu with c = 2) switches to the limit form
    // e^{-mu t} (1 + mu t); neighbours on both sides must agree to ~1e-8.
    const double at = servesim::mmc_response_exceedance(50.0, 50.0, 2, 0.05);
    CHECK(servesim::mmc_response_exceedance(50.0 * (1 + 1e-9), 50.0, 2, 0.05) ==
          Approx(at).epsilon(1e-8));
    CHECK(servesim::mmc_response_exceedance(50.0 * (1 - 1e-9), 50.0, 2, 0.05) ==
          Approx(at).epsilon(1e-8));
  }
}

TEST_CASE("erlang functions reject bad input", "[analytic][erlang]") {
  CHECK_THROWS_AS(erlang_b(0, 1.0), servesim::Error);
  CHECK_THROWS_AS(erlang_b(2, -1.0), servesim::Error);
  CHECK_THROWS_AS(erlang_b(2, std::nan("")), servesim::Error);
  CHECK_THROWS_AS(erlang_c(2, 2.0), servesim::UnstableSystemError);
  CHECK_THROWS_WITH(mmc(120.0, 50.0, 2),
                    "mmc: utilization must be < 1 for a steady state, got 1.2");
  CHECK_THROWS_AS(mmc(120.0, 50.0, 2), servesim::UnstableSystemError);
  CHECK_THROWS_WITH(mmc(10.0, 0.0, 2), "mmc: service_rate must be finite and > 0, got 0");
  CHECK_THROWS_WITH(mmc(10.0, 50.0, 0), "mmc: servers must be >= 1, got 0");
  CHECK_THROWS_AS(servesim::mmc_wait_quantile(10.0, 50.0, 1, 1.0), servesim::Error);
  CHECK_THROWS_AS(servesim::mmc_response_exceedance(10.0, 50.0, 1, -1.0), servesim::Error);
}

TEST_CASE("erlang functions stay accurate for huge pools at loads near 1", "[analytic][erlang]") {
  // Reference digits from the closed forms B = (a^c / c!) / (e^a Q(c + 1, a)),
  // C = c B / (c - a (1 - B)), Q the regularized incomplete gamma, evaluated with mpmath at
  // 60 significant digits. The recurrence must keep about 1e-12 relative accuracy.
  struct Case { int c; double a; double b; double erlang_c; };
  for (const Case& k : {Case{10'000, 9'990.0, 0.0073171868872689385, 0.88054171137398972},
                        Case{10'000, 9'999.9, 0.0079302653762736895, 0.99875057117625576},
                        Case{10'000, 9'000.0, 2.0916197944192896e-26, 2.0916197944192896e-25},
                        Case{1'000, 999.99, 0.024805761620514087, 0.99960702234273457},
                        Case{100, 99.999, 0.075694722207626767, 0.99987790530197231},
                        Case{50, 49.9999, 0.10478635746349644, 0.99998291383786076}}) {
    INFO("c " << k.c << ", a " << k.a);
    CHECK(erlang_b(k.c, k.a) == Approx(k.b).epsilon(1e-11));
    CHECK(erlang_c(k.c, k.a) == Approx(k.erlang_c).epsilon(1e-11));
  }
  SECTION("M/M/c metrics at 10,000 servers and rho = 0.99999") {
    // E[W] = C / (c mu - lambda) = 0.998751 / 0.1 s; finite, and E[L] = lambda E[T] (Little).
    const auto m = mmc(9'999.9, 1.0, 10'000);
    CHECK(m.mean_wait == Approx(0.99875057117625576 / 0.1).epsilon(1e-9));
    CHECK(m.mean_in_system == Approx(9'999.9 * m.mean_response).epsilon(1e-12));
    CHECK(servesim::mmc_response_quantile(9'999.9, 1.0, 10'000, 0.99) > 0.0);
  }
}
