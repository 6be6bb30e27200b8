#pragma once
/// @file framework.hpp
/// Per-request CPU cost of web frameworks (routing, request parsing,
/// validation, response serialization), used when a server names a framework
/// instead of giving `framework_overhead` explicitly.

#include <optional>
#include <string_view>
#include <vector>

#include "servesim/core/distribution.hpp"

namespace servesim {

/** A named framework and its mean CPU costs at speed 1.0. */
struct FrameworkPreset {
  std::string_view name;
  double overhead_s;             ///< mean CPU seconds per request
  double connection_overhead_s;  ///< mean CPU seconds to set up a new connection
};

/// Every known preset, in a stable order.
[[nodiscard]] const std::vector<FrameworkPreset>& framework_presets();

/// The preset called `name` (`flask`, `fastapi`, `django`, `none`), if known.
[[nodiscard]] std::optional<FrameworkPreset> find_framework_preset(std::string_view name);

}  // namespace servesim
