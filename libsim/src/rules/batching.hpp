#pragma once
// Dynamic batching at a model server (Triton's dynamic batcher): when a free
// instance starts a batch and how big, how long it runs, and what both
// engines count of it. Each engine keeps its own queue and instances.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "servesim/core/rng.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/replication.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// When the oldest of the waiting requests, which arrived at `oldest`, has
/// waited the server's max_queue_delay: a batch starts then with what waits.
[[nodiscard]] inline double batch_deadline(const ModelServer& spec, double oldest) noexcept {
  return oldest + spec.max_queue_delay;
}

/// How many of the `waiting` requests a free instance takes at `now`: a
/// full batch as soon as max_batch_size wait, all of them once the oldest
/// (arrived at `oldest`) has waited max_queue_delay, else none yet (wait
/// until batch_deadline or the next arrival).
[[nodiscard]] inline std::size_t batch_size_now(const ModelServer& spec, std::size_t waiting, double oldest,
                                                double now) noexcept {
  const auto full = static_cast<std::size_t>(spec.max_batch_size);
  if (waiting >= full) return full;
  return now >= batch_deadline(spec, oldest) ? waiting : 0;
}

/// Seconds a batch of `size` requests runs: a draw of batch_time plus
/// item_time per request.
[[nodiscard]] inline double batch_duration(const ModelServer& spec, std::size_t size, Rng& rng) {
  return spec.batch_time.sample(rng) + static_cast<double>(size) * spec.item_time;
}

/// One model server's measured window: its batches by size and its requests' queue delays.
class ModelServerTally {
 public:
  explicit ModelServerTally(const ModelServer& spec)
      : batch_sizes_(static_cast<std::size_t>(spec.max_batch_size), 0) {}

  /// A batch of `size` requests started in the measured window.
  void batch(std::size_t size) {
    batch_sizes_[size - 1] += 1;
    batches_ += 1;
    inferences_ += size;
  }
  /// One of its requests had waited `delay` seconds.
  void delayed(double delay) { delay_.record(delay); }

  /// The statistics over `span` measured seconds, given the instance-seconds
  /// at work and the request-seconds waiting in it.
  [[nodiscard]] ModelServerStats stats(const ModelServer& spec, double span, double busy, double queued) const;

 private:
  std::vector<std::uint64_t> batch_sizes_;
  std::uint64_t batches_ = 0;
  std::uint64_t inferences_ = 0;
  LatencyHistogram delay_;
};

}  // namespace servesim::detail
