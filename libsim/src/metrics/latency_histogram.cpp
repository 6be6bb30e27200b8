#include "servesim/metrics/latency_histogram.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "servesim/errors.hpp"

namespace servesim {

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t b = 0; b < kBucketCount; ++b) counts_[b] += other.counts_[b];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
  min_ = std::min(min_, other.min_);
}

double LatencyHistogram::mean() const noexcept {
  return count_ ? sum_ / static_cast<double>(count_) : 0.0;
}

double LatencyHistogram::quantile(double q) const noexcept {
  if (count_ == 0) return 0.0;
  q = q > 0.0 ? std::min(q, 1.0) : 0.0;  // also maps NaN to 0
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  std::size_t b = 0;
  while ((seen += counts_[b]) < rank) ++b;
  return std::clamp(kBuckets.midpoint_of(b), min_, max_);
}

double LatencyHistogram::fraction_at_most(double seconds) const noexcept {
  if (count_ == 0 || !(seconds >= min_)) return 0.0;
  if (seconds >= max_) return 1.0;
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b <= kBuckets.bucket_of(seconds); ++b) seen += counts_[b];
  return static_cast<double>(seen) / static_cast<double>(count_);
}

double LatencyHistogram::relative_error() noexcept { return kBuckets.relative_error(); }

std::vector<LatencyHistogram::Bucket> LatencyHistogram::buckets() const {
  std::vector<Bucket> out;
  for (std::size_t b = 0; b < kBucketCount; ++b) {
    if (counts_[b] != 0) out.push_back({kBuckets.lower_bound_of(b), kBuckets.lower_bound_of(b + 1), counts_[b]});
  }
  return out;
}

LatencyHistogram LatencyHistogram::from_buckets(const std::vector<Bucket>& buckets, double sum,
                                                double min, double max) {
  LatencyHistogram h;
  for (const Bucket& bucket : buckets) {
    const std::size_t b = kBuckets.bucket_of(bucket.lower);
    if (!(bucket.lower >= 0.0) || kBuckets.lower_bound_of(b) != bucket.lower ||
        kBuckets.lower_bound_of(b + 1) != bucket.upper) {
      throw Error("histogram bucket [" + std::to_string(bucket.lower) + ", " +
                  std::to_string(bucket.upper) + ") is not a bucket of LatencyHistogram");
    }
    h.counts_[b] += bucket.count;
    h.count_ += bucket.count;
  }
  if (h.count_ != 0) {
    h.sum_ = sum;
    h.min_ = min;
    h.max_ = max;
  }
  return h;
}

}  // namespace servesim
