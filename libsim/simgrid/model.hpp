#pragma once
// The SimGrid engine's mechanism for one replication: the runtime state of
// hosts, servers, processes, requests and dependencies as S4U objects, and
// the actors that move requests through them. The rules (random streams,
// admission, failures, endpoint mix, the GIL's policy, what is counted and
// how it becomes a result) are the native engine's, from libsim/src/rules;
// only how time passes and who waits for whom is SimGrid's. The Model's
// methods live in one file per concern: platform.cpp (hosts, links, actors),
// clients.cpp, server.cpp, cpu.cpp (executions and the GIL),
// dependencies.cpp, model_servers.cpp and measurement.cpp.

#include <simgrid/s4u.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "rules/admission.hpp"
#include "rules/arbiter.hpp"
#include "rules/batching.hpp"
#include "rules/balancer.hpp"
#include "rules/connections.hpp"
#include "rules/endpoint_mix.hpp"
#include "rules/failures.hpp"
#include "rules/gil.hpp"
#include "rules/loop_order.hpp"
#include "rules/measurement.hpp"
#include "rules/resource_stats.hpp"
#include "rules/retry.hpp"
#include "rules/route.hpp"
#include "rules/stalls.hpp"
#include "rules/recycling.hpp"
#include "rules/streams.hpp"
#include "rules/task_queue.hpp"
#include "rules/tally.hpp"
#include "servesim/core/rng.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::simgrid_engine {

namespace sg4 = simgrid::s4u;

using detail::Failure;
using detail::IntervalHook;
using detail::Measurement;
using detail::RunsOn;
using detail::Step;
using detail::StepKind;

// A host of speed 1.0 computes this many flops per second, so a CPU step of
// d seconds is an execution of d * kFlopsPerSecond flops. Large enough that
// SimGrid's work precision (1e-5 flops) is far below a nanosecond.
inline constexpr double kFlopsPerSecond = 1e9;

struct Process;
struct ServerRuntime;
struct GroupRuntime;
struct DatabaseRuntime;
struct ServiceRuntime;
struct ModelServerRuntime;
struct Inference;

// A closed-loop client: its actor waits on `reply` for the outcome.
struct User {
  std::uint32_t index = 0;  // its keep-alive connection, for the loops' poll order
  sg4::SemaphorePtr reply = sg4::Semaphore::create(0);
  double idle_since = std::numeric_limits<double>::quiet_NaN();  // its keep-alive connection
  double delay_after_outcome = 0.0;  // beyond its think time: after a refusal, a SYN timeout
};

inline constexpr std::size_t kNotHeld = std::numeric_limits<std::size_t>::max();

// Each admitted request is an actor on its server's host, walking its route:
// it queues for a thread, the event loop and the GIL as the step needs, and
// computes (an S4U execution) or waits (a sleep).
struct Request {
  double first_sent = 0.0;  // the request's first attempt, by the client: its SLO runs from here
  int attempt = 1;          // 1: the first; more: retries after failures
  double sent = 0.0;        // this attempt, by the client
  double arrival = 0.0;     // at the server, after the network
  std::uint32_t endpoint = 0;
  std::size_t target = 0;  // of the endpoint's targets: the server its balancer picked
  ServerRuntime* server = nullptr;
  User* user = nullptr;  // none: an open-workload client
  Process* process = nullptr;
  double kill_at = std::numeric_limits<double>::infinity();  // Gunicorn's worker timeout
  bool new_connection = true;
  bool rejected = false;  // answered 503
  bool started = false;
  bool queued = false;
  bool settled = false;    // the client has its outcome: answer, error, or gave up
  bool timed_out = false;  // the client gave up
  bool holds_thread = false;
  bool holds_loop = false;
  bool holds_gil = false;
  bool responded = false;  // its answer has left for the client
  bool killed = false;     // with its process, past memory_limit
  // While a process with a memory_limit holds it: its actor and its place in
  // the process's `held`, and where it is at a database or service, so that
  // a memory kill can stop it and give back what it held.
  sg4::Actor* actor = nullptr;
  std::size_t held_at = kNotHeld;
  DatabaseRuntime* at_database = nullptr;
  bool querying = false;  // at_database: has a connection there (else in its line)
  ServiceRuntime* at_service = nullptr;
  bool calling = false;  // at_service: has a slot (else in its line)
  ModelServerRuntime* at_model = nullptr;  // queued or in a batch there, as `inference`
  const Inference* inference = nullptr;
  double remaining_flops = 0.0;  // of a CPU step waiting for (or preempted from) the GIL
  sg4::ExecPtr exec;
  double exec_flops = 0.0;  // the running execution's work when it started, over all its threads
  int exec_threads = 1;     // its threads: SimGrid counts an execution's flops per thread
  [[nodiscard]] double exec_remaining() const { return exec->get_remaining() * exec_threads; }
  sg4::SemaphorePtr wake = sg4::Semaphore::create(0);  // a thread, the loop or the GIL handed over
  // A task (Celery/RQ) is a request too, to its pool's server, with an
  // endpoint index past the scenario's: first_sent is its publish, arrival
  // when a worker took it; `result` (if awaited) is released at its end.
  sg4::SemaphorePtr result;
};
using RequestPtr = std::shared_ptr<Request>;

// The work a host's executions did, read off SimGrid: finished and cancelled
// executions' work, plus the progress of those running. (SimGrid's host-load
// plugin loses the progress of cancelled executions since its last update.)
struct HostWork {
  explicit HostWork(detail::CpuStalls host_stalls) : stalls(std::move(host_stalls)) {}
  detail::CpuStalls stalls;  // others' work that lengthens CPU steps here
  double done_flops = 0.0;
  std::unordered_set<const Request*> running;
  [[nodiscard]] double flops() const {
    double total = done_flops;
    for (const Request* r : running) total += r->exec_flops - r->exec_remaining();
    return total;
  }
  void started(const Request& r) { running.insert(&r); }
  void stopped(const Request& r, double remaining) {
    done_flops += r.exec_flops - remaining;
    running.erase(&r);
  }
};

// The rules' server state, on an S4U host, with the connections waiting in
// its backlog as actors-to-be.
struct ServerRuntime : detail::ServerState {
  ServerRuntime(const Server& server, Rng restarts) : ServerState(server), restart_rng(restarts) {}
  Rng restart_rng;  // its processes' max_requests jitter (rules/recycling.hpp)
  sg4::Host* host = nullptr;
  HostWork* work = nullptr;
  std::vector<Process*> processes;
  std::deque<RequestPtr> backlog;
  std::deque<Process*> idle_processes;  // gunicorn sync
};

// A process of `server` may be killed with what it holds (past memory_limit,
// by Gunicorn's arbiter, at the end of a recycled one's graceful_timeout):
// it keeps its requests and messages at hand to stop them.
[[nodiscard]] inline bool may_kill(const ServerRuntime& server) noexcept {
  return server.spec->memory_limit || server.watches_loop || server.spec->max_requests > 0;
}

// A long-lived connection open on a process: its actor (a websocket's
// message source, a stream's chunk writer), which a kill of the process stops.
struct OpenConnection {
  GroupRuntime* group = nullptr;
  sg4::ActorPtr actor;
  std::size_t slot = 0;  // in its process's `connections`
};

// One server process: the rules' GIL, held by requests' actors, with its
// switch requests timed by an actor of its own; its threads and event loop.
struct Process : detail::ProcessLoad {
  ServerRuntime* server = nullptr;
  detail::ProcessLife life;  // since it last (re)started, for max_requests and memory_limit
  int idle_threads = 0;
  std::deque<Request*> thread_queue;
  bool loop_busy = false;
  detail::BasicLoopOrder<Request*> loop_queue;

  detail::BasicGil<Request*, nullptr> gil;
  // Switch requests in time order (each is made switch_interval ahead).
  std::deque<std::pair<double, std::uint32_t>> switch_requests;
  sg4::SemaphorePtr switch_requested = sg4::Semaphore::create(0);
  // Its connection pool for each database (size + max_overflow
  // connections): a freed one goes to the oldest waiter.
  std::vector<sg4::SemaphorePtr> pools;
  // If it may be killed (may_kill): the requests and messages it holds, which a kill stops.
  std::vector<std::shared_ptr<Request>> held;
  std::vector<std::unique_ptr<OpenConnection>> connections;  // open on it, in no order
  std::uint32_t restarts = 0;  // boots so far: tells a stale graceful_timeout apart
  // Watched by the arbiter (gunicorn-uvicorn): its loop's last notification,
  // and whether a check of it is pending (arbiter.cpp).
  detail::LoopHeartbeat heartbeat;
  bool watchdog_pending = false;
};

// A server that answers an endpoint's requests, and how it runs them.
struct Target {
  ServerRuntime* server = nullptr;
  std::vector<Step> route;
  std::vector<Step> rejection_route;
};

// A load balancer: its policy (the rules'), and its host, from which
// requests cross a link of the balancer's latency and bandwidth to each of
// its servers' hosts.
struct BalancerRuntime {
  detail::LoadBalancer picker;
  sg4::Host* host = nullptr;
};

struct EndpointRuntime {
  std::vector<Target> targets;          // one without a balancer; else the balancer's servers, in its order
  BalancerRuntime* balancer = nullptr;  // none: the clients reach the server directly
  Rng rng;
  Rng branch_rng;  // cache hits
};

// A database shared by every process: `connections` queries at once, the
// others queued first come first served on its semaphore.
struct DatabaseRuntime {
  const Database* spec = nullptr;
  sg4::SemaphorePtr connections;
  detail::TimeAverage busy{};
  detail::TimeAverage queued{};
  detail::DatabaseCounts counts{};
};

// A downstream service: a delay, behind a semaphore of `concurrency` slots if it caps them.
struct ServiceRuntime {
  const Service* spec = nullptr;
  sg4::SemaphorePtr slots;  // none: no cap
  Rng rng;                  // which calls fail
  detail::TimeAverage busy{};
  detail::TimeAverage queued{};
  detail::ServiceCounts counts{};
};

// A request waiting at a model server: its arrival, and the semaphore its
// actor blocks on until its batch is done.
struct Inference {
  double arrival = 0.0;
  sg4::SemaphorePtr done = sg4::Semaphore::create(0);
};
using InferencePtr = std::shared_ptr<Inference>;

// A model server (model_servers.cpp): one actor per instance takes batches
// from `waiting` as the batching rule says, woken by `changed` on arrivals.
// Only the instances take `mutex` (the condition variable needs it): actors
// run one at a time and a request's actor touches `waiting` between two
// simcalls, so it never holds the mutex, which a memory kill stopping it
// there would leave locked.
struct ModelServerRuntime {
  const ModelServer* spec = nullptr;
  std::deque<InferencePtr> waiting{};
  sg4::MutexPtr mutex = sg4::Mutex::create();
  sg4::ConditionVariablePtr changed = sg4::ConditionVariable::create();
  Rng rng;  // batch times
  detail::TimeAverage busy{};
  detail::TimeAverage queued{};
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
  detail::ModelServerTally tally;
};

// Thrown inside a request's actor when Gunicorn's arbiter kills its worker.
struct WorkerKilled {};

// Thrown inside a request's actor when its handler raises (SQLAlchemy's pool
// TimeoutError, an HTTP error from downstream).
struct HandlerFailed {
  Failure failure;
};

// A connection group: its message route is endpoints_[endpoint]'s one target.
struct GroupRuntime {
  const ConnectionGroup* spec = nullptr;
  ServerRuntime* server = nullptr;
  std::uint32_t endpoint = 0;
  Rng opens, holds, messages;
  detail::ConnectionTally tally;
};

class Model {
 public:
  Model(const Scenario& scenario, int replication, Measurement measurement, const IntervalHook& on_interval);

  ReplicationResult run();

 private:
  // Platform and actors (platform.cpp).
  void build();
  void build_servers();
  void build_balancers(sg4::NetZone& zone);
  void build_endpoints();
  [[nodiscard]] std::string unused_host_name(std::string name) const;
  void start_actors();

  // Clients (clients.cpp).
  void open_source();
  void user(User& state, double first_send);
  void timeout_watch();
  void arrive(std::uint32_t endpoint, User* user);
  void send(const RequestPtr& request);
  void retry(const Request& failed);
  void to_client(const RequestPtr& request, std::function<void()> tell);
  void deliver(Request& request);
  void fail(Request& request, Failure failure);
  [[nodiscard]] bool opens_connection(const ServerRuntime& server, const User* user) const;
  [[nodiscard]] double think() { return scenario_.workload.closed->think_time.sample(think_rng_); }

  // A request's way through a server (server.cpp).
  [[nodiscard]] bool reach_server(const RequestPtr& request);
  Process* pick_process(ServerRuntime& server);
  void admit(Process& process, const RequestPtr& request);
  void accept(Process& process, const RequestPtr& request);
  void serve(const RequestPtr& pointer);
  void run_step(Request& request, const Step& step);
  bool sleep_unless_killed(const Request& request, double seconds);
  void respond(const RequestPtr& request);
  void finish(Request& request);
  void kill_worker(const RequestPtr& pointer);
  void start_request(Process& process, const RequestPtr& request);
  void kill_process(Process& process, const RequestPtr& accepted, Failure failure);
  void hold(Process& process, const RequestPtr& request);
  static void forget_held(Request& request);
  void retire(Process& process);
  void stop_held_request(Process& process, const RequestPtr& pointer, Failure failure);
  // Gunicorn's arbiter watching a Uvicorn worker's loop (arbiter.cpp).
  void loop_taken(Process& process);
  void watch_loop(Process& process);
  void restart(Process& process);
  void boot(Process& process);
  void leave_server(Request& request);
  void process_freed(Process& process);
  void take_thread(Request& request);
  void release_thread(Request& request);
  void take_loop(Request& request);
  void release_loop(Request& request);
  void mark_waiting(Request& request, double delta);
  // Task queues (server.cpp): a task is a request to its pool's server.
  void enqueue_task(std::size_t task, sg4::SemaphorePtr result);
  void await_task(Request& request, std::size_t task);
  // Requests' endpoints: the scenario's, then one per task, then one per connection group.
  [[nodiscard]] bool is_task(const Request& request) const noexcept {
    return request.endpoint >= scenario_.endpoints.size() && request.endpoint < scenario_.endpoints.size() + tasks_.size();
  }
  void sample_task_queues();

  // Long-lived connections (connections.cpp).
  void build_connections();
  void start_connections();
  bool open_connection(GroupRuntime& group);
  OpenConnection& add_connection(GroupRuntime& group, Process& process);
  void close_connection(Process& process, OpenConnection& connection);
  void drop_connections(Process& process);
  void reconnect(GroupRuntime& group);
  RequestPtr new_message(GroupRuntime& group, Process& process);
  void send_message(GroupRuntime& group, Process& process);
  void run_message(GroupRuntime& group, const RequestPtr& message_ptr);
  [[nodiscard]] bool is_message(const Request& request) const noexcept {
    return request.endpoint >= scenario_.endpoints.size() + tasks_.size();
  }

  // Cores and the GIL (cpu.cpp).
  void compute(Request& request, double seconds, bool needs_gil, int threads = 1);
  void release_gil(Request& request);
  void request_switch(Process& process);
  void gil_switcher(Process& process);
  void force_switch(Process& process, std::uint32_t switches);

  // Databases and downstream services (dependencies.cpp).
  void build_dependencies();
  void open_pools(Process& process);
  static void give_back_dependencies(Request& request);
  static void leave_model_server(Request& request);
  void query(Request& request, std::size_t database, double service_time);
  void call(Request& request, std::size_t index, double latency);
  void mark_dependencies_warmup();

  // Model servers (model_servers.cpp).
  void build_model_servers();
  void start_model_servers();
  void infer(Request& request, std::size_t model);
  void model_instance(ModelServerRuntime& server);
  void mark_model_servers_warmup();

  // Measurement (measurement.cpp).
  [[nodiscard]] static double now() { return sg4::Engine::get_clock(); }
  void timeline();
  [[nodiscard]] detail::ServerAreas server_areas(const ServerRuntime& server) const;
  [[nodiscard]] double system_area() const;
  [[nodiscard]] double core_seconds(std::size_t host) const;
  void start_measuring();
  void close_interval();
  ReplicationResult collect();

  const Scenario& scenario_;
  int replication_;
  detail::RandomStreams streams_;
  Measurement measurement_;
  const IntervalHook& on_interval_;

  std::vector<sg4::Host*> hosts_;
  std::deque<HostWork> host_work_;
  sg4::Host* client_host_ = nullptr;
  std::vector<Server> pool_servers_;  // what task pools run as (rules/route.hpp)
  std::vector<detail::TaskRef> tasks_;
  std::vector<detail::TaskPoolTally> task_tallies_;  // per task pool
  std::deque<ServerRuntime> servers_;  // stable addresses; the scenario's, then one per task pool
  std::deque<BalancerRuntime> balancers_;
  std::deque<Process> processes_;
  std::vector<EndpointRuntime> endpoints_;
  std::deque<User> users_;
  std::vector<DatabaseRuntime> databases_;
  std::vector<sg4::SemaphorePtr> retired_pools_;  // of killed processes (open_pools)
  std::vector<Service> call_stations_;  // services, then cache stores (rules/route.hpp)
  std::vector<ServiceRuntime> services_;  // one per call station
  std::deque<GroupRuntime> groups_;       // stable addresses: actors hold them
  std::deque<ModelServerRuntime> model_servers_;  // stable addresses: actors hold them

  detail::Retries retries_;
  detail::EndpointMix mix_;
  Rng think_rng_;

  // Requests in arrival order, for the client-timeout watcher: with one
  // timeout for every request, their deadlines come in the same order.
  std::deque<RequestPtr> deadlines_;
  sg4::SemaphorePtr deadlines_pending_ = sg4::Semaphore::create(0);

  std::size_t in_flight_ = 0;
  std::uint64_t events_ = 0;
  // Measured window: the warm-up's end, then the counts.
  std::vector<double> core_seconds_at_warmup_;
  std::vector<detail::ServerAreas> areas_at_warmup_;
  detail::Tally tally_;
};

}  // namespace servesim::simgrid_engine
