#include "servesim/plan/plan.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "plan/batch_means.hpp"
#include "plan/plan_internal.hpp"
#include "plan/staged_judge.hpp"
#include "servesim/errors.hpp"
#include "servesim/model/replicas.hpp"
#include "servesim/plan/uncertainty.hpp"
#include "sim/host_memory.hpp"

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

// Screening's short stages: the first three of find_saturation's (4, 4, 8
// replications of 1/32 of a run: half a run in all). A candidate they leave
// undecided is near its limits, where the full run decides; a fourth stage
// would cost as much again and rarely settle it.
constexpr std::span<const int> kScreeningStages = std::span(detail::kStages).first<3>();
// Seeds of the stages: after the screening run's (seed) and the confirmation's (seed + 1).
constexpr std::uint64_t kFirstStageSeed = 2;

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

// `replications` replications of `share` of the scenario's run each, on
// `seed`: the warm-up shrinks with the run (a tenth of it under MSER-5, whose
// pilot run would double the cost).
Result run_short(const Scenario& scenario, const PlanOptions& options, int replications, double share,
                 std::uint64_t seed) {
  Scenario shorter = scenario;
  RunConfig& r = shorter.run;
  r.warmup = share * (r.warmup_mode == WarmupMode::fixed ? r.warmup : 0.1 * r.duration);
  r.warmup_mode = WarmupMode::fixed;
  r.duration *= share;
  r.interval = 0.0;
  PlanOptions at_seed = options;
  at_seed.seed = seed;
  return run(shorter, at_seed, replications);
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
  Result out = summarize(screening.scenario, seed, std::move(replications));
  detail::add_host_memory(expand_replicas(scenario), out);  // summarize() leaves it to simulate()
  return out;
}


// Ranges sampled once for the whole plan: the same draws for every candidate.
// Identical draws are judged once (a collapsed range always gives its mid),
// each standing for `weight` of the `total` draws.
struct Sampling {
  struct Draw {
    std::vector<Override> overrides;  ///< empty: the candidate as it is
    double load = 0.0;                ///< the planned load, scaled when the rate is uncertain
    int weight = 0;
  };
  std::vector<Draw> draws;
  int total = 1;
  int needed = 1;  ///< draws a candidate must meet
};

// A range on the workload's rate or users reads as a factor on the planned
// load (drawn / mid), since the plan sets the load itself.
std::vector<Override> load_scaled(const std::vector<UncertainInput>& inputs, const std::vector<double>& values,
                                  double load, double& scaled) {
  std::vector<double> v = values;
  scaled = load;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!detail::is_load_path(inputs[i].path)) continue;
    scaled = load * values[i] / inputs[i].mid;
    if (inputs[i].path == "workload.closed.users") scaled = std::max(1.0, std::round(scaled));
    v[i] = scaled;
  }
  std::vector<Override> out;
  for (const Override& o : draw_overrides(inputs, v)) out.push_back(o);
  return out;
}

Sampling sample(const Scenario& scenario, const PlanOptions& options, double load, int draws) {
  Sampling out;
  if (draws == 0) {
    out.draws.push_back({{}, load, 1});
    return out;
  }
  out.total = draws;
  out.needed = static_cast<int>(std::ceil(options.confidence * draws - 1e-9));
  const std::vector<UncertainInput>& inputs = scenario.uncertain;
  std::map<std::vector<double>, std::size_t> seen;
  const std::uint64_t seed = options.seed.value_or(scenario.run.seed);
  for (const std::vector<double>& values : draw_inputs(inputs, draws, seed)) {
    const auto [at, fresh] = seen.emplace(values, out.draws.size());
    if (!fresh) {
      ++out.draws[at->second].weight;
      continue;
    }
    bool at_mid = true;
    for (std::size_t i = 0; i < inputs.size(); ++i) at_mid = at_mid && values[i] == inputs[i].mid;
    Sampling::Draw d;
    d.weight = 1;
    d.overrides = load_scaled(inputs, values, load, d.load);
    if (at_mid) d.overrides.clear();
    out.draws.push_back(std::move(d));
  }
  return out;
}

// One candidate in one draw.
struct Trial {
  PlanCandidate judged;
  std::optional<Scenario> scenario;  ///< unset: the candidate's own
  std::optional<Result> result;      ///< unset: pruned by the analytic bound
  int weight = 1;
  double load = 0.0;
  /// Short replications that put every term's 99 % interval below its limit
  /// (0: none did); with a full run that meets too, they are its confirmation.
  int short_met = 0;
};

class Planner {
 public:
  Planner(const PlanOptions& options, PlanResult& out, const Sampling& sampling, bool open, int valid)
      : options_(options), out_(out), sampling_(sampling), open_(open), valid_(valid) {}

  // Judges the candidate in every draw (or until the share is out of reach);
  // returns the trials, simulated or pruned.
  std::vector<Trial> screen(CandidateRun& r) {
    std::vector<Trial> trials;
    int failed = 0;
    for (const Sampling::Draw& d : sampling_.draws) {
      Trial t;
      t.judged = r.record;
      t.weight = d.weight;
      t.load = d.load;
      if (!d.overrides.empty()) {
        t.scenario = with_overrides(*r.scenario, d.overrides);
        detail::bound_capacity(t.judged, *t.scenario, d.load);
      }
      const Scenario& s = t.scenario ? *t.scenario : *r.scenario;
      std::string reason;
      if (options_.prune && !detail::can_meet(t.judged, s, out_.spec, d.load, reason)) {
        t.judged.verdict = CandidateVerdict::pruned;
        t.judged.failed_term = "capacity";
        t.judged.reason = std::move(reason);
        t.judged.worst_ratio = std::numeric_limits<double>::infinity();
      } else if (!options_.prune || !rejected_early(t, s)) {
        simulate_trial(t, s, 1);
      }
      if (t.judged.verdict != CandidateVerdict::meets) failed += t.weight;
      trials.push_back(std::move(t));
      if (options_.prune && failed > sampling_.total - sampling_.needed) break;
    }
    return trials;
  }

  // The meeting trials again with confirm_replications, but for those whose
  // short replications already put every term below its limit at 99 %: as in
  // find_saturation, only a candidate near the boundary costs more runs.
  void confirm_trials(const CandidateRun& r, std::vector<Trial>& trials) {
    for (Trial& t : trials) {
      if (t.judged.verdict != CandidateVerdict::meets) continue;
      if (t.short_met > 0) {
        t.judged.reason = "confirmed by " + std::to_string(t.short_met) +
                          " short replications: every term's 99 % interval below its limit";
        // The short replications' spread is no interval for the full run's
        // measures (they read latencies low); the full run's own batches are.
        t.judged.metrics = detail::batch_metrics(*t.result);
        continue;
      }
      // The full run's own batches may already put every term below its
      // limit at 99 %: then, as with short replications, no more runs.
      CandidateMetrics batched = detail::batch_metrics(*t.result);
      if (options_.prune && detail::batches_below(batched, out_.spec.slo)) {
        t.judged.metrics = batched;
        t.judged.reason = "confirmed by its run's " + std::to_string(t.judged.metrics->batches) +
                          " batches: every term's 99 % interval below its limit";
        continue;
      }
      const Scenario& s = t.scenario ? *t.scenario : *r.scenario;
      t.result = confirm(s, options_, *t.result);
      ++out_.simulations;
      t.judged.metrics = detail::metrics_of(*t.result);
      detail::judge(t.judged, out_.spec, t.load, open_);
      detail::name_bottleneck(t.judged, s, *t.result);
      if (t.judged.verdict != CandidateVerdict::meets) {
        t.judged.reason += " over " + std::to_string(options_.confirm_replications) + " replications";
      }
    }
  }

  // Sets the candidate's record from its trials; returns the trial it is
  // reported by: the hardest draw it meets when it passes, the easiest it fails otherwise.
  std::size_t summarize(PlanCandidate& record, const std::vector<Trial>& trials) const {
    record.draws_met = 0;
    record.draws_judged = 0;
    for (const Trial& t : trials) {
      record.draws_judged += t.weight;
      if (t.judged.verdict == CandidateVerdict::meets) record.draws_met += t.weight;
    }
    const bool passes = record.draws_met >= sampling_.needed;
    std::optional<std::size_t> pick;
    for (std::size_t k = 0; k < trials.size(); ++k) {
      const PlanCandidate& j = trials[k].judged;
      if ((j.verdict == CandidateVerdict::meets) != passes || !trials[k].result) continue;
      if (!pick || (passes ? j.worst_ratio > trials[*pick].judged.worst_ratio
                           : j.worst_ratio < trials[*pick].judged.worst_ratio)) {
        pick = k;
      }
    }
    for (std::size_t k = 0; !pick && k < trials.size(); ++k) {
      if (trials[k].judged.verdict == CandidateVerdict::pruned) pick = k;  // failed draws all pruned
    }
    if (!pick) pick = 0;
    const double cost = record.cost;
    const int met = record.draws_met;
    const int judged = record.draws_judged;
    record = trials[*pick].judged;
    record.cost = cost;
    record.draws_met = met;
    record.draws_judged = judged;
    if (!passes && met > 0) record.verdict = CandidateVerdict::fails;  // in some draws, not enough
    if (sampling_.total > 1 && record.verdict != CandidateVerdict::pruned) {
      record.reason = "meets the SLO in " + std::to_string(met) + " of " + std::to_string(judged) +
                      " draws judged (needs " + std::to_string(sampling_.needed) + " of " +
                      std::to_string(sampling_.total) + ")" + (record.reason.empty() ? "" : "; " + record.reason);
    }
    return *pick;
  }

 private:
  void simulate_trial(Trial& t, const Scenario& s, int replications) {
    t.result = run(s, options_, replications);
    ++out_.simulations;
    t.judged.metrics = detail::metrics_of(*t.result);
    detail::judge(t.judged, out_.spec, t.load, open_);
    detail::name_bottleneck(t.judged, s, *t.result);
    report();
  }

  // Short replications in stages (plan/staged_judge.hpp), on seeds of their
  // own shared by every candidate: a candidate with a term wholly above its
  // limit at 99 % is rejected there, at a fraction of its run. None is
  // accepted on them: their warm-ups are short and their tails young, so they
  // read latencies low. The rest are judged by their full screening run, as
  // the brute force judges every candidate, so both agree near the boundary.
  bool rejected_early(Trial& t, const Scenario& s) {
    const std::uint64_t seed = options_.seed.value_or(s.run.seed) + kFirstStageSeed;
    detail::StagedVerdict staged = detail::judge_in_stages(
        kScreeningStages, seed,
        [&](int replications, double share, std::uint64_t stage_seed) {
          return run_short(s, options_, replications, share / replications, stage_seed);
        },
        [&](const Result& pooled) { return detail::decisive_verdict(pooled, out_.spec.slo, true); },
        [&](const Result& pooled, int more) { return detail::cannot_decide(pooled, out_.spec.slo, more); });
    if (staged.verdict == true) t.short_met = static_cast<int>(staged.pooled.replications.size());
    if (!staged.verdict.has_value() || *staged.verdict) return false;
    PlanCandidate judged = t.judged;
    judged.metrics = detail::metrics_of(staged.pooled);
    detail::judge(judged, out_.spec, t.load, open_);
    // The pooled share of errors may sit under a limit the replications' mean share is over: the full run decides.
    if (judged.verdict != CandidateVerdict::fails) return false;
    judged.reason += " over " + std::to_string(judged.metrics->replications) + " short replications (1/" +
                     std::to_string(static_cast<int>(1.0 / detail::kStageShare)) + " of a run each)";
    detail::name_bottleneck(judged, s, staged.pooled);
    // Pooled by summarize(), which leaves host memory to simulate(): the
    // closest candidate of an infeasible plan may be reported by this result.
    detail::add_host_memory(expand_replicas(s), staged.pooled);
    t.judged = std::move(judged);
    t.result = std::move(staged.pooled);
    ++out_.simulations;  // its screening; one that goes on to its full run counts that run only
    report();
    return true;
  }

  void report() const {
    if (options_.on_progress) {
      options_.on_progress(out_.simulations, valid_ * static_cast<int>(sampling_.draws.size()));
    }
  }

  const PlanOptions& options_;
  PlanResult& out_;
  const Sampling& sampling_;
  bool open_;
  int valid_;
};

// One input at a time at each end of its range, the others at their mids:
// how far each moves the candidate's worst SLO term.
std::vector<InputSwing> swings(const Scenario& candidate, const std::vector<UncertainInput>& inputs,
                               const PlanSpec& spec, const PlanOptions& options, double load, int& simulations) {
  std::vector<InputSwing> out;
  const bool open = candidate.workload.open.has_value();
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].low == inputs[i].high) continue;
    InputSwing swing{inputs[i].path, inputs[i].low, inputs[i].high, 0.0, 0.0};
    for (const bool high : {false, true}) {
      std::vector<double> values;
      values.reserve(inputs.size());
      for (const UncertainInput& in : inputs) values.push_back(in.mid);
      values[i] = high ? inputs[i].high : inputs[i].low;
      double scaled = load;
      const Scenario s = with_overrides(candidate, load_scaled(inputs, values, load, scaled));
      PlanCandidate judged;
      judged.metrics = detail::metrics_of(run(s, options, 1));
      ++simulations;
      detail::judge(judged, spec, scaled, open);
      (high ? swing.ratio_at_high : swing.ratio_at_low) = judged.worst_ratio;
    }
    out.push_back(swing);
  }
  std::stable_sort(out.begin(), out.end(), [](const InputSwing& a, const InputSwing& b) {
    return std::abs(a.ratio_at_high - a.ratio_at_low) > std::abs(b.ratio_at_high - b.ratio_at_low);
  });
  return out;
}

}  // namespace

PlanResult plan(const Scenario& scenario, const PlanOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  PlanResult out;
  out.spec = spec_of(scenario, options);
  check_spec(out.spec);
  scenario.validate();
  if (options.confirm_replications < 1) throw Error("plan: confirm_replications must be >= 1");
  const int draws = options.draws.value_or(scenario.uncertain.empty() ? 0 : 20);
  if (draws < 0) throw Error("plan: draws must be >= 0, got " + std::to_string(draws));
  if (!(options.confidence > 0.0 && options.confidence <= 1.0)) {
    throw Error("plan: confidence must be in (0, 1], got " + std::to_string(options.confidence));
  }
  if (draws > 0 && scenario.uncertain.empty()) {
    throw Error("plan: draws asked for, but the scenario gives no field as a range {low, mid, high}: "
                "nothing to sample");
  }
  out.load = detail::planned_load(scenario, out.spec);
  std::vector<CandidateRun> runs = detail::build_candidates(scenario, out.spec, out.load);
  std::stable_sort(runs.begin(), runs.end(), [](const CandidateRun& a, const CandidateRun& b) {
    return a.record.cost < b.record.cost;
  });
  if (draws > 0) {
    check_ranges(scenario);
    out.draws = draws;
    out.confidence = options.confidence;
    out.uncertain = scenario.uncertain;
  }
  const Sampling sampling = sample(scenario, options, out.load, draws);
  const bool one_draw = sampling.draws.size() == 1 && sampling.draws.front().overrides.empty();

  const bool open = scenario.workload.open.has_value();
  int valid = 0;
  for (CandidateRun& r : runs) {
    if (!r.scenario) continue;
    ++valid;
    std::string reason;
    // In one draw at the mids the bound prunes up front, so every candidate it rules out says so.
    if (one_draw && options.prune && !detail::can_meet(r.record, *r.scenario, out.spec, out.load, reason)) {
      r.record.verdict = CandidateVerdict::pruned;
      r.record.failed_term = "capacity";
      r.record.reason = std::move(reason);
      r.record.worst_ratio = std::numeric_limits<double>::infinity();
    }
  }

  Planner planner(options, out, sampling, open, valid);
  std::optional<std::size_t> chosen;
  std::optional<std::size_t> closest;
  std::optional<Result> closest_result;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    CandidateRun& r = runs[i];
    if (!r.scenario || r.record.verdict == CandidateVerdict::pruned) continue;
    if (chosen && options.prune) break;  // everything after the plan costs more: not needed
    std::vector<Trial> trials = planner.screen(r);
    std::size_t pick = planner.summarize(r.record, trials);
    if (r.record.verdict == CandidateVerdict::meets && !chosen) {
      planner.confirm_trials(r, trials);
      pick = planner.summarize(r.record, trials);
      if (r.record.verdict == CandidateVerdict::meets) {
        r.record.verdict = CandidateVerdict::chosen;
        chosen = i;
        out.result = std::move(trials[pick].result);
        continue;
      }
    }
    if (r.record.verdict == CandidateVerdict::fails &&
        (!closest || r.record.worst_ratio < runs[*closest].record.worst_ratio)) {
      closest = i;
      closest_result = std::move(trials[pick].result);
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
  if (draws > 0 && runs[out.chosen].scenario) {
    out.sensitivity = swings(out.scenario, scenario.uncertain, out.spec, options, out.load, out.simulations);
  }
  out.candidates.reserve(runs.size());
  for (CandidateRun& r : runs) out.candidates.push_back(std::move(r.record));
  out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  out.explanation = detail::explain(out);
  return out;
}

}  // namespace servesim
