// Tests for io/yaml_document.hpp: what every document gets checked for before
// its fields are read (duplicate keys, a second document, nesting depth).

#include <catch2/catch.hpp>

#include <string>
#include <utility>

#include "io/yaml_document.hpp"
#include "support/require_error.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::require_scenario_error;

namespace {

const std::string kValid = R"(hosts:
  app: {cores: 4}
servers:
  web: {host: app, workers: 2}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 10}
)";

// `levels` maps nested in flow style, the document being the outermost.
std::string nested_flow(int levels) {
  std::string text;
  for (int i = 0; i < levels; ++i) text += "{a: ";
  text += "1";
  for (int i = 0; i < levels; ++i) text += "}";
  return text;
}

}  // namespace

TEST_CASE("a key given twice in one map is an error naming both lines", "[io][yaml_document]") {
  // yaml-cpp keeps both entries and reads the first; other YAML readers keep
  // the last, so the engine and Scenario.to_dict() disagreed (issue 13.5).
  const std::string message = require_scenario_error(
      [] { (void)parse_scenario("hosts: {app: {}}\nservers:\n  web: {workers: 2, workers: 8}\n"); },
      "servers.web.workers", "appears twice in one map, at line 3, column 9 and at line 3, column 21; keep one");
  CHECK_THAT(message, Catch::Matchers::StartsWith("servers.web.workers: "));
  require_error(kValid + "hosts: {other: {}}\n", "hosts", "appears twice in one map, at line 1, column 1 and at line 9");
  // In a list item, and in block style.
  require_error("endpoints:\n  e:\n    phases:\n      - cpu: 1ms\n        cpu: 2ms\n", "endpoints.e.phases[0].cpu",
                "at line 4, column 9 and at line 5, column 9");
  // The same key in different maps is fine.
  CHECK_NOTHROW(parse_scenario(kValid + "run: {duration: 10s}\n"));
}

TEST_CASE("a second YAML document is rejected, not ignored", "[io][yaml_document]") {
  require_error(kValid + "---\nhosts: {other: {}}\n", "", "holds a second YAML document at line 10");
  require_scenario_error([] { (void)parse_scenario(kValid + "---\n" + kValid, "two.yaml"); }, "two.yaml",
                         "a file holds one scenario");
  // An explicit start of the one document is fine.
  CHECK_NOTHROW(parse_scenario("---\n" + kValid));
}

TEST_CASE("nesting is limited, and the limit is named", "[io][yaml_document]") {
  using detail::kMaxNesting;
  CHECK_NOTHROW(detail::load_yaml_document(nested_flow(kMaxNesting), ""));
  // Counted in the text before yaml-cpp recurses: 5,000 levels cost no stack.
  for (int levels : {kMaxNesting + 1, 150, 5000}) {
    INFO(levels);
    require_scenario_error([&] { (void)detail::load_yaml_document(nested_flow(levels), "deep.yaml"); }, "deep.yaml",
                           "nest " + std::to_string(kMaxNesting + 1) + " levels deep here; the limit is 64 (at line 1)");
  }
  // Brackets in quoted strings and comments do not count.
  const std::string quoted = "name: '" + std::string(100, '[') + "'\n# " + std::string(100, '{') + "\n";
  CHECK_NOTHROW(detail::load_yaml_document(quoted, ""));
  // Block style nests by indentation: the tree walk names where.
  std::string block = "a:\n";
  for (int i = 1; i < kMaxNesting + 1; ++i) block += std::string(static_cast<std::size_t>(2 * i), ' ') + "a:\n";
  require_scenario_error([&] { (void)detail::load_yaml_document(block, ""); }, std::string("a") + [] {
    std::string path;
    for (int i = 1; i < kMaxNesting; ++i) path += ".a";
    return path;
  }(), "nest 65 levels deep here; the limit is 64");
}

TEST_CASE("caches nested past the limit get the nesting message", "[io][yaml_document]") {
  // Issue 13.8: 150 nested caches said "not valid YAML: bad file at line 3".
  std::string phases = "[{cpu: 1ms}]";
  for (int i = 0; i < 150; ++i) {
    std::string nested = "[{cache: {hit_ratio: 0.5, hit: ";
    nested += phases;
    nested += "}}]";
    phases = std::move(nested);
  }
  const std::string text = "hosts: {app: {}}\nservers: {web: {}}\nendpoints: {e: {phases: " + phases +
                           "}}\nworkload: {open: {rate: 1}}\n";
  require_error(text, "", "the limit is 64 (at line 3)");
}
