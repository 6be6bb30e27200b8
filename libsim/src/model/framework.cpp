#include "servesim/model/framework.hpp"

#include <algorithm>

namespace servesim {

const std::vector<FrameworkPreset>& framework_presets() {
  // CPU seconds per request, per new connection, per thread hand-off and
  // per wait, measured by validation/calibrate.py on 2026-11-25 (AMD EPYC, Python
  // 3.11.7; Flask 3.1.3 on Gunicorn 27.0.1; FastAPI 0.165.0 on Uvicorn 0.54.0
  // with uvloop 0.23.0 and httptools 0.9.0). The raw rows are in
  // validation/calibration.json; tests/cpp/model/test_framework.cpp keeps the
  // two equal.
  static const std::vector<FrameworkPreset> presets{
      {"flask", 0.000259, 0.000038, 0.000004, 0.000155},
      {"fastapi", 0.000089, 0.000105, 0.000124, 0.000030},
      // Not measured (Django is not installed here): an estimate of Django's
      // request/response cycle; connections, hand-offs and waits are Gunicorn's.
      {"django", 0.00070, 0.000038, 0.000004, 0.000155},
      {"none", 0.0, 0.0, 0.0, 0.0},
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
