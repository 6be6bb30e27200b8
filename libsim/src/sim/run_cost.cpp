// What a run will cost before it starts, from the scenario alone: requests
// from the arrival rate or the users' cycle, events from the phases, time
// from the engines' measured speeds, memory from what the result keeps and
// the requests in flight. Upper-bound flavoured: a run that would take
// minutes or gigabytes is announced, not forbidden.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <thread>

#include "servesim/sim/simulate.hpp"

namespace servesim {
namespace {

// Measured by bench/bench_engines.py on the reference machine, events per
// second per thread; conservative for the heavier models.
constexpr double kNativeEventsPerSecond = 5e6;
constexpr double kSimgridEventsPerSecond = 1.5e5;
// A request with its events, queue entries and timers, bytes (DESIGN.md's bar).
constexpr double kBytesPerRequestInFlight = 200.0;
// A latency histogram (some 6,400 buckets of 8 bytes), per endpoint and replication.
constexpr double kHistogramBytes = 52e3;
constexpr double kTimelineBytesPerCell = 8.0;
// Announce runs longer than a minute or larger than 1 GiB.
constexpr double kLongRunSeconds = 60.0;
constexpr double kLargeRunBytes = 1024.0 * 1024.0 * 1024.0;

double phase_mean(const Phase& phase) {
  if (phase.kind == PhaseKind::cache) {
    double hit = 0.0;
    double miss = 0.0;
    for (const Phase& p : phase.hit) hit += phase_mean(p);
    for (const Phase& p : phase.miss) miss += phase_mean(p);
    return phase.hit_ratio * hit + (1.0 - phase.hit_ratio) * miss;
  }
  return phase.has_duration ? phase.duration.mean() : 0.0;
}

std::size_t phase_count(const std::vector<Phase>& phases) {
  std::size_t count = 0;
  for (const Phase& phase : phases) count += 1 + phase_count(phase.hit) + phase_count(phase.miss);
  return count;
}

}  // namespace

RunCost run_cost(const Scenario& scenario, const SimulationOptions& options) {
  const RunConfig& run = scenario.run;
  const int replications = options.replications.value_or(run.replications);
  double response = 0.0;  // mean time a request spends being served, seconds
  double steps = 0.0;     // mean phases per request
  for (const Endpoint& endpoint : scenario.endpoints) {
    double mean = 0.0;
    for (const Phase& phase : endpoint.phases) mean += phase_mean(phase);
    response = std::max(response, mean);
    steps = std::max(steps, static_cast<double>(phase_count(endpoint.phases)));
  }
  double rate = 0.0;
  double in_flight = 0.0;
  if (scenario.workload.open) {
    const OpenWorkload& open = *scenario.workload.open;
    rate = open.arrivals == ArrivalProcess::trace ? static_cast<double>(open.trace.size()) / run.duration
                                                  : open.peak_rate();
    in_flight = rate * response;  // Little's law, if the servers keep up
  } else if (scenario.workload.closed) {
    const ClosedWorkload& closed = *scenario.workload.closed;
    const double cycle = closed.think_time.mean() + response;
    rate = cycle > 0.0 ? closed.users / cycle : 0.0;
    in_flight = closed.users;
  }
  const double simulated = (run.warmup_mode == WarmupMode::mser5 ? 2.0 : 1.0) * run.duration;
  RunCost cost;
  cost.requests = rate * simulated * replications;
  // An arrival, a start, an end per phase, and the answer.
  cost.events = cost.requests * (2.0 + 2.0 * steps);
  const int hardware = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int threads = std::min(replications, options.threads > 0 ? options.threads : hardware);
  const double speed =
      options.engine == Engine::native ? kNativeEventsPerSecond : kSimgridEventsPerSecond;
  cost.seconds = cost.events / (speed * threads);
  const double intervals = run.interval > 0.0 ? run.duration / run.interval : 100.0;
  const double cells = static_cast<double>(8 + 2 * scenario.servers.size() + scenario.hosts.size());
  cost.bytes = replications * (intervals * cells * kTimelineBytesPerCell +
                               static_cast<double>(scenario.endpoints.size()) * kHistogramBytes) +
               threads * in_flight * kBytesPerRequestInFlight;
  return cost;
}

bool RunCost::is_large() const noexcept { return seconds > kLongRunSeconds || bytes > kLargeRunBytes; }

std::string RunCost::describe() const {
  const auto approx = [](double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2g", value);
    return std::string(text);
  };
  return "this run simulates about " + approx(events) + " events (" + approx(requests) +
         " requests): about " + approx(std::ceil(seconds)) + " s of computing and " +
         approx(std::ceil(bytes / 1e6)) + " MB of memory";
}

}  // namespace servesim
