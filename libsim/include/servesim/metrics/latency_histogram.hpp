#pragma once
/// @file latency_histogram.hpp
/// A log-bucketed histogram of durations: O(1) record, mergeable, with a
/// bounded relative error on every quantile.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace servesim {
namespace detail {

/// The buckets of a log-bucketed histogram (LatencyHistogram, and the
/// engine's coarser one per time-series interval): a positive double's key is
/// its binary exponent and top `sub_bucket_bits` mantissa bits, so a bucket
/// spans a factor of at most 1 + 2^-sub_bucket_bits. Keys increase with the
/// value because IEEE-754 orders positive doubles like their bits. Values up
/// to `min_value` share the first bucket, values from `max_value` on the last.
class LogBuckets {
 public:
  constexpr LogBuckets(int sub_bucket_bits, double min_value, double max_value) noexcept
      : sub_bucket_bits_(sub_bucket_bits),
        first_key_(std::bit_cast<std::uint64_t>(min_value) >> key_shift()),
        last_key_(std::bit_cast<std::uint64_t>(max_value) >> key_shift()) {}

  [[nodiscard]] constexpr std::size_t size() const noexcept {
    return static_cast<std::size_t>(last_key_ - first_key_ + 1);
  }
  /// The bucket holding `seconds` >= 0.
  [[nodiscard]] constexpr std::size_t bucket_of(double seconds) const noexcept {
    const std::uint64_t key = std::bit_cast<std::uint64_t>(seconds) >> key_shift();
    if (key <= first_key_) return 0;
    return key >= last_key_ ? size() - 1 : static_cast<std::size_t>(key - first_key_);
  }
  /// Seconds; the lower bound of `bucket` + 1 is the upper bound of `bucket`.
  [[nodiscard]] constexpr double lower_bound_of(std::size_t bucket) const noexcept {
    return std::bit_cast<double>((first_key_ + bucket) << key_shift());
  }
  /// The geometric midpoint of `bucket`, in seconds: a quantile's estimate.
  [[nodiscard]] double midpoint_of(std::size_t bucket) const noexcept {
    return std::sqrt(lower_bound_of(bucket) * lower_bound_of(bucket + 1));
  }
  /// Worst relative error of midpoint_of() for a value of the bucket:
  /// sqrt(1 + 2^-sub_bucket_bits) - 1. A bucket [lo, hi) has hi / lo <= 1 + 2^-k
  /// (widest at the start of a binade); its geometric midpoint m is off by at
  /// most m / lo - 1 = sqrt(hi / lo) - 1.
  [[nodiscard]] double relative_error() const noexcept {
    return std::sqrt(1.0 + std::ldexp(1.0, -sub_bucket_bits_)) - 1.0;
  }

 private:
  [[nodiscard]] constexpr int key_shift() const noexcept { return 52 - sub_bucket_bits_; }

  int sub_bucket_bits_;
  std::uint64_t first_key_;
  std::uint64_t last_key_;
};

}  // namespace detail

/**
 * Histogram of durations in seconds with logarithmic buckets.
 *
 * Buckets are taken from the binary exponent and the top kSubBucketBits bits
 * of the mantissa, so each bucket spans a factor of at most 1 + 2^-kSubBucketBits
 * and a quantile reported at the bucket's geometric midpoint is within
 * relative_error() = sqrt(1 + 2^-7) - 1 (about 0.39 %) of the true sample
 * quantile. Values below kMinValue (1 ns) share the first bucket; values above
 * kMaxValue (~ 11.6 days) the last. Mean, min and max are exact. One histogram
 * holds about 6,400 counters (50 KB).
 *
 * @code
 * servesim::LatencyHistogram h;
 * h.record(0.012);
 * double p99 = h.quantile(0.99);
 * @endcode
 */
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr double kMinValue = 1e-9;
  static constexpr double kMaxValue = 1e6;

  LatencyHistogram();

  /// Adds one observation of `seconds` (negative values and NaN count as 0).
  void record(double seconds) noexcept {
    if (!(seconds > 0.0)) seconds = 0.0;
    ++counts_[kBuckets.bucket_of(seconds)];
    ++count_;
    sum_ += seconds;
    if (seconds > max_) max_ = seconds;
    if (seconds < min_) min_ = seconds;
  }

  /// Adds every observation of `other`.
  void merge(const LatencyHistogram& other) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  /// Exact mean; 0 when empty.
  [[nodiscard]] double mean() const noexcept;
  /// Exact largest value; 0 when empty.
  [[nodiscard]] double max() const noexcept { return count_ ? max_ : 0.0; }
  /// Exact smallest value; 0 when empty.
  [[nodiscard]] double min() const noexcept { return count_ ? min_ : 0.0; }
  /**
   * The q-quantile (q clamped to [0, 1]) within relative_error(); 0 when empty.
   *
   * The sample quantile is the nearest-rank one: the r-th smallest value with
   * r = max(1, ceil(q count)). The answer is the geometric midpoint of the
   * bucket holding it, clamped to [min(), max()].
   */
  [[nodiscard]] double quantile(double q) const noexcept;
  /// Fraction of observations <= seconds (bucket resolution; exact below min()
  /// and from max() on); 0 when empty.
  [[nodiscard]] double fraction_at_most(double seconds) const noexcept;
  /// Worst relative error of quantile() for values inside [kMinValue, kMaxValue]:
  /// sqrt(1 + 2^-kSubBucketBits) - 1 ≈ 0.0039.
  [[nodiscard]] static double relative_error() noexcept;

  /// Non-empty buckets as (lower bound s, upper bound s, count), ascending.
  /// The first bucket also holds values below kMinValue, the last values above kMaxValue.
  struct Bucket {
    double lower;
    double upper;
    std::uint64_t count;
  };
  [[nodiscard]] std::vector<Bucket> buckets() const;

  /**
   * Rebuilds a histogram from its buckets() and its exact sum, min and max
   * (seconds), e.g. one read back from JSON: the result equals the original.
   * @throws Error if a bucket's bounds are not one of this histogram's buckets.
   */
  [[nodiscard]] static LatencyHistogram from_buckets(const std::vector<Bucket>& buckets, double sum,
                                                     double min, double max);

 private:
  static constexpr detail::LogBuckets kBuckets{kSubBucketBits, kMinValue, kMaxValue};
  static constexpr std::size_t kBucketCount = kBuckets.size();

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
  double max_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
};

}  // namespace servesim
