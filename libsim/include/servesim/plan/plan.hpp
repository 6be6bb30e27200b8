#pragma once
/// @file plan.hpp
/// Capacity planning: the cheapest deployment in a space of candidates that
/// meets every SLO term at a target load. Analytic capacity bounds prune
/// the candidates that cannot carry the load; simulations on common random
/// numbers, cheapest first, decide among the rest.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/model/plan_spec.hpp"
#include "servesim/model/scenario.hpp"
#include "servesim/model/uncertainty.hpp"
#include "servesim/sim/simulate.hpp"

namespace servesim {

/** How plan() searches, and what it simulates with. */
struct PlanOptions {
  /// The question; unset: the scenario's own `plan:` section (Scenario::plan).
  std::optional<PlanSpec> spec;
  Engine engine = Engine::native;
  std::optional<std::uint64_t> seed;  ///< overrides the scenario's run.seed (common to every candidate)
  /// Replications that confirm the first candidate passing its one-replication
  /// screening run (that run and confirm_replications - 1 more, on seed + 1,
  /// in parallel); it is chosen when the means over them meet every term. A
  /// candidate whose short screening replications already put every term's
  /// 99 % interval below its limit needs no more: they are its confirmation.
  int confirm_replications = 3;
  /// false: simulate every valid candidate with its full run (no pruning, no
  /// short screening, no early stop), the brute force plan() is checked
  /// against; the answer is the same.
  bool prune = true;
  int threads = 0;  ///< as SimulationOptions::threads
  /// Sampled scenarios each candidate is judged in when the scenario has ranges
  /// (Scenario::uncertain); 0 judges at the ranges' mids only. Unset: 20 with
  /// ranges, else 0. Every candidate sees the same draws and seed.
  std::optional<int> draws;
  /// The share of draws a candidate must meet every term in, in (0, 1].
  double confidence = 0.95;
  /// Called after each simulation with (simulations so far, candidates); may throw to cancel.
  std::function<void(int done, int total)> on_progress;
};

/// What became of one candidate.
enum class CandidateVerdict {
  chosen,       ///< the cheapest candidate meeting every term: the plan
  fails,        ///< simulated, and some term failed (see PlanCandidate::failed_term)
  pruned,       ///< its analytic capacity is below the load: not simulated
  invalid,      ///< the scenario rejects this combination of values (see reason)
  not_needed,   ///< costs more than the plan: not simulated
  meets,        ///< simulated (brute force) and meets every term, but costs more than the plan
};

/// The word for `verdict` in tables: `chosen`, `fails`, `pruned`, `invalid`, `not needed`, `meets`.
[[nodiscard]] const char* verdict_name(CandidateVerdict verdict) noexcept;

/**
 * A candidate's simulated measures, with 95 % confidence half-widths: across
 * replications, or, for a candidate judged on one full run (`batches` > 0),
 * by batch means within that run (its time series after the warm-up cut into
 * `batches` consecutive batches) for the throughput, mean and p50; the tail
 * quantiles p90 to p999 then have none (half-width 0): the time series keeps
 * no batches of observations to estimate a tail quantile's spread from.
 */
struct CandidateMetrics {
  ConfidenceInterval p50, p90, p99, p999, mean;  ///< latency, seconds
  double errors = 0.0;                 ///< failed attempts / (completed + failed attempts)
  ConfidenceInterval throughput;                 ///< req/s
  int replications = 0;
  int batches = 0;  ///< > 0: the half-widths are batch means over this many batches of one run
};

/** One point of the space, its cost and what became of it. */
struct PlanCandidate {
  int index = 0;  ///< position in the space's grid (the first axis varies slowest)
  std::vector<std::pair<std::string, std::string>> settings;  ///< path, value as written
  double cost = 0.0;  ///< per CostModel::period, in CostModel::currency
  CandidateVerdict verdict = CandidateVerdict::not_needed;
  /// Why it was rejected, in words (`p99 0.31 s > 0.2 s`, `capacity 180 req/s < 220 req/s`).
  std::string reason;
  /// The SLO term that failed (`p99`, `errors`), `throughput` when it did not
  /// complete what arrived, `capacity` when pruned; empty otherwise.
  std::string failed_term;
  /// The busiest resource, by scenario path (`hosts.app.cpu`, `servers.web.workers`),
  /// simulated when the candidate was, else from the analytic bound at the load.
  std::string bottleneck;
  double bottleneck_utilization = 0.0;  ///< of `bottleneck`, a fraction (> 1: over capacity)
  double capacity = 0.0;  ///< analytic upper bound on the throughput, req/s (+inf if unbounded)
  std::optional<CandidateMetrics> metrics;  ///< when simulated
  /// Worst SLO term's measure / limit (<= 1 meets it); +inf when pruned or invalid.
  /// Under uncertainty: of the hardest draw it meets, or the easiest it fails.
  double worst_ratio = 0.0;
  int draws_met = 0;     ///< draws in which it met every term (1 or 0 without ranges)
  int draws_judged = 0;  ///< draws judged: all of them, or fewer once the share was out of reach
};

/** How much one uncertain input moves the chosen candidate's worst SLO term. */
struct InputSwing {
  std::string path;
  double low = 0.0, high = 0.0;              ///< the range's ends, in the field's units
  double ratio_at_low = 0.0, ratio_at_high = 0.0;  ///< worst term / limit, the other inputs at mid
};

/** The answer of plan(). */
struct PlanResult {
  PlanSpec spec;        ///< the question answered
  double load = 0.0;    ///< target x (1 + headroom): req/s, or users
  bool feasible = false;  ///< some candidate meets every term
  /// Every candidate, ranked: by cost, then grid order.
  std::vector<PlanCandidate> candidates;
  /// Index into `candidates` of the plan when feasible, else of the closest
  /// candidate (smallest worst_ratio; the most capacity if none was simulated).
  std::size_t chosen = 0;
  Scenario scenario;  ///< the chosen (or closest) candidate's scenario at the target load
  /// Its confirmation run (feasible), or its screening run (closest, when simulated).
  std::optional<Result> result;
  int draws = 0;             ///< sampled scenarios per candidate (0: none, the scenario as written)
  double confidence = 1.0;   ///< the share of draws the plan meets the SLO in, at least
  std::vector<UncertainInput> uncertain;  ///< the scenario's ranges
  /// One-at-a-time swings of the chosen (or closest) candidate, the largest
  /// first: the first input drives the risk most.
  std::vector<InputSwing> sensitivity;
  int simulations = 0;   ///< simulation runs made (screening and confirmation)
  double wall_seconds = 0.0;
  /// A short text of why the plan wins (or what limits the closest candidate).
  std::string explanation;
};

/**
 * Reads a `plan:` section given as YAML or JSON text (the section's map, not
 * the whole scenario). The keys present replace those of `base`; without a
 * `base`, `slo` and `space` are required.
 * @throws ScenarioError naming `plan.<field>`
 *
 * @code
 * auto spec = servesim::parse_plan_section("{slo: {p99: 150ms}}", scenario.plan);
 * @endcode
 */
[[nodiscard]] PlanSpec parse_plan_section(std::string_view text, const std::optional<PlanSpec>& base = {});

/**
 * Finds the cheapest deployment in `spec.space` meeting every `spec.slo` term
 * at `spec.target` x (1 + `spec.headroom`).
 *
 * Candidates are the grid of the space's values, each applied to the scenario
 * as if written in the file. A candidate whose analytic capacity (the
 * bottleneck law over CPU, GILs, workers, event loops, thread pools, connection
 * pools, databases and capped services) is below the load is pruned; the rest
 * are simulated cheapest first on common random numbers (the same seeds for
 * all): short replications in stages (1/32 of a run each, 4, 4 and 8 of them,
 * as find_saturation judges a load) reject a candidate as soon as a term's
 * 99 % interval lies wholly above its limit; the others get one replication
 * of the full run. The first that meets every term is chosen, confirmed by
 * its short replications when they put every term's 99 % interval below its
 * limit, else by `confirm_replications` replications (run in parallel). A candidate that does not
 * complete 95 % of an open workload's arrivals fails on `throughput`.
 *
 * With ranges (Scenario::uncertain) and draws > 0, each candidate is judged
 * in the same `draws` sampled scenarios (uncertainty.hpp; a range on the
 * workload's rate or users scales the planned load by drawn / mid), and meets
 * the plan when it meets every term in at least `confidence` of them; it
 * stops early once that share is out of reach. The chosen candidate's
 * sensitivity is measured one input at a time, at each end of its range.
 *
 * @throws ScenarioError naming `plan.<field>` for a missing or bad spec: no
 *         plan section and no spec, an unknown path in the space, a value no
 *         candidate accepts, a target the workload cannot take.
 * @throws EngineError as simulate()
 *
 * @code
 * auto scenario = servesim::load_scenario("scenarios/plan-orders.yaml");
 * servesim::PlanResult plan = servesim::plan(scenario);
 * std::cout << plan.explanation << "\n";
 * @endcode
 */
[[nodiscard]] PlanResult plan(const Scenario& scenario, const PlanOptions& options = {});

}  // namespace servesim
