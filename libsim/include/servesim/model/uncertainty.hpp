#pragma once
/// @file uncertainty.hpp
/// Inputs known only as a range: a rate or distribution parameter written
/// `{low: 5ms, mid: 10ms, high: 20ms, confidence: 0.9}` in a scenario file.
/// The scenario holds the value at `mid`; the range is kept beside it
/// (Scenario::uncertain) for plan() and find_saturation() to sample.

#include <string>

namespace servesim {

/// The confidence a range states when its file gives none: a 90 % interval.
inline constexpr double kDefaultRangeConfidence = 0.9;

/**
 * One uncertain input: the field's dotted path (as overrides take it) and the
 * planner's estimate, in the field's own units (seconds for durations).
 * The true value lies in [low, high] with probability `confidence`, and is
 * as likely below `mid` as above it (docs/planning.md: a split lognormal).
 */
struct UncertainInput {
  std::string path;  ///< `endpoints.api.phases[0].io.mean`, `workload.open.rate`
  double low = 0.0;
  double mid = 0.0;
  double high = 0.0;
  double confidence = kDefaultRangeConfidence;  ///< in (0, 1)
};

}  // namespace servesim
