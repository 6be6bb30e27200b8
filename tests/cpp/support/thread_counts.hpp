#pragma once
// Same seed, same result, on any thread count: the runs a test compares.

#include <utility>

#include "servesim/sim/simulate.hpp"

namespace servesim::test {

/// `s` simulated on one thread and on three, in that order.
inline std::pair<Result, Result> simulate_on_one_and_three_threads(const Scenario& s) {
  SimulationOptions one;
  one.threads = 1;
  SimulationOptions three;
  three.threads = 3;
  return {simulate(s, one), simulate(s, three)};
}

}  // namespace servesim::test
