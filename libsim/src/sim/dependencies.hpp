#pragma once
// What servers depend on during a run: databases (a station behind every
// process's connection pool) and downstream services (a station when they
// cap concurrency, else a pure delay), with their counts for the results.

#include <cstdint>

#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"
#include "sim/station.hpp"

namespace servesim::detail {

struct DatabaseRuntime {
  const Database* spec = nullptr;
  Station station;  ///< `connections` servers
  // Measured window.
  std::uint64_t queries = 0;
  std::uint64_t checkouts = 0;  ///< pooled connections handed out
  std::uint64_t waited = 0;     ///< of which after a wait
  double pool_wait_sum = 0.0;   ///< seconds
  std::uint64_t pool_timeouts = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

struct ServiceRuntime {
  const Service* spec = nullptr;
  Station station;  ///< `concurrency` servers, or unbounded
  Rng rng;          ///< draws which calls fail
  // Measured window.
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

}  // namespace servesim::detail
