#pragma once
/// @file scenario.hpp
/// The scenario: plain data describing hosts, servers, endpoints, workload and
/// run settings. Every engine consumes the same Scenario. Build one in C++,
/// or load it with servesim::load_scenario (io/scenario_parser.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "servesim/core/distribution.hpp"
#include "servesim/model/database.hpp"
#include "servesim/model/plan_spec.hpp"
#include "servesim/model/uncertainty.hpp"

namespace servesim {

/**
 * A machine: `cores` cores at relative `speed` (1.0 = the reference machine)
 * and, if set, `memory` bytes of RAM its servers' processes must fit in
 * (see check in model/memory.hpp); unset: unlimited.
 */
/**
 * Others' work on a host's cores that takes a core from a thread while it runs:
 * other processes' time slices, the kernel's work. Stalls start at random
 * moments of a thread's running time (a Poisson process in it), each lasting a
 * draw of `length`, at the rate that makes them `share` of the time a thread
 * spends running or stalled: a CPU step of c seconds takes c / (1 - share) on
 * average. A stalled thread keeps what it holds (its GIL) and the core does
 * the other work. Measured on the validation machine: 1.7-3 % in slices of
 * about 3 ms (validation/README.md, Tails).
 */
struct Stalls {
  double share = 0.0;  ///< fraction of a running thread's time lost to stalls, in [0, 0.9]; 0: none
  Distribution length = Distribution::constant(0.003);  ///< seconds each stall lasts
};

struct Host {
  std::string name;
  int cores = 1;
  double speed = 1.0;
  std::optional<double> memory;  ///< bytes of RAM; unset: no limit
  Stalls stalls;                 ///< others' work taking the cores from running threads; none by default
};

/// How a server runs requests: Gunicorn's worker classes, or an ASGI server.
enum class ServerKind {
  gunicorn_sync,     ///< N single-threaded processes, one request each, behind one accept backlog
  gunicorn_gthread,  ///< N processes x `threads` threads, up to `worker_connections` each
  gunicorn_gevent,   ///< N processes, each a cooperative loop running plain `def` code
  uvicorn,           ///< N processes, each one asyncio event loop plus a thread pool for `def`
  hypercorn,         ///< Hypercorn: uvicorn's runtime, HTTP parsed in pure Python (h11)
  granian,           ///< Granian: uvicorn's runtime behind Rust (tokio) HTTP I/O
  gunicorn_uvicorn,  ///< Gunicorn's master running Uvicorn workers (`-k uvicorn_worker.UvicornWorker`)
};

/**
 * Whether `kind` is an ASGI server: every process runs one event loop for
 * `async` endpoints and the framework's thread pool (Starlette's, 40 threads
 * by default) for `sync` ones. The four share one runtime in both engines;
 * they differ in their measured costs (the framework presets per server), their
 * defaults and the settings they have.
 */
[[nodiscard]] constexpr bool is_asgi(ServerKind kind) noexcept {
  return kind == ServerKind::uvicorn || kind == ServerKind::hypercorn || kind == ServerKind::granian ||
         kind == ServerKind::gunicorn_uvicorn;
}

/// Which CPython build a server's processes run.
enum class PythonBuild {
  standard,       ///< the default build: one GIL per process
  free_threaded,  ///< python3.13t / 3.14t with the GIL disabled: threads run Python on several cores
};

/// Server::free_threaded_slowdown's default: the free-threaded build's extra
/// time on single-threaded Python code, about 8 % on x86-64 Linux in CPython
/// 3.14 (the free-threading HOWTO: "from about 1% on macOS aarch64 to 8% on
/// x86-64 Linux systems" on pyperformance; What's New in 3.14: "roughly 5-10%").
inline constexpr double kFreeThreadedSlowdown = 0.08;

/**
 * Resident memory (RSS) of one server process, in bytes: `process` after
 * start-up (interpreter, framework, app), `thread` for each thread it runs,
 * `connection` for each request it holds. The defaults are Flask's on
 * Gunicorn (see memory_preset() in model/memory.hpp).
 */
struct ProcessMemory {
  double process = 30.0 * 1024 * 1024;
  double thread = 1.0 * 1024 * 1024;
  double connection = 64.0 * 1024;
  /// Bytes each request a process accepts adds for good (a leak, caches that
  /// only grow), until the process restarts; 0: none.
  double growth_per_request = 0.0;
};

/**
 * A server process group on one host.
 *
 * Every process has its own GIL. Connections that no process has accepted
 * wait in one shared kernel backlog of `backlog` slots (unset: the kind's
 * default, Scenario::backlog_of); one arriving at a full backlog is refused.
 *
 * - `gunicorn_sync`: a process accepts one connection at a time and closes it
 *   after the response; a request running longer than `timeout` gets its
 *   worker killed, which serves again after `boot_time`.
 * - `gunicorn_gthread`: a process holds up to `worker_connections`
 *   connections; `threads` threads serve them, contending for the GIL.
 * - `gunicorn_gevent`: a process holds up to `worker_connections` connections
 *   and runs them cooperatively on one thread: `io` yields, everything else
 *   holds the loop.
 * - `uvicorn`: every process accepts eagerly; `async` endpoints run on its
 *   event loop, `sync` ones in a pool of `thread_pool` threads; above
 *   `limit_concurrency` requests in a process it answers 503.
 * - `hypercorn`, `granian`, `gunicorn_uvicorn`: uvicorn's runtime (is_asgi())
 *   with their own costs (their framework presets, measured on each server)
 *   and defaults, and without `limit_concurrency`, which none of them has.
 *   Granian has no `max_requests` either (it recycles by lifetime or memory);
 *   its Rust I/O threads do their work outside the GIL, counted here as loop
 *   CPU, which is exact on one core. `gunicorn_uvicorn` keeps Gunicorn's
 *   `keepalive` default (2 s), restarts and `timeout`: its arbiter kills a
 *   worker whose event loop has not notified it for that long (the loop
 *   notifies every timeout / 2 when free), with every request it holds.
 *
 * Every request spends `framework_overhead` of CPU (routing, parsing,
 * validation, serialization), and `connection_overhead` more when it opens a
 * new connection: always on `gunicorn_sync`, which closes every connection;
 * on the others when the client's previous response is older than `keepalive`.
 * On those others a closed-workload user's connection stays in the process
 * that accepted it: every request on it goes to that process, even when
 * another is idle, until it is closed (idle past `keepalive`, a failure, or
 * its process exits). Which process accepts it: with `reuse_port`, one drawn
 * uniformly; otherwise the least loaded, except that a burst of connects at
 * one instant tends to go to one process (rules/pinning.hpp).
 * A request that changes threads spends `thread_handoff` more: every request
 * of `gunicorn_gthread` (its poller hands the connection to a pool thread)
 * and of a `sync` endpoint on `uvicorn` (the loop hands it to the thread pool
 * and takes the result back). Every `io` and `blocking_io` wait costs
 * `wait_overhead` more when it ends (the timer or socket wake-up, the event
 * loop's poll, re-acquiring the GIL), charged to what resumes the request:
 * the event loop for `async` code and gevent, the thread otherwise; and
 * `wait_crowding` more per request its process holds then (measured: the
 * same wait costs more CPU as a process holds more requests).
 *
 * With `python` free_threaded a process has no GIL: its Python code (`cpu`
 * and `background` phases and the overheads above) runs on any free core,
 * `1 + free_threaded_slowdown` times as long as on the standard build. Only
 * processes with several threads gain (gthread, uvicorn's thread pool);
 * single-threaded ones (sync, gevent, an event loop's own code) only pay.
 */
struct Server {
  std::string name;
  std::string host;  ///< name of a Host
  ServerKind kind = ServerKind::gunicorn_sync;
  int workers = 1;                ///< processes (`--workers`), default 1
  /// Copies of the server, each on its own copy of its host, behind its
  /// balancer (see expand_replicas()); default 1.
  int replicas = 1;
  /// Kernel accept backlog (`--backlog`); unset: the kind's default (Scenario::backlog_of).
  std::optional<int> backlog;
  int threads = 1;                ///< gunicorn_gthread: threads per process (`--threads`)
  int worker_connections = 1000;  ///< gthread and gevent: connections per process
  /// gunicorn_sync and gunicorn_uvicorn: Gunicorn's worker timeout, seconds; 0 disables it.
  double timeout = 30.0;
  /// Seconds a killed or recycled process takes to serve again (the master
  /// forks a new one, which imports the app); see docs/scenario-format.md.
  double boot_time = 1.0;
  /// Restart a process after it accepted this many requests (Gunicorn
  /// `--max-requests`, Uvicorn `--limit-max-requests`): it takes no more,
  /// finishes what it holds, and a new one serves after `boot_time`; 0: never.
  int max_requests = 0;
  /// Seconds a process retiring at max_requests may take to finish what it
  /// holds (Gunicorn `--graceful-timeout`, default 30 s); then it is killed
  /// with what it still holds, long-lived connections included.
  double graceful_timeout = 30.0;
  /// Each process's limit is max_requests plus a uniform integer draw in
  /// [0, max_requests_jitter], drawn again at every restart.
  int max_requests_jitter = 0;
  /// Bytes of resident memory a process may reach (a cgroup's memory.max, the
  /// OOM killer): one that would go past it is killed with every request it
  /// holds, and serves again after `boot_time`; unset: no limit.
  std::optional<double> memory_limit;
  std::optional<int> limit_concurrency;  ///< uvicorn: requests per process before 503s
  int thread_pool = 40;                  ///< uvicorn: threads per process for `sync` endpoints
  double switch_interval = 0.005;  ///< GIL switch interval, seconds (sys.getswitchinterval())
  PythonBuild python = PythonBuild::standard;  ///< the CPython build the processes run
  /// free_threaded: extra fraction of time Python code takes; unset: kFreeThreadedSlowdown.
  std::optional<double> free_threaded_slowdown;
  /// Seconds an idle keep-alive connection stays open; unset: the server's own
  /// default (Gunicorn `--keep-alive` 2 s, Uvicorn `--timeout-keep-alive` 5 s).
  /// gunicorn_sync closes every connection whatever this says.
  std::optional<double> keepalive;
  /// gunicorn gthread, gevent and gunicorn_uvicorn: each worker opens its own
  /// listening socket with SO_REUSEPORT (`--reuse-port`), and the kernel
  /// hashes each new connection to one of them, whatever the workers' load;
  /// false: the workers share the master's socket (see rules/pinning.hpp).
  bool reuse_port = false;
  /// CPU seconds per request spent in the framework; see framework_preset().
  Distribution framework_overhead = Distribution::constant(0.0);
  /// CPU seconds to accept and set up a new connection.
  Distribution connection_overhead = Distribution::constant(0.0);
  /// CPU seconds (holding the GIL) to pass a request to another thread and back.
  Distribution thread_handoff = Distribution::constant(0.0);
  /// CPU seconds (holding the GIL) to resume a request after an `io` or `blocking_io` wait.
  Distribution wait_overhead = Distribution::constant(0.0);
  /// CPU seconds (holding the GIL) that resuming after a wait costs more per
  /// request the process holds at that moment, the resumed one included.
  double wait_crowding = 0.0;
  /// Resident memory per process; the parser takes the framework's preset.
  ProcessMemory memory;
};

/// What a phase of an endpoint does.
enum class PhaseKind {
  cpu,          ///< Python code: holds the process's GIL and a core
  cpu_nogil,    ///< native code that releases the GIL (numpy, compression): a core per thread it runs on
  io,           ///< waiting on the network: a thread blocks, an `async` endpoint awaits
  blocking_io,  ///< a blocking call inside `async def`: the event loop stalls for it
  background,   ///< Python code after the response is sent (FastAPI BackgroundTasks)
  db,           ///< a query: a pooled connection, then the Database's queue
  call,         ///< a request to a downstream Service
  cache,        ///< a cache lookup: `hit` phases with probability `hit_ratio`, else `miss`
  enqueue,      ///< publish a task to its pool's Broker; with `wait`, await its result
  infer,        ///< a request to a ModelServer, answered when the batch holding it is done
};

/**
 * One step of an endpoint: its kind and how long it takes (seconds at speed 1.0).
 *
 * - `db`: `target` names a Database; `duration` is the query's service time
 *   there (unset: the database's `query_time`).
 * - `call`: `target` names a Service; the call takes the service's latency.
 * - `cache`: with probability `hit_ratio` the `hit` phases run, else the `miss` phases;
 *   with a `target` (a Cache store) the lookup is first a command at that store.
 * - `enqueue`: `target` names a Task; the request publishes it to its pool's
 *   broker (a command there) and goes on, or with `wait` holds until a worker has run it.
 * - `infer`: `target` names a ModelServer; the request awaits its batch (like a call).
 */
struct Phase {
  PhaseKind kind = PhaseKind::cpu;
  Distribution duration;
  /// db: a Database; call: a Service; cache: a Cache store, or empty; enqueue: a Task; infer: a ModelServer
  std::string target;
  bool has_duration = true;  ///< db: false when the database's query_time applies; enqueue, infer: false
  bool wait = false;         ///< enqueue: hold the request until the task has run (AsyncResult.get())
  /// cpu_nogil: threads the native code splits its work over (torch.set_num_threads,
  /// a BLAS pool); `duration` is their CPU time in all, so on idle cores it takes duration / threads.
  int threads = 1;
  double hit_ratio = 0.0;    ///< cache: probability of a hit, in [0, 1]
  std::vector<Phase> hit;    ///< cache: phases of a hit
  std::vector<Phase> miss;   ///< cache: phases of a miss
};

/**
 * A downstream HTTP service: each call takes `latency`; at most `concurrency`
 * calls are served at once (the others queue, first come first served), if set;
 * a call fails with probability `error_rate`, failing its request.
 */
struct Service {
  std::string name;
  Distribution latency = Distribution::constant(0.010);
  std::optional<int> concurrency;
  double error_rate = 0.0;
};

/**
 * A cache or key-value store as a server (Redis): `threads` command threads
 * (Redis executes commands on one) run commands first come first served,
 * each taking `command_time`; so a hot store can be the bottleneck. A
 * `cache` phase naming it sends it one command (the lookup) before its
 * hit or miss phases. Network time to the store belongs in `command_time`.
 */
struct Cache {
  std::string name;
  int threads = 1;
  Distribution command_time = Distribution::constant(0.0001);
};

/// What a long-lived connection carries.
enum class ConnectionKind {
  websocket,  ///< messages arrive at a rate while it is open (FastAPI WebSocket, flask-sock)
  stream,     ///< a streaming response: `chunks` chunks apart by `chunk_gap` (StreamingResponse, SSE)
};

/**
 * A population of long-lived connections to `server`: `count` opened at the
 * start and held for the whole run, or opened at `open_rate` per second
 * (Poisson). A `websocket` stays open for a `hold` time and receives
 * `messages` per second (Poisson), each running `phases` on the process
 * holding it; a `stream` writes `chunks` chunks, each after a `chunk_gap` and
 * running `phases`, then closes. A connection counts against its process's
 * connections (uvicorn's limit_concurrency, gevent's worker_connections, the
 * file-descriptor limit) and holds the server's `memory.connection`; on
 * gunicorn sync it holds a whole worker. One arriving where no process has
 * room is refused. A process killed (memory_limit, Gunicorn's arbiter, the
 * end of a recycled one's graceful_timeout) drops its connections and the
 * messages running on them; a `count` group's clients reconnect after
 * `reconnect_delay`, an `open_rate` group's are gone.
 */
struct ConnectionGroup {
  std::string name;
  std::string server;  ///< name of a Server (not a balancer)
  ConnectionKind kind = ConnectionKind::websocket;
  std::optional<int> count;         ///< fixed population, opened at t = 0
  std::optional<double> open_rate;  ///< connections opened per second
  /// websocket with open_rate: how long one stays open, seconds.
  Distribution hold = Distribution::constant(60.0);
  double messages = 1.0;  ///< websocket: messages per second per connection
  int chunks = 10;        ///< stream: chunks per response
  Distribution chunk_gap = Distribution::constant(0.1);  ///< stream: seconds before each chunk
  std::vector<Phase> phases;  ///< what one message or chunk runs
  /// count: seconds a client whose connection was dropped (its process
  /// killed) waits before it connects again, and again after each refusal.
  Distribution reconnect_delay = Distribution::constant(3.0);
};

/**
 * A message broker (Redis or RabbitMQ behind Celery or RQ): `threads`
 * command threads take published tasks first come first served, each
 * publish taking `command_time` (network included); so a busy broker slows
 * every enqueue. Workers' fetches are not modelled as commands.
 */
struct Broker {
  std::string name;
  int threads = 1;
  Distribution command_time = Distribution::constant(0.0002);
};

/// One kind of task a pool runs (a Celery `@app.task`): its phases, as an
/// endpoint's (cpu, cpu_nogil, io, db, call, cache), run by one worker process.
struct Task {
  std::string name;
  std::vector<Phase> phases;
};

/**
 * A Celery prefork worker pool (`celery worker --concurrency N`) or N RQ
 * workers: `concurrency` single-threaded processes on `host` (sharing its
 * cores with whatever else runs there; each process its own GIL), taking
 * the tasks published to `broker` for any of its `tasks` one at a time, in
 * publish order. Unset concurrency is Celery's default: the host's cores.
 */
struct TaskPool {
  std::string name;
  std::string host;    ///< name of a Host
  std::string broker;  ///< name of a Broker: the queue it consumes
  std::optional<int> concurrency;
  std::vector<Task> tasks;
};

/**
 * A model server with dynamic batching (Triton's dynamic batcher, TorchServe's
 * batch_size/max_batch_delay, vLLM's scheduler seen from outside): requests
 * queue first come first served; a batch of up to `max_batch_size` of them
 * starts on a free instance (a model replica, a GPU) as soon as that many
 * wait or the oldest has waited `max_queue_delay`. A batch of n takes a draw
 * of `batch_time` plus n x `item_time` (the linear cost model of the Triton
 * and vLLM performance guides), and answers all its requests at its end.
 * Network time to the server belongs in `batch_time`.
 */
struct ModelServer {
  std::string name;
  int instances = 1;            ///< batches run at once (model replicas, GPUs); default 1
  int max_batch_size = 1;       ///< requests per batch; 1 (TorchServe's default batch_size): no batching
  double max_queue_delay = 0.0;  ///< seconds the oldest request waits for a fuller batch (Triton's default 0)
  Distribution batch_time = Distribution::constant(0.010);  ///< seconds per batch, whatever its size
  double item_time = 0.0;       ///< seconds more per request in the batch

  /// Mean seconds a batch of `size` requests takes.
  [[nodiscard]] double mean_batch_time(int size) const noexcept { return batch_time.mean() + size * item_time; }
  /// Requests per second its instances answer running full batches back to back.
  [[nodiscard]] double capacity() const noexcept {
    return instances * max_batch_size / mean_batch_time(max_batch_size);
  }
};

/// How a load balancer picks a server for each request.
enum class BalancingPolicy {
  round_robin,        ///< each server in turn
  least_connections,  ///< the server with the fewest requests outstanding from this balancer
  power_of_two,       ///< the less loaded of two distinct servers drawn at random
  random,             ///< a server drawn at random
};

/**
 * A load balancer in front of `servers`, which must serve the same endpoints:
 * an endpoint whose `server` names the balancer is served by whichever server
 * it picks. Every request crosses the network both ways: `rtt` seconds in all,
 * plus the endpoint's request and response bytes at `bandwidth_mbps`. Each
 * transfer has the whole bandwidth (a fixed delay per request, no contention).
 * A request counts against its server from the pick until the server's
 * answer or error leaves it; ties go to the servers in turn.
 */
struct Balancer {
  std::string name;
  std::vector<std::string> servers;
  BalancingPolicy policy = BalancingPolicy::round_robin;
  double rtt = 0.0;                     ///< seconds, round trip client - balancer - server
  std::optional<double> bandwidth_mbps;  ///< megabits per second; unset: transfers take no time
};

/// How an endpoint is written.
enum class EndpointStyle {
  sync,   ///< a plain `def`: runs on a thread (a worker's, or Uvicorn's thread pool)
  async,  ///< an `async def`: runs on the event loop
};

/** A request handler: served by `server`, made of `phases` run in order. */
struct Endpoint {
  std::string name;
  std::string server;  ///< name of a Server, or of a Balancer in front of servers
  std::vector<Phase> phases;
  /// Unset: `async` on uvicorn, `sync` elsewhere (see Scenario::style_of).
  std::optional<EndpointStyle> style;
  double request_bytes = 0.0;   ///< sent to the server; takes time through a Balancer's bandwidth
  double response_bytes = 0.0;  ///< sent back
};

/// Arrival processes of an open workload.
enum class ArrivalProcess {
  poisson,   ///< exponential inter-arrival times
  constant,  ///< exactly 1/rate apart
  bursty,    ///< a two-state Markov-modulated Poisson process (see Burst)
  trace,     ///< replayed from OpenWorkload::trace
};

/**
 * Bursts of a Markov-modulated Poisson process: outside bursts requests arrive
 * at OpenWorkload::rate (0 gives an on/off source); bursts start after
 * exponential gaps of mean `every` seconds, last exponential times of mean
 * `duration` seconds, and bring requests at `rate` per second.
 */
struct Burst {
  double rate = 0.0;
  double duration = 1.0;
  double every = 60.0;
};

/// How the rate of Poisson arrivals changes over the run.
enum class RateProfileKind {
  constant,  ///< OpenWorkload::rate throughout
  ramp,      ///< linearly from `from` to `to` over the run
  steps,     ///< `steps[i].rate` from `steps[i].at` on
  diurnal,   ///< a sine between `min` and `max` with period `period`, lowest at t = 0
};

struct RateStep {
  double at = 0.0;  ///< seconds
  double rate = 0.0;
};

struct RateProfile {
  RateProfileKind kind = RateProfileKind::constant;
  double from = 0.0, to = 0.0;  ///< ramp, req/s
  std::vector<RateStep> steps;  ///< steps, sorted by `at`, the first at 0
  double min = 0.0, max = 0.0;  ///< diurnal, req/s
  double period = 86'400.0;     ///< diurnal, seconds
};

/**
 * An open workload: requests arrive whatever the response times, at `rate`
 * per second (or as `profile` says), spaced as `arrivals` says. A trace
 * replays `trace`: arrival times in seconds, sorted, read from a file.
 */
struct OpenWorkload {
  double rate = 1.0;  ///< requests per second, > 0 (>= 0 for bursty)
  ArrivalProcess arrivals = ArrivalProcess::poisson;
  Burst burst;             ///< bursty only
  RateProfile profile;     ///< poisson only
  std::vector<double> trace;  ///< trace only
  std::string trace_file;     ///< where `trace` came from, for messages

  /// The highest rate the arrivals reach (req/s): a burst's or a profile's peak;
  /// 0 for a trace, whose times are given rather than drawn.
  [[nodiscard]] double peak_rate() const;
};

/** A closed workload: `users` clients, each sends, waits for the answer, thinks, repeats. */
struct ClosedWorkload {
  int users = 1;
  /// Pause between a response and the next request; constant 0 behaves like wrk connections.
  Distribution think_time = Distribution::constant(0.0);
};

/** One entry of the request mix: an endpoint, its relative weight (> 0) and its SLO. */
struct MixEntry {
  std::string endpoint;
  double weight = 1.0;
  /// Responses slower than this (seconds) do not count as goodput; unset: every answer does.
  std::optional<double> slo;
};

/**
 * How clients retry a failed request (refused, timed out, 503, worker killed,
 * pool timeout, downstream error): up to `max_attempts` attempts in all, the
 * k-th retry after `backoff * multiplier^(k-1)` seconds (at most
 * `max_backoff`), scaled by a uniform factor in [1 - jitter, 1].
 * `backoff: 0` retries at once: a retry storm past saturation.
 */
struct RetryPolicy {
  int max_attempts = 1;  ///< 1: no retries
  double backoff = 0.1;
  double multiplier = 2.0;
  double max_backoff = 10.0;
  double jitter = 0.0;
};

/**
 * Who sends requests, how many, and to which endpoints.
 *
 * Exactly one of `open` and `closed` is set. An empty `mix` means every
 * endpoint with equal weight. `client_timeout` (seconds) makes a client give
 * up on a request; the server still finishes the work, as a real server does.
 */
struct Workload {
  std::optional<OpenWorkload> open;
  std::optional<ClosedWorkload> closed;
  std::vector<MixEntry> mix;
  std::optional<double> client_timeout;
  RetryPolicy retries;
};

/// How the warm-up period is chosen.
enum class WarmupMode {
  fixed,  ///< discard what completes before RunConfig::warmup seconds
  mser5,  ///< choose the truncation point by MSER-5 on the interval means
};

/** How long to simulate and how to measure. */
struct RunConfig {
  double duration = 60.0;  ///< simulated seconds per replication, > 0
  WarmupMode warmup_mode = WarmupMode::fixed;
  double warmup = 0.0;   ///< seconds discarded (fixed mode), < duration
  int replications = 1;  ///< independent runs, >= 1
  std::uint64_t seed = 1;
  /// Length of one time-series interval in seconds; 0 picks duration / 100.
  double interval = 0.0;
};

/** A complete model of a deployment under load. */
struct Scenario {
  std::string name = "scenario";
  std::vector<Host> hosts;
  std::vector<Server> servers;
  std::vector<Endpoint> endpoints;
  std::vector<Database> databases;
  std::vector<Service> services;
  std::vector<Cache> caches;
  std::vector<Broker> brokers;
  std::vector<TaskPool> task_workers;
  std::vector<ModelServer> model_servers;
  std::vector<Balancer> balancers;
  std::vector<ConnectionGroup> connections;
  Workload workload;
  RunConfig run;
  /// The file's `plan:` section: what servesim::plan() searches by default.
  std::optional<PlanSpec> plan;
  /// The fields the file gives as ranges, in file order; each holds its `mid`
  /// above. Not written back by the scenario writer: a copy made with
  /// overrides (and what engines run) is the ordinary scenario at the mids.
  std::vector<UncertainInput> uncertain;

  /**
   * Checks ranges and cross-references (servers name existing hosts, the mix
   * names existing endpoints, ...).
   * @throws ScenarioError naming the path of the first bad field, e.g.
   *         `servers.web.host: no host named 'ap'; did you mean 'app'?`
   */
  void validate() const;

  [[nodiscard]] const Host* find_host(const std::string& host_name) const noexcept;
  [[nodiscard]] const Server* find_server(const std::string& server_name) const noexcept;
  [[nodiscard]] const Endpoint* find_endpoint(const std::string& endpoint_name) const noexcept;
  [[nodiscard]] const Database* find_database(const std::string& database_name) const noexcept;
  [[nodiscard]] const Service* find_service(const std::string& service_name) const noexcept;
  [[nodiscard]] const Cache* find_cache(const std::string& cache_name) const noexcept;
  [[nodiscard]] const Broker* find_broker(const std::string& broker_name) const noexcept;
  [[nodiscard]] const ModelServer* find_model_server(const std::string& model_server_name) const noexcept;
  /// The pool that runs the task named `task_name`, or null.
  [[nodiscard]] const TaskPool* pool_of_task(const std::string& task_name) const noexcept;
  /// A pool's worker processes: its concurrency, or its host's cores when unset.
  [[nodiscard]] int concurrency_of(const TaskPool& pool) const noexcept;
  [[nodiscard]] const Balancer* find_balancer(const std::string& balancer_name) const noexcept;
  /// The servers that serve `endpoint`: its server, or every server of the balancer it names.
  [[nodiscard]] std::vector<const Server*> servers_of(const Endpoint& endpoint) const;
  /// The endpoint's style on `server`: its own, or the server kind's default.
  [[nodiscard]] static EndpointStyle style_on(const Endpoint& endpoint, const Server& server) noexcept;
  /// The endpoint's style on its (first) server.
  [[nodiscard]] EndpointStyle style_of(const Endpoint& endpoint) const;
  /// Server::keepalive, or the server's own default when unset.
  [[nodiscard]] static double keepalive_of(const Server& server) noexcept;
  /**
   * Server::backlog, or the kind's default when unset, as each server's source
   * sets it: Gunicorn (every worker class, UvicornWorker's too) and Uvicorn
   * 2048, Granian 1024, Hypercorn 100.
   */
  [[nodiscard]] static int backlog_of(const Server& server) noexcept;
  /// How many times as long the server's Python code takes as on the standard
  /// build: 1, or 1 + its free-threaded slowdown.
  [[nodiscard]] static double python_time_factor(const Server& server) noexcept;
  /// The host's speed as a running thread gets it on average, its stalls
  /// taken out: speed x (1 - stalls.share). The analytic models use it for
  /// mean CPU demands; the engines draw each stall.
  [[nodiscard]] static double effective_speed(const Host& host) noexcept;
};

}  // namespace servesim
