#pragma once
/// @file require.hpp
/// Argument checks shared by the analytic models: each throws with a message
/// `<function>: <argument> must be <expectation>, got <value>`.

#include <cmath>
#include <sstream>
#include <string>

#include "servesim/errors.hpp"

namespace servesim::detail {

// An argument as `<<` prints it (six significant digits) in the analytic models' messages.
[[nodiscard]] inline std::string argument_text(double value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

[[noreturn]] inline void fail(const char* function, const char* argument, const char* expectation,
                              double value) {
  throw Error(std::string(function) + ": " + argument + " must be " + expectation + ", got " +
              argument_text(value));
}

/// Finite and > 0 (rates, demands that divide).
inline void require_positive(const char* function, const char* argument, double value) {
  if (!(std::isfinite(value) && value > 0.0)) fail(function, argument, "finite and > 0", value);
}

/// Finite and >= 0 (arrival rates, think times, demands).
inline void require_non_negative(const char* function, const char* argument, double value) {
  if (!(std::isfinite(value) && value >= 0.0)) fail(function, argument, "finite and >= 0", value);
}

inline void require_at_least(const char* function, const char* argument, int value, int minimum) {
  if (value < minimum) {
    throw Error(std::string(function) + ": " + argument + " must be >= " +
                std::to_string(minimum) + ", got " + std::to_string(value));
  }
}

/// A steady state needs utilization < 1.
inline void require_stable(const char* function, double utilization) {
  if (!(utilization < 1.0)) {
    throw UnstableSystemError(std::string(function) +
                              ": utilization must be < 1 for a steady state, got " +
                              argument_text(utilization));
  }
}

}  // namespace servesim::detail
