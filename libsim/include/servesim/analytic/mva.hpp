#pragma once
/// @file mva.hpp
/// Mean Value Analysis of closed, single-class, product-form queueing
/// networks: `users` users cycle between thinking (a delay of mean
/// `think_time`) and one request that visits the stations. The typical model
/// is N users (or wrk connections) against a Gunicorn pool of c sync workers,
/// each spending exponential CPU of mean S on a host with >= c cores: one
/// multi_server station with c servers and demand S, plus the think time Z.
///
/// Times in seconds, throughput per second. Demands are total service demand
/// per request at the station (visits x service time per visit).

#include <span>
#include <string>
#include <vector>

namespace servesim {

/** One station of a closed network. */
struct MvaStation {
  enum class Kind {
    queue,        ///< one server, FCFS with exponential service or PS with any service
    delay,        ///< infinite servers: no queueing (think time, network latency)
    multi_server  ///< `servers` identical FCFS servers with exponential service
  };
  std::string name;
  Kind kind = Kind::queue;
  /// Service demand per request, s (for multi_server: the time one server spends).
  double demand = 0.0;
  /// Number of servers; used by multi_server only.
  int servers = 1;
};

/** Steady-state metrics of a closed network, per station in input order. */
struct MvaResult {
  double throughput = 0.0;     ///< X, requests per second
  double response_time = 0.0;  ///< R = sum of residence times (think time excluded), s
  std::vector<double> station_residence;     ///< time per request at each station, s
  std::vector<double> station_queue_length;  ///< mean users at each station, X * residence
  /// Busy fraction of each server: X D for queue, X D / c for multi_server;
  /// for a delay station the mean number of users at it, X D.
  std::vector<double> station_utilization;
};

/**
 * Exact MVA (Reiser & Lavenberg 1980), recursing on the population from 1
 * to `users`. A multi_server station uses the load-dependent recursion with
 * the probabilities of 0..c-2 busy servers (Menascé, Almeida & Dowdy,
 * Performance by Design, 2004, ch. 15):
 * R(n) = D/c (1 + Q(n-1) + sum_{j=1}^{c-1} (c - j) p(j-1 | n-1)),
 * except that P(idle) is carried as p(0 | n) = p(0 | n-1) X(n) / X'(n), X'
 * the throughput without the station, instead of by subtraction from 1,
 * which is unstable for c beyond about 10. That needs the network without
 * each subset of multi-server stations: O(users x 2^m x (stations + sum of
 * servers)) time for m multi-server stations (m <= 10).
 *
 * @param stations    the request's stations; may be empty if think_time > 0
 * @param users       N >= 1
 * @param think_time  Z >= 0, s
 * @throws Error on N < 1, a negative or non-finite demand or think time,
 *         servers < 1, no demand and no think time at all, or more than 10
 *         multi_server stations with servers > 1
 *
 * @code
 * const servesim::MvaStation pool{"gunicorn", servesim::MvaStation::Kind::multi_server,
 *                                 0.02, 4};
 * auto r = servesim::mva_exact({&pool, 1}, 100, 1.0);  // r.throughput <= 4 / 0.02
 * @endcode
 */
[[nodiscard]] MvaResult mva_exact(std::span<const MvaStation> stations, int users,
                                  double think_time);

/**
 * Exact MVA at every population 1..`users`: element n - 1 is the network
 * with n users. The recursion visits each population anyway, so the whole
 * throughput and response-time curve costs what mva_exact() at `users` does.
 *
 * @throws as mva_exact()
 *
 * @code
 * const servesim::MvaStation cpu{"cpu", servesim::MvaStation::Kind::queue, 0.05, 1};
 * auto curve = servesim::mva_exact_curve({&cpu, 1}, 50, 1.0);  // curve[9] is N = 10
 * @endcode
 */
[[nodiscard]] std::vector<MvaResult> mva_exact_curve(std::span<const MvaStation> stations,
                                                     int users, double think_time);

/**
 * Approximate MVA by Schweitzer's (1979) fixed point Q_k(N-1) = (N-1)/N Q_k(N):
 * O(stations) per iteration, independent of N, typically within a few
 * percent of mva_exact(). A multi_server station is approximated as a queue
 * of demand D/c in series with a delay of demand D (c-1)/c (Seidmann, Schweitzer
 * & Shalev-Oren 1987), which is exact at N = 1 and at saturation.
 *
 * @param tolerance  convergence threshold on the largest relative change of a
 *                   station's queue length between iterations
 * @throws as mva_exact(); EngineError if the iteration does not converge
 */
[[nodiscard]] MvaResult mva_schweitzer(std::span<const MvaStation> stations, int users,
                                       double think_time, double tolerance = 1e-10);

}  // namespace servesim
