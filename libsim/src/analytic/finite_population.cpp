#include "servesim/analytic/finite_population.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "analytic/require.hpp"

namespace servesim {

MmcnMetrics mmcn(int users, double think_time, double service_rate, int servers) {
  const char* function = "mmcn";
  detail::require_at_least(function, "users", users, 1);
  detail::require_positive(function, "think_time", think_time);
  detail::require_positive(function, "service_rate", service_rate);
  detail::require_at_least(function, "servers", servers, 1);
  // log(p_n / p_0): p_n / p_{n-1} = (N - n + 1) / Z / (min(n, c) mu).
  std::vector<double> log_p(static_cast<std::size_t>(users) + 1, 0.0);
  for (int n = 1; n <= users; ++n) {
    log_p[n] = log_p[n - 1] +
               std::log((users - n + 1) / (think_time * std::min(n, servers) * service_rate));
  }
  const double top = *std::max_element(log_p.begin(), log_p.end());
  std::vector<double> p(log_p.size());
  double total = 0.0;
  for (std::size_t n = 0; n < p.size(); ++n) total += (p[n] = std::exp(log_p[n] - top));

  MmcnMetrics m;
  double busy = 0.0;
  // Arrival theorem: a user about to send sees the stationary state of the network with
  // N - 1 users, whose weights are p_n (N - n) up to normalisation.
  double arrival_total = 0.0;
  double arrival_waits = 0.0;
  for (int n = 0; n <= users; ++n) {
    const double q = p[n] / total;
    m.mean_in_system += n * q;
    m.mean_queue_length += std::max(0, n - servers) * q;
    busy += std::min(n, servers) * q;
    const double seen = q * (users - n);
    arrival_total += seen;
    if (n >= servers) arrival_waits += seen;
  }
  m.throughput = busy * service_rate;
  m.utilization = busy / servers;
  m.mean_response = m.mean_in_system / m.throughput;
  m.mean_wait = m.mean_queue_length / m.throughput;
  m.wait_probability = arrival_waits / arrival_total;
  return m;
}

}  // namespace servesim
