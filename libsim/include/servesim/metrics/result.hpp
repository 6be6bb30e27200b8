#pragma once
/// @file result.hpp
/// What a simulation reports, aggregated across replications: each statistic
/// a mean with its 95 % confidence interval (metrics/statistics.hpp). Times in
/// seconds, rates in requests per second. The per-replication records are in
/// metrics/replication.hpp; each record's field list (metrics/fields.hpp)
/// defines its JSON, its reading and its Python attributes.
///
/// In JSON a ConfidenceInterval field `x` is written as `x` (the value) and
/// `x_ci` ({mean, half_width, samples}); a record of them (LatencySummary) as
/// `latency` (the values) and `latency_ci` (the intervals).

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "servesim/metrics/fields.hpp"
#include "servesim/metrics/replication.hpp"
#include "servesim/metrics/statistics.hpp"

namespace servesim {

<<<<<<< HEAD
/** Response-time statistics across replications (s), each a mean with its 95 % CI; no data: NaN. */
=======
/**
 * Attempts that did not get an answer, by cause. With retries
 * (Workload::retries) every failed attempt counts, so a request tried three
 * times in vain counts three times; EndpointStats::failed counts requests.
 */
struct ErrorCounts {
  std::uint64_t refused = 0;         ///< connection refused: the accept backlog was full
  std::uint64_t client_timeout = 0;  ///< the client gave up after Workload::client_timeout
  std::uint64_t unavailable = 0;     ///< HTTP 503: above uvicorn's limit_concurrency
  std::uint64_t worker_killed = 0;   ///< the Gunicorn worker timeout killed the worker serving it
  std::uint64_t pool_timeout = 0;    ///< no database connection within the pool's timeout
  std::uint64_t downstream = 0;      ///< a downstream service call failed (HTTP 502)

  [[nodiscard]] std::uint64_t total() const noexcept {
    return refused + client_timeout + unavailable + worker_killed + pool_timeout + downstream;
  }
  ErrorCounts& operator+=(const ErrorCounts& other) noexcept {
    refused += other.refused;
    client_timeout += other.client_timeout;
    unavailable += other.unavailable;
    worker_killed += other.worker_killed;
    pool_timeout += other.pool_timeout;
    downstream += other.downstream;
    return *this;
  }
};

/** Response-time statistics of one replication (seconds). */
struct LatencyStats {
  double mean = 0.0;
  double p50 = 0.0;
  double p90 = 0.0;
  double p95 = 0.0;
  double p99 = 0.0;
  double p999 = 0.0;
  double max = 0.0;

  /// Reads the statistics off a histogram.
  [[nodiscard]] static LatencyStats from(const LatencyHistogram& histogram) noexcept;
};

/**
 * Little's law, L = lambda * W, checked on the measured window: the time-average
 * number of requests in the servers against throughput times mean response
 * time. A relative error above a few percent on a long run points at a bug
 * or a window too short for the requests in flight at its edges.
 */
struct LittleCheck {
  double mean_in_system = 0.0;  ///< L: time-average requests queued or in service
  double throughput = 0.0;      ///< lambda: completions per second
  double mean_response = 0.0;   ///< W: mean time in the server, seconds
  /// |L - lambda W| / max(L, lambda W); 0 when both are 0.
  [[nodiscard]] double relative_error() const noexcept;
};

/** One endpoint's traffic in one replication. */
struct EndpointStats {
  std::string name;
  std::uint64_t completed = 0;
  double throughput = 0.0;
  /// Of the completed, answered within the endpoint's SLO (MixEntry::slo),
  /// counted from the request's first attempt; all of them without an SLO.
  std::uint64_t within_slo = 0;
  double goodput = 0.0;  ///< within_slo / measured_duration, req/s
  std::uint64_t retries = 0;  ///< attempts sent that retried a failed one
  std::uint64_t failed = 0;   ///< requests whose last allowed attempt failed too
  ErrorCounts errors;         ///< failed attempts, by cause
  LatencyStats latency;
  LatencyHistogram histogram;
};

/** One server's resources in one replication. */
struct ServerStats {
  std::string name;
  /// Mean fraction of the server's request runners at work: worker threads
  /// (gunicorn sync and gthread) or event loops (uvicorn, gevent).
  double worker_busy_fraction = 0.0;
  /// Mean fraction of time each process's GIL is held, averaged over processes.
  double gil_busy_fraction = 0.0;
  /// Time-average requests waiting: in the backlog, for a thread or for the event loop.
  double mean_queue_length = 0.0;
  double mean_in_system = 0.0;  ///< time-average requests queued or in service
  /// Fraction of served requests that waited before service began
  /// (M/M/c: the Erlang C probability of waiting).
  double queued_fraction = 0.0;
};

/** The requests a balancer sent to one of its servers in one replication. */
struct BalancedServerStats {
  std::string name;       ///< the server
  std::uint64_t sent = 0;  ///< requests sent to it in the measured window
  double share = 0.0;      ///< sent / all the balancer sent; 0 if it sent none
};

/** How one balancer split its requests in one replication. */
struct BalancerStats {
  std::string name;
  std::vector<BalancedServerStats> servers;  ///< in the balancer's order
};

/** One host's CPU in one replication. */
struct HostStats {
  std::string name;
  double cpu_utilization = 0.0;  ///< busy core-seconds / (cores * seconds), in [0, 1]
};

/**
 * One database in one replication: its own queue, and the connection pools
 * of every server process in front of it.
 */
struct DatabaseStats {
  std::string name;
  /// Mean fraction of the database's `connections` executing a query, in [0, 1].
  double utilization = 0.0;
  /// Time-average queries waiting at the database for one of its connections.
  double mean_queue_length = 0.0;
  /// Mean seconds a checkout waited for a pooled connection (0 for those
  /// that got one at once; timed-out checkouts excluded): for a pool of k
  /// connections in front of a fast database, the M/M/k (Erlang C) mean wait.
  double mean_pool_wait = 0.0;
  /// Fraction of checkouts that had to wait for a pooled connection, in [0, 1].
  double pool_wait_fraction = 0.0;
  std::uint64_t queries = 0;        ///< queries completed in the measured window
  std::uint64_t pool_timeouts = 0;  ///< checkouts that waited out the pool's timeout
};

/** One downstream service in one replication. */
struct ServiceStats {
  std::string name;
  /// Time-average calls in progress: the concurrency in use (at most the
  /// service's `concurrency`, when it has one).
  double mean_in_use = 0.0;
  /// Time-average calls waiting for a concurrency slot (0 without a cap).
  double mean_queue_length = 0.0;
  std::uint64_t calls = 0;   ///< calls completed in the measured window, failed or not
  std::uint64_t errors = 0;  ///< of which failed (the service's error_rate)
};

/**
 * One time-series interval [start, end): counts of what happened in it, the
 * latency of the requests completed in it, and time averages of the
 * resources over it. Per-server vectors follow Scenario::servers, per-host
 * ones Scenario::hosts.
 */
struct IntervalStats {
  double start = 0.0;
  double end = 0.0;
  std::uint64_t arrivals = 0;    ///< attempts sent, retries included
  std::uint64_t retries = 0;     ///< of which retries of failed attempts
  std::uint64_t completed = 0;
  std::uint64_t within_slo = 0;  ///< of which within their endpoint's SLO
  std::uint64_t errors = 0;      ///< failed attempts
  double throughput = 0.0;       ///< completed / (end - start), req/s
  double mean_latency = 0.0;     ///< of requests completed in the interval; 0 if none
  /// Median and 99th percentile of the same, within 3.1 % (a coarse
  /// histogram per interval); 0 if none.
  double p50 = 0.0;
  double p99 = 0.0;
  std::vector<double> mean_queue_length;     ///< per server: time-average requests waiting
  std::vector<double> worker_busy_fraction;  ///< per server: threads or event loops at work, in [0, 1]
  std::vector<double> cpu_utilization;       ///< per host: busy fraction of its cores, in [0, 1]
};

/**
 * Whether the servers kept up with the offered load. Overload is a result,
 * not a failure: a queue that grows through the second half of the measured
 * window, or requests turned away (refused by a full backlog, 503 above
 * limit_concurrency), by more than 2 % of the arrivals and 100 requests,
 * make a run unstable, and the resource at its limit is named with the rate
 * it served (its capacity). Its latencies then describe a transient, not a
 * steady state.
 */
struct Stability {
  bool stable = true;
  /// The saturated resource of the server whose queue grew, as a field path
  /// and what ran out: "servers.web: workers", "servers.web: event loops",
  /// "servers.web: GIL", "hosts.app: CPU", "databases.db: connections"; empty if stable.
  std::string resource;
  double capacity = 0.0;     ///< req/s that server answered in the second half; 0 if stable
  double excess_rate = 0.0;  ///< req/s beyond it: queue growth plus requests turned away; 0 if stable
};

/** The outcome of one independent replication. */
struct ReplicationResult {
  int index = 0;
  double warmup = 0.0;             ///< seconds discarded at the start
  double measured_duration = 0.0;  ///< seconds measured after warm-up
  std::uint64_t arrivals = 0;      ///< attempts sent in the measured window, retries included
  std::uint64_t retries = 0;       ///< of which retries of failed attempts
  std::uint64_t completed = 0;     ///< answered in the measured window
  double throughput = 0.0;         ///< completed / measured_duration
  std::uint64_t within_slo = 0;    ///< of the completed, within their endpoint's SLO
  double goodput = 0.0;            ///< within_slo / measured_duration, req/s
  std::uint64_t failed = 0;        ///< requests that failed on every allowed attempt
  ErrorCounts errors;              ///< failed attempts, by cause
  LatencyStats latency;
  std::vector<EndpointStats> endpoints;
  std::vector<ServerStats> servers;
  std::vector<HostStats> hosts;
  std::vector<DatabaseStats> databases;
  std::vector<ServiceStats> services;
  std::vector<BalancerStats> balancers;
  LittleCheck little;
  std::vector<IntervalStats> timeline;  ///< the whole run, warm-up included
  std::uint64_t events = 0;             ///< events the engine processed (for benchmarks)
  Stability stability;                  ///< judged from the timeline by simulate() (sim/stability.hpp)
};

/** Response-time statistics across replications, each a mean with its 95 % CI. */
>>>>>>> robust
struct LatencySummary {
  ConfidenceInterval mean, p50, p90, p95, p99, p999;
  double max = kNoData;

  /// The values (means over replications) and max, as one replication's statistics.
  [[nodiscard]] LatencyStats values() const noexcept {
    return {mean.value, p50.value, p90.value, p95.value, p99.value, p999.value, max};
  }

  static constexpr auto fields() {
    using T = LatencySummary;
    return std::tuple{field("mean", &T::mean, "mean response time, s"),
                      field("p50", &T::p50, "median response time, s"),
                      field("p90", &T::p90, "90th percentile, s"),
                      field("p95", &T::p95, "95th percentile, s"),
                      field("p99", &T::p99, "99th percentile, s"),
                      field("p999", &T::p999, "99.9th percentile, s"),
                      field("max", &T::max, "largest response time over all replications, s")};
  }
};

/** An endpoint across replications. */
struct EndpointSummary {
  std::string name;
  std::uint64_t completed = 0;
  ConfidenceInterval throughput;
  ConfidenceInterval goodput;
  std::uint64_t retries = 0;
  std::uint64_t failed = 0;
  ErrorCounts errors;
  LatencySummary latency;

  static constexpr auto fields() {
    using T = EndpointSummary;
    return std::tuple{field("name", &T::name, "the endpoint"),
                      field("completed", &T::completed, "requests answered, summed over replications"),
                      field("throughput", &T::throughput, "completed per second, req/s"),
                      field("goodput", &T::goodput, "completions within the endpoint's SLO per second, req/s"),
                      field("retries", &T::retries, "retry attempts, summed over replications"),
                      field("failed", &T::failed, "requests that failed every attempt, summed"),
                      field("errors", &T::errors, "failed attempts by cause, summed over replications"),
                      field("latency", &T::latency, "response times, s")};
  }
};

/** A server across replications (see ServerStats). */
struct ServerSummary {
  std::string name;
  ConfidenceInterval worker_busy_fraction;
  ConfidenceInterval gil_busy_fraction;
  ConfidenceInterval mean_queue_length;
  ConfidenceInterval queued_fraction;

  static constexpr auto fields() {
    using T = ServerSummary;
    return std::tuple{
        field("name", &T::name, "the server"),
        field("worker_busy_fraction", &T::worker_busy_fraction,
              "mean fraction of its request runners (threads or event loops) at work, [0, 1]"),
        field("gil_busy_fraction", &T::gil_busy_fraction,
              "mean fraction of time its processes' GILs are held, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length,
              "time-average requests waiting (backlog, for a thread or for the event loop)"),
        field("queued_fraction", &T::queued_fraction,
              "fraction of served requests that waited before service began, [0, 1]")};
  }
};

/** A balancer's server across replications. */
struct BalancedServerSummary {
  std::string name;
  std::uint64_t sent = 0;
  ConfidenceInterval share;

  static constexpr auto fields() {
    using T = BalancedServerSummary;
    return std::tuple{field("name", &T::name, "the server"),
                      field("sent", &T::sent, "requests sent to it, summed over replications"),
                      field("share", &T::share, "its share of the balancer's requests, [0, 1]")};
  }
};

/** How a balancer split its requests, across replications. */
struct BalancerSummary {
  std::string name;
  std::vector<BalancedServerSummary> servers;

  static constexpr auto fields() {
    using T = BalancerSummary;
    return std::tuple{field("name", &T::name, "the balancer"),
                      field("servers", &T::servers, "its servers, in the balancer's order")};
  }
};

/** A host across replications. */
struct HostSummary {
  std::string name;
  ConfidenceInterval cpu_utilization;

  static constexpr auto fields() {
    using T = HostSummary;
    return std::tuple{field("name", &T::name, "the host"),
                      field("cpu_utilization", &T::cpu_utilization, "busy fraction of its cores, [0, 1]")};
  }
};

/** A database across replications (see DatabaseStats). */
struct DatabaseSummary {
  std::string name;
  ConfidenceInterval utilization;
  ConfidenceInterval mean_queue_length;
  ConfidenceInterval mean_pool_wait;
  ConfidenceInterval pool_wait_fraction;
  std::uint64_t queries = 0;
  std::uint64_t pool_timeouts = 0;

  static constexpr auto fields() {
    using T = DatabaseSummary;
    return std::tuple{
        field("name", &T::name, "the database"),
        field("utilization", &T::utilization, "mean fraction of its connections executing a query, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average queries waiting at the database"),
        field("mean_pool_wait", &T::mean_pool_wait, "mean wait of a checkout for a pooled connection, s"),
        field("pool_wait_fraction", &T::pool_wait_fraction, "fraction of checkouts that waited, [0, 1]"),
        field("queries", &T::queries, "queries completed, summed over replications"),
        field("pool_timeouts", &T::pool_timeouts, "checkouts that timed out, summed over replications")};
  }
};

/** A downstream service across replications (see ServiceStats). */
struct ServiceSummary {
  std::string name;
  ConfidenceInterval mean_in_use;
  ConfidenceInterval mean_queue_length;
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;

  static constexpr auto fields() {
    using T = ServiceSummary;
    return std::tuple{field("name", &T::name, "the service"),
                      field("mean_in_use", &T::mean_in_use, "time-average calls in progress"),
                      field("mean_queue_length", &T::mean_queue_length,
                            "time-average calls waiting for a concurrency slot"),
                      field("calls", &T::calls, "calls completed, summed over replications"),
                      field("errors", &T::errors, "of which failed, summed over replications")};
  }
};

/**
 * Everything a simulation reports. Aggregates are means over replications
 * with 95 % Student-t half-widths; `replications` keeps each run.
 */
struct Result {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint64_t completed = 0;
  ConfidenceInterval throughput;
  ConfidenceInterval goodput;
  std::uint64_t retries = 0;
  std::uint64_t failed = 0;
  ErrorCounts errors;
  double error_rate = 0.0;
  double failure_rate = 0.0;
  LatencySummary latency;
  std::vector<EndpointSummary> endpoints;
  std::vector<ServerSummary> servers;
  std::vector<HostSummary> hosts;
  std::vector<DatabaseSummary> databases;
  std::vector<ServiceSummary> services;
  std::vector<BalancerSummary> balancers;
<<<<<<< HEAD
  LittleCheck little;
  LatencyHistogram histogram;
=======
  LittleCheck little;  ///< means over replications
  LatencyHistogram histogram;  ///< every measured response, all replications
  /// Unstable if any replication is: the first unstable one's resource, the
  /// mean capacity and excess of the unstable ones.
  Stability stability;
>>>>>>> robust
  std::vector<ReplicationResult> replications;

  static constexpr auto fields() {
    using T = Result;
    return std::tuple{
        field("scenario", &T::scenario, "the scenario's name"),
        field("seed", &T::seed, "the seed the replications' random streams derive from"),
        field("completed", &T::completed, "requests answered in the measured windows, summed"),
        field("throughput", &T::throughput, "completed requests per second of measured time, req/s"),
        field("goodput", &T::goodput,
              "completions within their endpoint's SLO per second (all completions without one), req/s"),
        field("retries", &T::retries, "retry attempts sent, summed over replications"),
        field("failed", &T::failed, "requests that failed on every allowed attempt, summed"),
        field("errors", &T::errors, "failed attempts by cause, summed over replications"),
        field("error_rate", &T::error_rate,
              "failed attempts / (completed + failed attempts), pooled, [0, 1]: the share of answers that were errors"),
        field("failure_rate", &T::failure_rate,
              "failed / (completed + failed), pooled, [0, 1]: requests that got no answer however often tried"),
        field("latency", &T::latency, "response times, s"),
        field("endpoints", &T::endpoints, "per endpoint, in scenario order"),
        field("servers", &T::servers, "per server, in scenario order"),
        field("hosts", &T::hosts, "per host, in scenario order"),
        field("databases", &T::databases, "per database, in scenario order"),
        field("services", &T::services, "per downstream service, in scenario order"),
        field("balancers", &T::balancers, "per balancer, in scenario order"),
        field("little", &T::little, "Little's law check, means over replications"),
        field("replications", &T::replications, "each replication's own numbers"),
        field("histogram", &T::histogram, "every measured response time, all replications")};
  }
};

/// Aggregates replications (in index order) into a Result.
[[nodiscard]] Result summarize(std::string scenario, std::uint64_t seed,
                               std::vector<ReplicationResult> replications);

}  // namespace servesim
