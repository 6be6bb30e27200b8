// Tests for model/framework.hpp: the framework presets, against the real-server
// measurements they come from.

#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "servesim/model/framework.hpp"

using namespace servesim;

namespace {

nlohmann::json calibrated_presets() {
  std::ifstream in(std::string(SERVESIM_SOURCE_DIR) + "/validation/calibration.json");
  REQUIRE(in);
  return nlohmann::json::parse(in).at("presets");
}

// A preset equals its row of calibration.json, which rounds to 1 us.
void check_matches_calibration(const FrameworkPreset& preset, const nlohmann::json& measured) {
  CHECK(preset.overhead_s == Approx(measured.at("overhead_s").get<double>()).margin(0.5e-6));
  CHECK(preset.connection_overhead_s == Approx(measured.at("connection_overhead_s").get<double>()).margin(0.5e-6));
  CHECK(preset.thread_handoff_s == Approx(measured.at("thread_handoff_s").get<double>()).margin(0.5e-6));
  CHECK(preset.wait_overhead_s == Approx(measured.at("wait_overhead_s").get<double>()).margin(0.5e-6));
  // Rounded there to 1 ns: it is multiplied by the requests a process holds.
  CHECK(preset.wait_crowding_s == Approx(measured.at("wait_crowding_s").get<double>()).margin(0.5e-9));
}

}  // namespace

TEST_CASE("flask, fastapi and django presets are the calibrated measurements") {
  // Expected: the presets validation/calibrate.py derived from Gunicorn+Flask,
  // Uvicorn+FastAPI and Gunicorn+Django on the reference machine
  // (validation/calibration.json, rounded there to 1 us; Django's scaled to
  // Flask's day), so the code and the measurements cannot drift apart.
  const nlohmann::json presets = calibrated_presets();
  for (const char* name : {"flask", "fastapi", "django"}) {
    INFO(name);
    const auto preset = find_framework_preset(name);
    REQUIRE(preset);
    const nlohmann::json& measured = presets.at(name);
    check_matches_calibration(*preset, measured);
    CHECK(preset->overhead_s > 0.0);
    CHECK(preset->connection_overhead_s > 0.0);
    CHECK(preset->thread_handoff_s > 0.0);
    CHECK(preset->wait_overhead_s > 0.0);
  }
}

TEST_CASE("framework presets are found by name, each once, in a stable order") {
  // Expected: the names documented in docs/scenario-format.md; `none` costs nothing.
  const auto& presets = framework_presets();
  REQUIRE(presets.size() == 4);
  CHECK(presets[0].name == "flask");
  CHECK(presets[3].name == "none");
  for (const auto& preset : presets) {
    CHECK(find_framework_preset(preset.name)->overhead_s == preset.overhead_s);
  }
  const auto none = find_framework_preset("none");
  REQUIRE(none);
  CHECK(none->overhead_s == 0.0);
  CHECK(none->connection_overhead_s == 0.0);
  CHECK(none->thread_handoff_s == 0.0);
  CHECK(none->wait_overhead_s == 0.0);
  CHECK(none->wait_crowding_s == 0.0);
  CHECK_FALSE(find_framework_preset("Flask"));
  CHECK_FALSE(find_framework_preset(""));
}

TEST_CASE("fastapi on the other ASGI servers takes the presets calibrated on each", "[asgi]") {
  // Expected: validation/calibrate.py's `fastapi-<kind>` presets (FastAPI
  // measured on Hypercorn, Granian and Gunicorn with Uvicorn workers, scaled
  // to the day Uvicorn's preset was measured), within the 1 us rounding.
  const nlohmann::json presets = calibrated_presets();
  const std::pair<ServerKind, const char*> servers[] = {{ServerKind::hypercorn, "fastapi-hypercorn"},
                                                        {ServerKind::granian, "fastapi-granian"},
                                                        {ServerKind::gunicorn_uvicorn, "fastapi-gunicorn-uvicorn"}};
  for (const auto& [kind, name] : servers) {
    INFO(name);
    const auto preset = find_framework_preset("fastapi", kind);
    REQUIRE(preset);
    const nlohmann::json& measured = presets.at(name);
    check_matches_calibration(*preset, measured);
  }
  // Uvicorn's own is the fastapi preset; flask has no server variants.
  CHECK(find_framework_preset("fastapi", ServerKind::uvicorn)->overhead_s == find_framework_preset("fastapi")->overhead_s);
  CHECK(find_framework_preset("flask", ServerKind::granian)->overhead_s == find_framework_preset("flask")->overhead_s);
}
