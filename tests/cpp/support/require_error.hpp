#pragma once
// Asserting on errors: which exception a call throws, and for a ScenarioError
// the path of the bad field and what the message says about it.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"

namespace servesim::test {

/// The message of the `E` that `call` throws, or "(nothing thrown)"; another
/// exception escapes and fails the test.
template <class E, class F>
std::string message_of(F&& call) {
  try {
    call();
  } catch (const E& error) {
    return error.what();
  }
  return "(nothing thrown)";
}

/// Requires `call` to throw a ScenarioError at `path` whose detail contains
/// `fragment`; returns its full message for further checks.
template <class F>
std::string require_scenario_error(F&& call, const std::string& path, const std::string& fragment) {
  try {
    call();
  } catch (const ScenarioError& e) {
    CHECK(e.path() == path);
    CHECK_THAT(e.detail(), Catch::Matchers::Contains(fragment));
    return e.what();
  }
  FAIL("expected a ScenarioError");
  return {};
}

/// Requires parsing the scenario `text` to fail at `path` with `fragment` in
/// the message; the text is shown when it does not.
inline void require_error(const std::string& text, const std::string& path, const std::string& fragment) {
  INFO("scenario:\n" << text);
  require_scenario_error([&] { (void)parse_scenario(text); }, path, fragment);
}

}  // namespace servesim::test
