#include "servesim/analytic/mg1.hpp"

#include "analytic/require.hpp"

namespace servesim {
namespace {

double mean_wait(const char* function, double arrival_rate, double mean_service,
                 double service_scv) {
  detail::require_non_negative(function, "arrival_rate", arrival_rate);
  detail::require_positive(function, "mean_service", mean_service);
  detail::require_non_negative(function, "service_scv", service_scv);
  const double rho = arrival_rate * mean_service;
  detail::require_stable(function, rho);
  return rho * mean_service * (1.0 + service_scv) / (2.0 * (1.0 - rho));
}

}  // namespace

double mg1_mean_wait(double arrival_rate, double mean_service, double service_scv) {
  return mean_wait("mg1_mean_wait", arrival_rate, mean_service, service_scv);
}

double mg1_mean_response(double arrival_rate, double mean_service, double service_scv) {
  return mean_wait("mg1_mean_response", arrival_rate, mean_service, service_scv) + mean_service;
}

}  // namespace servesim
