#pragma once
// Keeps a run from hanging: the engine calls check() every kPollEvents
// events; it hands control to a poll hook (cancellation) and, over a longer
// window, throws ScenarioError when the simulated clock has stopped
// advancing, naming the scenario's shortest times, which cause it.

#include <cstdint>
#include <functional>
#include <string>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// Called every few thousand events; may throw to stop the run.
using PollHook = std::function<void()>;

class ProgressGuard {
 public:
  /// Events between two polls: at 10 million events a second, 1.6 ms.
  static constexpr std::uint64_t kPollEvents = std::uint64_t{1} << 14U;
  /// Events simulated per simulated second, per closed-loop user (at least
  /// 10 users' worth), beyond which the clock counts as stopped: a user whose
  /// request and think time together last less than about 40 ns. Open
  /// workloads are bounded by their arrivals, so only runaway loops reach
  /// kOpenEventRate.
  static constexpr double kEventRatePerUser = 1e8;
  static constexpr double kOpenEventRate = 1e11;

  ProgressGuard(const Scenario& scenario, PollHook on_poll);

  /// The engine's loop: `events` so far, at simulated time `now`. Cheap
  /// unless a poll is due.
  void check(std::uint64_t events, double now) {
    if (events >= next_poll_) poll(events, now);
  }

 private:
  void poll(std::uint64_t events, double now);

  const Scenario& scenario_;
  PollHook on_poll_;
  double max_event_rate_;
  std::uint64_t window_;  ///< events over which the clock's progress is judged
  std::uint64_t next_poll_ = kPollEvents;
  std::uint64_t window_start_events_ = 0;
  double window_start_time_ = 0.0;
};

/// The scenario's shortest positive times (means, seconds) with their field paths,
/// shortest first: "endpoints.e.phases[0].io (mean 2.5e-301 s), ...".
/// `path` receives the shortest one's field path.
[[nodiscard]] std::string shortest_times(const Scenario& scenario, std::string& path);

}  // namespace servesim::detail
