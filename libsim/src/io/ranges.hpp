#pragma once
// Ranges in a scenario document: `{low: 5ms, mid: 10ms, high: 20ms, confidence: 0.9}`
// where a number goes. parse_scenario() replaces each by its mid before
// reading the fields, so the model stays the ordinary Scenario, and keeps the
// range beside it (Scenario::uncertain).

#include <vector>

#include <yaml-cpp/yaml.h>

#include "servesim/model/uncertainty.hpp"

namespace servesim::detail {

/**
 * Replaces every range in `root` by its mid (seconds for durations, at full
 * precision) and returns them, in document order, with their field paths.
 * @throws ScenarioError naming the range's path: a missing or non-numeric
 *         low/mid/high, low > mid or mid > high, low <= 0 (ranges are sampled on
 *         a log scale), a confidence outside (0, 1), an unknown key, or a range
 *         in the `run` or `plan` sections.
 */
[[nodiscard]] std::vector<UncertainInput> take_ranges(YAML::Node& root);

}  // namespace servesim::detail
