#pragma once
// Latency quantiles of one time-series interval: a coarse log-bucketed
// histogram, cleared at every interval's end. Only the buckets an interval
// touched are cleared, so a short interval costs little however fine the
// timeline. The run's own statistics use the finer LatencyHistogram.

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "servesim/metrics/latency_histogram.hpp"

namespace servesim::detail {

class IntervalHistogram {
 public:
  static constexpr int kSubBucketBits = 4;

  /// Adds one response time, `seconds` >= 0.
  void record(double seconds) noexcept {
    assert(seconds >= 0.0);
    ++counts_[kBuckets.bucket_of(seconds)];
    ++count_;
    min_ = std::min(min_, seconds);
    max_ = std::max(max_, seconds);
  }

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }

  /// The nearest-rank q-quantile within relative_error() (values from 1 µs
  /// to 12 days); 0 when empty.
  [[nodiscard]] double quantile(double q) const noexcept {
    if (count_ == 0) return 0.0;
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
    std::uint64_t seen = 0;
    std::size_t b = kBuckets.bucket_of(min_);
    while ((seen += counts_[b]) < rank) ++b;
    return std::clamp(kBuckets.midpoint_of(b), min_, max_);
  }

  /// sqrt(1 + 2^-kSubBucketBits) - 1, about 3.1 %.
  [[nodiscard]] static double relative_error() noexcept { return kBuckets.relative_error(); }

  void clear() noexcept {
    if (count_ == 0) return;
    // Only the buckets between the smallest and the largest value were used.
    std::fill(counts_.begin() + static_cast<std::ptrdiff_t>(kBuckets.bucket_of(min_)),
              counts_.begin() + static_cast<std::ptrdiff_t>(kBuckets.bucket_of(max_)) + 1, 0U);
    count_ = 0;
    min_ = std::numeric_limits<double>::infinity();
    max_ = 0.0;
  }

 private:
  static constexpr double kMinValue = 0x1p-20;  // about 1 µs
  static constexpr double kMaxValue = 0x1p20;   // about 12 days
  static constexpr LogBuckets kBuckets{kSubBucketBits, kMinValue, kMaxValue};

  std::array<std::uint64_t, kBuckets.size()> counts_{};
  std::uint64_t count_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = 0.0;
};

}  // namespace servesim::detail
