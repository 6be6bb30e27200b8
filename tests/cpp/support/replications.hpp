#pragma once
// Tallies and laws over a result's replications, shared by the native and
// the SimGrid tests of the same rules.

#include <catch2/catch.hpp>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "servesim/metrics/result.hpp"

namespace servesim::test {

/// A count of the first server (recycled, memory_killed, ...) summed over the replications.
inline std::uint64_t summed_servers(const Result& r, std::uint64_t ServerStats::*count) {
  std::uint64_t total = 0;
  for (const ReplicationResult& rep : r.replications) total += rep.servers[0].*count;
  return total;
}

/// 4 keep-alive connections hashed over 2 processes of 2 threads (reuse_port),
/// 10 ms a request: the busiest process holds 4, 3 or 2 of them (Binomial(4,
/// 1/2): probability 2/16, 8/16, 6/16), takes 1, 2/3 or 1/2 of the requests,
/// and the replication serves 200, 300 or 400 req/s. Checks each
/// replication's throughput against its split and returns the splits'
/// chi-square against that law (2 degrees of freedom: below 13.8 at the
/// 0.1 % level).
inline double reuse_port_split_chi_square(const Result& r) {
  const std::array<double, 3> share{1.0, 2.0 / 3.0, 0.5};
  const std::array<double, 3> throughput{200.0, 300.0, 400.0};
  const std::array<double, 3> probability{2.0 / 16, 8.0 / 16, 6.0 / 16};
  std::array<int, 3> seen{};
  for (const ReplicationResult& rep : r.replications) {
    std::size_t k = 0;
    while (k < 3 && std::abs(rep.servers[0].busiest_process_share - share[k]) > 0.01) ++k;
    REQUIRE(k < 3);
    CHECK(rep.throughput == Approx(throughput[k]).epsilon(0.01));
    seen[k] += 1;
  }
  const auto runs = static_cast<double>(r.replications.size());
  double chi2 = 0.0;
  for (std::size_t k = 0; k < 3; ++k) {
    const double expected = runs * probability[k];
    chi2 += (seen[k] - expected) * (seen[k] - expected) / expected;
  }
  return chi2;
}

}  // namespace servesim::test
