#include "servesim/plan/saturation.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/messages.hpp"
#include "io/yaml_field.hpp"
#include "plan/staged_judge.hpp"
#include "servesim/analytic/estimate.hpp"
#include "servesim/errors.hpp"
#include "servesim/metrics/statistics.hpp"
#include "servesim/plan/uncertainty.hpp"

namespace servesim {
namespace {

// Completions per point at tolerance 0.02. With an SLO, enough for a p99
// within about 3 %: tail percentiles hang on rare long busy periods, so one
// M/M/1 run at 75 % load still misses its p99 by 5-7 % with 200,000
// completions, which moves the answer by 2-3 %. Without, enough for a
// throughput deficit well under the tolerance near saturation. The count
// grows as 1 / tolerance^2, like the variance it must beat.
constexpr double kCompletionsAtTwoPercent = 100'000.0;
constexpr double kCompletionsWithSloAtTwoPercent = 800'000.0;
constexpr int kConfirmReplications = 4;
// With an SLO, a load is judged by short replications in stages
// (plan/staged_judge.hpp), of a point's completions in all; only loads near
// the boundary cost a whole point. The capacity point past the answer needs
// only a throughput: the plain count.
constexpr double kCapacityShare = kCompletionsAtTwoPercent / kCompletionsWithSloAtTwoPercent;
// Factors by which the bracket grows or shrinks from the analytic guess.
constexpr double kGrow = 1.25;
constexpr double kShrink = 0.8;
constexpr double kShrinkWithSlo = 0.6;
constexpr int kBracketSteps = 12;

class Search {
 public:
  Search(const Scenario& scenario, const SaturationOptions& options)
      : base_(scenario), options_(options), seed_(options.seed.value_or(scenario.run.seed)),
        completions_(std::max(5'000.0, (options.slo.empty() ? kCompletionsAtTwoPercent : kCompletionsWithSloAtTwoPercent) *
                                           std::pow(0.02 / options.tolerance, 2))) {
    out_.closed = scenario.workload.closed.has_value();
  }

  Saturation run();

 private:
  // Simulates `load` with `replications`, long enough for `share` of the
  // target number of completions at `expected_throughput`, and records the point.
  const SaturationPoint& simulate_at(double load, double expected_throughput, int replications,
                                     double share = 1.0);
  [[nodiscard]] Result run_at(double load, double expected_throughput, int replications, double share,
                              std::uint64_t seed);
  [[nodiscard]] Scenario at_load(double load) const;
  [[nodiscard]] SaturationPoint point_of(double load, const Result& r) const;
  const SaturationPoint& record(SaturationPoint p);
  // Whether `load` meets every term: one run without an SLO; with one, the
  // staged replications (detail::kStages).
  bool meets_at(double load);
  void open_search(double guess);
  void closed_knee(double guess);
  void closed_search(double guess);
  // Bisects between a load that meets and one that does not, then confirms.
  void bisect(double lo, double hi, bool integral);
  void confirm(double load, bool integral);
  [[nodiscard]] double expected_throughput(double load) const;
  void report(double fraction) const;

  const Scenario& base_;
  const SaturationOptions& options_;
  std::uint64_t seed_;
  double completions_;
  double capacity_guess_ = 0.0;  // req/s, the bottleneck law's
  double knee_guess_ = 0.0;      // users, closed
  double cycle_ = 0.0;           // closed: a lone user's response plus think time, s
  Saturation out_;
  int expected_runs_ = 10;
  mutable double reported_ = 0.0;  // progress never goes back when the search outruns expected_runs_
};

void Search::report(double fraction) const {
  if (!options_.on_progress) return;
  const double total = std::max<double>(expected_runs_, out_.simulations + 1);
  reported_ = std::max(reported_, std::min(0.99, (out_.simulations + fraction) / total));
  options_.on_progress(reported_);
}

double Search::expected_throughput(double load) const {
  if (!out_.closed) return std::min(load, capacity_guess_);
  return std::min(load / cycle_, capacity_guess_);
}

const SaturationPoint& Search::simulate_at(double load, double throughput, int replications, double share) {
  return record(point_of(load, run_at(load, throughput, replications, share, seed_)));
}

Scenario Search::at_load(double load) const {
  Scenario s = base_;
  if (out_.closed) {
    s.workload.closed->users = static_cast<int>(std::lround(load));
  } else {
    s.workload.open->rate = load;
  }
  return s;
}

Result Search::run_at(double load, double throughput, int replications, double share, std::uint64_t seed) {
  Scenario s = at_load(load);
  const double measured = share * completions_ / std::max(throughput, 1e-9) / replications;
  s.run.warmup_mode = WarmupMode::fixed;
  s.run.warmup = 0.1 * measured;
  s.run.duration = 1.1 * measured;
  s.run.interval = 0.0;
  SimulationOptions sim;
  sim.engine = options_.engine;
  sim.threads = options_.threads;
  sim.seed = seed;  // the same at every point: common random numbers
  sim.replications = replications;
  if (options_.on_progress) sim.on_progress = [this](double f) { report(f); };
  return simulate(s, sim);
}

SaturationPoint Search::point_of(double load, const Result& r) const {
  SaturationPoint p;
  p.load = load;
  p.replications = static_cast<int>(r.replications.size());
  p.throughput = r.throughput;
  p.goodput = r.goodput;
  p.p50 = r.latency.p50;
  p.p99 = r.latency.p99;
  p.error_rate = r.error_rate;
  if (!out_.closed) {
    // Completes what arrives: a downstream failure is the service's answer, not a queue's.
    double measured_total = 0.0;
    for (const ReplicationResult& rep : r.replications) measured_total += rep.measured_duration;
    const double downstream = measured_total > 0.0 ? double(r.errors.downstream) / measured_total : 0.0;
    const double attempts = double(r.completed + r.errors.total());
    const double other_errors = attempts > 0.0 ? double(r.errors.total() - r.errors.downstream) / attempts : 0.0;
    const double slack = options_.tolerance / 2.0;
    if (r.throughput.value + downstream < load * (1.0 - slack) || other_errors > slack) p.failed_term = "capacity";
  }
  for (const SloTerm& term : options_.slo) {
    if (p.failed_term.empty() && !(detail::slo_measure(r, term.metric) <= term.limit)) {
      p.failed_term = slo_metric_name(term.metric);
    }
  }
  p.meets = p.failed_term.empty();
  p.resources = bottlenecks(at_load(load), r);
  return p;
}

const SaturationPoint& Search::record(SaturationPoint p) {
  ++out_.simulations;
  const double load = p.load;
  const auto at = std::upper_bound(out_.curve.begin(), out_.curve.end(), load,
                                   [](double x, const SaturationPoint& q) { return x < q.load; });
  const auto index = at - out_.curve.begin();
  out_.curve.insert(at, std::move(p));
  return out_.curve[static_cast<std::size_t>(index)];
}

bool Search::meets_at(double load) {
  const double throughput = expected_throughput(load);
  if (options_.slo.empty()) return simulate_at(load, throughput, 1).meets;
  // The same stage seeds at every load (common random numbers); a capacity
  // shortfall alone leaves the load to the next stage, which judges it on
  // more completions. The point is recorded once, with every replication.
  std::optional<SaturationPoint> judged;
  (void)detail::judge_in_stages(
      detail::kStages, seed_,
      [&](int replications, double share, std::uint64_t seed) {
        return run_at(load, throughput, replications, share, seed);
      },
      [&](const Result& pooled) {
        judged = point_of(load, pooled);
        return detail::decisive_verdict(pooled, options_.slo, judged->meets);
      });
  return record(std::move(*judged)).meets;
}

// The answer is the bracket's lower end, so the bracket narrows to half the
// tolerance: the other half is left for the simulations' noise.
void Search::bisect(double lo, double hi, bool integral) {
  while (hi / lo - 1.0 > options_.tolerance / 2.0) {
    double mid = std::sqrt(lo * hi);
    if (integral) {
      mid = std::round(mid);
      if (mid <= lo || mid >= hi) break;
    }
    if (meets_at(mid)) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  out_.tolerance = hi / lo - 1.0;
  confirm(lo, integral);
}

// Replications at the answer; if their average misses, step down by the
// tolerance. With an SLO every verdict already stands on replications.
void Search::confirm(double load, bool integral) {
  if (!options_.slo.empty()) {
    out_.load = load;
    return;
  }
  for (int attempt = 0; attempt < 3 && load > 0.0; ++attempt) {
    const SaturationPoint& p = simulate_at(load, expected_throughput(load), kConfirmReplications);
    if (p.meets) break;
    const double lower = load / (1.0 + options_.tolerance);
    load = integral ? std::min(std::floor(lower), load - 1.0) : lower;
  }
  out_.load = load;
}

void Search::open_search(double guess) {
  const double shrink = options_.slo.empty() ? kShrink : kShrinkWithSlo;
  double lo = 0.0;
  double hi = std::numeric_limits<double>::infinity();
  double x = guess;
  for (int step = 0; step < kBracketSteps && (lo == 0.0 || std::isinf(hi)); ++step) {
    if (meets_at(x)) {
      lo = x;
      x = std::isinf(hi) ? x * kGrow : std::sqrt(x * hi);
    } else {
      hi = x;
      x *= shrink;
    }
    if (lo > 0.0 && !std::isinf(hi)) break;
  }
  if (lo == 0.0 || std::isinf(hi)) {
    out_.load = lo;
    out_.tolerance = std::numeric_limits<double>::infinity();
    return;
  }
  bisect(lo, hi, false);
}

void Search::closed_knee(double guess) {
  // N* = X_max / X(1): a lone user's cycle is 1 / X(1) = R(1) + Z.
  const SaturationPoint& lone = simulate_at(1.0, 1.0 / cycle_, kConfirmReplications);
  const ConfidenceInterval x1 = lone.throughput;
  const double many = std::max(std::ceil(4.0 * guess), guess + 8.0);
  const SaturationPoint& full = simulate_at(many, capacity_guess_, kConfirmReplications);
  const ConfidenceInterval xmax = full.throughput;
  out_.load = xmax.value / x1.value;
  out_.tolerance = std::hypot(x1.half_width / x1.value, xmax.half_width / xmax.value);
  // The resources as busy as at the knee, for the bottleneck's report.
  (void)simulate_at(std::max(1.0, std::round(out_.load)), capacity_guess_, kConfirmReplications);
}

void Search::closed_search(double guess) {
  double lo = 0.0;
  double hi = std::numeric_limits<double>::infinity();
  double x = std::max(1.0, std::round(guess));
  for (int step = 0; step < kBracketSteps && (lo == 0.0 || std::isinf(hi)); ++step) {
    if (meets_at(x)) {
      lo = x;
      if (!std::isinf(hi)) break;
      x = std::ceil(x * 1.5);
    } else {
      hi = x;
      if (lo > 0.0 || x == 1.0) break;
      x = std::max(1.0, std::floor(x * kShrinkWithSlo));
    }
  }
  if (lo == 0.0 || std::isinf(hi)) {
    out_.load = lo;
    out_.tolerance = std::numeric_limits<double>::infinity();
    return;
  }
  bisect(lo, hi, true);
}

Saturation Search::run() {
  const std::vector<ResourceLoad> loads = resource_loads(base_);
  if (loads.empty() || !std::isfinite(loads.front().saturation_rate)) {
    throw NotApplicableError("find_saturation: no resource of '" + base_.name +
                             "' bounds its throughput (every request only waits)");
  }
  capacity_guess_ = loads.front().saturation_rate;
  // The analytic estimate, where it applies, knows CPU contention the bottleneck law leaves out.
  try {
    const Prediction e = estimate(base_);
    if (e.saturation_rate > 0.0 && std::isfinite(e.saturation_rate)) {
      capacity_guess_ = std::min(capacity_guess_, e.saturation_rate);
    }
  } catch (const Error&) {
    // Several servers, sync endpoints on uvicorn, ...: the bottleneck law alone.
  }
  if (out_.closed) {
    knee_guess_ = saturation_population(base_);
    cycle_ = knee_guess_ / loads.front().saturation_rate;  // (D + Z) = N* D_max
    out_.analytic_load = knee_guess_;
    if (options_.slo.empty()) {
      expected_runs_ = 3;
      closed_knee(knee_guess_);
    } else {
      closed_search(knee_guess_);
    }
  } else {
    out_.analytic_load = loads.front().saturation_rate;
    open_search(capacity_guess_);
  }
  // The capacity: the most any point completed; an open search with an SLO
  // may not have overloaded the deployment yet, so one point does.
  const auto busiest = [&] {
    return std::max_element(out_.curve.begin(), out_.curve.end(), [](const auto& a, const auto& b) {
      return a.throughput.value < b.throughput.value;
    });
  };
  const bool overloaded = std::any_of(out_.curve.begin(), out_.curve.end(),
                                      [](const SaturationPoint& p) { return p.failed_term == "capacity"; });
  if (!out_.closed && !overloaded) {
    const double over = kGrow * std::max(capacity_guess_, out_.curve.back().load);
    (void)simulate_at(over, capacity_guess_, 1, options_.slo.empty() ? 1.0 : kCapacityShare);
  } else if (out_.closed && !options_.slo.empty()) {
    (void)simulate_at(std::max(std::ceil(4.0 * knee_guess_), out_.curve.back().load + 8.0), capacity_guess_, 1,
                      kCapacityShare);
  }
  out_.max_throughput = busiest()->throughput;
  // The bottlenecks at the answer: the point with the most replications there.
  const SaturationPoint* at = nullptr;
  for (const SaturationPoint& p : out_.curve) {
    if (std::abs(p.load - std::max(out_.load, 1.0)) < 1e-9 * std::max(1.0, p.load) &&
        (at == nullptr || p.replications >= at->replications)) {
      at = &p;
    }
  }
  if (at == nullptr) at = &*busiest();
  out_.bottlenecks.assign(at->resources.begin(),
                          at->resources.begin() + std::min<std::ptrdiff_t>(3, std::ssize(at->resources)));
  if (out_.load == 0.0 && !out_.curve.empty()) {
    out_.limited_by = out_.curve.front().failed_term;
  } else {
    out_.limited_by = "capacity";
    for (const SaturationPoint& p : out_.curve) {
      if (p.load > out_.load && !p.failed_term.empty()) {
        out_.limited_by = p.failed_term;
        break;
      }
    }
  }
  if (options_.on_progress) options_.on_progress(1.0);
  return std::move(out_);
}

// The type 7 (linear) quantile of sorted values.
double quantile(const std::vector<double>& sorted, double p) {
  const double at = p * static_cast<double>(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(at));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (at - static_cast<double>(i)) * (sorted[i + 1] - sorted[i]);
}

// The search in each draw. Draws that differ only in the workload's own load
// are one search (the search sets the load), done once.
SaturationSpread spread_over_draws(const Scenario& scenario, const SaturationOptions& options, Saturation& mid) {
  SaturationSpread out;
  out.inputs = scenario.uncertain;
  out.values = draw_inputs(out.inputs, options.draws, options.seed.value_or(scenario.run.seed));
  SaturationOptions quiet = options;
  std::map<std::vector<double>, double> searched;
  const double offered = scenario.workload.open ? scenario.workload.open->rate
                                                : static_cast<double>(scenario.workload.closed->users);
  int overloaded = 0;
  for (std::size_t d = 0; d < out.values.size(); ++d) {
    const std::vector<double>& values = out.values[d];
    std::vector<double> key;
    std::vector<Override> overrides;
    double load_offered = offered;
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (detail::is_load_path(out.inputs[i].path)) {
        load_offered = values[i];
        continue;
      }
      key.push_back(values[i]);
      if (values[i] != out.inputs[i].mid) overrides.push_back(draw_overrides({out.inputs[i]}, {values[i]}).front());
    }
    auto found = searched.find(key);
    if (found == searched.end()) {
      double load = mid.load;
      if (!overrides.empty()) {
        if (options.on_progress) {
          const double share = 1.0 / static_cast<double>(out.values.size() + 1);
          quiet.on_progress = [&options, share, d](double f) { options.on_progress(share * (double(d) + 1.0 + f)); };
        }
        const Scenario drawn = with_overrides(scenario, overrides);
        Saturation s = Search(drawn, quiet).run();
        mid.simulations += s.simulations;
        load = s.load;
      }
      found = searched.emplace(key, load).first;
    }
    out.loads.push_back(found->second);
    if (load_offered > found->second) ++overloaded;
  }
  std::vector<double> sorted = out.loads;
  std::sort(sorted.begin(), sorted.end());
  out.q05 = quantile(sorted, 0.05);
  out.q50 = quantile(sorted, 0.5);
  out.q95 = quantile(sorted, 0.95);
  out.overload_probability = overloaded / static_cast<double>(out.loads.size());
  return out;
}

}  // namespace

std::string_view slo_metric_name(SloMetric metric) noexcept {
  switch (metric) {
    case SloMetric::p50: return "p50";
    case SloMetric::p90: return "p90";
    case SloMetric::p99: return "p99";
    case SloMetric::p999: return "p999";
    case SloMetric::mean: return "mean";
    case SloMetric::errors: return "errors";
  }
  return "?";
}

SloTerm parse_slo_term(std::string_view metric, std::string_view value) {
  const std::string name(metric);
  const std::string text(value);
  const std::string path = "slo." + name;
  for (SloMetric m : {SloMetric::p50, SloMetric::p90, SloMetric::p99, SloMetric::p999, SloMetric::mean,
                      SloMetric::errors}) {
    if (slo_metric_name(m) != metric) continue;
    if (m == SloMetric::errors) {
      const bool percent = value.ends_with('%');
      const std::string_view digits = percent ? value.substr(0, value.size() - 1) : value;
      double x = 0.0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), x);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
        throw ScenarioError(path,
                            "expected a fraction (0.001) or a percentage (0.1%), got '" + text + "'");
      }
      if (percent) x /= 100.0;
      if (!(x >= 0.0 && x <= 1.0)) {
        throw ScenarioError(path, "the errors' share must be in [0, 1] (0-100 %), got '" + text + "'");
      }
      return {m, x};
    }
    const std::optional<double> seconds = detail::parse_duration(value);
    if (!seconds || !(*seconds > 0.0)) {
      throw ScenarioError(path, "expected a duration > 0 (200ms, 0.2), got '" + text + "'");
    }
    return {m, *seconds};
  }
  throw ScenarioError(path, "unknown SLO term '" + name + "' (terms: p50, p90, p99, p999, mean, errors)");
}

Saturation find_saturation(const Scenario& scenario, const SaturationOptions& options) {
  scenario.validate();
  if (!(options.tolerance > 0.0 && options.tolerance <= 0.5)) {
    throw Error("find_saturation: tolerance must be in (0, 0.5], got " + detail::format_number(options.tolerance));
  }
  if (const auto& open = scenario.workload.open) {
    if ((open->arrivals != ArrivalProcess::poisson && open->arrivals != ArrivalProcess::constant) ||
        open->profile.kind != RateProfileKind::constant) {
      throw ScenarioError("workload.open", "find_saturation varies a constant rate; this workload has a "
                                           "profile, bursts or a trace");
    }
  }
  if (options.draws < 0) throw Error("find_saturation: draws must be >= 0, got " + std::to_string(options.draws));
  if (options.draws == 0) return Search(scenario, options).run();
  if (scenario.uncertain.empty()) {
    throw Error("find_saturation: draws asked for, but the scenario gives no field as a range {low, mid, high}: "
                "nothing to sample");
  }
  check_ranges(scenario);
  SaturationOptions at_mid = options;
  const double share = 1.0 / static_cast<double>(options.draws + 1);
  if (options.on_progress) at_mid.on_progress = [&options, share](double f) { options.on_progress(share * f); };
  Saturation mid = Search(scenario, at_mid).run();
  mid.spread = spread_over_draws(scenario, options, mid);
  if (options.on_progress) options.on_progress(1.0);
  return mid;
}

}  // namespace servesim
