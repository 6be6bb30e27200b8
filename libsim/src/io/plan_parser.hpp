#pragma once
// The scenario file's `plan:` section (io/plan_parser.cpp).

#include "io/yaml_field.hpp"
#include "servesim/model/plan_spec.hpp"

namespace servesim::detail {

/// Reads a `plan:` section: target, slo, space, cost, headroom; errors name
/// `plan.<field>`. With a `base`, the keys present replace its settings and
/// none is required; without, `slo` and `space` are.
[[nodiscard]] PlanSpec parse_plan(const YamlField& f, const PlanSpec* base = nullptr);

}  // namespace servesim::detail
