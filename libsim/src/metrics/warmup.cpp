#include "servesim/metrics/warmup.hpp"

#include <vector>

namespace servesim {

std::size_t mser5_truncation(std::span<const double> observations) {
  constexpr std::size_t kBatch = 5;
  const std::size_t batches = observations.size() / kBatch;  // an incomplete last batch is dropped
  if (batches < 2) return 0;
  std::vector<double> means(batches);
  for (std::size_t i = 0; i < batches; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < kBatch; ++j) sum += observations[i * kBatch + j];
    means[i] = sum / kBatch;
  }
  // Walk d from the end backwards, adding batch d to a running (Welford) mean and
  // sum of squared deviations of batches d..m-1; MSER(d) = that sum / (m - d)^2.
  double mean = 0.0;
  double squares = 0.0;
  // "The first half": at least half the batches, and never fewer than two, are kept.
  const std::size_t last_candidate = (batches - 1) / 2;
  std::size_t best = 0;
  double best_statistic = 0.0;
  for (std::size_t d = batches; d-- > 0;) {
    const double kept = static_cast<double>(batches - d);
    const double delta = means[d] - mean;
    mean += delta / kept;
    squares += delta * (means[d] - mean);
    const double statistic = squares / (kept * kept);
    // `<=` keeps the earliest of equal minima.
    if (d <= last_candidate && (d == last_candidate || statistic <= best_statistic)) {
      best = d;
      best_statistic = statistic;
    }
  }
  return best * kBatch;
}

}  // namespace servesim
