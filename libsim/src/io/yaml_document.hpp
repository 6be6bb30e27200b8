#pragma once
/// @file yaml_document.hpp
/// Loading one YAML document safely: the checks every file the library reads
/// (scenarios, comparisons) gets before its fields are read.

#include <cstddef>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace servesim::detail {

/// Maps and lists may nest this deep, the document itself being level 1.
/// A scenario needs about 10 (a cache phase adds 3); the limit keeps the
/// recursive readers' stacks small.
inline constexpr int kMaxNesting = 64;

/**
 * Parses `text` as exactly one YAML document (JSON included) and checks it:
 * no map nested deeper than kMaxNesting (checked in the text before yaml-cpp
 * recurses, and in the tree), no key twice in one map (the message names the
 * key's path and both lines), no second document, aliases (`*name`) that do
 * not expand the document far beyond its size.
 * @param origin names the document in messages (a file name; may be empty)
 * @throws ScenarioError with the path of the problem, or `origin`
 */
[[nodiscard]] YAML::Node load_yaml_document(std::string_view text, const std::string& origin);

}  // namespace servesim::detail
