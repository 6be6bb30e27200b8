#include "servesim/analytic/staffing.hpp"

#include <cmath>
#include <string>

#include "analytic/require.hpp"
#include "analytic/response_tail.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

// Beyond this the search is a sign of a target no finite pool meets in practice.
constexpr int kMaxServers = 10'000'000;

void require_rates(const char* function, double arrival_rate, double service_rate) {
  detail::require_positive(function, "arrival_rate", arrival_rate);
  detail::require_positive(function, "service_rate", service_rate);
}

/// The first c > a for which `meets(c, erlang_c)` holds. Erlang B is carried from c - 1
/// to c by B(c) = a B / (c + a B), so each candidate costs O(1).
template <typename Meets>
int first_meeting(const char* function, double arrival_rate, double service_rate, Meets meets) {
  const double a = arrival_rate / service_rate;
  double b = 1.0;
  for (int c = 1; c <= kMaxServers; ++c) {
    b = a * b / (c + a * b);
    if (c <= a) continue;  // unstable: no steady state, the target cannot hold
    const double wait_probability = c * b / (c - a * (1.0 - b));
    if (meets(c, wait_probability)) return c;
  }
  throw Error(std::string(function) + ": no pool of up to " + std::to_string(kMaxServers) +
              " servers meets the target");
}

}  // namespace

int mmc_servers_for_mean_wait(double arrival_rate, double service_rate, double max_mean_wait) {
  const char* function = "mmc_servers_for_mean_wait";
  require_rates(function, arrival_rate, service_rate);
  detail::require_positive(function, "max_mean_wait", max_mean_wait);
  return first_meeting(function, arrival_rate, service_rate, [&](int c, double wait_probability) {
    return wait_probability / (c * service_rate - arrival_rate) <= max_mean_wait;
  });
}

int mmc_servers_for_wait_probability(double arrival_rate, double service_rate,
                                     double max_wait_probability) {
  const char* function = "mmc_servers_for_wait_probability";
  require_rates(function, arrival_rate, service_rate);
  if (!(max_wait_probability > 0.0 && max_wait_probability <= 1.0)) {
    detail::fail(function, "max_wait_probability", "in (0, 1]", max_wait_probability);
  }
  return first_meeting(function, arrival_rate, service_rate,
                       [&](int, double wait_probability) {
                         return wait_probability <= max_wait_probability;
                       });
}

int mmc_servers_for_response_quantile(double arrival_rate, double service_rate, double p,
                                      double max_response) {
  const char* function = "mmc_servers_for_response_quantile";
  require_rates(function, arrival_rate, service_rate);
  if (!(p > 0.0 && p < 1.0)) detail::fail(function, "p", "in (0, 1)", p);
  detail::require_positive(function, "max_response", max_response);
  // With unlimited servers nobody waits and T is the exponential service time.
  const double service_quantile = -std::log1p(-p) / service_rate;
  if (service_quantile > max_response) {
    throw Error(std::string(function) + ": max_response " + detail::argument_text(max_response) +
                " s is below the service time's own " + detail::argument_text(p) +
                "-quantile " + detail::argument_text(service_quantile) +
                " s; no number of servers reaches it");
  }
  return first_meeting(function, arrival_rate, service_rate, [&](int c, double wait_probability) {
    const double wait_rate = c * service_rate - arrival_rate;
    return detail::exponential_response_tail(wait_probability, service_rate, wait_rate,
                                             max_response) <= 1.0 - p;
  });
}

}  // namespace servesim
