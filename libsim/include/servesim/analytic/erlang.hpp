#pragma once
/// @file erlang.hpp
/// Erlang B and C, and the M/M/c queue (Poisson arrivals, c exponential
/// servers, FCFS, unlimited waiting room) in steady state.
///
/// Times are in seconds, rates per second. Offered load a = arrival_rate /
/// service_rate is in Erlangs (mean number of busy servers it would need).

namespace servesim {

/**
 * Erlang B: probability that an arrival finds all `servers` busy and is lost
 * in an M/M/c/c loss system (also M/G/c/c: insensitive).
 *
 * Computed by the recurrence B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)),
 * stable for any number of servers.
 *
 * @param servers       c >= 1
 * @param offered_load  a >= 0, Erlangs
 * @throws Error on c < 1 or a negative or non-finite load
 *
 * @code
 * double loss = servesim::erlang_b(10, 5.0);  // 0.018385
 * @endcode
 */
[[nodiscard]] double erlang_b(int servers, double offered_load);

/**
 * Erlang C: probability that an arrival waits in an M/M/c queue,
 * C = c B / (c - a (1 - B)) with B = erlang_b(c, a).
 *
 * @param servers       c >= 1
 * @param offered_load  0 <= a < c, Erlangs
 * @throws UnstableSystemError when a >= c (no steady state)
 * @throws Error on c < 1 or a negative or non-finite load
 *
 * @code
 * double p_wait = servesim::erlang_c(2, 1.6);  // 0.7111
 * @endcode
 */
[[nodiscard]] double erlang_c(int servers, double offered_load);

/** Steady-state metrics of an M/M/c queue. */
struct MmcMetrics {
  double utilization = 0.0;        ///< rho = lambda / (c mu), busy fraction of each server
  double wait_probability = 0.0;   ///< P(W > 0), Erlang C
  double mean_wait = 0.0;          ///< E[W] in the queue, s
  double mean_response = 0.0;      ///< E[T] = E[W] + 1/mu, s
  double mean_queue_length = 0.0;  ///< E[Lq], customers waiting
  double mean_in_system = 0.0;     ///< E[L], waiting plus in service
};

/**
 * The M/M/c queue in steady state.
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param service_rate  mu > 0 per server, per second (1 / mean service time)
 * @param servers       c >= 1
 * @throws UnstableSystemError when lambda >= c mu
 * @throws Error on out-of-range arguments
 *
 * @code
 * auto m = servesim::mmc(80.0, 50.0, 2);  // rho 0.8, E[W] = 0.7111 / 20 s
 * @endcode
 */
[[nodiscard]] MmcMetrics mmc(double arrival_rate, double service_rate, int servers);

/**
 * P(W > t): probability that the wait in queue of an M/M/c FCFS queue exceeds
 * t seconds, C(c, a) exp(-(c mu - lambda) t).
 *
 * @param wait  t >= 0, s
 * @throws as mmc()
 */
[[nodiscard]] double mmc_wait_exceedance(double arrival_rate, double service_rate, int servers,
                                         double wait);

/**
 * The p-quantile of the wait in queue of an M/M/c FCFS queue, s:
 * 0 when p <= 1 - C, otherwise ln(C / (1 - p)) / (c mu - lambda).
 *
 * @param p  0 <= p < 1
 * @throws as mmc(), and Error when p is outside [0, 1)
 */
[[nodiscard]] double mmc_wait_quantile(double arrival_rate, double service_rate, int servers,
                                       double p);

/**
 * P(T > t): probability that the response time (wait plus own exponential
 * service) of an M/M/c FCFS queue exceeds t seconds. The wait is 0 with
 * probability 1 - C and otherwise exponential with rate c mu - lambda,
 * independent of the service, so T is a mixture of Exp(mu) and a
 * hypoexponential.
 *
 * @param response  t >= 0, s
 * @throws as mmc()
 */
[[nodiscard]] double mmc_response_exceedance(double arrival_rate, double service_rate,
                                             int servers, double response);

/**
 * The p-quantile of the response time of an M/M/c FCFS queue, s (the oracle
 * for a simulated p99), found by bisection on mmc_response_exceedance().
 *
 * @param p  0 <= p < 1
 * @throws as mmc(), and Error when p is outside [0, 1)
 *
 * @code
 * double p99 = servesim::mmc_response_quantile(80.0, 50.0, 2, 0.99);
 * @endcode
 */
[[nodiscard]] double mmc_response_quantile(double arrival_rate, double service_rate, int servers,
                                           double p);

}  // namespace servesim
