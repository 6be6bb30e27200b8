#pragma once
// The cores of one host, shared by processor sharing: with n runnable jobs on
// c cores each progresses at speed * min(1, c / n), since one thread never
// runs on two cores. Exact and event-driven: every job advances along one
// common virtual clock V (work done per job), so a job added at V0 with work w
// finishes when V reaches V0 + w. Jobs sit in a heap keyed by that finishing
// virtual time: O(log n) per arrival, departure and preemption, nothing per tick.
// A job of k threads (native code splitting its work) is k runnable threads
// whose shares of the work all end together: it advances k times as fast.

#include <cstdint>
#include <limits>
#include <vector>

#include "core/time_average.hpp"

namespace servesim::detail {

class SharedCpu {
 public:
  SharedCpu(int cores, double speed) : cores_(cores), speed_(speed) {}

  /// Job `id` needs `work` seconds of one reference core in all, starting at
  /// `now`, split over `threads` threads. An id is in at most one host at a time.
  void add(double now, std::uint32_t id, double work, int threads = 1);

  /// Real time of the next completion; +infinity when idle.
  [[nodiscard]] double next_completion() const noexcept { return next_completion_; }

  /// Removes and returns the job finishing at next_completion() (== now).
  std::uint32_t complete(double now);

  /// Takes job `id` off the cores before it finishes (a GIL switch, a killed
  /// worker); returns the work it still needs, over all its threads.
  double preempt(double now, std::uint32_t id);

  /// Runnable threads: each job's threads.
  [[nodiscard]] std::size_t runnable() const noexcept { return threads_; }
  /// Busy core-seconds from time 0 to `now`.
  [[nodiscard]] double busy_core_seconds(double now) const noexcept {
    return busy_cores_.area_until(now);
  }
  [[nodiscard]] int cores() const noexcept { return cores_; }

 private:
  struct Job {
    double finish;  // virtual time at which each of its threads' work is done
    std::uint64_t order;
    std::uint32_t id;
    int threads;
  };
  static bool earlier(const Job& a, const Job& b) noexcept {
    return a.finish < b.finish || (a.finish == b.finish && a.order < b.order);
  }
  [[nodiscard]] double rate_per_job() const noexcept;
  void advance(double now) noexcept;
  void refresh(double now) noexcept;
  void place(std::size_t slot, const Job& job);
  void sift_up(std::size_t slot);
  void sift_down(std::size_t slot);
  Job remove_at(std::size_t slot);

  static constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

  int cores_;
  double speed_;
  std::vector<Job> jobs_;             // min-heap on finish
  std::size_t threads_ = 0;           // runnable threads: the jobs' threads summed
  std::vector<std::uint32_t> slot_;   // heap slot of each job id, kAbsent when not here
  std::uint64_t next_order_ = 0;
  double virtual_time_ = 0.0;
  double last_update_ = 0.0;
  double next_completion_ = std::numeric_limits<double>::infinity();
  TimeAverage busy_cores_;
};

}  // namespace servesim::detail
