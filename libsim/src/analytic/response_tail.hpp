#pragma once
/// @file response_tail.hpp
/// The response-time tail of an FCFS queue whose wait is 0 with probability
/// 1 - P and otherwise exponential, followed by an exponential service: the
/// M/M/c response time, shared by the M/M/c functions and the staffing search.

#include <cmath>

namespace servesim::detail {

/// P(W + S > t) with P(W > 0) = `wait_probability`, W | W > 0 ~ Exp(`wait_rate`),
/// S ~ Exp(`service_rate`) independent of W.
[[nodiscard]] inline double exponential_response_tail(double wait_probability,
                                                      double service_rate, double wait_rate,
                                                      double t) {
  const double mu = service_rate;
  const double delta = wait_rate - mu;
  // P(Exp(theta) + Exp(mu) > t) = e^{-mu t} (1 + mu (1 - e^{-delta t}) / delta),
  // written with expm1 so that theta close to mu loses no digits (limit: 1 + mu t).
  const double spread = delta == 0.0 ? t : -std::expm1(-delta * t) / delta;
  const double tail_if_waiting = std::exp(-mu * t) * (1.0 + mu * spread);
  return (1.0 - wait_probability) * std::exp(-mu * t) + wait_probability * tail_if_waiting;
}

}  // namespace servesim::detail
