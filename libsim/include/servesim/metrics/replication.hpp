#pragma once
/// @file replication.hpp
/// What one replication of a simulation measures. Times in seconds, rates in
/// requests per second. Each record's field list (metrics/fields.hpp) is the
/// one definition of its JSON keys, its child-process reading and its Python
/// attributes; the docs there are the Python docstrings.
///
/// "No data" (a statistic of nothing, e.g. the latency of a run that
/// completed no request) is NaN here, null in JSON and None in Python.

#include <cstdint>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "servesim/metrics/fields.hpp"
#include "servesim/metrics/latency_histogram.hpp"

namespace servesim {

/// The value of a statistic of nothing (no completed request): NaN.
inline constexpr double kNoData = std::numeric_limits<double>::quiet_NaN();

/**
 * Attempts that did not get an answer, by cause. With retries
 * (Workload::retries) every failed attempt counts, so a request tried three
 * times in vain counts three times; EndpointStats::failed counts requests.
 */
struct ErrorCounts {
  std::uint64_t refused = 0;
  std::uint64_t client_timeout = 0;
  std::uint64_t unavailable = 0;
  std::uint64_t worker_killed = 0;
  std::uint64_t pool_timeout = 0;
  std::uint64_t downstream = 0;
  std::uint64_t out_of_memory = 0;

  [[nodiscard]] std::uint64_t total() const noexcept {
    return refused + client_timeout + unavailable + worker_killed + pool_timeout + downstream + out_of_memory;
  }
  ErrorCounts& operator+=(const ErrorCounts& other) noexcept {
    refused += other.refused;
    client_timeout += other.client_timeout;
    unavailable += other.unavailable;
    worker_killed += other.worker_killed;
    pool_timeout += other.pool_timeout;
    downstream += other.downstream;
    out_of_memory += other.out_of_memory;
    return *this;
  }

  static constexpr auto fields() {
    using T = ErrorCounts;
    return std::tuple{
        field("refused", &T::refused, "connections refused: the accept backlog was full"),
        field("client_timeout", &T::client_timeout, "the client gave up after workload.client_timeout"),
        field("unavailable", &T::unavailable, "HTTP 503: above uvicorn's limit_concurrency"),
        field("worker_killed", &T::worker_killed, "the Gunicorn worker timeout killed the worker serving it"),
        field("pool_timeout", &T::pool_timeout, "no database connection within the pool's timeout"),
        field("downstream", &T::downstream, "a downstream service call failed (HTTP 502)"),
        field("out_of_memory", &T::out_of_memory,
              "the process serving it went past the server's memory_limit and was killed"),
        computed<T>("total", &T::total, "failed attempts of every cause")};
  }
};

/** Response-time statistics of one replication, in seconds; NaN (no data) without completions. */
struct LatencyStats {
  double mean = kNoData;
  double p50 = kNoData;
  double p90 = kNoData;
  double p95 = kNoData;
  double p99 = kNoData;
  double p999 = kNoData;
  double max = kNoData;

  /// Reads the statistics off a histogram; every one NaN (no data) if it is empty.
  [[nodiscard]] static LatencyStats from(const LatencyHistogram& histogram) noexcept;

  static constexpr auto fields() {
    using T = LatencyStats;
    return std::tuple{field("mean", &T::mean, "mean response time, s"),
                      field("p50", &T::p50, "median response time, s (histogram: within 0.39 %)"),
                      field("p90", &T::p90, "90th percentile, s"),
                      field("p95", &T::p95, "95th percentile, s"),
                      field("p99", &T::p99, "99th percentile, s"),
                      field("p999", &T::p999, "99.9th percentile, s"),
                      field("max", &T::max, "largest response time, s")};
  }
};

/**
 * Little's law, L = lambda * W, checked on the measured window: the time-average
 * number of requests in the servers against throughput times mean response
 * time. A relative error above a few percent on a long run points at a bug
 * or a window too short for the requests in flight at its edges.
 */
struct LittleCheck {
  double mean_in_system = 0.0;
  double throughput = 0.0;
  double mean_response = 0.0;
  /// |L - lambda W| / max(L, lambda W); 0 when both are 0.
  [[nodiscard]] double relative_error() const noexcept;

  static constexpr auto fields() {
    using T = LittleCheck;
    return std::tuple{
        field("mean_in_system", &T::mean_in_system, "L: time-average requests queued or in service"),
        field("throughput", &T::throughput, "lambda: completions per second"),
        field("mean_response", &T::mean_response, "W: mean time in the server, s"),
        computed<T>("relative_error", &T::relative_error,
                    "|L - lambda W| / max(L, lambda W); a few percent or more on a long run points at a bug")};
  }
};

/** One endpoint's traffic in one replication. */
struct EndpointStats {
  std::string name;
  std::uint64_t completed = 0;
  double throughput = 0.0;
  std::uint64_t within_slo = 0;
  double goodput = 0.0;
  std::uint64_t retries = 0;
  std::uint64_t failed = 0;
  ErrorCounts errors;
  LatencyStats latency;
  LatencyHistogram histogram;

  static constexpr auto fields() {
    using T = EndpointStats;
    return std::tuple{
        field("name", &T::name, "the endpoint"),
        field("completed", &T::completed, "requests answered in the measured window"),
        field("throughput", &T::throughput, "completed / measured duration, req/s"),
        field("within_slo", &T::within_slo,
              "of the completed, answered within the endpoint's SLO from the first attempt (all without an SLO)"),
        field("goodput", &T::goodput, "within_slo / measured duration, req/s"),
        field("retries", &T::retries, "attempts sent that retried a failed one"),
        field("failed", &T::failed, "requests whose last allowed attempt failed too"),
        field("errors", &T::errors, "failed attempts, by cause"),
        field("latency", &T::latency, "response times, s"),
        engine_field("histogram", &T::histogram, "every measured response time")};
  }
};

/** One server's resources in one replication. */
struct ServerStats {
  std::string name;
  double worker_busy_fraction = 0.0;
  double gil_busy_fraction = 0.0;
  double mean_queue_length = 0.0;
  double mean_in_system = 0.0;
  double queued_fraction = 0.0;
  std::uint64_t recycled = 0;
  std::uint64_t memory_killed = 0;
  double restart_rate = 0.0;
  double peak_memory = 0.0;

  static constexpr auto fields() {
    using T = ServerStats;
    return std::tuple{
        field("name", &T::name, "the server"),
        field("worker_busy_fraction", &T::worker_busy_fraction,
              "mean fraction of the request runners at work (worker threads for gunicorn sync and "
              "gthread, event loops for uvicorn and gevent), [0, 1]"),
        field("gil_busy_fraction", &T::gil_busy_fraction,
              "mean fraction of time each process's GIL is held, averaged over processes, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length,
              "time-average requests waiting: in the backlog, for a thread or for the event loop"),
        field("mean_in_system", &T::mean_in_system, "time-average requests queued or in service"),
        field("queued_fraction", &T::queued_fraction,
              "fraction of served requests that waited before service began (M/M/c: Erlang C), [0, 1]"),
        field("recycled", &T::recycled, "processes that reached max_requests in the measured window"),
        field("memory_killed", &T::memory_killed,
              "processes killed for going past memory_limit in the measured window"),
        field("restart_rate", &T::restart_rate, "(recycled + memory_killed) per second, 1/s"),
        field("peak_memory", &T::peak_memory,
              "largest resident memory of one of its processes in the measured window, bytes")};
  }
};

/** The requests a balancer sent to one of its servers in one replication. */
struct BalancedServerStats {
  std::string name;
  std::uint64_t sent = 0;
  double share = 0.0;

  static constexpr auto fields() {
    using T = BalancedServerStats;
    return std::tuple{field("name", &T::name, "the server"),
                      field("sent", &T::sent, "requests sent to it in the measured window"),
                      field("share", &T::share, "sent / all the balancer sent, [0, 1]; 0 if it sent none")};
  }
};

/** How one balancer split its requests in one replication. */
struct BalancerStats {
  std::string name;
  std::vector<BalancedServerStats> servers;

  static constexpr auto fields() {
    using T = BalancerStats;
    return std::tuple{field("name", &T::name, "the balancer"),
                      field("servers", &T::servers, "its servers, in the balancer's order")};
  }
};

/** One host's CPU in one replication. */
struct HostStats {
  std::string name;
  double cpu_utilization = 0.0;

  static constexpr auto fields() {
    using T = HostStats;
    return std::tuple{field("name", &T::name, "the host"),
                      field("cpu_utilization", &T::cpu_utilization,
                            "busy core-seconds / (cores * seconds), [0, 1]")};
  }
};

/**
 * One database in one replication: its own queue, and the connection pools
 * of every server process in front of it.
 */
struct DatabaseStats {
  std::string name;
  double utilization = 0.0;
  double mean_queue_length = 0.0;
  double mean_pool_wait = 0.0;
  double pool_wait_fraction = 0.0;
  std::uint64_t queries = 0;
  std::uint64_t pool_timeouts = 0;

  static constexpr auto fields() {
    using T = DatabaseStats;
    return std::tuple{
        field("name", &T::name, "the database"),
        field("utilization", &T::utilization, "mean fraction of its connections executing a query, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length,
              "time-average queries waiting at the database for one of its connections"),
        field("mean_pool_wait", &T::mean_pool_wait,
              "mean seconds a checkout waited for a pooled connection (0 for those served at once; "
              "timed-out checkouts excluded)"),
        field("pool_wait_fraction", &T::pool_wait_fraction,
              "fraction of checkouts that had to wait for a pooled connection, [0, 1]"),
        field("queries", &T::queries, "queries completed in the measured window"),
        field("pool_timeouts", &T::pool_timeouts, "checkouts that waited out the pool's timeout")};
  }
};

/** One downstream service in one replication. */
struct ServiceStats {
  std::string name;
  double mean_in_use = 0.0;
  double mean_queue_length = 0.0;
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;

  static constexpr auto fields() {
    using T = ServiceStats;
    return std::tuple{
        field("name", &T::name, "the service"),
        field("mean_in_use", &T::mean_in_use,
              "time-average calls in progress: the concurrency in use (at most its `concurrency`)"),
        field("mean_queue_length", &T::mean_queue_length,
              "time-average calls waiting for a concurrency slot (0 without a cap)"),
        field("calls", &T::calls, "calls completed in the measured window, failed or not"),
        field("errors", &T::errors, "of which failed (the service's error_rate)")};
  }
};

/**
 * One cache store (Redis) in one replication. The mean wait and response
 * come from the time-average areas by Little's law: the waiting (or present)
 * command-seconds of the measured window over the commands completed in it.
 */
struct CacheStats {
  std::string name;
  double utilization = 0.0;
  double mean_queue_length = 0.0;
  double mean_wait = kNoData;
  double mean_response = kNoData;
  std::uint64_t commands = 0;

  static constexpr auto fields() {
    using T = CacheStats;
    return std::tuple{
        field("name", &T::name, "the cache store"),
        field("utilization", &T::utilization, "mean fraction of its command threads at work, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average commands waiting for a command thread"),
        field("mean_wait", &T::mean_wait,
              "mean seconds a command waited for a thread (Little's law); None (no data) without commands"),
        field("mean_response", &T::mean_response,
              "mean seconds from a command's arrival to its answer (Little's law); None (no data) without commands"),
        field("commands", &T::commands, "commands completed in the measured window")};
  }
};

/**
 * One connection group (WebSockets or streaming responses) in one
 * replication. A message (a stream's chunk) is timed from its arrival (its
 * gap's end) until its phases are done: waiting for the event loop or the
 * worker, plus its own time. The loop or worker utilization is the server's
 * worker_busy_fraction.
 */
struct ConnectionStats {
  std::string name;
  std::string server;
  std::uint64_t opened = 0;
  std::uint64_t refused = 0;
  std::uint64_t dropped = 0;
  double mean_open = 0.0;
  std::uint64_t messages = 0;
  std::uint64_t messages_dropped = 0;
  double message_rate = 0.0;
  LatencyStats message_latency;
  double memory = 0.0;
  LatencyHistogram histogram;

  static constexpr auto fields() {
    using T = ConnectionStats;
    return std::tuple{
        field("name", &T::name, "the connection group"),
        field("server", &T::server, "the server holding its connections"),
        field("opened", &T::opened, "connections opened in the measured window (with count and no warm-up: all of them, at t = 0)"),
        field("refused", &T::refused, "connections refused: no process had room (limit_concurrency, "
                                      "worker_connections, file descriptors, or no idle sync worker); "
                                      "a count group's reconnection attempts included"),
        field("dropped", &T::dropped, "connections dropped by a killed process (memory_limit, the arbiter, "
                                      "graceful_timeout) in the measured window"),
        field("mean_open", &T::mean_open, "time-average connections open"),
        field("messages", &T::messages, "messages (stream chunks) handled in the measured window"),
        field("messages_dropped", &T::messages_dropped, "messages running or queued when their process was "
                                                        "killed, in the measured window"),
        field("message_rate", &T::message_rate, "messages / measured duration, messages/s"),
        field("message_latency", &T::message_latency, "a message's wait for the loop or worker plus its phases, s"),
        field("memory", &T::memory, "mean_open times the server's memory.connection, bytes"),
        engine_field("histogram", &T::histogram, "every measured message latency")};
  }
};

/**
 * One message broker in one replication: its publishes, as CacheStats
 * counts a store's commands (Little's law on the measured window).
 */
struct BrokerStats {
  std::string name;
  double utilization = 0.0;
  double mean_queue_length = 0.0;
  double mean_wait = kNoData;
  double mean_response = kNoData;
  std::uint64_t messages = 0;

  static constexpr auto fields() {
    using T = BrokerStats;
    return std::tuple{
        field("name", &T::name, "the broker"),
        field("utilization", &T::utilization, "mean fraction of its command threads at work, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average publishes waiting for a command thread"),
        field("mean_wait", &T::mean_wait,
              "mean seconds a publish waited for a thread (Little's law); None (no data) without publishes"),
        field("mean_response", &T::mean_response,
              "mean seconds from a publish to its acknowledgement (Little's law); None (no data) without publishes"),
        field("messages", &T::messages, "tasks published in the measured window")};
  }
};

/**
 * One task pool (Celery or RQ workers) in one replication. A task's wait
 * runs from its publish's acknowledgement to a worker taking it; its run
 * from then to its end. Both count the tasks that ended in the measured window.
 */
struct TaskPoolStats {
  std::string name;
  std::uint64_t completed = 0;
  double throughput = 0.0;
  double utilization = 0.0;
  double mean_queue_length = 0.0;
  double queue_growth = 0.0;
  LatencyStats wait;
  LatencyStats run;

  static constexpr auto fields() {
    using T = TaskPoolStats;
    return std::tuple{
        field("name", &T::name, "the task pool"),
        field("completed", &T::completed, "tasks that ended in the measured window"),
        field("throughput", &T::throughput, "completed / measured duration, tasks/s"),
        field("utilization", &T::utilization, "mean fraction of its worker processes running a task, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average tasks published and not yet taken"),
        field("queue_growth", &T::queue_growth,
              "tasks/s the queue grew by through the second half of the measured window (about 0 when it keeps up)"),
        field("wait", &T::wait, "seconds from publish to a worker taking the task"),
        field("run", &T::run, "seconds a worker took to run the task")};
  }
};

/**
 * One model server (dynamic batching) in one replication: the batches that
 * started in the measured window, and its requests' queue delay (arrival to
 * their batch's start). `batch_sizes[k]` counts batches of k + 1 requests.
 */
struct ModelServerStats {
  std::string name;
  std::uint64_t batches = 0;
  std::uint64_t inferences = 0;
  double batch_rate = 0.0;
  double throughput = 0.0;
  double mean_batch_size = kNoData;
  std::vector<std::uint64_t> batch_sizes;
  double utilization = 0.0;
  double mean_queue_length = 0.0;
  LatencyStats queue_delay;

  static constexpr auto fields() {
    using T = ModelServerStats;
    return std::tuple{
        field("name", &T::name, "the model server"),
        field("batches", &T::batches, "batches started in the measured window"),
        field("inferences", &T::inferences, "requests in those batches"),
        field("batch_rate", &T::batch_rate, "batches / measured duration, batches/s"),
        field("throughput", &T::throughput, "inferences / measured duration, requests/s"),
        field("mean_batch_size", &T::mean_batch_size, "inferences / batches; None (no data) without batches"),
        field("batch_sizes", &T::batch_sizes,
              "batches by size: element k counts batches of k + 1 requests, up to max_batch_size"),
        field("utilization", &T::utilization, "mean fraction of its instances running a batch, [0, 1]"),
        field("mean_queue_length", &T::mean_queue_length, "time-average requests waiting for a batch"),
        field("queue_delay", &T::queue_delay, "seconds from a request's arrival to its batch's start")};
  }
};

/**
 * Whether the servers kept up with the offered load. Overload is a result,
 * not a failure: a queue that grows through the second half of the measured
 * window (a server's, or the requests in flight, which also counts those an
 * `async` endpoint awaits at a model server, cache store, broker, database or
 * service), or requests turned away (refused by a full backlog, 503 above
 * limit_concurrency), by more than 2 % of the arrivals and 100 requests,
 * make a run unstable, and the resource at its limit is named with the rate
 * its server answered (its capacity). Its latencies then describe a transient, not a
 * steady state. Judged by simulate() from the timeline (sim/stability.hpp),
 * for both engines.
 */
struct Stability {
  bool stable = true;
  std::string resource;      ///< by scenario path, e.g. "servers.web.workers"; empty if stable
  double capacity = 0.0;     ///< req/s that server answered in the second half; 0 if stable
  double excess_rate = 0.0;  ///< req/s beyond it: queue growth plus requests turned away; 0 if stable

  static constexpr auto fields() {
    using T = Stability;
    return std::tuple{field("stable", &T::stable, "the servers kept up with the offered load"),
                      field("resource", &T::resource,
                            "the saturated resource by scenario path ('servers.web.workers', 'hosts.app.cpu'); empty if stable"),
                      field("capacity", &T::capacity, "req/s the saturated server answered; 0 if stable"),
                      field("excess_rate", &T::excess_rate,
                            "req/s beyond capacity: queue growth plus requests turned away; 0 if stable")};
  }
};

/**
 * One time-series interval [start, end): counts of what happened in it, the
 * latency of the requests completed in it, and time averages of the
 * resources over it. Per-server vectors follow Scenario::servers, per-host
 * ones Scenario::hosts; JSON keys them by name.
 */
struct IntervalStats {
  double start = 0.0;
  double end = 0.0;
  std::uint64_t arrivals = 0;
  std::uint64_t retries = 0;
  std::uint64_t completed = 0;
  std::uint64_t within_slo = 0;
  std::uint64_t errors = 0;
  double throughput = 0.0;
  double mean_latency = kNoData;
  double p50 = kNoData;
  double p99 = kNoData;
  std::vector<double> mean_queue_length;
  std::vector<double> worker_busy_fraction;
  std::vector<double> cpu_utilization;

  static constexpr auto fields() {
    using T = IntervalStats;
    return std::tuple{
        field("start", &T::start, "start of the interval, s since the run began"),
        field("end", &T::end, "end of the interval, s"),
        field("arrivals", &T::arrivals, "attempts sent, retries included"),
        field("retries", &T::retries, "of which retries of failed attempts"),
        field("completed", &T::completed, "requests answered in the interval"),
        field("within_slo", &T::within_slo, "of which within their endpoint's SLO"),
        field("errors", &T::errors, "failed attempts"),
        field("throughput", &T::throughput, "completed / (end - start), req/s"),
        field("mean_latency", &T::mean_latency,
              "mean response time of the requests completed in it, s; None (no data) if none"),
        field("p50", &T::p50, "their median, s, within 3.1 %; None (no data) if none"),
        field("p99", &T::p99, "their 99th percentile, s, within 3.1 %; None (no data) if none"),
        field("mean_queue_length", &T::mean_queue_length,
              "per server: time-average requests waiting", FieldKeys::by_server),
        field("worker_busy_fraction", &T::worker_busy_fraction,
              "per server: fraction of its threads or event loops at work, [0, 1]", FieldKeys::by_server),
        field("cpu_utilization", &T::cpu_utilization, "per host: busy fraction of its cores, [0, 1]",
              FieldKeys::by_host)};
  }
};

/**
 * One batch of the measured window's time-series intervals, as batch means
 * group them (at most 20 batches of equal numbers of consecutive intervals
 * after the warm-up, the earliest leftover intervals in none), with the
 * quantiles of the requests completed in it read off its own histogram, so a
 * batch's p99 rests on its own observations, not on its intervals' few.
 */
struct LatencyBatch {
  double start = 0.0;
  double end = 0.0;
  std::uint64_t completed = 0;
  double p50 = kNoData;
  double p90 = kNoData;
  double p99 = kNoData;
  double p999 = kNoData;

  static constexpr auto fields() {
    using T = LatencyBatch;
    return std::tuple{field("start", &T::start, "start of its first interval, s since the run began"),
                      field("end", &T::end, "end of its last interval, s"),
                      field("completed", &T::completed, "requests answered in it"),
                      field("p50", &T::p50, "their median, s, within 0.39 %; None (no data) if none"),
                      field("p90", &T::p90, "their 90th percentile, s, within 0.39 %; None (no data) if none"),
                      field("p99", &T::p99, "their 99th percentile, s, within 0.39 %; None (no data) if none"),
                      field("p999", &T::p999, "their 99.9th percentile, s, within 0.39 %; None (no data) if none")};
  }
};

/** The outcome of one independent replication. */
struct ReplicationResult {
  int index = 0;
  double warmup = 0.0;
  double measured_duration = 0.0;
  std::uint64_t arrivals = 0;
  std::uint64_t retries = 0;
  std::uint64_t completed = 0;
  double throughput = 0.0;
  std::uint64_t within_slo = 0;
  double goodput = 0.0;
  std::uint64_t failed = 0;
  ErrorCounts errors;
  LatencyStats latency;
  std::vector<EndpointStats> endpoints;
  std::vector<ServerStats> servers;
  std::vector<HostStats> hosts;
  std::vector<DatabaseStats> databases;
  std::vector<ServiceStats> services;
  std::vector<CacheStats> caches;
  std::vector<ConnectionStats> connections;
  std::vector<BrokerStats> brokers;
  std::vector<TaskPoolStats> task_workers;
  std::vector<ModelServerStats> model_servers;
  std::vector<BalancerStats> balancers;
  LittleCheck little;
  std::vector<IntervalStats> timeline;
  std::vector<LatencyBatch> latency_batches;
  std::uint64_t events = 0;
  Stability stability;  ///< judged from the timeline by simulate() (sim/stability.hpp)

  static constexpr auto fields() {
    using T = ReplicationResult;
    return std::tuple{
        field("index", &T::index, "the replication's index (its random streams' key)"),
        field("warmup", &T::warmup, "seconds discarded at the start"),
        field("measured_duration", &T::measured_duration, "seconds measured after warm-up"),
        field("arrivals", &T::arrivals, "attempts sent in the measured window, retries included"),
        field("retries", &T::retries, "of which retries of failed attempts"),
        field("completed", &T::completed, "requests answered in the measured window"),
        field("throughput", &T::throughput, "completed / measured_duration, req/s"),
        field("within_slo", &T::within_slo, "of the completed, within their endpoint's SLO"),
        field("goodput", &T::goodput, "within_slo / measured_duration, req/s"),
        field("failed", &T::failed, "requests that failed on every allowed attempt"),
        field("errors", &T::errors, "failed attempts, by cause"),
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
        field("little", &T::little, "Little's law check on the measured window"),
        field("timeline", &T::timeline, "time-series intervals over the whole run, warm-up included"),
        field("latency_batches", &T::latency_batches,
              "the measured intervals in batches, with each batch's own latency quantiles (plan's batch means)"),
        field("events", &T::events, "events the engine processed (for benchmarks)"),
        field("stability", &T::stability, "whether the servers kept up (judged by simulate())")};
  }
};

}  // namespace servesim
