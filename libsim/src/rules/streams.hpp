#pragma once
// The random-stream layout of a replication: which stream each source of
// randomness draws from. Both engines take their generators from here, so a
// seed gives every source the same numbers on either engine, and a source
// added to the model never shifts the numbers of another.

#include <cstddef>
#include <cstdint>

#include "servesim/core/rng.hpp"

namespace servesim::detail {

class RandomStreams {
 public:
  RandomStreams(std::uint64_t seed, int replication) noexcept
      : seed_(seed), replication_(static_cast<std::uint64_t>(replication)) {}

  /// Open arrival times.
  [[nodiscard]] Rng arrivals() const noexcept { return of(kArrivals); }
  /// Which endpoint each request is for.
  [[nodiscard]] Rng endpoint_mix() const noexcept { return of(kMix); }
  /// Closed-loop users' think times and first sends.
  [[nodiscard]] Rng think_times() const noexcept { return of(kThink); }
  /// Retry backoffs' jitter.
  [[nodiscard]] Rng retry_backoffs() const noexcept { return of(kRetries); }
  /// The durations of endpoint `endpoint`'s steps.
  [[nodiscard]] Rng durations(std::size_t endpoint) const noexcept { return of(kFirstEndpoint + endpoint); }
  /// Endpoint `endpoint`'s cache hits, apart from its durations so neither shifts the other.
  [[nodiscard]] Rng cache_hits(std::size_t endpoint) const noexcept { return of(kFirstBranch + endpoint); }
  /// Which calls to service `service` fail.
  [[nodiscard]] Rng call_failures(std::size_t service) const noexcept { return of(kFirstService + service); }
  /// Balancer `balancer`'s random choices (power of two choices).
  [[nodiscard]] Rng balancer(std::size_t balancer) const noexcept { return of(kFirstBalancer + balancer); }
  /// Connection group `group`'s source `which` (ConnectionSource): when
  /// connections open, how long they stay, messages, and steps' durations.
  [[nodiscard]] Rng connections(std::size_t group, std::size_t which) const noexcept {
    return of(kFirstConnection + 4 * group + which);
  }
  /// The stalls on host `host`'s cores.
  [[nodiscard]] Rng stalls(std::size_t host) const noexcept { return of(kFirstHost + host); }
  /// The durations of task `task`'s steps (tasks numbered as by task_refs).
  [[nodiscard]] Rng task_durations(std::size_t task) const noexcept { return of(kFirstTask + task); }
  /// Server `server`'s processes' max_requests jitter, drawn at every (re)start.
  [[nodiscard]] Rng restarts(std::size_t server) const noexcept { return of(kFirstServer + server); }
  /// Which process of server `server` accepts a closed user's connection
  /// (rules/pinning.hpp): servers number fewer than 0x4000.
  [[nodiscard]] Rng accepts(std::size_t server) const noexcept { return of(kFirstServer + kAccepts + server); }
  /// Task `task`'s cache hits.
  [[nodiscard]] Rng task_cache_hits(std::size_t task) const noexcept { return of(kFirstTaskBranch + task); }
  /// Model server `model`'s batch times.
  [[nodiscard]] Rng batch_times(std::size_t model) const noexcept { return of(kFirstModelServer + model); }

 private:
  // Sources within a replication (fewer than 2^20, Rng::stream_id). Endpoints
  // take 16 up to the branch streams; services, balancers, connection groups
  // (4 each), hosts, tasks, servers and model servers come after.
  static constexpr std::uint64_t kArrivals = 0;
  static constexpr std::uint64_t kMix = 1;
  static constexpr std::uint64_t kThink = 2;
  static constexpr std::uint64_t kRetries = 3;
  static constexpr std::uint64_t kFirstEndpoint = 16;
  static constexpr std::uint64_t kFirstBranch = 0x40000;
  static constexpr std::uint64_t kFirstService = 0x60000;
  static constexpr std::uint64_t kFirstBalancer = std::uint64_t{1} << 19U;
  static constexpr std::uint64_t kFirstConnection = kFirstBalancer + 0x20000;
  static constexpr std::uint64_t kFirstHost = 0xC0000;
  static constexpr std::uint64_t kFirstTask = 0xD0000;
  static constexpr std::uint64_t kFirstTaskBranch = 0xE0000;
  static constexpr std::uint64_t kFirstServer = 0xF0000;
  static constexpr std::uint64_t kAccepts = 0x4000;  ///< within the servers' streams
  static constexpr std::uint64_t kFirstModelServer = 0xF8000;

  [[nodiscard]] Rng of(std::uint64_t source) const noexcept {
    return Rng(seed_, Rng::stream_id(replication_, source));
  }

  std::uint64_t seed_;
  std::uint64_t replication_;
};

}  // namespace servesim::detail
