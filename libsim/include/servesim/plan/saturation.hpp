#pragma once
/// @file saturation.hpp
/// The most load a deployment takes: the largest arrival rate it sustains, or
/// meets an SLO at, for an open workload; the knee or the most users meeting
/// an SLO for a closed one. Found by bracketing with the bottleneck law and
/// bisection with simulations on common random numbers, then confirmed with
/// replications. Times in seconds, rates in requests per second.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "servesim/sim/simulate.hpp"

namespace servesim {

// SloMetric and SloTerm: model/plan_spec.hpp, shared with plan().

/**
 * Reads an SLO term as the CLI and scenario files write it: `metric` one of
 * p50, p90, p99, p999, mean (a duration: `200ms`, `0.2`) or errors (a
 * fraction `0.001` or a percentage `0.1%`).
 * @throws ScenarioError at path `slo.<metric>` naming the bad metric or value
 */
[[nodiscard]] SloTerm parse_slo_term(std::string_view metric, std::string_view value);

/// The term's name as parse_slo_term() reads it (`p99`, `errors`).
[[nodiscard]] std::string_view slo_metric_name(SloMetric metric) noexcept;

/** How find_saturation() searches. */
struct SaturationOptions {
  std::vector<SloTerm> slo;  ///< empty: the capacity (open) or the knee (closed)
  /// Relative width of the final bracket: the answer is within it of the true
  /// limit of the simulated model, up to the simulations' noise. In (0, 0.5].
  double tolerance = 0.02;
  Engine engine = Engine::native;
  std::optional<std::uint64_t> seed;  ///< the seed of every point (common random numbers); default run.seed
  int threads = 0;                    ///< as SimulationOptions::threads
  /// Sampled scenarios when the scenario has ranges (Scenario::uncertain):
  /// the search runs again in each (common random numbers: the same seed),
  /// giving Saturation::spread. 0: at the ranges' mids only.
  int draws = 0;
  /// As SimulationOptions::on_progress, over the whole search; may throw to cancel it.
  std::function<void(double done_fraction)> on_progress;
};

/** One simulated point of the search. */
struct SaturationPoint {
  double load = 0.0;  ///< offered: arrival rate (open, req/s) or users (closed)
  int replications = 1;
  ConfidenceInterval throughput;
  ConfidenceInterval goodput;
  ConfidenceInterval p50, p99;  ///< seconds
  double error_rate = 0.0;
  /// Open: completes what arrives (throughput within tolerance / 2 of the
  /// rate, errors below tolerance / 2, downstream failures aside) and meets
  /// every SLO term; closed: meets every SLO term.
  bool meets = false;
  std::string failed_term;  ///< the first term that failed (`p99`, `errors`, `capacity`), if any
  std::vector<ResourceLoad> resources;  ///< bottlenecks() of this point
};

/** How the answer spreads over the scenario's ranges (SaturationOptions::draws). */
struct SaturationSpread {
  std::vector<UncertainInput> inputs;
  std::vector<std::vector<double>> values;  ///< values[d][i]: input i in draw d
  std::vector<double> loads;                ///< the answer in each draw (req/s or users)
  double q05 = 0.0, q50 = 0.0, q95 = 0.0;   ///< quantiles of `loads` (linear interpolation)
  /// Share of draws whose offered load (the workload's rate or users, drawn
  /// when uncertain) is above that draw's answer: the chance of overload.
  double overload_probability = 0.0;
};

/** What find_saturation() found. */
struct Saturation {
  bool closed = false;  ///< the workload is closed: `load` counts users
  /// Open: the largest arrival rate (req/s) sustained, or meeting the SLO;
  /// closed: the knee N* = (R(1) + Z) X_max without an SLO, else the most users meeting it.
  double load = 0.0;
  /// The most requests completed per second: at overload (open), or at many
  /// users (closed); the bottleneck's capacity.
  ConfidenceInterval max_throughput;
  /// The resource that saturates first and the next two, with their
  /// utilization at `load` (from the confirming replications).
  std::vector<ResourceLoad> bottlenecks;
  /// Reached relative precision: the final bracket's width over `load` (open,
  /// closed with SLO), or the confidence half-widths combined (closed knee).
  double tolerance = 0.0;
  double analytic_load = 0.0;  ///< where the analytic bounds put it (bottleneck law or N*)
  std::string limited_by;      ///< `capacity`, or the SLO term that binds (`p99`)
  std::vector<SaturationPoint> curve;  ///< every simulated point, by load
  int simulations = 0;  ///< in every search, draws included
  /// With draws: the answer over the sampled scenarios; the fields above are
  /// the search at the ranges' mids.
  std::optional<SaturationSpread> spread;
};

/**
 * Finds the most load `scenario` takes, with or without an SLO.
 *
 * Open workloads (a constant Poisson or evenly spaced rate): the bottleneck
 * law (resource_loads()) brackets the rate; bisection with one replication per
 * point and the same seed at every point (common random numbers) narrows it
 * to `tolerance`; replications at the answer confirm it. With an SLO, each
 * load is judged on replications added in stages until every term's 99 %
 * interval is on one side of its limit (at most the full point). Each point runs long
 * enough for about 50,000 completions at tolerance 0.02 (scaling with
 * 1 / tolerance^2). Closed workloads without an SLO: N* = (R(1) + Z) X_max
 * from a lone user's response time and the throughput at four times the
 * analytic knee; with one, bisection over whole numbers of users.
 *
 * With `draws` and ranges in the scenario, the search is repeated in each
 * sampled scenario (uncertainty.hpp; a range on the workload's own rate or
 * users changes no search, only the overload probability).
 *
 * @throws ScenarioError if the scenario is invalid, its workload is open with
 *         a profile, bursts or a trace (path `workload.open`), or the options are out of range
 * @throws NotApplicableError when nothing in the deployment bounds its throughput
 * @throws what simulate() throws, including what on_progress throws to cancel
 *
 * @code
 * servesim::SaturationOptions options;
 * options.slo = {servesim::parse_slo_term("p99", "200ms")};
 * auto s = servesim::find_saturation(scenario, options);
 * std::cout << s.load << " req/s, limited by " << s.bottlenecks.front().path << "\n";
 * @endcode
 */
[[nodiscard]] Saturation find_saturation(const Scenario& scenario, const SaturationOptions& options = {});

}  // namespace servesim
