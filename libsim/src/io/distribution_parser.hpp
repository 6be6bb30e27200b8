#pragma once
/// @file distribution_parser.hpp
/// Reading a Distribution from a scenario field.

#include "io/yaml_field.hpp"
#include "servesim/core/distribution.hpp"

namespace servesim::detail {

/**
 * A duration means a constant; otherwise a map with `dist:` and the family's
 * parameters, e.g. `{dist: lognormal, mean: 10ms, cv: 1.5}`. See
 * docs/scenario-format.md for every family.
 * @throws ScenarioError with the path of the bad field; parameter errors the
 *         Distribution factories detect carry the path of the whole map.
 */
[[nodiscard]] Distribution parse_distribution(const YamlField& field);

}  // namespace servesim::detail
