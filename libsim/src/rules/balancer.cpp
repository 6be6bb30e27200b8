#include "rules/balancer.hpp"

#include <cassert>
#include <optional>

namespace servesim::detail {
namespace {

constexpr double kBitsPerByte = 8.0;
constexpr double kBitsPerMegabit = 1e6;

double transfer_time(double bytes, const std::optional<double>& bandwidth_mbps) noexcept {
  return bandwidth_mbps ? bytes * kBitsPerByte / (*bandwidth_mbps * kBitsPerMegabit) : 0.0;
}

}  // namespace

NetworkPath network_path(const Balancer& balancer, const Endpoint& endpoint) noexcept {
  const double half_rtt = balancer.rtt / 2.0;
  return NetworkPath{half_rtt + transfer_time(endpoint.request_bytes, balancer.bandwidth_mbps),
                     half_rtt + transfer_time(endpoint.response_bytes, balancer.bandwidth_mbps)};
}

LoadBalancer::LoadBalancer(BalancingPolicy policy, std::size_t servers, Rng rng)
    : policy_(policy), rng_(rng), outstanding_(servers, 0), sent_(servers, 0) {
  assert(servers > 0);
}

std::size_t LoadBalancer::pick() {
  const std::size_t n = outstanding_.size();
  std::size_t chosen = 0;
  switch (policy_) {
    case BalancingPolicy::round_robin:
      chosen = cursor_;
      cursor_ = (cursor_ + 1) % n;
      break;
    case BalancingPolicy::least_connections:
      chosen = least_loaded_from_cursor();
      cursor_ = (chosen + 1) % n;
      break;
    case BalancingPolicy::power_of_two: chosen = less_loaded_of_two(); break;
    case BalancingPolicy::random: chosen = static_cast<std::size_t>(rng_.below(n)); break;
  }
  outstanding_[chosen] += 1;
  sent_[chosen] += 1;
  return chosen;
}

// Ties go to the first server at or after the cursor, which moves past each
// pick: idle servers take turns instead of the first one taking everything.
std::size_t LoadBalancer::least_loaded_from_cursor() const noexcept {
  const std::size_t n = outstanding_.size();
  std::size_t best = cursor_;
  for (std::size_t k = 1; k < n; ++k) {
    const std::size_t i = (cursor_ + k) % n;
    if (outstanding_[i] < outstanding_[best]) best = i;
  }
  return best;
}

// Two distinct servers uniformly at random; the first drawn wins a tie,
// which is itself a fair coin.
std::size_t LoadBalancer::less_loaded_of_two() {
  const std::size_t n = outstanding_.size();
  if (n == 1) return 0;
  const auto first = static_cast<std::size_t>(rng_.below(n));
  auto second = static_cast<std::size_t>(rng_.below(n - 1));
  if (second >= first) second += 1;
  return outstanding_[second] < outstanding_[first] ? second : first;
}

void LoadBalancer::start_measuring() noexcept {
  for (std::uint64_t& count : sent_) count = 0;
}

BalancerStats split_of(const Balancer& spec, const LoadBalancer& balancer) {
  const std::vector<std::uint64_t>& sent = balancer.sent();
  std::uint64_t total = 0;
  for (const std::uint64_t count : sent) total += count;
  BalancerStats stats;
  stats.name = spec.name;
  for (std::size_t s = 0; s < sent.size(); ++s) {
    const double share = total ? static_cast<double>(sent[s]) / static_cast<double>(total) : 0.0;
    stats.servers.push_back(BalancedServerStats{spec.servers[s], sent[s], share});
  }
  return stats;
}

}  // namespace servesim::detail
