#pragma once
/// @file latency_histogram.hpp
/// A log-bucketed histogram of durations: O(1) record, mergeable, with a
/// bounded relative error on every quantile.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace servesim {

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
    ++counts_[bucket_of(seconds)];
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
  // The key of a positive double is its exponent and top mantissa bits; keys
  // increase with the value because IEEE-754 orders positive doubles like their bits.
  static constexpr int kKeyShift = 52 - kSubBucketBits;
  static constexpr std::uint64_t kFirstKey = std::bit_cast<std::uint64_t>(kMinValue) >> kKeyShift;
  static constexpr std::uint64_t kLastKey = std::bit_cast<std::uint64_t>(kMaxValue) >> kKeyShift;
  static constexpr std::size_t kBucketCount = kLastKey - kFirstKey + 1;

  [[nodiscard]] static std::size_t bucket_of(double seconds) noexcept {
    const std::uint64_t key = std::bit_cast<std::uint64_t>(seconds) >> kKeyShift;
    if (key <= kFirstKey) return 0;
    return key >= kLastKey ? kBucketCount - 1 : static_cast<std::size_t>(key - kFirstKey);
  }
  [[nodiscard]] static double lower_bound_of(std::size_t bucket) noexcept;

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0.0;
  double max_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
};

}  // namespace servesim
