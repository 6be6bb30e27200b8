#include "servesim/analytic/ggc.hpp"

#include <cmath>

#include "analytic/require.hpp"
#include "servesim/analytic/erlang.hpp"

namespace servesim {
namespace {

/// Checks the arguments and fills every metric but the mean wait.
GgcMetrics base(const char* function, double arrival_rate, double arrival_scv,
                double mean_service, double service_scv, int servers) {
  detail::require_non_negative(function, "arrival_rate", arrival_rate);
  detail::require_non_negative(function, "arrival_scv", arrival_scv);
  detail::require_positive(function, "mean_service", mean_service);
  detail::require_non_negative(function, "service_scv", service_scv);
  detail::require_at_least(function, "servers", servers, 1);
  GgcMetrics m;
  m.utilization = arrival_rate * mean_service / servers;
  detail::require_stable(function, m.utilization);
  m.wait_probability = erlang_c(servers, arrival_rate * mean_service);
  return m;
}

GgcMetrics finish(GgcMetrics m, double arrival_rate, double mean_service, double mean_wait) {
  m.mean_wait = mean_wait;
  m.mean_response = mean_wait + mean_service;
  m.mean_queue_length = arrival_rate * mean_wait;
  return m;
}

}  // namespace

GgcMetrics ggc_allen_cunneen(double arrival_rate, double arrival_scv, double mean_service,
                             double service_scv, int servers) {
  GgcMetrics m = base("ggc_allen_cunneen", arrival_rate, arrival_scv, mean_service, service_scv,
                      servers);
  const double mmc_wait = m.wait_probability * mean_service / (servers * (1.0 - m.utilization));
  return finish(m, arrival_rate, mean_service, mmc_wait * (arrival_scv + service_scv) / 2.0);
}

GgcMetrics ggc_kingman(double arrival_rate, double arrival_scv, double mean_service,
                       double service_scv, int servers) {
  GgcMetrics m = base("ggc_kingman", arrival_rate, arrival_scv, mean_service, service_scv, servers);
  const double rho = m.utilization;
  const double congestion = std::pow(rho, std::sqrt(2.0 * (servers + 1)) - 1.0) /
                            (servers * (1.0 - rho));
  return finish(m, arrival_rate, mean_service,
                (arrival_scv + service_scv) / 2.0 * congestion * mean_service);
}

}  // namespace servesim
