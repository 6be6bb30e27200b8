#include "servesim/plan/plan.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <vector>

#include "plan/plan_internal.hpp"
#include "servesim/errors.hpp"

namespace servesim {

const char* verdict_name(CandidateVerdict verdict) noexcept {
  switch (verdict) {
    case CandidateVerdict::chosen: return "chosen";
    case CandidateVerdict::fails: return "fails";
    case CandidateVerdict::pruned: return "pruned";
    case CandidateVerdict::invalid: return "invalid";
    case CandidateVerdict::not_needed: return "not needed";
    case CandidateVerdict::meets: return "meets";
  }
  return "unknown";
}

namespace {

using detail::CandidateRun;

PlanSpec spec_of(const Scenario& scenario, const PlanOptions& options) {
  if (options.spec) return *options.spec;
  if (scenario.plan) return *scenario.plan;
  throw ScenarioError("plan", "the scenario has no plan: section; give one (target, slo, space, cost) "
                              "or pass the plan's settings");
}

void check_spec(const PlanSpec& spec) {
  if (spec.slo.empty()) throw ScenarioError("plan.slo", "must name at least one term (p50, p90, p99, p999, mean, errors)");
  for (std::size_t i = 0; i < spec.slo.size(); ++i) {
    const SloTerm& term = spec.slo[i];
    if (!(term.limit >= 0.0) || (term.metric != SloMetric::errors && !(term.limit > 0.0)) ||
        (term.metric == SloMetric::errors && term.limit > 1.0)) {
      throw ScenarioError("plan.slo." + std::string(slo_metric_name(term.metric)),
                          "must be a duration > 0 (latency) or a fraction in [0, 1] (errors), got " +
                              std::to_string(term.limit));
    }
  }
  if (spec.space.empty()) {
    throw ScenarioError("plan.space", "is empty: name at least one scenario path to vary, like "
                                      "{servers.web.workers: [2, 4, 8]}");
  }
  for (const SpaceAxis& axis : spec.space) {
    if (axis.values.empty()) throw ScenarioError("plan.space." + axis.path, "must list at least one value");
  }
  if (!(spec.headroom >= 0.0)) throw ScenarioError("plan.headroom", "must be a fraction >= 0");
  if (spec.target && !(spec.target->value > 0.0)) throw ScenarioError("plan.target", "must be > 0");
}

// Runs the candidate once (screening) or with replications (confirmation), on common random numbers.
Result run(const Scenario& scenario, const PlanOptions& options, int replications) {
  SimulationOptions sim;
  sim.engine = options.engine;
  sim.threads = options.threads;
  sim.seed = options.seed;
  sim.replications = replications;
  return simulate(scenario, sim);
}

// The screening run plus confirm_replications - 1 more: the extra ones on a
// seed of their own, so that every replication is independent of the others.
Result confirm(const Scenario& scenario, const PlanOptions& options, const Result& screening) {
  if (options.confirm_replications == 1) return screening;
  PlanOptions more = options;
  const std::uint64_t seed = options.seed.value_or(scenario.run.seed);
  more.seed = seed + 1;
  Result extra = run(scenario, more, options.confirm_replications - 1);
  std::vector<ReplicationResult> replications = screening.replications;
  for (ReplicationResult& replication : extra.replications) {
    replication.index = static_cast<int>(replications.size());
    replications.push_back(std::move(replication));
  }
  return summarize(screening.scenario, seed, std::move(replications));
}

}  // namespace

PlanResult plan(const Scenario& scenario, const PlanOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  PlanResult out;
  out.spec = spec_of(scenario, options);
  check_spec(out.spec);
  scenario.validate();
  if (options.confirm_replications < 1) throw Error("plan: confirm_replications must be >= 1");
  out.load = detail::planned_load(scenario, out.spec);
  std::vector<CandidateRun> runs = detail::build_candidates(scenario, out.spec, out.load);
  std::stable_sort(runs.begin(), runs.end(), [](const CandidateRun& a, const CandidateRun& b) {
    return a.record.cost < b.record.cost;
  });

  const bool open = scenario.workload.open.has_value();
  int valid = 0;
  for (CandidateRun& r : runs) {
    if (!r.scenario) continue;
    ++valid;
    std::string reason;
    if (options.prune && !detail::can_meet(r.record, *r.scenario, out.spec, out.load, reason)) {
      r.record.verdict = CandidateVerdict::pruned;
      r.record.failed_term = "capacity";
      r.record.reason = std::move(reason);
      r.record.worst_ratio = std::numeric_limits<double>::infinity();
    }
  }

  std::optional<std::size_t> chosen;
  std::optional<std::size_t> closest;
  std::optional<Result> closest_result;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CandidateRun& r = runs[i];
    if (!r.scenario || r.record.verdict == CandidateVerdict::pruned) continue;
    if (chosen && options.prune) break;  // everything after the plan costs more: not needed
    Result screening = run(*r.scenario, options, 1);
    ++out.simulations;
    r.record.metrics = detail::metrics_of(screening);
    detail::judge(r.record, out.spec, out.load, open);
    detail::name_bottleneck(r.record, *r.scenario, screening);
    if (options.on_progress) options.on_progress(out.simulations, valid);
    if (r.record.verdict == CandidateVerdict::meets && !chosen) {
      Result confirmation = confirm(*r.scenario, options, screening);
      ++out.simulations;
      r.record.metrics = detail::metrics_of(confirmation);
      detail::judge(r.record, out.spec, out.load, open);
      detail::name_bottleneck(r.record, *r.scenario, confirmation);
      if (r.record.verdict == CandidateVerdict::meets) {
        r.record.verdict = CandidateVerdict::chosen;
        chosen = i;
        out.result = std::move(confirmation);
        continue;
      }
      r.record.reason += " over " + std::to_string(options.confirm_replications) + " replications";
      screening = std::move(confirmation);
    }
    if (r.record.verdict == CandidateVerdict::fails &&
        (!closest || r.record.worst_ratio < runs[*closest].record.worst_ratio)) {
      closest = i;
      closest_result = std::move(screening);
    }
  }

  out.feasible = chosen.has_value();
  if (!chosen && !closest) {
    // Nothing simulated: the closest is the one with the most capacity for the load.
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (runs[i].scenario && (!closest || runs[i].record.capacity > runs[*closest].record.capacity)) closest = i;
    }
  }
  if (!chosen) out.result = std::move(closest_result);
  out.chosen = chosen.value_or(closest.value_or(0));
  if (runs[out.chosen].scenario) out.scenario = *runs[out.chosen].scenario;
  out.candidates.reserve(runs.size());
  for (CandidateRun& r : runs) out.candidates.push_back(std::move(r.record));
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.explanation = detail::explain(out);
  return out;
}

}  // namespace servesim
