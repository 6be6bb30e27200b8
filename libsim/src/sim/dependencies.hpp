#pragma once
// What servers depend on during a run: databases (a station behind every
// process's connection pool), downstream services (a station when they
// cap concurrency, else a pure delay) and model servers (a batching queue
// before their instances), with their counts for the results.

#include <cstdint>
#include <utility>
#include <vector>

#include "core/fifo_queue.hpp"
#include "core/time_average.hpp"
#include "rules/batching.hpp"

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

/// A model server (model_servers.cpp): requests waiting for a batch, oldest
/// first, and each instance's batch as (request, generation) pairs.
struct ModelServerRuntime {
  using Batch = std::vector<std::pair<std::uint32_t, std::uint32_t>>;
  const ModelServer* spec = nullptr;
  FifoQueue waiting{};
  std::vector<std::uint32_t> free_instances{};
  std::vector<Batch> batches{};  ///< per instance
  Batch finished{};              ///< the batch being answered; its buffer is swapped back for reuse
  double wake_at = -1.0;       ///< when the pending batch_timer fires (stale ones fire harmlessly)
  Rng rng;                     ///< batch times
  TimeAverage busy{};          ///< instances running a batch
  TimeAverage queued{};        ///< requests waiting
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
  ModelServerTally tally;
};

}  // namespace servesim::detail
