#include <catch2/catch.hpp>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/staffing.hpp"
#include "servesim/errors.hpp"

using servesim::mmc;
using servesim::mmc_servers_for_mean_wait;
using servesim::mmc_servers_for_response_quantile;
using servesim::mmc_servers_for_wait_probability;

TEST_CASE("staffing finds the smallest pool meeting a target", "[analytic][staffing]") {
  SECTION("mean wait") {
    // lambda 80, mu 50: c = 2 waits 32/45 / 20 s = 35.6 ms (Kleinrock vol. 1, 3.4); c = 3 has
    // C(3, 1.6) = 0.273797 (Erlang C formula) and waits 0.273797 / 70 s = 3.91 ms <= 5 ms.
    CHECK(mmc_servers_for_mean_wait(80.0, 50.0, 0.005) == 3);
    CHECK(mmc(80.0, 50.0, 3).mean_wait == Approx(0.273796791443850 / 70.0).epsilon(1e-12));
    CHECK(mmc(80.0, 50.0, 2).mean_wait > 0.005);
  }
  SECTION("wait probability") {
    // a = 8 E: C(10, 8) = 0.409180 <= 0.5 and C(9, 8) = 0.653327 > 0.5 (Erlang C formula),
    // so P(wait) <= 0.5 needs 10 servers.
    CHECK(mmc_servers_for_wait_probability(8.0, 1.0, 0.5) == 10);
    CHECK(servesim::erlang_c(9, 8.0) == Approx(0.653326928265105).epsilon(1e-12));
  }
  SECTION("response-time percentile") {
    // The answer meets P(T > t) <= 1 - p and one server fewer does not.
    const int c = mmc_servers_for_response_quantile(900.0, 10.0, 0.99, 0.5);
    CHECK(servesim::mmc_response_exceedance(900.0, 10.0, c, 0.5) <= 0.01);
    CHECK((c - 1 <= 90 || servesim::mmc_response_exceedance(900.0, 10.0, c - 1, 0.5) > 0.01));
  }
  SECTION("square-root staffing at 10,000 servers") {
    // a = 9,990 E: the pool must exceed a, and by the square-root rule c ~ a + beta sqrt(a)
    // with beta ~ 0.8 for P(wait) = 0.2 (Halfin & Whitt 1981); check minimality exactly.
    const int c = mmc_servers_for_wait_probability(9'990.0, 1.0, 0.2);
    CHECK(c > 9'990);
    CHECK(c < 9'990 + 200);
    CHECK(servesim::erlang_c(c, 9'990.0) <= 0.2);
    CHECK(servesim::erlang_c(c - 1, 9'990.0) > 0.2);
  }
}

TEST_CASE("staffing rejects bad targets", "[analytic][staffing]") {
  CHECK_THROWS_WITH(mmc_servers_for_mean_wait(0.0, 1.0, 1.0),
                    "mmc_servers_for_mean_wait: arrival_rate must be finite and > 0, got 0");
  CHECK_THROWS_WITH(mmc_servers_for_mean_wait(1.0, -1.0, 1.0),
                    "mmc_servers_for_mean_wait: service_rate must be finite and > 0, got -1");
  CHECK_THROWS_AS(mmc_servers_for_wait_probability(1.0, 1.0, 0.0), servesim::Error);
  CHECK_THROWS_AS(mmc_servers_for_response_quantile(1.0, 1.0, 1.0, 5.0), servesim::Error);
  // Exp(10/s) alone has p99 = ln(100) / 10 = 0.46 s: 0.1 s is unreachable.
  CHECK_THROWS_WITH(mmc_servers_for_response_quantile(900.0, 10.0, 0.99, 0.1),
                    Catch::Contains("no number of servers reaches it"));
}
