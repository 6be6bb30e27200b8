// Tests for errors.hpp: ScenarioError's message layout.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/errors.hpp"

using namespace servesim;

TEST_CASE("ScenarioError reads 'path: detail'") {
  ScenarioError e("servers.web.workers", "must be an integer >= 1, got 0");
  CHECK(std::string(e.what()) == "servers.web.workers: must be an integer >= 1, got 0");
  CHECK(e.path() == "servers.web.workers");
  CHECK(e.detail() == "must be an integer >= 1, got 0");
}

TEST_CASE("ScenarioError without a path is just the detail") {
  ScenarioError e("", "not valid YAML");
  CHECK(std::string(e.what()) == "not valid YAML");
  CHECK(e.path().empty());
}

TEST_CASE("ScenarioError is caught as servesim::Error") {
  CHECK_THROWS_AS(throw ScenarioError("a", "b"), Error);
}
