#pragma once
// How both engines turn what they measured of servers, databases and
// downstream services into their statistics: differences of time-average
// areas between the warm-up's end and the run's end, over the measured span,
// and the counts of the measured window.

#include <cstdint>

#include "rules/admission.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// Areas under a server's curves from time 0 to one instant.
struct ServerAreas {
  double busy = 0.0;       ///< runner-seconds at work
  double waiting = 0.0;    ///< request-seconds waiting
  double in_system = 0.0;  ///< request-seconds in the server
  double gil = 0.0;        ///< GIL-held seconds, summed over its processes
};

/// `server`'s areas until `now`, given its processes' GIL-held seconds.
[[nodiscard]] inline ServerAreas areas_of(const ServerState& server, double gil_seconds, double now) noexcept {
  return ServerAreas{server.busy_runners.area_until(now), server.waiting.area_until(now),
                     server.in_system.area_until(now), gil_seconds};
}

/// A server's statistics over `span` seconds, from its areas at the run's
/// end and at the warm-up's end.
[[nodiscard]] ServerStats server_stats(const ServerState& server, const ServerAreas& end,
                                       const ServerAreas& at_warmup, double span);

/// A database's counts in the measured window, and its areas at the warm-up's end.
struct DatabaseCounts {
  std::uint64_t queries = 0;
  std::uint64_t checkouts = 0;  ///< pooled connections handed out
  std::uint64_t waited = 0;     ///< of which after a wait
  double pool_wait_sum = 0.0;   ///< seconds
  std::uint64_t pool_timeouts = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

/// A database's statistics over `span` seconds, given the areas under its
/// busy connections and its queue at the run's end.
[[nodiscard]] DatabaseStats database_stats(const Database& spec, const DatabaseCounts& counts, double busy_area,
                                           double queued_area, double span);

/// A downstream service's counts in the measured window, and its areas at the warm-up's end.
struct ServiceCounts {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

/// A service's statistics over `span` seconds, given the areas under its
/// calls in progress and its queue at the run's end.
[[nodiscard]] ServiceStats service_stats(const Service& spec, const ServiceCounts& counts, double busy_area,
                                         double queued_area, double span);

/// A cache store's statistics, from the counts and areas of the service
/// station that ran it (see call_stations in rules/route.hpp).
[[nodiscard]] CacheStats cache_stats(const Cache& spec, const ServiceCounts& counts, double busy_area,
                                     double queued_area, double span);

}  // namespace servesim::detail
