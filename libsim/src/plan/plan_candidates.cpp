// The candidates of a plan: the grid of the space applied to the scenario,
// costed, bounded analytically, and judged against the SLO once simulated.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "plan/direct_overrides.hpp"
#include "plan/plan_internal.hpp"
#include "servesim/errors.hpp"
#include "servesim/model/memory.hpp"
#include "servesim/model/replicas.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "servesim/plan/overrides.hpp"

namespace servesim::detail {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// More candidates than this is a space written by mistake (a list of 10^5
// values), not one to simulate; the grid alone would take minutes to build.
constexpr double kMaxCandidates = 100'000;
// An open workload's candidate that completes less than this share of what
// arrives is saturating, whatever its latencies say over a finite run.
constexpr double kMinCompletedShare = 0.95;

bool constant_rate(const Scenario& s) {
  const auto& open = s.workload.open;
  return open && (open->arrivals == ArrivalProcess::poisson || open->arrivals == ArrivalProcess::constant) &&
         open->profile.kind == RateProfileKind::constant;
}

// Bound on a closed workload's mean response: N / X_max - Z (the asymptotic bound).
double closed_response_floor(const Scenario& s, double users, double capacity) {
  return users / capacity - s.workload.closed->think_time.mean();
}

}  // namespace

double planned_load(const Scenario& base, const PlanSpec& spec) {
  const double factor = 1.0 + spec.headroom;
  const bool open = base.workload.open.has_value();
  if (!spec.target) {
    if (!open) return std::ceil(base.workload.closed->users * factor);
    if (!constant_rate(base)) {
      throw ScenarioError("plan.target", "the workload's arrivals vary over the run; give a target rate, "
                                         "which plan() applies as Poisson arrivals");
    }
    return base.workload.open->rate * factor;
  }
  if (spec.target->kind == PlanTarget::Kind::rate) {
    if (!open) {
      throw ScenarioError("plan.target.rate", "the workload is closed (a number of users); give "
                                              "plan.target.users, or make the workload open");
    }
    return spec.target->value * factor;
  }
  if (open) {
    throw ScenarioError("plan.target.users", "the workload is open (a rate); give plan.target.rate, "
                                             "or make the workload closed");
  }
  return std::ceil(spec.target->value * factor);
}

void set_load(Scenario& scenario, const PlanSpec& spec, double load) {
  if (scenario.workload.closed) {
    scenario.workload.closed->users = static_cast<int>(load);
    return;
  }
  OpenWorkload& open = *scenario.workload.open;
  if (spec.target && !constant_rate(scenario)) {
    // A target rate replaces a profile, trace or bursts with plain arrivals at that rate.
    open.arrivals = open.arrivals == ArrivalProcess::constant ? ArrivalProcess::constant : ArrivalProcess::poisson;
    open.profile = RateProfile{};
    open.trace.clear();
  }
  open.rate = load;
}

double cost_of(const Scenario& scenario, const CostModel& cost) {
  double total = 0.0;
  for (const Host& host : scenario.hosts) total += cost.host + cost.core * host.cores * host.speed;
  for (const Server& server : scenario.servers) total += cost.worker * server.workers + cost.replica;
  return total;
}

void bound_capacity(PlanCandidate& record, const Scenario& candidate, double load) {
  const Scenario copies = expand_replicas(candidate);
  const std::vector<ResourceLoad> loads = resource_loads(copies);
  record.capacity = kInfinity;
  if (!loads.empty()) {
    record.capacity = loads.front().saturation_rate;
    record.bottleneck = loads.front().path;
  }
  if (candidate.workload.open) {
    record.bottleneck_utilization = load / record.capacity;
  } else {
    record.bottleneck_utilization = std::min(1.0, load / saturation_population(copies));
  }
}

namespace {
// What a candidate rejected for memory would cost: its hosts without RAM limits
// (0 if it is invalid for another reason too).
double cost_without_memory_limits(const Scenario& base, const std::vector<Override>& overrides,
                                  const CostModel& cost) {
  Scenario unlimited = base;
  for (Host& host : unlimited.hosts) host.memory.reset();
  try {
    return cost_of(expand_replicas(with_overrides(unlimited, overrides)), cost);
  } catch (const ScenarioError&) {
    return 0.0;
  }
}
}  // namespace

std::vector<CandidateRun> build_candidates(const Scenario& base, const PlanSpec& spec, double load) {
  double count = 1.0;
  for (const SpaceAxis& axis : spec.space) count *= static_cast<double>(axis.values.size());
  if (count > kMaxCandidates) {
    throw ScenarioError("plan.space", "has " + format_number(count) + " combinations; at most " +
                                          format_number(kMaxCandidates) + " can be searched");
  }
  std::vector<CandidateRun> runs;
  runs.reserve(static_cast<std::size_t>(count));
  std::vector<std::size_t> digits(spec.space.size(), 0);
  for (int index = 0; index < static_cast<int>(count); ++index) {
    CandidateRun run;
    run.record.index = index;
    std::vector<Override> overrides;
    for (std::size_t a = 0; a < spec.space.size(); ++a) {
      const std::string& value = spec.space[a].values[digits[a]];
      run.record.settings.emplace_back(spec.space[a].path, value);
      overrides.push_back({spec.space[a].path, value});
    }
    try {
      std::optional<Scenario> direct = with_direct_overrides(base, overrides);
      Scenario candidate = direct ? std::move(*direct) : with_overrides(base, overrides);
      set_load(candidate, spec, load);
      candidate.validate();
      run.record.cost = cost_of(expand_replicas(candidate), spec.cost);
      bound_capacity(run.record, candidate, load);
      run.scenario = std::move(candidate);
    } catch (const MemoryFitError& e) {
      // Does not fit its host's RAM: ruled out like a capacity shortfall, not as a bad value.
      run.record.cost = cost_without_memory_limits(base, overrides, spec.cost);
      run.over_memory = true;
      run.record.verdict = CandidateVerdict::pruned;
      run.record.failed_term = "memory";
      run.record.reason = "memory: " + e.path() + ": " + e.detail();
      run.record.worst_ratio = kInfinity;
    } catch (const ScenarioError& e) {
      run.record.verdict = CandidateVerdict::invalid;
      run.record.reason = e.what();
      run.error_path = e.path();
      run.record.worst_ratio = kInfinity;
    }
    runs.push_back(std::move(run));
    for (std::size_t a = spec.space.size(); a-- > 0;) {  // odometer: the last axis varies fastest
      if (++digits[a] < spec.space[a].values.size()) break;
      digits[a] = 0;
    }
  }
  // A value that no combination accepts is a mistake in the space, not a candidate.
  // Blame the axis whose own path the parser rejected, when one is (a misspelt
  // path on the second axis makes every value of the first fail too).
  std::optional<ScenarioError> blame;
  for (std::size_t a = 0; a < spec.space.size(); ++a) {
    for (const std::string& value : spec.space[a].values) {
      const CandidateRun* rejected = nullptr;
      bool accepted = false;
      for (const CandidateRun& run : runs) {
        if (run.record.settings[a].second != value) continue;
        if (run.scenario || run.over_memory) {
          accepted = true;
          break;
        }
        if (!rejected) rejected = &run;
      }
      if (accepted || !rejected) continue;
      ScenarioError error("plan.space." + spec.space[a].path,
                          "'" + value + "' is rejected: " + rejected->record.reason);
      const std::string& at = rejected->error_path;
      if (!at.empty() && (at.starts_with(spec.space[a].path) || spec.space[a].path.starts_with(at))) throw error;
      if (!blame) blame = error;
    }
  }
  if (blame) throw *blame;
  return runs;
}

bool can_meet(const PlanCandidate& candidate, const Scenario& scenario, const PlanSpec& spec, double load,
              std::string& reason) {
  if (scenario.workload.open) {
    if (candidate.capacity >= load) return true;
    reason = "capacity " + format_number(std::round(candidate.capacity * 10) / 10) + " req/s < " +
             format_number(std::round(load * 10) / 10) + " req/s, limited by " + candidate.bottleneck;
    return false;
  }
  const auto mean = std::find_if(spec.slo.begin(), spec.slo.end(),
                                 [](const SloTerm& t) { return t.metric == SloMetric::mean; });
  if (mean == spec.slo.end()) return true;
  const double floor = closed_response_floor(scenario, load, candidate.capacity);
  if (floor <= mean->limit) return true;
  reason = "mean latency at least " + term_value_text(SloMetric::mean, floor) + " > " +
           term_value_text(SloMetric::mean, mean->limit) + " with " + format_number(load) +
           " users, limited by " + candidate.bottleneck;
  return false;
}

CandidateMetrics metrics_of(const Result& result) {
  CandidateMetrics m;
  m.p50 = result.latency.p50;
  m.p90 = result.latency.p90;
  m.p99 = result.latency.p99;
  m.p999 = result.latency.p999;
  m.mean = result.latency.mean;
  m.errors = result.error_rate;
  m.throughput = result.throughput;
  m.replications = static_cast<int>(result.replications.size());
  return m;
}

namespace {

double measure(const CandidateMetrics& m, SloMetric metric) {
  switch (metric) {
    case SloMetric::p50: return m.p50.value;
    case SloMetric::p90: return m.p90.value;
    case SloMetric::p99: return m.p99.value;
    case SloMetric::p999: return m.p999.value;
    case SloMetric::mean: return m.mean.value;
    case SloMetric::errors: return m.errors;
  }
  return 0.0;
}

double ratio(double value, double limit) {
  if (limit > 0.0) return value / limit;
  return value > 0.0 ? kInfinity : 0.0;
}

}  // namespace

void judge(PlanCandidate& candidate, const PlanSpec& spec, double load, bool open_workload) {
  const CandidateMetrics& m = *candidate.metrics;
  candidate.worst_ratio = 0.0;
  candidate.failed_term.clear();
  candidate.reason.clear();
  for (const SloTerm& term : spec.slo) {
    const double value = measure(m, term.metric);
    const double r = ratio(value, term.limit);
    if (r > 1.0 && r > candidate.worst_ratio) {
      candidate.failed_term = std::string(slo_metric_name(term.metric));
      candidate.reason = candidate.failed_term + " " + term_value_text(term.metric, value) + " > " +
                         term_value_text(term.metric, term.limit);
    }
    candidate.worst_ratio = std::max(candidate.worst_ratio, r);
  }
  if (open_workload && m.throughput.value < kMinCompletedShare * load) {
    const double r = kMinCompletedShare * load / std::max(m.throughput.value, 1e-300);
    if (candidate.failed_term.empty() || r > candidate.worst_ratio) {
      candidate.failed_term = "throughput";
      candidate.reason = "completes " + format_number(std::round(m.throughput.value)) + " of " +
                         format_number(load) + " req/s";
    }
    candidate.worst_ratio = std::max(candidate.worst_ratio, r);
  }
  candidate.verdict = candidate.failed_term.empty() ? CandidateVerdict::meets : CandidateVerdict::fails;
}

void name_bottleneck(PlanCandidate& candidate, const Scenario& scenario, const Result& result) {
  const std::vector<ResourceLoad> ranked = bottlenecks(expand_replicas(scenario), result);
  if (ranked.empty()) return;
  candidate.bottleneck = ranked.front().path;
  candidate.bottleneck_utilization = ranked.front().measured.value_or(ranked.front().utilization);
}

std::string settings_text(const PlanCandidate& candidate) {
  std::string text;
  for (const auto& [path, value] : candidate.settings) {
    if (!text.empty()) text += ", ";
    text += path;
    text += "=";
    text += value;
  }
  return text;
}

}  // namespace servesim::detail
