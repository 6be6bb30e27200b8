#include "servesim/model/framework.hpp"

#include <algorithm>

namespace servesim {

const std::vector<FrameworkPreset>& framework_presets() {
  // Provisional, uncalibrated estimates of routing + parsing + serialization
  // CPU per request on the reference machine; validation/ will replace them
  // with values fitted to measured Gunicorn/Uvicorn runs.
  static const std::vector<FrameworkPreset> presets{
      {"flask", 0.00030, 0.0},
      {"fastapi", 0.00015, 0.0},
      {"django", 0.00070, 0.0},
      {"none", 0.0, 0.0},
  };
  return presets;
}

std::optional<FrameworkPreset> find_framework_preset(std::string_view name) {
  const auto& presets = framework_presets();
  auto it = std::find_if(presets.begin(), presets.end(),
                         [&](const FrameworkPreset& p) { return p.name == name; });
  if (it == presets.end()) return std::nullopt;
  return *it;
}

}  // namespace servesim
