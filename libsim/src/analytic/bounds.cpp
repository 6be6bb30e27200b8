#include "servesim/analytic/bounds.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "analytic/require.hpp"
#include "servesim/errors.hpp"

namespace servesim {

ClosedNetworkBounds closed_network_bounds(std::span<const MvaStation> stations, int users,
                                          double think_time) {
  const char* function = "closed_network_bounds";
  detail::require_at_least(function, "users", users, 1);
  detail::require_non_negative(function, "think_time", think_time);
  double queueing = 0.0;  // D of the queueing parts
  double delay = 0.0;     // delay parts, which act as think time
  double max_demand = 0.0;
  int queues = 0;
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const MvaStation& s = stations[k];
    const std::string field = "stations[" + std::to_string(k) + "]";
    detail::require_non_negative(function, (field + ".demand").c_str(), s.demand);
    if (s.kind == MvaStation::Kind::delay) {
      delay += s.demand;
      continue;
    }
    int servers = 1;
    if (s.kind == MvaStation::Kind::multi_server) {
      detail::require_at_least(function, (field + ".servers").c_str(), s.servers, 1);
      servers = s.servers;
    }
    const double per_server = s.demand / servers;
    queueing += per_server;
    delay += s.demand - per_server;
    max_demand = std::max(max_demand, per_server);
    if (s.demand > 0.0) ++queues;
  }
  if (!(queueing + delay + think_time > 0.0)) {
    throw Error(std::string(function) + ": think_time plus total demand must be > 0, got 0");
  }

  ClosedNetworkBounds b;
  const double n = users;
  const double z = think_time + delay;  // delays behave as think time in the bounds
  b.total_demand = queueing + delay;
  b.max_demand = max_demand;
  if (max_demand == 0.0) {  // pure delay: nobody ever queues, X = N / (D + Z) exactly
    const double x = n / (b.total_demand + think_time);
    b.saturation_population = std::numeric_limits<double>::infinity();
    b.throughput_upper = b.throughput_lower = x;
    b.balanced_throughput_upper = b.balanced_throughput_lower = x;
  } else {
    b.saturation_population = (b.total_demand + think_time) / max_demand;
    b.throughput_upper = std::min(n / (b.total_demand + think_time), 1.0 / max_demand);
    b.throughput_lower = n / (n * b.total_demand + think_time);
    const double average = queueing / queues;
    b.balanced_throughput_upper =
        std::min(1.0 / max_demand, n / (queueing + z + (n - 1.0) * average / (1.0 + z / queueing)));
    b.balanced_throughput_lower =
        n / (queueing + z + (n - 1.0) * max_demand / (1.0 + z / (n * queueing)));
  }
  b.response_lower = n / b.throughput_upper - think_time;
  b.response_upper = n / b.throughput_lower - think_time;
  b.balanced_response_lower = n / b.balanced_throughput_upper - think_time;
  b.balanced_response_upper = n / b.balanced_throughput_lower - think_time;
  return b;
}

}  // namespace servesim
