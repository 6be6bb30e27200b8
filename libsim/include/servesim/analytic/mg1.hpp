#pragma once
/// @file mg1.hpp
/// The M/G/1 FCFS queue by the Pollaczek–Khinchine formula. Service times
/// are described by their mean and squared coefficient of variation
/// scv = Var[S] / E[S]^2: 0 for constant (M/D/1), 1 for exponential (M/M/1).
/// Times in seconds, rates per second.

namespace servesim {

/**
 * Mean wait in queue of an M/G/1 FCFS queue (Pollaczek–Khinchine):
 * E[W] = rho E[S] (1 + scv) / (2 (1 - rho)), rho = lambda E[S].
 *
 * @param arrival_rate  lambda >= 0, per second
 * @param mean_service  E[S] > 0, s
 * @param service_scv   scv >= 0, squared coefficient of variation of S
 * @throws UnstableSystemError when rho >= 1
 * @throws Error on out-of-range arguments
 *
 * @code
 * double w = servesim::mg1_mean_wait(50.0, 0.01, 0.0);  // M/D/1 at rho 0.5: 5 ms
 * @endcode
 */
[[nodiscard]] double mg1_mean_wait(double arrival_rate, double mean_service, double service_scv);

/**
 * Mean response time (wait plus service) of an M/G/1 FCFS queue, s:
 * mg1_mean_wait() + E[S].
 *
 * @throws as mg1_mean_wait()
 */
[[nodiscard]] double mg1_mean_response(double arrival_rate, double mean_service,
                                       double service_scv);

}  // namespace servesim
