#include "rules/batching.hpp"

namespace servesim::detail {

ModelServerStats ModelServerTally::stats(const ModelServer& spec, double span, double busy, double queued) const {
  ModelServerStats stats;
  stats.name = spec.name;
  stats.batches = batches_;
  stats.inferences = inferences_;
  stats.batch_rate = static_cast<double>(batches_) / span;
  stats.throughput = static_cast<double>(inferences_) / span;
  if (batches_ > 0) stats.mean_batch_size = static_cast<double>(inferences_) / static_cast<double>(batches_);
  stats.batch_sizes = batch_sizes_;
  stats.utilization = busy / (span * spec.instances);
  stats.mean_queue_length = queued / span;
  stats.queue_delay = LatencyStats::from(delay_);
  return stats;
}

}  // namespace servesim::detail
