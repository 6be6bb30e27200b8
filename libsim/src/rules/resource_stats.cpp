#include "rules/resource_stats.hpp"

#include <algorithm>
#include <numeric>

namespace servesim::detail {

ServerStats server_stats(const ServerState& server, const ServerAreas& end, const ServerAreas& at_warmup,
                         double span) {
  ServerStats stats;
  stats.name = server.spec->name;
  stats.worker_busy_fraction = (end.busy - at_warmup.busy) / (span * server.runner_count());
  stats.gil_busy_fraction = (end.gil - at_warmup.gil) / (span * server.spec->workers);
  stats.mean_queue_length = (end.waiting - at_warmup.waiting) / span;
  stats.mean_in_system = (end.in_system - at_warmup.in_system) / span;
  stats.queued_fraction =
      server.started ? static_cast<double>(server.queued) / static_cast<double>(server.started) : 0.0;
  stats.recycled = server.recycled;
  stats.memory_killed = server.memory_killed;
  stats.restart_rate = static_cast<double>(server.recycled + server.memory_killed) / span;
  stats.peak_memory = server.peak_memory;
  const std::uint64_t accepted = std::accumulate(server.accepted_by.begin(), server.accepted_by.end(), std::uint64_t{0});
  if (accepted > 0) {
    stats.busiest_process_share = static_cast<double>(*std::max_element(server.accepted_by.begin(), server.accepted_by.end())) /
                                  static_cast<double>(accepted);
  }
  return stats;
}

DatabaseStats database_stats(const Database& spec, const DatabaseCounts& counts, double busy_area,
                             double queued_area, double span) {
  DatabaseStats stats;
  stats.name = spec.name;
  stats.utilization = (busy_area - counts.busy_at_warmup) / (span * spec.connections);
  stats.mean_queue_length = (queued_area - counts.queued_at_warmup) / span;
  if (counts.checkouts > 0) {
    const auto checkouts = static_cast<double>(counts.checkouts);
    stats.mean_pool_wait = counts.pool_wait_sum / checkouts;
    stats.pool_wait_fraction = static_cast<double>(counts.waited) / checkouts;
  }
  stats.queries = counts.queries;
  stats.pool_timeouts = counts.pool_timeouts;
  return stats;
}

ServiceStats service_stats(const Service& spec, const ServiceCounts& counts, double busy_area, double queued_area,
                           double span) {
  ServiceStats stats;
  stats.name = spec.name;
  stats.mean_in_use = (busy_area - counts.busy_at_warmup) / span;
  stats.mean_queue_length = (queued_area - counts.queued_at_warmup) / span;
  stats.calls = counts.calls;
  stats.errors = counts.errors;
  return stats;
}

CacheStats cache_stats(const Cache& spec, const ServiceCounts& counts, double busy_area, double queued_area,
                       double span) {
  CacheStats stats;
  stats.name = spec.name;
  const double busy = busy_area - counts.busy_at_warmup;
  const double queued = queued_area - counts.queued_at_warmup;
  stats.utilization = busy / (span * spec.threads);
  stats.mean_queue_length = queued / span;
  stats.commands = counts.calls;
  if (counts.calls > 0) {
    const auto commands = static_cast<double>(counts.calls);
    stats.mean_wait = queued / commands;
    stats.mean_response = (queued + busy) / commands;
  }
  return stats;
}

}  // namespace servesim::detail
