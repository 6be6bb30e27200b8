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

/// How a server runs requests. Only Gunicorn's `sync` worker class so far.
enum class ServerKind {
  gunicorn_sync,  ///< N single-threaded worker processes behind one accept backlog
};

/**
 * A server process group on one host.
 *
 * `gunicorn_sync`: `workers` processes each serve one request at a time;
 * waiting connections queue in one shared kernel backlog of `backlog` slots
 * (Gunicorn's default 2048); a connection arriving at a full backlog is refused.
 * Every request first spends `framework_overhead` of CPU (routing, parsing,
 * serialization) before its endpoint phases.
 */
struct Server {
  std::string name;
  std::string host;  ///< name of a Host
  ServerKind kind = ServerKind::gunicorn_sync;
  int workers = 1;     ///< Gunicorn `--workers`, default 1
  int backlog = 2048;  ///< Gunicorn `--backlog`, default 2048
  /// CPU seconds per request spent in the framework; see framework_preset().
  Distribution framework_overhead = Distribution::constant(0.0);
};

/// What a phase of an endpoint does.
enum class PhaseKind {
  cpu,  ///< Python code: occupies a core (processor sharing) for its duration at speed 1.0
  io,   ///< waiting on the network: the worker is held, no CPU used
};

/** One step of an endpoint: its kind and how long it takes (seconds at speed 1.0). */
struct Phase {
  PhaseKind kind = PhaseKind::cpu;
  Distribution duration;
};

/** A request handler: served by `server`, made of `phases` run in order. */
struct Endpoint {
  std::string name;
  std::string server;  ///< name of a Server
  std::vector<Phase> phases;
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
};

}  // namespace servesim
