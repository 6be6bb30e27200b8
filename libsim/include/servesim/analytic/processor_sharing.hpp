#pragma once
/// @file processor_sharing.hpp
/// Processor-sharing queues: the model of CPU-bound threads sharing cores
/// (Linux CFS is close to PS). Times in seconds, rates per second; "work" is
/// CPU time on one core of the reference speed.

namespace servesim {

/**
 * Mean response time of an M/G/1-PS queue, E[T] = E[S] / (1 - rho),
 * rho = lambda E[S]. Exact for any work distribution: PS is insensitive.
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param mean_work     E[S] > 0, s of CPU
 * @throws UnstableSystemError when rho >= 1
 * @throws Error on out-of-range arguments
 *
 * @code
 * double t = servesim::mg1_ps_mean_response(50.0, 0.01);  // 0.02 s at rho 0.5
 * @endcode
 */
[[nodiscard]] double mg1_ps_mean_response(double arrival_rate, double mean_work);

/**
 * Mean response time of jobs sharing `cores` cores by processor sharing,
 * each of the n jobs present getting min(1, c / n) of a core (one thread
 * never runs on two cores), with Poisson arrivals.
 *
 * The total service rate with n jobs is min(n, c) / E[S], the birth-death
 * process of an M/M/c queue, so E[N] and by Little E[T] equal the M/M/c
 * values (FCFS order does not matter for the number in system). This sharing
 * rule is a symmetric queue in Kelly's sense (Kelly 1979, Reversibility and
 * Stochastic Networks, section 3.3), whose number-in-system distribution
 * depends on the work distribution only through its mean; so the result is
 * exact for exponential work and, by that insensitivity, for general work too.
 * (Response-time *quantiles* are not insensitive and differ from M/M/c FCFS.)
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param mean_work     E[S] > 0, s of CPU per job
 * @param cores         c >= 1
 * @throws UnstableSystemError when lambda E[S] >= c
 * @throws Error on out-of-range arguments
 *
 * @code
 * double t = servesim::mgc_ps_mean_response(300.0, 0.01, 4);  // rho 0.75
 * @endcode
 */
[[nodiscard]] double mgc_ps_mean_response(double arrival_rate, double mean_work, int cores);

}  // namespace servesim
