#pragma once
// The cores of one host, shared by processor sharing: with n runnable jobs on
// c cores each progresses at speed * min(1, c / n), since one thread never
// runs on two cores. Exact and event-driven: every job advances along one
// common virtual clock V (work done per job), so a job added at V0 with work w
// finishes when V reaches V0 + w. Jobs sit in a heap keyed by that finishing
// virtual time: O(log n) per arrival and departure, nothing per tick.

#include <cstdint>
#include <limits>
#include <vector>

#include "sim/time_average.hpp"

namespace servesim::detail {

class SharedCpu {
 public:
  SharedCpu(int cores, double speed) : cores_(cores), speed_(speed) {}

  /// Job `id` needs `work` seconds of one reference core, starting at `now`.
  void add(double now, std::uint32_t id, double work);

  /// Real time of the next completion; +infinity when idle.
  [[nodiscard]] double next_completion() const noexcept { return next_completion_; }

  /// Removes and returns the job finishing at next_completion() (== now).
  std::uint32_t complete(double now);

  [[nodiscard]] std::size_t runnable() const noexcept { return jobs_.size(); }
  /// Busy core-seconds from time 0 to `now`.
  [[nodiscard]] double busy_core_seconds(double now) const noexcept {
    return busy_cores_.area_until(now);
  }
  [[nodiscard]] int cores() const noexcept { return cores_; }

 private:
  struct Job {
    double finish;  // virtual time at which the job's work is done
    std::uint64_t order;
    std::uint32_t id;
  };
  static bool later(const Job& a, const Job& b) noexcept {
    return a.finish > b.finish || (a.finish == b.finish && a.order > b.order);
  }
  [[nodiscard]] double rate_per_job() const noexcept;
  void advance(double now) noexcept;
  void refresh(double now) noexcept;

  int cores_;
  double speed_;
  std::vector<Job> jobs_;  // min-heap on finish
  std::uint64_t next_order_ = 0;
  double virtual_time_ = 0.0;
  double last_update_ = 0.0;
  double next_completion_ = std::numeric_limits<double>::infinity();
  TimeAverage busy_cores_;
};

}  // namespace servesim::detail
