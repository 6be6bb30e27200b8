#pragma once
// The native engine: one replication of a scenario. Requests are small state
// machines stepping through their routes; nothing runs per request but the
// events it causes. The rules (libsim/src/rules) decide what is random,
// admitted, counted and reported; this is the mechanism: an event calendar,
// processor-sharing hosts, and id queues for threads, loops and GILs.
// Set-up in platform.cpp, clients in clients.cpp, databases and services in
// dependencies.cpp, model servers in model_servers.cpp, measurement in measurement.cpp.

#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "rules/arrival_process.hpp"
#include "rules/balancer.hpp"
#include "rules/connections.hpp"
#include "rules/endpoint_mix.hpp"
#include "rules/failures.hpp"
#include "rules/measurement.hpp"
#include "rules/resource_stats.hpp"
#include "rules/retry.hpp"
#include "rules/route.hpp"
#include "rules/stalls.hpp"
#include "rules/streams.hpp"
#include "rules/task_queue.hpp"
#include "rules/tally.hpp"
#include "servesim/core/rng.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"
#include "sim/connection_pool.hpp"
#include "sim/dependencies.hpp"
#include "sim/event_calendar.hpp"
#include "sim/progress_guard.hpp"
#include "sim/request_pool.hpp"
#include "sim/server_runtime.hpp"
#include "sim/shared_cpu.hpp"
#include "sim/worker_process.hpp"

namespace servesim::detail {

class NativeSimulation {
 public:
  /// `scenario` must be valid and outlive the engine. `on_poll` runs every
  /// ProgressGuard::kPollEvents events and may throw to stop the run.
  NativeSimulation(const Scenario& scenario, int replication, Measurement measurement,
                   IntervalHook on_interval = {}, PollHook on_poll = {});

  ReplicationResult run();

 private:
  // An endpoint's steps on one of the servers that serve it.
  struct ServerRoute {
    std::uint32_t server;
    std::vector<Step> steps;
    std::vector<Step> rejection_steps;
  };
  // Its routes are routes_[first_route ...], one per server, in the balancer's order.
  struct EndpointRuntime {
    std::uint32_t first_route;
    std::optional<std::uint32_t> balancer;
    NetworkPath network;  // zero without a balancer
    Rng rng;
    Rng branch_rng;  ///< cache hits and misses, apart from durations so they do not shift each other
  };
  // A connection group (connections.cpp): its population, and its
  // messages as one Poisson stream over its open connections.
  struct GroupRuntime {
    const ConnectionGroup* spec;
    std::uint32_t server;
    std::uint32_t route;     ///< its message route in routes_
    std::uint32_t endpoint;  ///< its steps' durations: endpoints_[endpoint].rng
    std::vector<std::uint32_t> open;  ///< open connections, in no order
    std::uint32_t message_generation = 0;  ///< bumped when the message rate changes
    Rng opens, holds, messages;
    ConnectionTally tally;
  };
  // One open connection (or a free slot): its process and place in `open`.
  struct Connection {
    std::uint32_t group = 0;
    std::uint32_t process = 0;
    std::uint32_t slot = 0;
    std::uint32_t generation = 0;
    int chunks_left = 0;
  };

  void build_servers();
  void build_balancers();
  void build_endpoints();
  void build_connections();
  void start_workload();
  void start_connections();

  void dispatch(const Event& event);
  void on_open_arrival();
  void on_client_timeout(std::uint32_t id, std::uint32_t generation);
  void on_gil_switch(std::uint32_t process, std::uint32_t switches);
  // Processes' restarts (restarts.cpp): the worker timeout, max_requests, memory_limit.
  void arm_watchdog(std::uint32_t process, double deadline);
  void on_worker_timeout(std::uint32_t process);
  void on_graceful_timeout(std::uint32_t process, std::uint32_t life);
  void kill_process(std::uint32_t process, Failure failure);
  void restart_process(std::uint32_t process);
  void on_worker_boot(std::uint32_t process);
  void on_interval_end();
  void on_warmup_end();
  void on_connection_open(std::uint32_t group);
  bool open_connection(std::uint32_t group);
  void on_connection_reconnect(std::uint32_t group);
  void schedule_reconnect(std::uint32_t group);
  void close_connection(std::uint32_t connection);
  void remove_connection(std::uint32_t connection);
  bool drop_connections(std::uint32_t process);
  void on_connection_message(std::uint32_t group, std::uint32_t generation);
  void reschedule_messages(std::uint32_t group);
  void schedule_next_message(std::uint32_t group, std::uint32_t generation);
  void send_message(std::uint32_t connection);
  void schedule_chunk(std::uint32_t connection);
  /// Whether request `id` is a message of a connection group, not an HTTP request.
  [[nodiscard]] bool is_message(std::uint32_t id) {
    return requests_[id].endpoint >= scenario_.endpoints.size() + tasks_.size();
  }
  void finish_message(std::uint32_t id);

  // A request's way through a server.
  void arrive(std::uint32_t endpoint, std::uint32_t user);
  void send(std::uint32_t id);
  void reach_server(std::uint32_t id);
  void leave_balancer(const Request& request);
  [[nodiscard]] std::optional<std::uint32_t> pick_process(ServerRuntime& server);
  void admit(std::uint32_t process, std::uint32_t id);
  void accept(std::uint32_t process, std::uint32_t id);
  void advance(std::uint32_t id);
  void start_step(std::uint32_t id);
  void on_cpu_done(std::uint32_t id);
  void respond(std::uint32_t id);
  void finish(std::uint32_t id);
  // Task queues: a task is a request to its pool's server (see request_pool.hpp).
  void enqueue_task(std::uint32_t parent, std::uint32_t task, bool wait);
  // Requests' endpoints: the scenario's, then one per task, then one per connection group.
  [[nodiscard]] bool is_task(const Request& request) const noexcept {
    return request.endpoint >= scenario_.endpoints.size() && request.endpoint < scenario_.endpoints.size() + tasks_.size();
  }
  void sample_task_queues();
  void leave_server(std::uint32_t id);
  void process_freed(std::uint32_t process);

  // Threads, loops and GILs.
  bool take_thread(std::uint32_t id);
  void release_thread(std::uint32_t id);
  bool take_loop(std::uint32_t id);
  void release_loop(std::uint32_t id);
  [[nodiscard]] static std::uint32_t loop_connection(const Request& request);
  void take_gil(std::uint32_t id, double work);
  void release_gil(std::uint32_t id);
  void request_switch(std::uint32_t process);
  void mark_waiting(std::uint32_t id, double delta);

  // Databases and downstream services (dependencies.cpp).
  void build_dependencies();
  void start_query(std::uint32_t id, std::uint32_t database, double service_time);
  void enter_database(std::uint32_t id);
  void begin_query(std::uint32_t id);
  void start_call(std::uint32_t id, std::uint32_t service, double latency);
  void begin_call(std::uint32_t id);
  void on_dependency_done(std::uint32_t id, std::uint32_t generation);
  void on_pool_timeout(std::uint32_t id, std::uint32_t generation);
  void return_connection(std::uint32_t id);
  void leave_dependency(std::uint32_t id);
  void fail_in_handler(std::uint32_t id, Failure failure);
  [[nodiscard]] ConnectionPoolRuntime& pool_of(const Request& request);
  void mark_dependencies_warmup();
  [[nodiscard]] DatabaseStats database_stats(std::size_t d) const;
  [[nodiscard]] ServiceStats service_stats(std::size_t s) const;

  // Model servers (model_servers.cpp).
  void build_model_servers();
  void start_inference(std::uint32_t id, std::uint32_t model);
  void start_batches(std::uint32_t model);
  void on_batch_done(std::uint32_t model, std::uint32_t instance);
  void mark_model_servers_warmup();
  [[nodiscard]] ModelServerStats model_server_stats(std::size_t m) const;

  // Clients.
  [[nodiscard]] bool opens_connection(const ServerRuntime& server, std::uint32_t user) const;
  void schedule_next_send(std::uint32_t user, double extra_delay);
  void fail_request(std::uint32_t id, Failure failure, double news_delay = 0.0);
  void schedule_retry(std::uint32_t failed, double news_delay);
  // Called for every step: inline.
  [[nodiscard]] const std::vector<Step>& route_of(const Request& request) const {
    const ServerRoute& route = routes_[request.route];
    return request.rejected ? route.rejection_steps : route.steps;
  }
  [[nodiscard]] ServerRuntime& server_of(const Request& request) { return servers_[routes_[request.route].server]; }
  [[nodiscard]] double system_area(double now) const;
  [[nodiscard]] Timeline::Areas resource_areas(double now) const;

  ReplicationResult collect();
  [[nodiscard]] ServerAreas server_areas(std::size_t s, double now) const;

  const Scenario& scenario_;
  int replication_;
  RandomStreams streams_;
  Measurement measurement_;
  IntervalHook on_interval_;
  double now_ = 0.0;
  std::uint64_t events_ = 0;
  ProgressGuard guard_;

  EventCalendar calendar_;
  RequestPool requests_;
  std::vector<SharedCpu> hosts_;
  std::vector<CpuStalls> stalls_;  ///< per host
  std::vector<Server> pool_servers_;  ///< what task pools run as (rules/route.hpp), after the scenario's servers
  std::vector<TaskRef> tasks_;
  std::vector<TaskPoolTally> task_tallies_;  ///< per task pool
  std::vector<ServerRuntime> servers_;       ///< the scenario's servers, then one per task pool
  std::vector<WorkerProcess> processes_;
  std::vector<Rng> restart_rngs_;  ///< per server: its processes' max_requests jitter
  std::vector<LoadBalancer> balancers_;
  std::vector<ServerRoute> routes_;
  std::vector<EndpointRuntime> endpoints_;
  std::vector<DatabaseRuntime> databases_;
  std::vector<Service> call_stations_;  ///< services, then cache stores (rules/route.hpp)
  std::vector<ServiceRuntime> services_;  ///< one per call station
  std::vector<ConnectionPoolRuntime> pools_;  ///< per process and database: [process * databases + database]
  std::vector<ModelServerRuntime> model_servers_;
  std::optional<double> client_timeout_;
  /// Closed users: when their keep-alive connection fell idle; kNoConnection when they have none.
  std::vector<double> connection_idle_since_;
  static constexpr double kNoConnection = std::numeric_limits<double>::quiet_NaN();

  std::vector<GroupRuntime> groups_;
  std::vector<Connection> connections_;  ///< slots; released ones are in free_connections_
  std::vector<std::uint32_t> free_connections_;

  std::optional<OpenArrivals> open_arrivals_;
  Retries retries_;
  EndpointMix mix_;
  Rng think_rng_;

  // Measured window: the warm-up's end, then the counts.
  std::vector<double> busy_core_seconds_at_warmup_;
  std::vector<ServerAreas> server_areas_at_warmup_;
  Tally tally_;
};

}  // namespace servesim::detail
