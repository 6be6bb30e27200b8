#pragma once
/// @file mva_multiclass.hpp
/// Mean Value Analysis of closed networks with several classes of users,
/// each with its own population, think time and demands: e.g. N1 users
/// browsing a cheap endpoint and N2 running reports against the same
/// Gunicorn workers and database. Times in seconds, throughput per second.

#include <span>
#include <string>
#include <vector>

#include "servesim/analytic/mva.hpp"

namespace servesim {

/** One class of users of a multi-class closed network. */
struct MvaClass {
  std::string name;
  int users = 1;            ///< N_r >= 0
  double think_time = 0.0;  ///< Z_r >= 0, s
  /// Demand of one request of this class at each station, s, in station order.
  std::vector<double> demands;
};

/** Steady-state metrics of a multi-class closed network. */
struct MulticlassMvaResult {
  std::vector<double> throughput;     ///< X_r per class, per second
  std::vector<double> response_time;  ///< R_r per class (think time excluded), s
  /// residence[r][k]: time a class-r request spends at station k, s.
  std::vector<std::vector<double>> residence;
  std::vector<double> station_queue_length;  ///< mean users at each station, all classes
  /// Busy fraction of each server, sum_r X_r D_rk / c (for delay: mean users).
  std::vector<double> station_utilization;
};

/**
 * Exact multi-class MVA (Reiser & Lavenberg 1980; Lazowska et al.,
 * Quantitative System Performance, 1984, section 7.3): recursion over every
 * population vector n <= N, R_rk(n) = D_rk (1 + Q_k(n - 1_r)) at a queue and
 * D_rk at a delay. Costs prod_r (N_r + 1) x stations, so it suits a few
 * classes of moderate size; use mva_multiclass_schweitzer() beyond.
 * Stations are `queue` or `delay`; their `demand` field is unused (the
 * classes carry the demands).
 *
 * @param stations  kinds and names; multi_server is rejected (use the approximate solver)
 * @param classes   at least one, each with one demand per station
 * @throws Error naming the argument on out-of-range input, a multi_server
 *         station, or more than 10^7 population vectors x stations
 *
 * @code
 * const std::vector<servesim::MvaStation> net{{"cpu", servesim::MvaStation::Kind::queue},
 *                                             {"db", servesim::MvaStation::Kind::queue}};
 * const std::vector<servesim::MvaClass> users{{"browse", 20, 1.0, {0.01, 0.005}},
 *                                             {"report", 2, 5.0, {0.2, 0.4}}};
 * auto r = servesim::mva_multiclass_exact(net, users);
 * @endcode
 */
[[nodiscard]] MulticlassMvaResult mva_multiclass_exact(std::span<const MvaStation> stations,
                                                       std::span<const MvaClass> classes);

/**
 * Approximate multi-class MVA by the Bard–Schweitzer fixed point
 * Q_ks(N - 1_r) = Q_ks(N) (N_r - 1) / N_r for s = r, Q_ks(N) otherwise
 * (Schweitzer 1979; Bard 1979): O(classes² x stations) per iteration at any
 * population. A multi_server station is a queue of demand D / c in series
 * with a delay of D (c - 1) / c, as in mva_schweitzer().
 *
 * @throws as mva_multiclass_exact() (multi_server allowed); EngineError if the
 *         iteration does not converge
 */
[[nodiscard]] MulticlassMvaResult mva_multiclass_schweitzer(std::span<const MvaStation> stations,
                                                            std::span<const MvaClass> classes,
                                                            double tolerance = 1e-10);

}  // namespace servesim
