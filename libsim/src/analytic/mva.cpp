#include "servesim/analytic/mva.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "analytic/require.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

using Kind = MvaStation::Kind;

void require_network(const char* function, std::span<const MvaStation> stations, int users,
                     double think_time) {
  detail::require_at_least(function, "users", users, 1);
  detail::require_non_negative(function, "think_time", think_time);
  double total = think_time;
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const std::string field = "stations[" + std::to_string(k) + "]";
    detail::require_non_negative(function, (field + ".demand").c_str(), stations[k].demand);
    if (stations[k].kind == Kind::multi_server) {
      detail::require_at_least(function, (field + ".servers").c_str(), stations[k].servers, 1);
    }
    total += stations[k].demand;
  }
  if (!(total > 0.0)) {
    throw Error(std::string(function) + ": think_time plus total demand must be > 0, got 0");
  }
}

/// Fills the per-station outputs from residence times and throughput.
MvaResult result_of(std::span<const MvaStation> stations, std::vector<double> residence,
                    double throughput) {
  MvaResult r;
  r.throughput = throughput;
  for (std::size_t k = 0; k < stations.size(); ++k) {
    r.response_time += residence[k];
    r.station_queue_length.push_back(throughput * residence[k]);
    const int servers = stations[k].kind == Kind::multi_server ? stations[k].servers : 1;
    r.station_utilization.push_back(throughput * stations[k].demand / servers);
  }
  r.station_residence = std::move(residence);
  return r;
}

}  // namespace

MvaResult mva_exact(std::span<const MvaStation> stations, int users, double think_time) {
  require_network("mva_exact", stations, users, think_time);
  const std::size_t count = stations.size();
  std::vector<double> queue(count, 0.0);  // Q_k(n - 1)
  std::vector<double> residence(count, 0.0);
  // busy[k][j] = P(j servers busy at multi-server station k | n - 1 users), j < c.
  std::vector<std::vector<double>> busy(count);
  for (std::size_t k = 0; k < count; ++k) {
    if (stations[k].kind == Kind::multi_server) {
      busy[k].assign(static_cast<std::size_t>(stations[k].servers), 0.0);
      busy[k][0] = 1.0;
    }
  }

  double throughput = 0.0;
  for (int n = 1; n <= users; ++n) {
    double total = think_time;
    for (std::size_t k = 0; k < count; ++k) {
      const double d = stations[k].demand;
      switch (stations[k].kind) {
        case Kind::delay: residence[k] = d; break;
        case Kind::queue: residence[k] = d * (1.0 + queue[k]); break;
        case Kind::multi_server: {
          const int c = stations[k].servers;
          double idle_credit = 0.0;  // sum_{j=1}^{c-1} (c - j) p(j-1 | n-1)
          for (int j = 1; j < c; ++j) idle_credit += (c - j) * busy[k][j - 1];
          residence[k] = d / c * (1.0 + queue[k] + idle_credit);
          break;
        }
      }
      total += residence[k];
    }
    throughput = n / total;
    for (std::size_t k = 0; k < count; ++k) {
      queue[k] = throughput * residence[k];
      if (stations[k].kind != Kind::multi_server) continue;
      // p(j | n) = X D / j p(j-1 | n-1), then p(0 | n) from the utilization law
      // X D = E[min(busy, c)] = c - sum_{j<c} (c - j) p(j | n).
      auto& p = busy[k];
      const int c = stations[k].servers;
      const double load = throughput * stations[k].demand;
      double weighted = 0.0;
      for (int j = c - 1; j >= 1; --j) {
        p[j] = load / j * p[j - 1];
        weighted += (c - j) * p[j];
      }
      p[0] = std::max(0.0, 1.0 - (load + weighted) / c);
    }
  }
  return result_of(stations, std::move(residence), throughput);
}

MvaResult mva_schweitzer(std::span<const MvaStation> stations, int users, double think_time,
                         double tolerance) {
  require_network("mva_schweitzer", stations, users, think_time);
  detail::require_positive("mva_schweitzer", "tolerance", tolerance);
  const std::size_t count = stations.size();
  // Queueing part of each station: all of a queue, D/c of a multi-server, none of a delay.
  std::vector<double> queued(count, 0.0);
  for (std::size_t k = 0; k < count; ++k) {
    switch (stations[k].kind) {
      case Kind::delay: break;
      case Kind::queue: queued[k] = stations[k].demand; break;
      case Kind::multi_server: queued[k] = stations[k].demand / stations[k].servers; break;
    }
  }
  const double shrink = (users - 1.0) / users;
  // Mean users in each queueing part, initially spread evenly.
  const double even_share = users / static_cast<double>(std::max<std::size_t>(count, 1));
  std::vector<double> queued_users(count, even_share);
  std::vector<double> queued_residence(count, 0.0);
  std::vector<double> residence(count, 0.0);
  for (int iteration = 0; iteration < 1'000'000; ++iteration) {
    double total = think_time;
    for (std::size_t k = 0; k < count; ++k) {
      queued_residence[k] = queued[k] * (1.0 + shrink * queued_users[k]);
      residence[k] = stations[k].demand - queued[k] + queued_residence[k];
      total += residence[k];
    }
    const double throughput = users / total;
    double change = 0.0;
    for (std::size_t k = 0; k < count; ++k) {
      const double updated = throughput * queued_residence[k];
      if (updated > 0.0) change = std::max(change, std::abs(updated - queued_users[k]) / updated);
      queued_users[k] = updated;
    }
    if (change < tolerance) return result_of(stations, std::move(residence), throughput);
  }
  throw EngineError("mva_schweitzer: no convergence after 1000000 iterations");
}

}  // namespace servesim
