#pragma once
// A load balancer during a run: which of its servers gets the next request,
// by its policy, and the network between the client and those servers.
//
// The balancer counts a request against a server from the moment it picks
// the server until the server's answer (or failure) leaves it, as nginx's
// least_conn and HAProxy's leastconn count their open upstream connections;
// requests still crossing the network towards a server count too, so a burst
// is not all sent to the server that looked idle.

#include <cstdint>
#include <vector>

#include "servesim/core/rng.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/**
 * The network a request crosses through a balancer, in seconds: half the
 * round trip plus the request's bytes at the link's bandwidth before it
 * reaches the server; half the round trip plus the response's bytes after
 * the response leaves it. Every transfer has the whole bandwidth to itself
 * (a fixed delay per request, no contention between transfers).
 */
struct NetworkPath {
  double to_server = 0.0;
  double to_client = 0.0;
};

/// The path of `endpoint`'s requests through `balancer`.
[[nodiscard]] NetworkPath network_path(const Balancer& balancer, const Endpoint& endpoint) noexcept;

class LoadBalancer {
 public:
  /// `servers` > 0 servers, numbered 0..servers-1 in the balancer's order.
  LoadBalancer(BalancingPolicy policy, std::size_t servers, Rng rng);

  /// Picks the server for the next request and counts it against that server.
  [[nodiscard]] std::size_t pick();

  /// The answer (or failure) of a request sent to `server` has left the server.
  void answered(std::size_t server) noexcept { outstanding_[server] -= 1; }

  /// Forgets what was sent so far: the measured window starts.
  void start_measuring() noexcept;

  /// Requests sent to each server since start_measuring().
  [[nodiscard]] const std::vector<std::uint64_t>& sent() const noexcept { return sent_; }

 private:
  [[nodiscard]] std::size_t least_loaded_from_cursor() const noexcept;
  [[nodiscard]] std::size_t less_loaded_of_two();

  BalancingPolicy policy_;
  Rng rng_;
  std::vector<int> outstanding_;  // picked and not yet answered, per server
  std::vector<std::uint64_t> sent_;
  std::size_t cursor_ = 0;  // round robin: the next server; least connections: where ties start
};

/// How `balancer` (running `spec`) split its requests since start_measuring().
[[nodiscard]] BalancerStats split_of(const Balancer& spec, const LoadBalancer& balancer);

}  // namespace servesim::detail
