#pragma once
/// @file mmck.hpp
/// The M/M/c/K queue: Poisson arrivals, c exponential servers, room for K
/// customers in total (c in service plus K - c waiting); arrivals finding K
/// present are lost. A Gunicorn sync pool with c workers and a backlog of
/// K - c connections is this queue when work is exponential.
///
/// Times in seconds, rates per second. Finite capacity means a steady state
/// exists at any load, including lambda >= c mu.

namespace servesim {

/** Steady-state metrics of an M/M/c/K queue. */
struct MmckMetrics {
  double loss_probability = 0.0;   ///< P(N = K): an arrival is refused (PASTA)
  double throughput = 0.0;         ///< accepted rate lambda (1 - P(N = K)), per s
  double mean_in_system = 0.0;     ///< E[N], waiting plus in service
  double mean_queue_length = 0.0;  ///< E[Lq], waiting only
  double mean_response = 0.0;      ///< E[T] of accepted customers, s (Little: E[N] / throughput)
  double mean_wait = 0.0;          ///< E[W] in queue of accepted customers, s
  double utilization = 0.0;        ///< busy fraction of each server, throughput / (c mu)
};

/**
 * M/M/c/K from the product-form stationary distribution
 * p_n ∝ a^n / n! (n <= c), a^c / c! (a / c)^(n - c) (n > c), a = lambda / mu,
 * evaluated in log space so that K in the millions neither overflows nor
 * underflows.
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param service_rate  mu > 0 per server, per second
 * @param servers       c >= 1
 * @param capacity      K >= c, total customers the system holds
 * @throws Error on out-of-range arguments
 *
 * @code
 * // 4 workers, backlog 16, offered 1.2x their capacity: about 17 % refused.
 * auto m = servesim::mmck(120.0, 25.0, 4, 20);
 * @endcode
 */
[[nodiscard]] MmckMetrics mmck(double arrival_rate, double service_rate, int servers,
                               int capacity);

/**
 * The same metrics by solving the birth-death CTMC numerically (sparse LU on
 * the generator with one balance equation replaced by normalisation). It
 * shares no formula with mmck(), which is why the tests use it as a check;
 * costs O(K) memory and time, fine for K up to about 10^5.
 *
 * @throws Error on out-of-range arguments, EngineError if the solver fails
 */
[[nodiscard]] MmckMetrics mmck_ctmc(double arrival_rate, double service_rate, int servers,
                                    int capacity);

}  // namespace servesim
