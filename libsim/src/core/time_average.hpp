#pragma once
// Time-weighted average of a piecewise-constant quantity (queue length,
// busy workers, busy cores): the area under it, updated when it changes.

namespace servesim::detail {

class TimeAverage {
 public:
  /// The quantity changes to `value` at time `now` (non-decreasing).
  void set(double now, double value) noexcept {
    area_ += value_ * (now - last_);
    last_ = now;
    value_ = value;
  }
  void add(double now, double delta) noexcept { set(now, value_ + delta); }

  [[nodiscard]] double value() const noexcept { return value_; }
  /// Area under the curve from time 0 to `now`.
  [[nodiscard]] double area_until(double now) const noexcept {
    return area_ + value_ * (now - last_);
  }

 private:
  double value_ = 0.0;
  double area_ = 0.0;
  double last_ = 0.0;
};

}  // namespace servesim::detail
