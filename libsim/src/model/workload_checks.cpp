// Scenario::validate for the workload and the run settings, and the check
// that simulated time can advance at all.
#include <algorithm>
#include <set>

#include "core/messages.hpp"
#include "model/checks.hpp"
#include "model/fields.hpp"
#include "model/section_checks.hpp"

namespace servesim::detail {
namespace {

// Every time-series interval costs a row (model/scenario_fields.cpp bounds
// the other sizes).
constexpr double kMaxIntervals = 1e6;
// Simulated time is a double: past this, arrival gaps fall below its
// resolution and the clock would stop advancing.
constexpr double kMaxArrivalsPerRun = 1e12;  // rate x duration

void validate_profile(const RateProfile& profile) {
  const std::string path = "workload.open.profile";
  switch (profile.kind) {
    case RateProfileKind::constant: return;
    case RateProfileKind::ramp:
      require_non_negative(path + ".ramp.from", profile.from, "a rate");
      require_non_negative(path + ".ramp.to", profile.to, "a rate");
      if (profile.from + profile.to <= 0.0) fail(path + ".ramp", "from and to cannot both be 0");
      return;
    case RateProfileKind::steps: {
      if (profile.steps.empty()) fail(path + ".steps", "must list at least one step");
      if (profile.steps.front().at != 0.0) fail(path + ".steps[0].at", "the first step must start at 0s");
      for (std::size_t i = 0; i < profile.steps.size(); ++i) {
        const std::string step = path + ".steps[" + std::to_string(i) + "]";
        require_non_negative(step + ".rate", profile.steps[i].rate, "a rate");
        if (i > 0 && !(profile.steps[i].at > profile.steps[i - 1].at)) {
          fail(step + ".at", "steps must be in increasing time order, got " + format_number(profile.steps[i].at) +
                                 " s after " + format_number(profile.steps[i - 1].at) + " s");
        }
      }
      const bool any = std::any_of(profile.steps.begin(), profile.steps.end(),
                                   [](const RateStep& s) { return s.rate > 0.0; });
      if (!any) fail(path + ".steps", "at least one step needs a rate > 0");
      return;
    }
    case RateProfileKind::diurnal:
      require_non_negative(path + ".diurnal.min", profile.min, "a rate");
      require_positive(path + ".diurnal.max", profile.max, "a rate");
      if (profile.min > profile.max) {
        fail(path + ".diurnal.min", "must be <= max (" + format_number(profile.max) + "), got " +
                                        format_number(profile.min));
      }
      require_positive(path + ".diurnal.period", profile.period, "a duration");
      return;
  }
}

void validate_trace(const OpenWorkload& open) {
  const std::string path = "workload.open.trace";
  if (open.trace.empty()) {
    fail(path, "the trace" + (open.trace_file.empty() ? "" : " " + open.trace_file) + " has no arrival times");
  }
  for (std::size_t i = 0; i < open.trace.size(); ++i) {
    require_non_negative(path + "[" + std::to_string(i) + "]", open.trace[i], "a time");
    if (i > 0 && open.trace[i] < open.trace[i - 1]) {
      fail(path + "[" + std::to_string(i) + "]", "arrival times must be sorted, got " + format_number(open.trace[i]) +
                                                     " s after " + format_number(open.trace[i - 1]) + " s");
    }
  }
}

void validate_open(const OpenWorkload& open) {
  switch (open.arrivals) {
    case ArrivalProcess::trace: validate_trace(open); return;
    case ArrivalProcess::bursty:
      require_non_negative("workload.open.rate", open.rate, "a number");
      validate_fields("workload.open.burst", open.burst, burst_fields());
      return;
    case ArrivalProcess::poisson:
    case ArrivalProcess::constant:
      if (open.profile.kind == RateProfileKind::constant) {
        require_positive("workload.open.rate", open.rate, "a number");
      } else if (open.arrivals == ArrivalProcess::constant) {
        fail("workload.open.profile", "a rate profile needs poisson arrivals");
      }
      validate_profile(open.profile);
      return;
  }
}

double total_mean(const Scenario& scenario, const Endpoint& endpoint) {
  double mean = 0.0;
  for (const Phase& phase : endpoint.phases) mean += mean_time(scenario, phase);
  const auto servers = scenario.servers_of(endpoint);
  double overhead = servers.empty() ? 0.0 : servers.front()->framework_overhead.mean();
  for (const Server* server : servers) overhead = std::min(overhead, server->framework_overhead.mean());
  return mean + overhead;
}

}  // namespace

void validate_workload(const Workload& workload, const std::vector<std::string>& endpoints) {
  if (workload.open && workload.closed) {
    fail("workload", "give either 'open' or 'closed', not both");
  }
  if (!workload.open && !workload.closed) {
    fail("workload", "one of 'open' (a request rate) or 'closed' (a number of users) is required");
  }
  if (workload.open) validate_open(*workload.open);
  if (workload.closed) validate_fields("workload.closed", *workload.closed, closed_fields());
  std::set<std::string> seen;
  for (const MixEntry& entry : workload.mix) {
    std::string path = "workload.mix." + entry.endpoint;
    check_reference(path, entry.endpoint, endpoints, "endpoint");
    if (!seen.insert(entry.endpoint).second) fail(path, "listed twice in the mix");
    require_positive(path, entry.weight, "a weight");
    if (entry.slo) require_positive(path + ".slo", *entry.slo, "a duration");
  }
  if (workload.client_timeout) {
    require_positive("workload.client_timeout", *workload.client_timeout, "a duration");
  }
  validate_fields("workload.retries", workload.retries, retry_fields());
}

void validate_run(const RunConfig& run) {
  validate_fields("run", run, run_fields());
  if (run.warmup_mode == WarmupMode::fixed) {
    require_non_negative("run.warmup", run.warmup, "a duration");
    if (run.warmup >= run.duration) {
      fail("run.warmup", "must be shorter than run.duration (" + format_number(run.duration) +
                             " s), got " + format_number(run.warmup) + " s");
    }
  }
  if (run.interval > 0.0 && run.duration / run.interval > kMaxIntervals) {
    fail("run.interval", "must be >= run.duration / 1000000 (" + format_number(run.duration / kMaxIntervals) +
                             " s), so the time series stays under a million rows, got " +
                             format_number(run.interval) + " s");
  }
}

void validate_time_advances(const Scenario& scenario) {
  const Workload& workload = scenario.workload;
  if (workload.open) {
    const double arrivals = workload.open->peak_rate() * scenario.run.duration;
    if (arrivals > kMaxArrivalsPerRun) {
      fail("workload.open.rate", "rate x run.duration must be <= 1e12 arrivals per replication, got " +
                                     format_number(arrivals));
    }
    return;
  }
  // A cycle of a nanosecond or less would take the run a billion events per
  // simulated second per user; below that the engine's progress guard judges.
  constexpr double kMinCycle = 1e-9;
  if (workload.closed->think_time.mean() > kMinCycle) return;
  // A 503 costs the loop the framework overhead; free, users would be turned
  // away and retry at one instant forever.
  for (std::size_t i = 0; i < scenario.servers.size(); ++i) {
    const Server& server = scenario.servers[i];
    if (server.limit_concurrency && server.framework_overhead.mean() == 0.0) {
      fail(entry_path("servers", i, server.name) + ".limit_concurrency",
           "users without think time would retry free 503 answers at one instant forever; "
           "give a framework (or framework_overhead > 0) or a think time");
    }
  }
  for (const Endpoint& endpoint : scenario.endpoints) {
    const bool in_mix = workload.mix.empty() ||
                        std::any_of(workload.mix.begin(), workload.mix.end(),
                                    [&](const MixEntry& e) { return e.endpoint == endpoint.name; });
    if (in_mix && workload.closed->think_time.mean() + total_mean(scenario, endpoint) > kMinCycle) return;
  }
  fail("workload.closed.think_time",
       "users that never think, calling endpoints that take no time (1ns or less per request with "
       "the think time), would send endless requests at one instant; give the think time or a "
       "phase a mean duration > 1ns");
}

}  // namespace servesim::detail
