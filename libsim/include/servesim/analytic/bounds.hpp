#pragma once
/// @file bounds.hpp
/// Bounds on the throughput and response time of a closed network (N users
/// with think time Z visiting queueing and delay stations) that need only
/// the demands: asymptotic bounds and balanced job bounds (Lazowska,
/// Zahorjan, Graham & Sevcik, Quantitative System Performance, 1984,
/// ch. 5, tables 5.1 and 5.3). Times in seconds, throughput per second.

#include <span>

#include "servesim/analytic/mva.hpp"

namespace servesim {

/** Throughput and response-time bounds at one population. */
struct ClosedNetworkBounds {
  double total_demand = 0.0;    ///< D: sum of demands, the response time of a lone user, s
  double max_demand = 0.0;      ///< D_max: demand per server at the bottleneck, s
  /// N* = (D + Z) / D_max: below it users rarely queue, above it the bottleneck
  /// saturates and each added user adds D_max to the response time.
  double saturation_population = 0.0;
  double throughput_upper = 0.0;       ///< asymptotic: min(N / (D + Z), 1 / D_max)
  double throughput_lower = 0.0;       ///< asymptotic: N / (N D + Z)
  double response_lower = 0.0;         ///< asymptotic: max(D, N D_max - Z), s
  double response_upper = 0.0;         ///< asymptotic: N D, s
  double balanced_throughput_upper = 0.0;  ///< balanced job bound, tighter than asymptotic
  double balanced_throughput_lower = 0.0;  ///< balanced job bound, tighter than asymptotic
  double balanced_response_lower = 0.0;    ///< N / balanced_throughput_upper - Z, s
  double balanced_response_upper = 0.0;    ///< N / balanced_throughput_lower - Z, s
};

/**
 * Asymptotic and balanced job bounds for `users` users.
 *
 * With D the sum of the queueing demands, D_avg = D / K over the K queueing
 * stations and delay demands added to the think time Z (table 5.3):
 * N / (D + Z + (N - 1) D_max / (1 + Z / (N D))) <= X(N)
 *    <= min(1 / D_max, N / (D + Z + (N - 1) D_avg / (1 + Z / D))).
 * A multi_server station of demand D and c servers enters as a queue of
 * demand D / c and a delay of D (c - 1) / c (Seidmann et al. 1987), so its
 * balanced job bounds bound that approximation rather than the exact network.
 *
 * @throws as mva_exact()
 *
 * @code
 * const servesim::MvaStation cpu{"cpu", servesim::MvaStation::Kind::queue, 0.05, 1};
 * auto b = servesim::closed_network_bounds({&cpu, 1}, 40, 1.0);  // b.saturation_population = 21
 * @endcode
 */
[[nodiscard]] ClosedNetworkBounds closed_network_bounds(std::span<const MvaStation> stations,
                                                        int users, double think_time);

}  // namespace servesim
