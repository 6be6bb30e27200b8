#include "rules/arrival_process.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <numbers>

namespace servesim::detail {
OpenArrivals::OpenArrivals(const OpenWorkload& open, double horizon, Rng rng)
    : open_(open), horizon_(horizon), rng_(rng) {
  if (open.arrivals == ArrivalProcess::bursty) {
    // Start in the stationary state: in a burst with probability
    // duration / (duration + every), so the rate is stationary from t = 0.
    // Sojourns are exponential, so the time left in it is exponential too.
    const Burst& burst = open.burst;
    in_burst_ = rng_.uniform01() * (burst.duration + burst.every) < burst.duration;
    switch_at_ = exponential(1.0 / (in_burst_ ? burst.duration : burst.every));
  }
  peak_ = profile_peak(open.profile);
  steady_poisson_ = open.arrivals == ArrivalProcess::poisson && open.profile.kind == RateProfileKind::constant;
}

double OpenArrivals::next_other() {
  switch (open_.arrivals) {
    case ArrivalProcess::trace: return next_traced();
    case ArrivalProcess::bursty: return next_burst();
    case ArrivalProcess::poisson:
      if (open_.profile.kind != RateProfileKind::constant) return next_thinned();
      return next_steady();
    case ArrivalProcess::constant: return next_steady();
  }
  return kNever;
}

// A constant rate: the first request at time 0, then exponential or
// constant gaps.
double OpenArrivals::next_steady() {
  if (started_) {
    last_ += open_.arrivals == ArrivalProcess::constant ? 1.0 / open_.rate : exponential(open_.rate);
  }
  started_ = true;
  if (last_ > horizon_) return kNever;
  return last_;
}

// Lewis and Shedler's thinning: candidates of a Poisson process at the peak
// rate, each kept with probability rate(t) / peak, form exactly a Poisson
// process of rate rate(t).
double OpenArrivals::next_thinned() {
  double t = last_;
  for (;;) {
    t += exponential(peak_);
    if (t > horizon_) return kNever;
    if (rng_.uniform01() * peak_ < profile_rate(open_.profile, horizon_, t)) break;
  }
  last_ = t;
  return t;
}

// A two-state MMPP: Poisson at the state's rate until the state changes;
// memorylessness lets a candidate that overshoots the change be dropped and
// drawn again from the change on.
double OpenArrivals::next_burst() {
  const Burst& burst = open_.burst;
  double t = last_;
  for (;;) {
    const double rate = in_burst_ ? burst.rate : open_.rate;
    const double candidate = rate > 0.0 ? t + exponential(rate) : kNever;
    if (candidate <= switch_at_) {
      if (candidate > horizon_) return kNever;
      last_ = candidate;
      return candidate;
    }
    t = switch_at_;
    if (t > horizon_) return kNever;
    in_burst_ = !in_burst_;
    switch_at_ = t + exponential(1.0 / (in_burst_ ? burst.duration : burst.every));
  }
}

double OpenArrivals::next_traced() {
  if (next_trace_ == open_.trace.size()) return kNever;
  const double t = open_.trace[next_trace_++];
  if (t > horizon_) return kNever;
  return t;
}

double OpenArrivals::profile_rate(const RateProfile& profile, double horizon, double t) noexcept {
  switch (profile.kind) {
    case RateProfileKind::constant: return 0.0;
    case RateProfileKind::ramp: return profile.from + (profile.to - profile.from) * std::min(t / horizon, 1.0);
    case RateProfileKind::steps: {
      // The last step that has begun by t (steps are sorted, the first at 0).
      const auto after = std::upper_bound(profile.steps.begin(), profile.steps.end(), t,
                                          [](double time, const RateStep& step) { return time < step.at; });
      return after == profile.steps.begin() ? 0.0 : std::prev(after)->rate;
    }
    case RateProfileKind::diurnal:
      return profile.min +
             (profile.max - profile.min) * 0.5 * (1.0 - std::cos(2.0 * std::numbers::pi * t / profile.period));
  }
  return 0.0;
}

double OpenArrivals::profile_peak(const RateProfile& profile) noexcept {
  switch (profile.kind) {
    case RateProfileKind::constant: return 0.0;
    case RateProfileKind::ramp: return std::max(profile.from, profile.to);
    case RateProfileKind::steps: {
      double peak = 0.0;
      for (const RateStep& step : profile.steps) peak = std::max(peak, step.rate);
      return peak;
    }
    case RateProfileKind::diurnal: return profile.max;
  }
  return 0.0;
}

}  // namespace servesim::detail
