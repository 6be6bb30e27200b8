// Tests for model/framework.hpp: the framework overhead presets.

#include <catch2/catch.hpp>

#include "servesim/model/framework.hpp"

using namespace servesim;

TEST_CASE("framework presets are found by name") {
  // Expected: the provisional values documented in docs/scenario-format.md.
  REQUIRE(find_framework_preset("flask"));
  CHECK(find_framework_preset("flask")->overhead_s == Approx(0.00030));
  CHECK(find_framework_preset("fastapi")->overhead_s == Approx(0.00015));
  CHECK(find_framework_preset("django")->overhead_s == Approx(0.00070));
  CHECK(find_framework_preset("none")->overhead_s == 0.0);
  CHECK_FALSE(find_framework_preset("Flask"));
  CHECK_FALSE(find_framework_preset(""));
}

TEST_CASE("framework_presets lists each preset once, in a stable order") {
  const auto& presets = framework_presets();
  REQUIRE(presets.size() == 4);
  CHECK(presets[0].name == "flask");
  CHECK(presets[3].name == "none");
  for (const auto& preset : presets) {
    CHECK(find_framework_preset(preset.name)->overhead_s == preset.overhead_s);
  }
}
