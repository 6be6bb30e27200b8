#pragma once
// When the requests of an open workload arrive: Poisson or evenly spaced at
// a constant rate, Poisson with a rate that follows a profile (ramp, steps,
// diurnal sine), a two-state Markov-modulated Poisson process (bursts), or
// the times of a trace. The engine asks for one arrival time at a time, so
// nothing is generated ahead and memory stays constant whatever the rate.

#include <cmath>
#include <cstddef>
#include <limits>

#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

class OpenArrivals {
 public:
  /// `open` must be valid and outlive this; arrivals after `horizon` seconds are not produced.
  OpenArrivals(const OpenWorkload& open, double horizon, Rng rng);

  /// The time of the next arrival (seconds, non-decreasing from call to call),
  /// or infinity when none is left before the horizon.
  [[nodiscard]] double next() {
    // Poisson at a constant rate is the common case: kept inline.
    if (steady_poisson_ && started_) {
      last_ += exponential(open_.rate);
      if (last_ > horizon_) return kNever;
      return last_;
    }
    return next_other();
  }

  /// The rate of a Poisson profile at time `t` (req/s).
  [[nodiscard]] static double profile_rate(const RateProfile& profile, double horizon, double t) noexcept;
  /// The highest rate a profile reaches (req/s): the bound its thinning draws candidates at.
  [[nodiscard]] static double profile_peak(const RateProfile& profile) noexcept;

 private:
  static constexpr double kNever = std::numeric_limits<double>::infinity();

  [[nodiscard]] double exponential(double rate) noexcept { return rng_.exponential(rate); }
  [[nodiscard]] double next_other();
  [[nodiscard]] double next_steady();
  [[nodiscard]] double next_thinned();
  [[nodiscard]] double next_burst();
  [[nodiscard]] double next_traced();

  const OpenWorkload& open_;
  double horizon_;
  Rng rng_;
  bool steady_poisson_ = false;  // Poisson at the constant `rate`
  double last_ = 0.0;    // the previous arrival, or 0 before the first
  bool started_ = false;  // steady arrivals: the first one is at time 0
  double peak_ = 0.0;     // profiles: the thinning bound
  bool in_burst_ = false;     // bursty: which state the process is in
  double switch_at_ = 0.0;    // bursty: when it leaves that state
  std::size_t next_trace_ = 0;  // trace: index of the next time to replay
};

}  // namespace servesim::detail
