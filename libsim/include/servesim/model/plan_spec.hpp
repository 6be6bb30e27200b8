#pragma once
/// @file plan_spec.hpp
/// What a capacity plan asks for: the load to serve (`target`), the service
/// levels to meet there (`slo`), the deployments to choose from (`space`) and
/// what they cost (`cost`). A scenario file's `plan:` section reads into a
/// PlanSpec (Scenario::plan); servesim::plan() searches it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace servesim {

/// The load a plan must serve: an open workload's rate, or a closed one's users.
struct PlanTarget {
  enum class Kind {
    rate,   ///< requests per second (open workloads)
    users,  ///< concurrent users (closed workloads)
  };
  Kind kind = Kind::rate;
  double value = 0.0;  ///< req/s, or users
};

/// The measures an SLO term may bound.
enum class SloMetric {
  p50,     ///< median latency, seconds
  p90,     ///< 90th percentile latency, seconds
  p99,     ///< 99th percentile latency, seconds
  p999,    ///< 99.9th percentile latency, seconds
  mean,    ///< mean latency, seconds
  errors,  ///< failed attempts / (completed + failed attempts), a fraction
};

/** One term of a service-level objective: `metric` at most `limit` (seconds, or a fraction). */
struct SloTerm {
  SloMetric metric = SloMetric::p99;
  double limit = 0.0;
};

/// The name of `metric` as written in files (`p99`, `errors`).
[[nodiscard]] std::string_view slo_metric_name(SloMetric metric) noexcept;

/**
 * One dimension of the search space: a scenario path (`servers.web.workers`,
 * `hosts.app.cores`, `servers.web.kind`, `databases.pg.pool.size`) and the
 * values it may take, as written in the file (`4`, `uvicorn`, `2.5`).
 */
struct SpaceAxis {
  std::string path;
  std::vector<std::string> values;
};

/**
 * Prices per `period` (an hour by default) in `currency` (free text).
 * A candidate costs, summed over the scenario: `host` per host, `core` per
 * core times its host's speed (a core at speed 2 costs two reference
 * cores), `worker` per server process and `replica` per server copy.
 */
struct CostModel {
  std::string currency = "$";
  std::string period = "hour";
  double core = 0.0;
  double host = 0.0;
  double worker = 0.0;
  double replica = 0.0;
};

/**
 * A capacity-planning question: the cheapest point of `space` meeting every
 * `slo` term at `target` x (1 + `headroom`).
 */
struct PlanSpec {
  std::optional<PlanTarget> target;  ///< unset: the workload's own rate or users
  std::vector<SloTerm> slo;
  std::vector<SpaceAxis> space;
  CostModel cost;
  double headroom = 0.0;  ///< spare capacity asked for, a fraction >= 0 (0.2 = 20 %)
};

}  // namespace servesim
