#pragma once
// What servers depend on during a run: databases (a station behind every
// process's connection pool) and downstream services (a station when they
// cap concurrency, else a pure delay), with their counts for the results.

#include <cstdint>

#include "rules/resource_stats.hpp"
#include "servesim/core/rng.hpp"
#include "servesim/model/scenario.hpp"
#include "sim/station.hpp"

namespace servesim::detail {

struct DatabaseRuntime {
  const Database* spec = nullptr;
  Station station;  ///< `connections` servers
  DatabaseCounts counts{};
};

struct ServiceRuntime {
  const Service* spec = nullptr;
  Station station;  ///< `concurrency` servers, or unbounded
  Rng rng;          ///< draws which calls fail
  ServiceCounts counts{};
};

}  // namespace servesim::detail
