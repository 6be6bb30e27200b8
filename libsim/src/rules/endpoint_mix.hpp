#pragma once
// Which endpoint each request is for (the workload's mix), and the SLO an
// answer must meet to count as goodput.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

class EndpointMix {
 public:
  /// The mix of a valid `scenario`'s workload (empty: every endpoint, equally
  /// weighted), drawn from `rng`.
  EndpointMix(const Scenario& scenario, Rng rng);

  /// The endpoint of the next request, an index into Scenario::endpoints.
  [[nodiscard]] std::uint32_t pick() noexcept {
    if (cumulative_.size() == 1) return 0;
    const double u = rng_.uniform01();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    return static_cast<std::uint32_t>(
        std::min<std::ptrdiff_t>(it - cumulative_.begin(), static_cast<std::ptrdiff_t>(cumulative_.size()) - 1));
  }

 private:
  std::vector<double> cumulative_;
  Rng rng_;
};

/// Per endpoint of a valid `scenario`: the SLO (seconds from the first
/// attempt) an answer must meet to count as goodput; infinity if none.
[[nodiscard]] std::vector<double> endpoint_slos(const Scenario& scenario);

}  // namespace servesim::detail
