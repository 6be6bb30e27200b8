#pragma once
/// @file staffing.hpp
/// Sizing an M/M/c queue: the smallest number of servers (Gunicorn sync
/// workers, threads, cores) that meets a service-level target at a given
/// load. Each target is monotone in c, so the answer is the first c that
/// meets it, found in one pass of the Erlang B recurrence: O(c) time, stable
/// for c in the tens of thousands. Times in seconds, rates per second.

namespace servesim {

/**
 * Smallest c with mean wait in queue E[W] = C(c, a) / (c mu - lambda) <= `max_mean_wait`.
 *
 * @param arrival_rate   lambda > 0, per second
 * @param service_rate   mu > 0 per server, per second
 * @param max_mean_wait  target > 0, s
 * @returns c >= 1, always > lambda / mu (the system is stable)
 * @throws Error naming the argument on out-of-range input
 *
 * @code
 * int c = servesim::mmc_servers_for_mean_wait(80.0, 50.0, 0.005);  // 3 workers
 * @endcode
 */
[[nodiscard]] int mmc_servers_for_mean_wait(double arrival_rate, double service_rate,
                                            double max_mean_wait);

/**
 * Smallest c with P(wait) = C(c, a) <= `max_wait_probability` (the call-centre
 * "service level" at zero seconds).
 *
 * @param max_wait_probability  target in (0, 1]
 * @throws Error naming the argument on out-of-range input
 */
[[nodiscard]] int mmc_servers_for_wait_probability(double arrival_rate, double service_rate,
                                                   double max_wait_probability);

/**
 * Smallest c whose p-quantile of the response time (wait plus service) is
 * <= `max_response`, i.e. P(T > max_response) <= 1 - p.
 *
 * @param p             quantile in (0, 1), e.g. 0.99
 * @param max_response  target > 0, s
 * @throws Error when the target is out of reach with any number of servers
 *         (the service time alone exceeds it: -ln(1 - p) / mu > max_response),
 *         or naming the argument on out-of-range input
 */
[[nodiscard]] int mmc_servers_for_response_quantile(double arrival_rate, double service_rate,
                                                    double p, double max_response);

}  // namespace servesim
