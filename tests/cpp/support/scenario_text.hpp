#pragma once
// Editing scenario files as text, so an error test can break one field of a
// valid scenario and nothing else.

#include <catch2/catch.hpp>

#include <string>

namespace servesim::test {

/// `text` with the first `from` replaced by `to`; `from` must occur.
inline std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace servesim::test
