#pragma once
// Editing scenario files as text, so an error test can break one field of a
// valid scenario and nothing else.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::test {

/// `text` with the first `from` replaced by `to`; `from` must occur.
inline std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

/// Server `web` (`server`'s settings, no framework overhead) on host `app` of `cores` cores,
/// one endpoint `work` of `phases`, open Poisson arrivals (`workload`), seed 7; `extra`
/// adds whole sections.
inline Scenario deployment(const std::string& server, int cores, const std::string& phases,
                           const std::string& extra = "", const std::string& workload = "open: {rate: 10}") {
  return parse_scenario("hosts: {app: {cores: " + std::to_string(cores) + "}}\n" +
                        "servers: {web: {host: app, framework: none, " + server + "}}\n" +
                        "endpoints: {work: {phases: [" + phases + "]}}\n" + extra +
                        "workload: {" + workload + "}\nrun: {seed: 7}\n");
}

}  // namespace servesim::test
