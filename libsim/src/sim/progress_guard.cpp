#include "sim/progress_guard.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/messages.hpp"
#include "model/checks.hpp"
#include "model/enum_names.hpp"
#include "rules/admission.hpp"
#include "rules/arbiter.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

// The clock's progress is judged over at least this many events (about two
// seconds of a run), and over 16 events per closed-loop user, so that users
// all starting at one instant do not look like a stopped clock.
constexpr std::uint64_t kMinWindow = std::uint64_t{1} << 24U;
constexpr std::size_t kNamedTimes = 3;

struct TimedField {
  std::string path;
  double mean;
};

void add_phases(const std::vector<Phase>& phases, const std::string& path, std::vector<TimedField>& out) {
  for (std::size_t i = 0; i < phases.size(); ++i) {
    const Phase& phase = phases[i];
    const std::string at = path + "[" + std::to_string(i) + "]";
    if (phase.kind == PhaseKind::cache) {
      add_phases(phase.hit, at + ".cache.hit", out);
      add_phases(phase.miss, at + ".cache.miss", out);
    } else if (phase.has_duration && phase.kind != PhaseKind::call) {
      out.push_back({at + "." + phase_kind_name(phase.kind), phase.duration.mean()});
    }
  }
}

std::vector<TimedField> timed_fields(const Scenario& scenario) {
  std::vector<TimedField> fields;
  if (scenario.workload.closed) {
    fields.push_back({"workload.closed.think_time", scenario.workload.closed->think_time.mean()});
  }
  if (scenario.workload.retries.max_attempts > 1) {
    fields.push_back({"workload.retries.backoff", scenario.workload.retries.backoff});
  }
  for (std::size_t i = 0; i < scenario.endpoints.size(); ++i) {
    add_phases(scenario.endpoints[i].phases,
               entry_path("endpoints", i, scenario.endpoints[i].name) + ".phases", fields);
  }
  for (std::size_t i = 0; i < scenario.servers.size(); ++i) {
    const Server& server = scenario.servers[i];
    const std::string path = entry_path("servers", i, server.name);
    fields.push_back({path + ".framework_overhead", server.framework_overhead.mean()});
    if (kills_slow_workers(server) || watches_loop(server)) {
      fields.push_back({path + ".timeout", server.timeout});
      fields.push_back({path + ".boot_time", server.boot_time});
    }
    fields.push_back({path + ".switch_interval", server.switch_interval});
  }
  for (std::size_t i = 0; i < scenario.databases.size(); ++i) {
    fields.push_back({entry_path("databases", i, scenario.databases[i].name) + ".query_time",
                      scenario.databases[i].query_time.mean()});
  }
  for (std::size_t i = 0; i < scenario.services.size(); ++i) {
    fields.push_back({entry_path("services", i, scenario.services[i].name) + ".latency",
                      scenario.services[i].latency.mean()});
  }
  for (std::size_t i = 0; i < scenario.caches.size(); ++i) {
    fields.push_back({entry_path("caches", i, scenario.caches[i].name) + ".command_time",
                      scenario.caches[i].command_time.mean()});
  }
  return fields;
}

}  // namespace

// Zero times (no think time, no framework) are common and move the clock not
// at all; the clock crawls in steps of the shortest positive ones.
std::string shortest_times(const Scenario& scenario, std::string& path) {
  std::vector<TimedField> fields = timed_fields(scenario);
  std::erase_if(fields, [](const TimedField& field) { return !(field.mean > 0.0); });
  std::stable_sort(fields.begin(), fields.end(),
                   [](const TimedField& a, const TimedField& b) { return a.mean < b.mean; });
  std::string text;
  for (std::size_t i = 0; i < std::min(kNamedTimes, fields.size()); ++i) {
    text += (i ? ", " : "") + fields[i].path + " (mean " + format_number(fields[i].mean) + " s)";
  }
  path = fields.empty() ? "run.duration" : fields.front().path;
  return text;
}

ProgressGuard::ProgressGuard(const Scenario& scenario, PollHook on_poll)
    : scenario_(scenario), on_poll_(std::move(on_poll)) {
  const std::uint64_t users =
      scenario.workload.closed ? static_cast<std::uint64_t>(scenario.workload.closed->users) : 0;
  max_event_rate_ = scenario.workload.closed
                        ? kEventRatePerUser * static_cast<double>(std::max<std::uint64_t>(users, 10))
                        : kOpenEventRate;
  window_ = std::max(kMinWindow, 16 * users);
}

void ProgressGuard::poll(std::uint64_t events, double now) {
  next_poll_ = events + kPollEvents;
  if (on_poll_) on_poll_();
  const std::uint64_t done = events - window_start_events_;
  if (done < window_) return;
  const double rate = static_cast<double>(done) / (now - window_start_time_);  // inf if the clock stood still
  if (rate > max_event_rate_) {
    std::string path;
    const std::string times = shortest_times(scenario_, path);
    throw ScenarioError(path, "the simulated clock does not advance: " + format_number(static_cast<double>(done)) +
                                  " events in " + format_number(now - window_start_time_) +
                                  " simulated seconds at t = " + format_number(now) +
                                  " s (the run would not end); the shortest times are " + times +
                                  ": make one of them longer");
  }
  window_start_events_ = events;
  window_start_time_ = now;
}

}  // namespace servesim::detail
