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

namespace servesim {

/** A machine: `cores` cores at relative `speed` (1.0 = the reference machine). */
struct Host {
  std::string name;
  int cores = 1;
  double speed = 1.0;
};

/// How a server runs requests: Gunicorn's worker classes, or Uvicorn.
enum class ServerKind {
  gunicorn_sync,     ///< N single-threaded processes, one request each, behind one accept backlog
  gunicorn_gthread,  ///< N processes x `threads` threads, up to `worker_connections` each
  gunicorn_gevent,   ///< N processes, each a cooperative loop running plain `def` code
  uvicorn,           ///< N processes, each one asyncio event loop plus a thread pool for `def`
};

/**
 * A server process group on one host.
 *
 * Every process has its own GIL. Connections that no process has accepted
 * wait in one shared kernel backlog of `backlog` slots (default 2048); one
 * arriving at a full backlog is refused.
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
 *
 * Every request spends `framework_overhead` of CPU (routing, parsing,
 * validation, serialization), and `connection_overhead` more when it opens a
 * new connection: always on `gunicorn_sync`, which closes every connection;
 * on the others when the client's previous response is older than `keepalive`.
 * A request that changes threads spends `thread_handoff` more: every request
 * of `gunicorn_gthread` (its poller hands the connection to a pool thread)
 * and of a `sync` endpoint on `uvicorn` (the loop hands it to the thread pool
 * and takes the result back).
 */
struct Server {
  std::string name;
  std::string host;  ///< name of a Host
  ServerKind kind = ServerKind::gunicorn_sync;
  int workers = 1;                ///< processes (`--workers`), default 1
  int backlog = 2048;             ///< kernel accept backlog (`--backlog`), default 2048
  int threads = 1;                ///< gunicorn_gthread: threads per process (`--threads`)
  int worker_connections = 1000;  ///< gthread and gevent: connections per process
  double timeout = 30.0;          ///< gunicorn_sync: worker timeout, seconds; 0 disables it
  double boot_time = 1.0;         ///< seconds a killed worker takes to serve again
  std::optional<int> limit_concurrency;  ///< uvicorn: requests per process before 503s
  int thread_pool = 40;                  ///< uvicorn: threads per process for `sync` endpoints
  double switch_interval = 0.005;  ///< GIL switch interval, seconds (sys.getswitchinterval())
  /// Seconds an idle keep-alive connection stays open; unset: the server's own
  /// default (Gunicorn `--keep-alive` 2 s, Uvicorn `--timeout-keep-alive` 5 s).
  /// gunicorn_sync closes every connection whatever this says.
  std::optional<double> keepalive;
  /// CPU seconds per request spent in the framework; see framework_preset().
  Distribution framework_overhead = Distribution::constant(0.0);
  /// CPU seconds to accept and set up a new connection.
  Distribution connection_overhead = Distribution::constant(0.0);
  /// CPU seconds (holding the GIL) to pass a request to another thread and back.
  Distribution thread_handoff = Distribution::constant(0.0);
};

/// What a phase of an endpoint does.
enum class PhaseKind {
  cpu,          ///< Python code: holds the process's GIL and a core
  cpu_nogil,    ///< native code that releases the GIL (numpy, compression): a core only
  io,           ///< waiting on the network: a thread blocks, an `async` endpoint awaits
  blocking_io,  ///< a blocking call inside `async def`: the event loop stalls for it
  background,   ///< Python code after the response is sent (FastAPI BackgroundTasks)
};

/** One step of an endpoint: its kind and how long it takes (seconds at speed 1.0). */
struct Phase {
  PhaseKind kind = PhaseKind::cpu;
  Distribution duration;
};

/// How an endpoint is written.
enum class EndpointStyle {
  sync,   ///< a plain `def`: runs on a thread (a worker's, or Uvicorn's thread pool)
  async,  ///< an `async def`: runs on the event loop
};

/** A request handler: served by `server`, made of `phases` run in order. */
struct Endpoint {
  std::string name;
  std::string server;  ///< name of a Server
  std::vector<Phase> phases;
  /// Unset: `async` on uvicorn, `sync` elsewhere (see Scenario::style_of).
  std::optional<EndpointStyle> style;
};

/// Arrival processes of an open workload.
enum class ArrivalProcess {
  poisson,   ///< exponential inter-arrival times
  constant,  ///< exactly 1/rate apart
};

/** An open workload: requests arrive at `rate` per second whatever the response times. */
struct OpenWorkload {
  double rate = 1.0;  ///< requests per second, > 0
  ArrivalProcess arrivals = ArrivalProcess::poisson;
};

/** A closed workload: `users` clients, each sends, waits for the answer, thinks, repeats. */
struct ClosedWorkload {
  int users = 1;
  /// Pause between a response and the next request; constant 0 behaves like wrk connections.
  Distribution think_time = Distribution::constant(0.0);
};

/** One entry of the request mix: an endpoint and its relative weight (> 0). */
struct MixEntry {
  std::string endpoint;
  double weight = 1.0;
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
  Workload workload;
  RunConfig run;

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
  /// The endpoint's style, defaulted by its server's kind. `endpoint` must name an existing server.
  [[nodiscard]] EndpointStyle style_of(const Endpoint& endpoint) const;
  /// Server::keepalive, or the server's own default when unset.
  [[nodiscard]] static double keepalive_of(const Server& server) noexcept;
};

}  // namespace servesim
