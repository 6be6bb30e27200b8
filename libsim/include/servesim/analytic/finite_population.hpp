#pragma once
/// @file finite_population.hpp
/// The finite-population M/M/c//N queue (the machine-repairman model): N
/// users each think for an exponential time of mean Z, then send one request
/// to c exponential servers and wait for its answer. It is a closed workload
/// (N users or `wrk` connections with think time) against a Gunicorn sync
/// pool of c workers whose work is exponential and does not contend for CPU.
/// Times in seconds, rates per second.

namespace servesim {

/** Steady-state metrics of an M/M/c//N queue. */
struct MmcnMetrics {
  double throughput = 0.0;         ///< X, requests completed per second
  double mean_in_system = 0.0;     ///< E[L], requests waiting or in service (not thinking)
  double mean_queue_length = 0.0;  ///< E[Lq], requests waiting for a server
  double mean_response = 0.0;      ///< E[T] = E[L] / X = N / X - Z, s
  double mean_wait = 0.0;          ///< E[W] = E[Lq] / X, s
  double utilization = 0.0;        ///< busy fraction of each server, X / (c mu)
  /// P(a request waits): by the arrival theorem, the probability that the
  /// other N - 1 users hold all c servers.
  double wait_probability = 0.0;
};

/**
 * M/M/c//N from its birth-death stationary distribution
 * p_n ∝ N! / (N - n)! (S / Z)^n / (n! for n <= c, c! c^(n - c) beyond),
 * evaluated in log space (Gross & Harris, Fundamentals of Queueing Theory,
 * 4th ed., section 2.8). Always stable: at most N requests are present.
 *
 * @param users         N >= 1
 * @param think_time    Z > 0, mean think time of a user, s
 * @param service_rate  mu > 0 per server, per second
 * @param servers       c >= 1
 * @throws Error naming the argument on out-of-range input
 *
 * @code
 * // 50 users thinking 1 s against 4 workers of 20 ms each.
 * auto m = servesim::mmcn(50, 1.0, 50.0, 4);  // m.throughput close to 50 / 1.02
 * @endcode
 */
[[nodiscard]] MmcnMetrics mmcn(int users, double think_time, double service_rate, int servers);

}  // namespace servesim
