#include "servesim/model/framework.hpp"

#include <algorithm>

namespace servesim {

const std::vector<FrameworkPreset>& framework_presets() {
  // CPU seconds per request, per new connection, per thread hand-off and
  // per wait (and per wait and request held), measured by validation/calibrate.py on 2026-11-25 (AMD EPYC, Python
  // 3.11.7; Flask 3.1.3 on Gunicorn 27.0.1; FastAPI 0.165.0 on Uvicorn 0.54.0
  // with uvloop 0.23.0 and httptools 0.9.0). The raw rows are in
  // validation/calibration.json; tests/cpp/model/test_framework.cpp keeps the
  // two equal.
  static const std::vector<FrameworkPreset> presets{
      {"flask", 0.000259, 0.000038, 0.000004, 0.000155, 0.0},
      // Its wait_crowding: an async def's 50 ms wait on Uvicorn 0.55.0 cost 31 us
      // with 64 requests held and 141 us with 256, measured on 2026-12-08; its
      // wait_overhead is the 2 ms wait at 16 connections less 16 of those.
      {"fastapi", 0.000089, 0.000105, 0.000124, 0.000021, 0.000000571},
      // Django 5.2.20 on Gunicorn 27.0.1 (startproject's default middleware),
      // measured on 2026-12-07 and scaled by that day's Flask over the flask
      // preset's (django_same_day_scale, 0.637).
      {"django", 0.000345, 0.000118, 0.000030, 0.000226, 0.0},
      {"none", 0.0, 0.0, 0.0, 0.0, 0.0},
  };
  return presets;
}

namespace {

struct ServerPreset {
  ServerKind kind;
  FrameworkPreset costs;
};

// FastAPI on the other ASGI servers, measured like the fastapi preset by
// validation/calibrate.py on 2026-12-07 (Hypercorn 0.18.0 with h11 0.16.0 on
// asyncio; Granian 2.8.9, one tokio thread, uvloop; Gunicorn 27.0.1 running
// uvicorn-worker 0.4.0), then scaled by that day's Uvicorn over the fastapi
// preset's (same_day_scale, 0.364: the same Uvicorn request cost 246 us of
// CPU that day, 89 on 2026-11-25), so all FastAPI presets are on one machine.
// The server's HTTP machinery is most of a zero-work request's cost.
const std::vector<ServerPreset>& server_presets() {
  static const std::vector<ServerPreset> presets{
      {ServerKind::hypercorn, {"fastapi", 0.000206, 0.000183, 0.000137, 0.000034, 0.0}},
      {ServerKind::granian, {"fastapi", 0.000077, 0.000021, 0.000086, 0.0, 0.0}},
      {ServerKind::gunicorn_uvicorn, {"fastapi", 0.000085, 0.000059, 0.000079, 0.000017, 0.0}},
  };
  return presets;
}

}  // namespace

std::optional<FrameworkPreset> find_framework_preset(std::string_view name, ServerKind kind) {
  for (const ServerPreset& preset : server_presets()) {
    if (preset.kind == kind && preset.costs.name == name) return preset.costs;
  }
  return find_framework_preset(name);
}

std::optional<FrameworkPreset> find_framework_preset(std::string_view name) {
  const auto& presets = framework_presets();
  auto it = std::find_if(presets.begin(), presets.end(),
                         [&](const FrameworkPreset& p) { return p.name == name; });
  if (it == presets.end()) return std::nullopt;
  return *it;
}

}  // namespace servesim
