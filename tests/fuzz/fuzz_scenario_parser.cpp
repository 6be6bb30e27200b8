// libFuzzer target: any bytes given to servesim::parse_scenario either parse
// or throw servesim::ScenarioError. Any other exception escapes and crashes
// the fuzzer, as do sanitizer reports, hangs (-timeout) and memory blow-ups.
// Every distribution of a parsed scenario is sampled: a NaN aborts too.
//
// A scenario that parses is also simulated, shrunk first so that one input
// costs milliseconds: odd-but-valid scenarios exercise the engine too. The
// shrinking edits only what bounds the work, never the model's structure:
//  - one replication on one thread;
//  - at most 1000 closed-loop users;
//  - run.duration at most 50 ms of simulated time, and shorter when a rough
//    estimate of the request rate (see simulated_duration) says the run
//    would exceed kEventBudget events; warm-up and time-series interval are
//    scaled with it, the interval kept >= duration / 1000;
//  - no simulation at all when even 1 us would exceed the budget: a closed
//    loop whose requests and think time take (almost) no time has no end in
//    simulated time, so the engine would spin at one instant.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <utility>
#include <vector>

#include "servesim/core/rng.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"

namespace {

using servesim::Distribution;
using servesim::Scenario;

constexpr double kMaxDuration = 0.05;   // simulated seconds
constexpr double kMinDuration = 1e-6;   // below this, skip the simulation
constexpr double kEventBudget = 5e4;    // engine events per input, roughly
constexpr int kMaxUsers = 1000;

// A low value the distribution actually produces (the 10th percentile of 32
// draws): heavy-tailed families have a large mean but mostly tiny samples.
// A distribution that parsed must only produce values >= 0 (+inf allowed: a
// phase that never ends); a NaN would silently corrupt the simulation.
double typical(const Distribution& d) {
  servesim::Rng rng(1, 0);
  std::array<double, 32> draws{};
  for (double& x : draws) {
    x = d.sample(rng);
    if (!(x >= 0.0)) {
      std::fprintf(stderr, "a parsed distribution (mean %g, cv %g) sampled %g\n", d.mean(), d.cv(), x);
      std::abort();
    }
  }
  std::sort(draws.begin(), draws.end());
  return draws[3];
}

struct Cost {
  double request_time = std::numeric_limits<double>::infinity();  // fastest endpoint
  std::size_t steps = 0;                                           // longest endpoint
};

// A low time for `phases` and how many engine steps they take at most: a
// query takes its database's query_time unless it has its own, a call its
// service's latency, a cache lookup its faster path, an inference a batch of one.
std::pair<double, std::size_t> phases_cost(const Scenario& s, const std::vector<servesim::Phase>& phases,
                                           double speed) {
  double time = 0.0;
  std::size_t steps = 0;
  for (const auto& phase : phases) {
    switch (phase.kind) {
      case servesim::PhaseKind::db:
        time += typical(phase.has_duration ? phase.duration : s.find_database(phase.target)->query_time);
        steps += 1;
        break;
      case servesim::PhaseKind::call:
        time += typical(s.find_service(phase.target)->latency);
        steps += 1;
        break;
      case servesim::PhaseKind::cache: {
        const auto hit = phases_cost(s, phase.hit, speed);
        const auto miss = phases_cost(s, phase.miss, speed);
        time += std::min(hit.first, miss.first);
        steps += 2 + hit.second + miss.second;
        break;
      }
      case servesim::PhaseKind::infer: {
        // A batch of one at least; its arrival, its batch's timer and its end are events.
        const servesim::ModelServer& model = *s.find_model_server(phase.target);
        time += typical(model.batch_time) + model.item_time;
        steps += 3;
        break;
      }
      case servesim::PhaseKind::cpu: time += typical(phase.duration) / speed; steps += 1; break;
      case servesim::PhaseKind::cpu_nogil: time += typical(phase.duration) / phase.threads; steps += 1; break;
      default: time += typical(phase.duration); steps += 1; break;
    }
  }
  return {time, steps};
}

Cost endpoint_cost(const Scenario& s) {
  Cost cost;
  for (const auto& endpoint : s.endpoints) {
    // Behind a balancer: the fastest of its servers.
    for (const servesim::Server* server : s.servers_of(endpoint)) {
      const servesim::Host* host = s.find_host(server->host);
      const auto [time, steps] = phases_cost(s, endpoint.phases, host->speed);
      double request_time = typical(server->framework_overhead) / host->speed + time;
      // A worker timeout ends a request there (its worker killed), and a closed
      // user sends the next at once: a 1 ns timeout is a 1 ns loop.
      if (server->timeout > 0.0) request_time = std::min(request_time, server->timeout);
      // Past memory_limit a request is killed as it is accepted, and its user
      // sends the next at once: the loop turns once per process boot, a
      // zero boot_time being a loop at one instant.
      if (server->memory_limit) request_time = std::min(request_time, server->boot_time / server->workers);
      cost.request_time = std::min(cost.request_time, request_time);
      // A restart (max_requests, memory_limit) is one more event per request at most.
      const bool restarts = server->max_requests > 0 || server->memory_limit;
      cost.steps = std::max(cost.steps, steps + (restarts ? 2 : 1));
    }
  }
  return cost;
}

// The highest rate an open workload sends first attempts at; a trace's
// times all fall in the shortest run, at worst.
double peak_open_rate(const servesim::OpenWorkload& open) {
  using servesim::ArrivalProcess;
  using servesim::RateProfileKind;
  switch (open.arrivals) {
    case ArrivalProcess::trace: return static_cast<double>(open.trace.size()) / kMinDuration;
    case ArrivalProcess::bursty: return std::max(open.rate, open.burst.rate);
    default: break;
  }
  const servesim::RateProfile& profile = open.profile;
  switch (profile.kind) {
    case RateProfileKind::constant: return open.rate;
    case RateProfileKind::ramp: return std::max(profile.from, profile.to);
    case RateProfileKind::diurnal: return profile.max;
    case RateProfileKind::steps: {
      double peak = 0.0;
      for (const auto& step : profile.steps) peak = std::max(peak, step.rate);
      return peak;
    }
  }
  return open.rate;
}

// Messages or chunks per second of every connection group, each a few
// engine steps, plus the openings (a fixed count all opens at once).
double connection_events_per_s(const Scenario& s) {
  double events = 0.0;
  for (const servesim::ConnectionGroup& g : s.connections) {
    const double open = g.count ? double(*g.count) : g.open_rate.value_or(0.0) * typical(g.hold);
    if (!(open > 0.0)) continue;
    const double per_connection =
        g.kind == servesim::ConnectionKind::websocket ? g.messages : 1.0 / typical(g.chunk_gap);
    const double steps = static_cast<double>(phases_cost(s, g.phases, 1.0).second + 2);
    events += open * per_connection * steps + g.open_rate.value_or(0.0) + open / kMaxDuration;
  }
  return events;
}

// Stalls start at share / ((1 - share) x length) per second of a busy core:
// tiny stalls are many events.
double stall_events_per_s(const Scenario& s) {
  double events = 0.0;
  for (const servesim::Host& h : s.hosts) {
    if (h.stalls.share > 0.0) events += h.cores * h.stalls.share / ((1.0 - h.stalls.share) * typical(h.stalls.length));
  }
  return events;
}

// Simulated seconds that keep the run within kEventBudget events. Every
// request may be retried, up to max_attempts attempts in all.
double simulated_duration(const Scenario& s) {
  const Cost cost = endpoint_cost(s);
  double requests_per_s = 0.0;
  if (s.workload.open) {
    requests_per_s = peak_open_rate(*s.workload.open);
  } else {
    double request_time = cost.request_time;
    if (s.workload.client_timeout) request_time = std::min(request_time, *s.workload.client_timeout);
    const double cycle = typical(s.workload.closed->think_time) + request_time;
    requests_per_s = s.workload.closed->users / cycle;  // +inf for zero-time loops
  }
  const double events_per_s = requests_per_s * s.workload.retries.max_attempts *
                                  static_cast<double>(cost.steps + 2) +
                              connection_events_per_s(s) + stall_events_per_s(s);
  return std::min(kMaxDuration, kEventBudget / events_per_s);
}

void simulate_shrunk(Scenario s) {
  if (s.workload.closed) s.workload.closed->users = std::min(s.workload.closed->users, kMaxUsers);
  const double duration = std::min(s.run.duration, simulated_duration(s));
  if (!(duration >= kMinDuration)) return;
  const double factor = duration / s.run.duration;
  s.run.duration = duration;
  s.run.warmup *= factor;
  if (s.run.warmup >= duration) s.run.warmup = 0.0;
  if (s.run.interval > 0.0) s.run.interval = std::max(s.run.interval * factor, duration / 1000);
  servesim::SimulationOptions options;
  options.threads = 1;
  options.replications = 1;
  const servesim::Result result = servesim::simulate(s, options);
  if (!std::isfinite(result.throughput.value) || result.throughput.value < 0.0) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Scenario scenario;
  try {
    scenario = servesim::parse_scenario(text, "fuzz.yaml");
  } catch (const servesim::ScenarioError&) {
    return 0;  // the one expected failure
  }
  simulate_shrunk(std::move(scenario));
  return 0;
}
