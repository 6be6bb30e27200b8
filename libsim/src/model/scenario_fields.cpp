// The field descriptions of the scenario's sections: the one place a setting
// is declared besides its struct member (see model/fields.hpp and
// docs/adding-a-setting.md). Keys are listed in the order messages list them.
#include "model/fields.hpp"

namespace servesim::detail {
namespace {

using K = ServerKind;

// Each user and replication costs memory up front; retries multiply the load.
constexpr double kMaxUsers = 10'000'000;
constexpr double kMaxReplications = 1'000;
constexpr double kMaxAttempts = 100;
// Simulated time is a double: past this, arrival gaps fall below its resolution.
constexpr double kMaxDuration = 1e9;  // seconds, about 31 years
// CPython 3.13t measured about 0.4; ten times that is a typo, not a build.
constexpr double kMaxSlowdown = 10.0;
// Redis runs commands on one thread (I/O threads only move bytes); KeyDB and
// Dragonfly a few per core. More than this is a typo.
constexpr double kMaxStoreThreads = 1024;
// Every open connection is a record in the engine; a connection per
// open file descriptor of 1,000 processes at the 65,536 limit is already more.
constexpr double kMaxConnections = 10'000'000;
constexpr double kMaxChunks = 1'000'000;
// Celery's prefork pool forks one process per slot; thousands are a typo.
constexpr double kMaxWorkerProcesses = 4096;
// Stalls that take nearly all of a thread's time make its steps' lengths
// explode (c / (1 - share)); a share that high is a typo for a percentage.
constexpr double kMaxStallShare = 0.9;
// max_requests plus its jitter stays an int.
constexpr double kMaxRequestsPerProcess = 1e9;
// Results count batches by size; Triton and vLLM batches stay in the
// thousands (vLLM's max_num_seqs defaults to 256).
constexpr double kMaxBatchSize = 65'536;
// A replica per GPU: thousands are a typo.
constexpr double kMaxInstances = 4096;

constexpr KindSet kAsgi = kind_set({K::uvicorn, K::hypercorn, K::granian, K::gunicorn_uvicorn});
// Granian recycles workers by lifetime (--workers-lifetime) or memory, not by a request count.
constexpr KindSet kRecyclesByRequests = kEveryKind & ~kind_set({K::granian});

}  // namespace

std::span<const Field<Host>> host_fields() {
  using F = Field<Host>;
  static const F fields[] = {
      F::integer("cores", &Host::cores, 1),
      F::number("speed", &Host::speed, kPositive),
      F::size("memory", &Host::memory, kPositive),
      F::custom("stalls"),
  };
  return fields;
}

std::span<const Field<Stalls>> stalls_fields() {
  using F = Field<Stalls>;
  static const F fields[] = {
      F::number("share", &Stalls::share, kFraction, "a fraction")
          .at_most(kMaxStallShare, "a thread stalled more than 90 % of the time is not running"),
      F::distribution("length", &Stalls::length),
  };
  return fields;
}

std::span<const Field<Server>> server_fields() {
  using F = Field<Server>;
  static const F fields[] = {
      F::custom("host"),
      F::custom("kind"),
      F::integer("workers", &Server::workers, 1),
      F::integer("replicas", &Server::replicas, 1),
      F::integer("backlog", &Server::backlog, 1),
      F::custom("framework"),
      F::distribution("framework_overhead", &Server::framework_overhead),
      F::distribution("connection_overhead", &Server::connection_overhead),
      F::duration("switch_interval", &Server::switch_interval, kPositive),
      F::custom("python"),
      F::number("free_threaded_slowdown", &Server::free_threaded_slowdown,
                Range{0.0, false, kMaxSlowdown, "Python code at most 11 times as slow"}, "a fraction"),
      // Gunicorn's arbiter: a sync worker's request, a Uvicorn worker's event loop (rules/arbiter.hpp).
      F::duration("timeout", &Server::timeout, kNonNegative).only(kind_set({K::gunicorn_sync, K::gunicorn_uvicorn})),
      F::duration("boot_time", &Server::boot_time, kNonNegative),
      F::integer("max_requests", &Server::max_requests, 0)
          .at_most(kMaxRequestsPerProcess, "a restart per request at most")
          .only(kRecyclesByRequests, /*strict=*/true),
      F::integer("max_requests_jitter", &Server::max_requests_jitter, 0)
          .at_most(kMaxRequestsPerProcess, "a restart per request at most")
          .only(kRecyclesByRequests, /*strict=*/true),
      F::duration("graceful_timeout", &Server::graceful_timeout, kNonNegative).only(kRecyclesByRequests),
      F::size("memory_limit", &Server::memory_limit, kPositive),
      F::integer("threads", &Server::threads, 1).only(kind_set({K::gunicorn_gthread}), /*strict=*/true),
      F::integer("worker_connections", &Server::worker_connections, 1)
          .only(kind_set({K::gunicorn_gthread, K::gunicorn_gevent})),
      F::duration("keepalive", &Server::keepalive, kNonNegative)
          .only(kind_set({K::gunicorn_gthread, K::gunicorn_gevent, K::uvicorn, K::hypercorn, K::granian,
                          K::gunicorn_uvicorn})),
      // Gunicorn's --reuse-port; sync workers are left out: each would queue its own connections.
      F::boolean("reuse_port", &Server::reuse_port)
          .only(kind_set({K::gunicorn_gthread, K::gunicorn_gevent, K::gunicorn_uvicorn}), /*strict=*/true),
      // Hypercorn, Granian and Gunicorn's UvicornWorker have no setting that answers 503 above a
      // count (Granian's --backpressure stops reading instead).
      F::integer("limit_concurrency", &Server::limit_concurrency, 1).only(kind_set({K::uvicorn}), /*strict=*/true),
      F::integer("thread_pool", &Server::thread_pool, 1).only(kAsgi),
      F::distribution("thread_handoff", &Server::thread_handoff),
      F::distribution("wait_overhead", &Server::wait_overhead),
      F::duration("wait_crowding", &Server::wait_crowding, kNonNegative),
      F::custom("memory"),
  };
  return fields;
}

std::span<const Field<ProcessMemory>> memory_fields() {
  using F = Field<ProcessMemory>;
  static const F fields[] = {
      F::size("process", &ProcessMemory::process, kNonNegative),
      F::size("thread", &ProcessMemory::thread, kNonNegative),
      F::size("connection", &ProcessMemory::connection, kNonNegative),
      F::size("growth_per_request", &ProcessMemory::growth_per_request, kNonNegative),
  };
  return fields;
}

std::span<const Field<Database>> database_fields() {
  using F = Field<Database>;
  static const F fields[] = {
      F::integer("connections", &Database::connections, 1),
      F::distribution("query_time", &Database::query_time),
      F::custom("pool"),
  };
  return fields;
}

std::span<const Field<ConnectionPool>> pool_fields() {
  using F = Field<ConnectionPool>;
  static const F fields[] = {
      F::custom("driver"),  // read first: it sets the others' defaults
      F::integer("size", &ConnectionPool::size, 1),
      F::integer("max_overflow", &ConnectionPool::max_overflow, 0),
      F::duration("timeout", &ConnectionPool::timeout, kPositive),
  };
  return fields;
}

std::span<const Field<Service>> service_fields() {
  using F = Field<Service>;
  static const F fields[] = {
      F::distribution("latency", &Service::latency),
      F::integer("concurrency", &Service::concurrency, 1),
      F::number("error_rate", &Service::error_rate, kFraction, "a probability"),
  };
  return fields;
}

std::span<const Field<Cache>> cache_fields() {
  using F = Field<Cache>;
  static const F fields[] = {
      F::integer("threads", &Cache::threads, 1).at_most(kMaxStoreThreads, "a store runs a few command threads"),
      F::distribution("command_time", &Cache::command_time),
  };
  return fields;
}

std::span<const Field<ConnectionGroup>> connection_fields() {
  using F = Field<ConnectionGroup>;
  static const F fields[] = {
      F::custom("server"),
      F::custom("kind"),
      F::integer("count", &ConnectionGroup::count, 1)
          .at_most(kMaxConnections, "each open connection is a record in the engine"),
      F::number("open_rate", &ConnectionGroup::open_rate, kPositive, "a rate"),
      F::distribution("hold", &ConnectionGroup::hold),
      F::number("messages", &ConnectionGroup::messages, kPositive, "a rate"),
      F::integer("chunks", &ConnectionGroup::chunks, 1).at_most(kMaxChunks, "each chunk is an event"),
      F::distribution("chunk_gap", &ConnectionGroup::chunk_gap),
      F::custom("phases"),
      F::distribution("reconnect_delay", &ConnectionGroup::reconnect_delay),
  };
  return fields;
}

std::span<const Field<Broker>> broker_fields() {
  using F = Field<Broker>;
  static const F fields[] = {
      F::integer("threads", &Broker::threads, 1).at_most(kMaxStoreThreads, "a broker runs a few command threads"),
      F::distribution("command_time", &Broker::command_time),
  };
  return fields;
}

std::span<const Field<TaskPool>> task_pool_fields() {
  using F = Field<TaskPool>;
  static const F fields[] = {
      F::custom("host"),
      F::custom("broker"),
      F::integer("concurrency", &TaskPool::concurrency, 1)
          .at_most(kMaxWorkerProcesses, "a prefork pool runs a process per slot"),
      F::custom("tasks"),
  };
  return fields;
}

std::span<const Field<ModelServer>> model_server_fields() {
  using F = Field<ModelServer>;
  static const F fields[] = {
      F::integer("instances", &ModelServer::instances, 1).at_most(kMaxInstances, "a model replica per GPU"),
      F::integer("max_batch_size", &ModelServer::max_batch_size, 1)
          .at_most(kMaxBatchSize, "results count batches by size"),
      F::duration("max_queue_delay", &ModelServer::max_queue_delay, kNonNegative),
      F::distribution("batch_time", &ModelServer::batch_time),
      F::duration("item_time", &ModelServer::item_time, kNonNegative),
  };
  return fields;
}

std::span<const Field<Balancer>> balancer_fields() {
  using F = Field<Balancer>;
  static const F fields[] = {
      F::custom("servers"),
      F::custom("policy"),
      F::duration("rtt", &Balancer::rtt, kNonNegative),
      F::number("bandwidth_mbps", &Balancer::bandwidth_mbps, kPositive, "a rate"),
  };
  return fields;
}

std::span<const Field<Endpoint>> endpoint_fields() {
  using F = Field<Endpoint>;
  static const F fields[] = {
      F::custom("server"),
      F::custom("style"),
      F::custom("phases"),
      F::number("request_bytes", &Endpoint::request_bytes, kNonNegative, "a size"),
      F::number("response_bytes", &Endpoint::response_bytes, kNonNegative, "a size"),
  };
  return fields;
}

std::span<const Field<ClosedWorkload>> closed_fields() {
  using F = Field<ClosedWorkload>;
  static const F fields[] = {
      F::integer("users", &ClosedWorkload::users, 1)
          .at_most(kMaxUsers, "each user holds memory for the whole run")
          .mandatory(),
      F::distribution("think_time", &ClosedWorkload::think_time),
  };
  return fields;
}

std::span<const Field<Burst>> burst_fields() {
  using F = Field<Burst>;
  static const F fields[] = {
      F::number("rate", &Burst::rate, kPositive, "a rate").mandatory(),
      F::duration("duration", &Burst::duration, kPositive),
      F::duration("every", &Burst::every, kPositive),
  };
  return fields;
}

std::span<const Field<RetryPolicy>> retry_fields() {
  using F = Field<RetryPolicy>;
  static const F fields[] = {
      F::integer("attempts", &RetryPolicy::max_attempts, 1).at_most(kMaxAttempts, "retries multiply the load"),
      F::duration("backoff", &RetryPolicy::backoff, kNonNegative),
      F::number("multiplier", &RetryPolicy::multiplier, Range{1.0}),
      F::duration("max_backoff", &RetryPolicy::max_backoff, kNonNegative),
      F::number("jitter", &RetryPolicy::jitter, kFraction, "a probability"),
  };
  return fields;
}

std::span<const Field<RunConfig>> run_fields() {
  using F = Field<RunConfig>;
  static const F fields[] = {
      F::duration("duration", &RunConfig::duration, kPositive)
          .at_most(kMaxDuration, "about 31 years of simulated time"),
      F::custom("warmup"),
      F::integer("replications", &RunConfig::replications, 1)
          .at_most(kMaxReplications, "each replication's result, latency histograms included, is kept"),
      F::custom("seed"),
      F::duration("interval", &RunConfig::interval, kNonNegative),
  };
  return fields;
}

}  // namespace servesim::detail
