#pragma once
/// @file ggc.hpp
/// Two-moment approximations of the G/G/c queue (general arrivals, c
/// servers of general service, FCFS, unlimited waiting room), from the
/// means and squared coefficients of variation (SCV = Var / mean^2) of the
/// inter-arrival and service times: 1 for Poisson arrivals or exponential
/// service, 0 for constant. Times in seconds, rates per second.

namespace servesim {

/** Approximate steady-state metrics of a G/G/c queue. */
struct GgcMetrics {
  double utilization = 0.0;        ///< rho = lambda E[S] / c
  double wait_probability = 0.0;   ///< P(W > 0), approximated by Erlang C(c, lambda E[S])
  double mean_wait = 0.0;          ///< E[W] in queue, s
  double mean_response = 0.0;      ///< E[W] + E[S], s
  double mean_queue_length = 0.0;  ///< lambda E[W] (Little), waiting requests
};

/**
 * Allen–Cunneen: E[W] = E[W(M/M/c)] (ca² + cs²) / 2 (Allen, Probability,
 * Statistics and Queueing Theory, 2nd ed., 1990, eq. 6.101). Exact for
 * M/M/c and, at c = 1 with Poisson arrivals, equal to Pollaczek–Khinchine.
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param arrival_scv   ca² >= 0 of the inter-arrival times
 * @param mean_service  E[S] > 0, s
 * @param service_scv   cs² >= 0 of the service times
 * @param servers       c >= 1
 * @throws UnstableSystemError when rho >= 1
 * @throws Error naming the argument on out-of-range input
 *
 * @code
 * // 4 workers, 20 ms lognormal work with CV 2 (cs² = 4), Poisson arrivals at 150/s.
 * auto m = servesim::ggc_allen_cunneen(150.0, 1.0, 0.020, 4.0, 4);
 * @endcode
 */
[[nodiscard]] GgcMetrics ggc_allen_cunneen(double arrival_rate, double arrival_scv,
                                           double mean_service, double service_scv, int servers);

/**
 * Kingman's heavy-traffic formula, extended to c servers by Sakasegawa
 * (1977): E[W] = (ca² + cs²) / 2 · rho^(sqrt(2 (c + 1)) - 1) / (c (1 - rho)) · E[S]
 * (Hopp & Spearman, Factory Physics, 3rd ed., eq. 8.10). For c = 1 it is
 * Kingman's G/G/1 formula, exact for M/G/1. Needs no Erlang C, so it is
 * the quick estimate; Allen–Cunneen is closer at low load with many servers.
 * wait_probability is still Erlang C.
 *
 * @throws as ggc_allen_cunneen()
 */
[[nodiscard]] GgcMetrics ggc_kingman(double arrival_rate, double arrival_scv,
                                     double mean_service, double service_scv, int servers);

}  // namespace servesim
