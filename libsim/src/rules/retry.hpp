#pragma once
// Clients retrying failed requests with exponential backoff: whether a failed
// attempt is tried again, and after how long. Its own random stream draws
// the jitter, so retries leave every other source's numbers unchanged.

#include <algorithm>
#include <cmath>

#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

class Retries {
 public:
  Retries(const RetryPolicy& policy, Rng rng) noexcept : policy_(policy), rng_(rng) {}

  /// Whether a request whose attempt number `attempt` (1 = the first) failed is tried again.
  [[nodiscard]] bool again(int attempt) const noexcept { return attempt < policy_.max_attempts; }

  /// Seconds before retry number `retry` (1 = the first):
  /// min(backoff * multiplier^(retry-1), max_backoff) times a uniform factor in [1 - jitter, 1].
  [[nodiscard]] double backoff(int retry) noexcept {
    const double base = std::min(policy_.backoff * std::pow(policy_.multiplier, retry - 1), policy_.max_backoff);
    if (policy_.jitter == 0.0) return base;
    return base * (1.0 - policy_.jitter * rng_.uniform01());
  }

 private:
  RetryPolicy policy_;
  Rng rng_;
};

}  // namespace servesim::detail
