#include "servesim/model/framework.hpp"

#include <algorithm>

namespace servesim {

const std::vector<FrameworkPreset>& framework_presets() {
  // CPU seconds per request, per new connection and per thread hand-off,
  // measured by validation/calibrate.py (raw numbers, date and versions in
  // validation/calibration.json; tests/cpp/model/test_framework.cpp keeps the
  // two equal).
  static const std::vector<FrameworkPreset> presets{
      {"flask", 0.000196, 0.000075, 0.000055},
      {"fastapi", 0.000087, 0.000100, 0.000115},
      // Not measured (Django is not installed here): an estimate of Django's
      // request/response cycle; connections and hand-offs are Gunicorn's.
      {"django", 0.00070, 0.000075, 0.000055},
      {"none", 0.0, 0.0, 0.0},
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
