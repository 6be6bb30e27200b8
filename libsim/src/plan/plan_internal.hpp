#pragma once
// The pieces of plan() (plan/plan.cpp): the candidates of a space, their
// cost, the load applied to them, their judgement against the SLO, and the
// explanation of the answer.

#include <string>
#include <vector>

#include "servesim/plan/plan.hpp"

namespace servesim::detail {

/// A candidate being built: its record, and its scenario when valid.
struct CandidateRun {
  PlanCandidate record;
  std::optional<Scenario> scenario;  ///< unset when invalid
  std::string error_path;            ///< invalid: the path of the field the scenario rejected
  /// A valid combination of values whose processes do not fit their host's
  /// RAM: ruled out like a capacity shortfall, not as a mistake in the space.
  bool over_memory = false;
};

/**
 * Every point of the space's grid (the first axis varies slowest), applied to
 * `base` with `load` as its target, costed, with its analytic capacity and
 * busiest resource at the load. Combinations the scenario rejects are marked
 * invalid with the parser's message.
 * @throws ScenarioError at `plan.space.<path>` when a value is rejected in
 *         every combination (an unknown path, a value out of range).
 */
[[nodiscard]] std::vector<CandidateRun> build_candidates(const Scenario& base, const PlanSpec& spec,
                                                         double load);

/// Sets the candidate's analytic capacity and busiest resource at `load`.
void bound_capacity(PlanCandidate& record, const Scenario& candidate, double load);

/// The load plan() applies: target x (1 + headroom), in req/s or users.
/// @throws ScenarioError at `plan.target` when the workload cannot take it.
[[nodiscard]] double planned_load(const Scenario& base, const PlanSpec& spec);

/// `scenario` with its open rate or closed users set to `load`.
void set_load(Scenario& scenario, const PlanSpec& spec, double load);

/// What the candidate costs per period (CostModel).
[[nodiscard]] double cost_of(const Scenario& scenario, const CostModel& cost);

/**
 * Whether the analytic bound leaves the candidate a chance at the load: an
 * open workload's capacity must reach it; a closed one's mean-latency floor
 * N / X_max - Z must be within a `mean` term. Otherwise says why in `reason`.
 */
[[nodiscard]] bool can_meet(const PlanCandidate& candidate, const Scenario& scenario, const PlanSpec& spec,
                            double load, std::string& reason);

/// The measures plan() judges by, read off a simulation.
[[nodiscard]] CandidateMetrics metrics_of(const Result& result);

/**
 * Judges `metrics` against the SLO at `load`: sets the verdict to fails or
 * meets, the failed term and reason, and worst_ratio.
 */
void judge(PlanCandidate& candidate, const PlanSpec& spec, double load, bool open_workload);

/// Sets the candidate's bottleneck to the busiest resource `result` shows.
void name_bottleneck(PlanCandidate& candidate, const Scenario& scenario, const Result& result);

/// A short text of why the plan wins, or what limits the closest candidate.
[[nodiscard]] std::string explain(const PlanResult& result);

/// `path=value, path=value`
[[nodiscard]] std::string settings_text(const PlanCandidate& candidate);

/// `0.2 s` as `200 ms`, a fraction as a percentage: a term's measure as read.
[[nodiscard]] std::string term_value_text(SloMetric metric, double value);

}  // namespace servesim::detail
