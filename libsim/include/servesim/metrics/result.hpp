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

/** Response-time statistics across replications (s), each a mean with its 95 % CI; no data: NaN. */
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
  std::uint64_t recycled = 0;
  std::uint64_t memory_killed = 0;
  ConfidenceInterval restart_rate;
  double peak_memory = 0.0;

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
              "fraction of served requests that waited before service began, [0, 1]"),
        field("recycled", &T::recycled, "processes restarted at max_requests, summed over replications"),
        field("memory_killed", &T::memory_killed,
              "processes killed past memory_limit, summed over replications"),
        field("restart_rate", &T::restart_rate, "processes recycled or killed per second, 1/s"),
        field("peak_memory", &T::peak_memory,
              "largest resident memory of one of its processes over all replications, bytes")};
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
  double static_memory = 0.0;
  double memory = 0.0;

  static constexpr auto fields() {
    using T = HostSummary;
    return std::tuple{field("name", &T::name, "the host"),
                      field("cpu_utilization", &T::cpu_utilization, "busy fraction of its cores, [0, 1]"),
                      unfolded_field("static_memory", &T::static_memory,
                                     "resident memory of its server processes and their threads, bytes"),
                      unfolded_field("memory", &T::memory,
                                     "static_memory plus memory.connection x time-average requests in its "
                                     "servers, mean over replications, bytes")};
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

/** A cache store across replications (see CacheStats). */
struct CacheSummary {
  std::string name;
  ConfidenceInterval utilization;
  ConfidenceInterval mean_queue_length;
  ConfidenceInterval mean_wait;
  ConfidenceInterval mean_response;
  std::uint64_t commands = 0;

  static constexpr auto fields() {
    using T = CacheSummary;
    return std::tuple{
        field("name", &T::name, "the cache store"),
        field("utilization", &T::utilization, "mean fraction of its command threads at work, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average commands waiting for a command thread"),
        field("mean_wait", &T::mean_wait, "mean wait of a command for a thread, s"),
        field("mean_response", &T::mean_response, "mean time from a command's arrival to its answer, s"),
        field("commands", &T::commands, "commands completed, summed over replications")};
  }
};

/** A connection group across replications (see ConnectionStats). */
struct ConnectionSummary {
  std::string name;
  std::string server;
  std::uint64_t opened = 0;
  std::uint64_t refused = 0;
  std::uint64_t dropped = 0;
  ConfidenceInterval mean_open;
  std::uint64_t messages = 0;
  std::uint64_t messages_dropped = 0;
  ConfidenceInterval message_rate;
  LatencySummary message_latency;
  ConfidenceInterval memory;

  static constexpr auto fields() {
    using T = ConnectionSummary;
    return std::tuple{
        field("name", &T::name, "the connection group"),
        field("server", &T::server, "the server holding its connections"),
        field("opened", &T::opened, "connections opened, summed over replications"),
        field("refused", &T::refused, "connections refused, summed over replications"),
        field("dropped", &T::dropped, "connections dropped by killed processes, summed over replications"),
        field("mean_open", &T::mean_open, "time-average connections open"),
        field("messages", &T::messages, "messages (stream chunks) handled, summed over replications"),
        field("messages_dropped", &T::messages_dropped, "messages lost with killed processes, summed over replications"),
        field("message_rate", &T::message_rate, "messages handled per second"),
        field("message_latency", &T::message_latency, "a message's wait for the loop or worker plus its phases, s"),
        field("memory", &T::memory, "memory its open connections hold (mean_open x memory.connection), bytes")};
  }
};

/** A message broker across replications (see BrokerStats). */
struct BrokerSummary {
  std::string name;
  ConfidenceInterval utilization;
  ConfidenceInterval mean_queue_length;
  ConfidenceInterval mean_wait;
  ConfidenceInterval mean_response;
  std::uint64_t messages = 0;

  static constexpr auto fields() {
    using T = BrokerSummary;
    return std::tuple{
        field("name", &T::name, "the broker"),
        field("utilization", &T::utilization, "mean fraction of its command threads at work, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average publishes waiting for a command thread"),
        field("mean_wait", &T::mean_wait, "mean wait of a publish for a thread, s"),
        field("mean_response", &T::mean_response, "mean time from a publish to its acknowledgement, s"),
        field("messages", &T::messages, "tasks published, summed over replications")};
  }
};

/** A task pool across replications (see TaskPoolStats). */
struct TaskPoolSummary {
  std::string name;
  std::uint64_t completed = 0;
  ConfidenceInterval throughput;
  ConfidenceInterval utilization;
  ConfidenceInterval mean_queue_length;
  ConfidenceInterval queue_growth;
  LatencySummary wait;
  LatencySummary run;

  static constexpr auto fields() {
    using T = TaskPoolSummary;
    return std::tuple{
        field("name", &T::name, "the task pool"),
        field("completed", &T::completed, "tasks that ended, summed over replications"),
        field("throughput", &T::throughput, "tasks/s"),
        field("utilization", &T::utilization, "mean fraction of its worker processes running a task, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average tasks published and not yet taken"),
        field("queue_growth", &T::queue_growth, "tasks/s the queue grew by through the second half of the window"),
        field("wait", &T::wait, "seconds from publish to a worker taking the task"),
        field("run", &T::run, "seconds a worker took to run the task")};
  }
};

/** A model server across replications (see ModelServerStats). */
struct ModelServerSummary {
  std::string name;
  std::uint64_t batches = 0;
  std::uint64_t inferences = 0;
  ConfidenceInterval batch_rate;
  ConfidenceInterval throughput;
  ConfidenceInterval mean_batch_size;
  std::vector<std::uint64_t> batch_sizes;
  ConfidenceInterval utilization;
  ConfidenceInterval mean_queue_length;
  LatencySummary queue_delay;

  static constexpr auto fields() {
    using T = ModelServerSummary;
    return std::tuple{
        field("name", &T::name, "the model server"),
        field("batches", &T::batches, "batches started, summed over replications"),
        field("inferences", &T::inferences, "requests in those batches, summed over replications"),
        field("batch_rate", &T::batch_rate, "batches/s"),
        field("throughput", &T::throughput, "inferences/s"),
        field("mean_batch_size", &T::mean_batch_size, "requests per batch"),
        field("batch_sizes", &T::batch_sizes,
              "batches by size, summed over replications: element k counts batches of k + 1 requests"),
        field("utilization", &T::utilization, "mean fraction of its instances running a batch, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average requests waiting for a batch"),
        field("queue_delay", &T::queue_delay, "seconds from a request's arrival to its batch's start")};
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
  std::vector<CacheSummary> caches;
  std::vector<ConnectionSummary> connections;
  std::vector<BrokerSummary> brokers;
  std::vector<TaskPoolSummary> task_workers;
  std::vector<ModelServerSummary> model_servers;
  std::vector<BalancerSummary> balancers;
  LittleCheck little;
  LatencyHistogram histogram;
  /// Unstable if any replication is: the first unstable one's resource, the
  /// mean capacity and excess of the unstable ones.
  Stability stability;
  std::vector<ReplicationResult> replications;

  static constexpr auto fields() {
    using T = Result;
    return std::tuple{
        unfolded_field("scenario", &T::scenario, "the scenario's name"),
        unfolded_field("seed", &T::seed, "the seed the replications' random streams derive from"),
        field("completed", &T::completed, "requests answered in the measured windows, summed"),
        field("throughput", &T::throughput, "completed requests per second of measured time, req/s"),
        field("goodput", &T::goodput,
              "completions within their endpoint's SLO per second (all completions without one), req/s"),
        field("retries", &T::retries, "retry attempts sent, summed over replications"),
        field("failed", &T::failed, "requests that failed on every allowed attempt, summed"),
        field("errors", &T::errors, "failed attempts by cause, summed over replications"),
        unfolded_field("error_rate", &T::error_rate,
                       "failed attempts / (completed + failed attempts), pooled, [0, 1]: the share of answers that were errors"),
        unfolded_field("failure_rate", &T::failure_rate,
                       "failed / (completed + failed), pooled, [0, 1]: requests that got no answer however often tried"),
        field("latency", &T::latency, "response times, s"),
        field("endpoints", &T::endpoints, "per endpoint, in scenario order"),
        field("servers", &T::servers, "per server, in scenario order"),
        field("hosts", &T::hosts, "per host, in scenario order"),
        field("databases", &T::databases, "per database, in scenario order"),
        field("services", &T::services, "per downstream service, in scenario order"),
        field("caches", &T::caches, "per cache store, in scenario order"),
        field("connections", &T::connections, "per connection group, in scenario order"),
        field("brokers", &T::brokers, "per message broker, in scenario order"),
        field("task_workers", &T::task_workers, "per task pool, in scenario order"),
        field("model_servers", &T::model_servers, "per model server, in scenario order"),
        field("balancers", &T::balancers, "per balancer, in scenario order"),
        unfolded_field("little", &T::little, "Little's law check, means over replications"),
        unfolded_field("stability", &T::stability, "whether the servers kept up; unstable if any replication is"),
        unfolded_field("replications", &T::replications, "each replication's own numbers"),
        unfolded_field("histogram", &T::histogram, "every measured response time, all replications")};
  }
};

/// Aggregates replications (in index order) into a Result.
[[nodiscard]] Result summarize(std::string scenario, std::uint64_t seed,
                               std::vector<ReplicationResult> replications);

}  // namespace servesim
