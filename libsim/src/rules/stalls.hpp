#pragma once
// Stalls on a host's cores (model: Stalls in scenario.hpp): both engines
// lengthen every CPU step by the stalls that interrupt it, drawn here from
// the host's own stream, so a seed gives the same stalls on either engine.
//
// A step of `work` (seconds of a speed-1.0 core) runs for c = work / speed
// on one core. Stalls start as a Poisson process of rate r in that running
// time, each lasting a draw L of `length`, with r = share / ((1 - share) E[L])
// so that they are `share` of running-or-stalled time. The step then takes
// c + S, S the sum of Poisson(r c) lengths (compound Poisson):
//   E[S] = r c E[L] = c share / (1 - share),  Var[S] = r c E[L^2].
// S becomes work on the host's cores (S * speed) in the step: the stalled
// thread keeps its GIL, as a preempted Python thread does, and the core is
// busy with the others' work. On a shared core processor sharing spreads it
// over the runnable threads, as Linux's scheduler spreads another task's
// slice, so the total work is right and each thread's share of it is fair.

#include <cmath>

#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

class CpuStalls {
 public:
  CpuStalls(const Host& host, Rng rng) noexcept
      : length_(host.stalls.length),
        speed_(host.speed),
        mean_gap_(host.stalls.share > 0.0 ? (1.0 - host.stalls.share) * host.stalls.length.mean() / host.stalls.share
                                          : 0.0),
        rng_(rng) {}

  /// `work` plus the work of the stalls that interrupt it; `work` itself,
  /// drawing nothing, on a host without stalls.
  [[nodiscard]] double stretch(double work) noexcept {
    if (mean_gap_ <= 0.0 || work <= 0.0) return work;
    const double running = work / speed_;
    double stalled = 0.0;
    for (double at = next_gap(); at < running; at += next_gap()) stalled += length_.sample(rng_);
    return work + stalled * speed_;
  }

 private:
  // Running time to the next stall: exponential of mean 1 / r.
  double next_gap() noexcept { return -mean_gap_ * std::log(rng_.uniform01()); }

  Distribution length_;
  double speed_;
  double mean_gap_;  // 1 / r; 0: no stalls
  Rng rng_;
};

}  // namespace servesim::detail
