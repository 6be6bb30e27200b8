#pragma once
/// @file overrides.hpp
/// Changing a scenario by the dotted paths of its fields (`servers.web.workers`,
/// `workload.open.rate`, `run.duration`): what sweeps, plans and the CLI's
/// `--set path=value` do to a scenario.

#include <string>
#include <utility>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim {

/// One change: a field's dotted path and its new value as scenario-file text.
struct Override {
  /// `servers.web.workers`, `hosts.app.cores`, `endpoints.api.phases[0].cpu.mean`
  std::string path;
  /// Read as in a scenario file: `8`, `5ms`, `uvicorn`, `{dist: exponential, mean: 5ms}`.
  std::string value;
};

/**
 * A copy of `scenario` with each override applied in turn, then validated as
 * a file would be.
 *
 * The scenario is written out in the file format (every setting explicit),
 * each value set at its path, and the result parsed again, so a value is read
 * and checked exactly as in a file and errors carry the parser's field paths.
 * Changing a server's `kind` drops the settings the new kind does not take
 * (a sync server's `timeout` when it becomes `uvicorn`); kind overrides apply
 * before the others, so `threads` can be set along with `kind: gthread`.
 *
 * @throws ScenarioError naming the path: one that leads nowhere
 *         (`servers.api: no server named 'api' (servers: web)`), a key the
 *         format does not have (with a "did you mean"), or a value the
 *         scenario rejects (`servers.web.workers: must be an integer >= 1, got 0`).
 *
 * @code
 * auto bigger = servesim::with_overrides(scenario, {{"servers.web.workers", "8"},
 *                                                   {"run.duration", "30s"}});
 * @endcode
 */
[[nodiscard]] Scenario with_overrides(const Scenario& scenario, const std::vector<Override>& overrides);

/// The scenario in the file format, as JSON text (which is YAML): every
/// setting explicit, so parse_scenario() reads back the same model.
[[nodiscard]] std::string scenario_text(const Scenario& scenario);

}  // namespace servesim
