#include "servesim/analytic/mva.hpp"

#include <algorithm>
#include <bit>
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

/// How the exact recursion treats a station.
enum class Role {
  delay,          ///< residence = demand (delay stations, and any station of zero demand)
  queue,          ///< residence = D (1 + Q(n-1)) (queue, and multi_server with one server)
  load_dependent  ///< multi_server with c >= 2: needs P(j busy), j < c - 1
};

constexpr std::size_t kMaxLoadDependent = 10;

/// The network and the role of each station in the recursion.
struct Layout {
  std::span<const MvaStation> stations;
  double think_time;
  std::vector<Role> roles;
  std::vector<std::size_t> load_dependent;  ///< station index of load-dependent station i
  std::vector<std::size_t> member_of;       ///< i of load-dependent station k, else unused
};

Layout layout_of(std::span<const MvaStation> stations, double think_time) {
  Layout layout{stations, think_time, {}, {}, std::vector<std::size_t>(stations.size(), 0)};
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const MvaStation& s = stations[k];
    if (s.kind == Kind::delay || s.demand == 0.0) {
      layout.roles.push_back(Role::delay);
    } else if (s.kind == Kind::queue || s.servers == 1) {
      layout.roles.push_back(Role::queue);
    } else {
      layout.roles.push_back(Role::load_dependent);
      layout.member_of[k] = layout.load_dependent.size();
      layout.load_dependent.push_back(k);
    }
  }
  return layout;
}

/// The state of one subnetwork at the current population.
struct Subnetwork {
  double throughput = 0.0;
  std::vector<double> residence;
  std::vector<double> queue;
  /// busy[i][j] = P(j servers busy at load-dependent station i), j < c - 1; empty if absent.
  std::vector<std::vector<double>> busy;
};

/// Moves subnetwork `mask` from population n - 1 to n.
///
/// Multi-server stations follow Menascé, Almeida & Dowdy (Performance by Design, 2004,
/// ch. 15): R(n) = D/c (1 + Q(n-1) + sum_{j=1}^{c-1} (c - j) p(j-1 | n-1)) and
/// p(j | n) = X(n) D / j p(j-1 | n-1). Their p(0 | n) = 1 - (X D + sum (c-j) p(j | n)) / c
/// cancels catastrophically once the station saturates (errors grow like e^c), so here
/// p(0 | n) = p(0 | n-1) X(n) / X'(n) instead, X' being the throughput of the network
/// without the station: with normalising constants, p(0 | n) = G'(n) / G(n) and
/// X(n) = G(n-1) / G(n). Every step then multiplies positive numbers, which is stable.
void advance(const Layout& layout, std::vector<Subnetwork>& subnetworks, std::size_t mask,
             int n) {
  const auto& [stations, think_time, roles, load_dependent, member_of] = layout;
  Subnetwork& net = subnetworks[mask];
  double total = think_time;
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const double d = stations[k].demand;
    switch (roles[k]) {
      case Role::delay: net.residence[k] = d; break;
      case Role::queue: net.residence[k] = d * (1.0 + net.queue[k]); break;
      case Role::load_dependent: {
        const std::size_t i = member_of[k];
        if (!(mask >> i & 1U)) continue;
        const int c = stations[k].servers;
        double idle_credit = 0.0;  // sum_{j=1}^{c-1} (c - j) p(j-1 | n-1)
        for (int j = 1; j < c; ++j) idle_credit += (c - j) * net.busy[i][j - 1];
        net.residence[k] = d / c * (1.0 + net.queue[k] + idle_credit);
        break;
      }
    }
    total += net.residence[k];
  }
  // A subnetwork without demand (all load-dependent stations removed, no think time) has
  // nowhere to hold users: throughput +inf, so p(0) of the station removed from it is 0.
  net.throughput = n / total;
  for (std::size_t k = 0; k < stations.size(); ++k) {
    net.queue[k] = net.throughput * net.residence[k];
  }

  for (std::size_t i = 0; i < load_dependent.size(); ++i) {
    if (!(mask >> i & 1U)) continue;
    std::vector<double>& p = net.busy[i];
    const double without = subnetworks[mask & ~(std::size_t{1} << i)].throughput;
    const double empty = p[0] * (net.throughput / without);
    const double load = net.throughput * stations[load_dependent[i]].demand;
    for (std::size_t j = p.size() - 1; j >= 1; --j) {
      p[j] = load / static_cast<double>(j) * p[j - 1];
    }
    p[0] = empty < 1e-300 ? 0.0 : empty;  // no subnormals: they are slow and negligible
  }
}

}  // namespace

namespace {

/// The exact recursion; the result at every population from 1 to `users` if `curve`,
/// else only at `users`.
std::vector<MvaResult> exact(const char* function, std::span<const MvaStation> stations,
                             int users, double think_time, bool curve) {
  require_network(function, stations, users, think_time);
  const Layout layout = layout_of(stations, think_time);
  const std::size_t load_dependent = layout.load_dependent.size();
  if (load_dependent > kMaxLoadDependent) {
    throw Error(std::string(function) + ": at most " + std::to_string(kMaxLoadDependent) +
                " multi_server stations with servers > 1 and demand > 0 are supported, got " +
                std::to_string(load_dependent));
  }

  // Subnetwork `mask` holds every delay and queue station and the load-dependent stations
  // whose bit is set; subnetworks[full] is the network asked for. Solved in order of
  // growing membership, so each one finds its complements already at population n.
  const std::size_t count = std::size_t{1} << load_dependent;
  std::vector<Subnetwork> subnetworks(count);
  for (std::size_t mask = 0; mask < count; ++mask) {
    Subnetwork& net = subnetworks[mask];
    net.queue.assign(stations.size(), 0.0);
    net.residence.assign(stations.size(), 0.0);
    net.busy.resize(load_dependent);
    for (std::size_t i = 0; i < load_dependent; ++i) {
      if (!(mask >> i & 1U)) continue;
      const int servers = stations[layout.load_dependent[i]].servers;
      net.busy[i].assign(static_cast<std::size_t>(servers) - 1, 0.0);
      net.busy[i][0] = 1.0;
    }
  }
  std::vector<std::size_t> order(count);
  for (std::size_t mask = 0; mask < count; ++mask) order[mask] = mask;
  std::stable_sort(order.begin(), order.end(), [](std::size_t a, std::size_t b) {
    return std::popcount(a) < std::popcount(b);
  });

  std::vector<MvaResult> results;
  if (curve) results.reserve(static_cast<std::size_t>(users));
  const Subnetwork& full = subnetworks[count - 1];
  for (int n = 1; n <= users; ++n) {
    for (std::size_t mask : order) advance(layout, subnetworks, mask, n);
    if (curve || n == users) results.push_back(result_of(stations, full.residence, full.throughput));
  }
  return results;
}

}  // namespace

MvaResult mva_exact(std::span<const MvaStation> stations, int users, double think_time) {
  return exact("mva_exact", stations, users, think_time, false).back();
}

std::vector<MvaResult> mva_exact_curve(std::span<const MvaStation> stations, int users,
                                       double think_time) {
  return exact("mva_exact_curve", stations, users, think_time, true);
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
