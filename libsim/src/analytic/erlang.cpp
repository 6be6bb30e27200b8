#include "servesim/analytic/erlang.hpp"

#include <cmath>

#include "analytic/require.hpp"
#include "analytic/response_tail.hpp"

namespace servesim {
namespace {

void require_load(const char* function, int servers, double offered_load) {
  detail::require_at_least(function, "servers", servers, 1);
  detail::require_non_negative(function, "offered_load", offered_load);
}

void require_mmc(const char* function, double arrival_rate, double service_rate, int servers) {
  detail::require_non_negative(function, "arrival_rate", arrival_rate);
  detail::require_positive(function, "service_rate", service_rate);
  detail::require_at_least(function, "servers", servers, 1);
  detail::require_stable(function, arrival_rate / (servers * service_rate));
}

void require_probability(const char* function, double p) {
  if (!(p >= 0.0 && p < 1.0)) detail::fail(function, "p", "in [0, 1)", p);
}

double erlang_b_unchecked(int servers, double a) {
  double b = 1.0;
  for (int k = 1; k <= servers; ++k) b = a * b / (k + a * b);
  return b;
}

double erlang_c_unchecked(int servers, double a) {
  const double b = erlang_b_unchecked(servers, a);
  return servers * b / (servers - a * (1.0 - b));
}

}  // namespace

double erlang_b(int servers, double offered_load) {
  require_load("erlang_b", servers, offered_load);
  return erlang_b_unchecked(servers, offered_load);
}

double erlang_c(int servers, double offered_load) {
  require_load("erlang_c", servers, offered_load);
  detail::require_stable("erlang_c", offered_load / servers);
  return erlang_c_unchecked(servers, offered_load);
}

MmcMetrics mmc(double arrival_rate, double service_rate, int servers) {
  require_mmc("mmc", arrival_rate, service_rate, servers);
  MmcMetrics m;
  m.utilization = arrival_rate / (servers * service_rate);
  m.wait_probability = erlang_c_unchecked(servers, arrival_rate / service_rate);
  m.mean_wait = m.wait_probability / (servers * service_rate - arrival_rate);
  m.mean_response = m.mean_wait + 1.0 / service_rate;
  m.mean_queue_length = arrival_rate * m.mean_wait;
  m.mean_in_system = arrival_rate * m.mean_response;
  return m;
}

double mmc_wait_exceedance(double arrival_rate, double service_rate, int servers, double wait) {
  require_mmc("mmc_wait_exceedance", arrival_rate, service_rate, servers);
  detail::require_non_negative("mmc_wait_exceedance", "wait", wait);
  const double c = erlang_c_unchecked(servers, arrival_rate / service_rate);
  return c * std::exp(-(servers * service_rate - arrival_rate) * wait);
}

double mmc_wait_quantile(double arrival_rate, double service_rate, int servers, double p) {
  require_mmc("mmc_wait_quantile", arrival_rate, service_rate, servers);
  require_probability("mmc_wait_quantile", p);
  const double c = erlang_c_unchecked(servers, arrival_rate / service_rate);
  if (p <= 1.0 - c) return 0.0;
  return std::log(c / (1.0 - p)) / (servers * service_rate - arrival_rate);
}

double mmc_response_exceedance(double arrival_rate, double service_rate, int servers,
                               double response) {
  require_mmc("mmc_response_exceedance", arrival_rate, service_rate, servers);
  detail::require_non_negative("mmc_response_exceedance", "response", response);
  const double c = erlang_c_unchecked(servers, arrival_rate / service_rate);
  return detail::exponential_response_tail(c, service_rate, servers * service_rate - arrival_rate,
                                           response);
}

double mmc_response_quantile(double arrival_rate, double service_rate, int servers, double p) {
  require_mmc("mmc_response_quantile", arrival_rate, service_rate, servers);
  require_probability("mmc_response_quantile", p);
  const double target = 1.0 - p;
  const double c = erlang_c_unchecked(servers, arrival_rate / service_rate);
  const double wait_rate = servers * service_rate - arrival_rate;
  const auto exceeds = [&](double t) {
    return detail::exponential_response_tail(c, service_rate, wait_rate, t) > target;
  };
  double lo = 0.0;
  double hi = 1.0 / service_rate;
  while (exceeds(hi)) {
    lo = hi;
    hi *= 2.0;
  }
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (exceeds(mid) ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

}  // namespace servesim
