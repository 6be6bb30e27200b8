#include "s4u_model.hpp"

#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "servesim/core/rng.hpp"
#include "sim/arrival_process.hpp"
#include "sim/balancer.hpp"
#include "sim/endpoint_counts.hpp"
#include "sim/retry.hpp"
#include "sim/route.hpp"
#include "sim/timeline.hpp"
#include "sim/time_average.hpp"

namespace sg4 = simgrid::s4u;

namespace servesim::simgrid_engine {
namespace {

using detail::TimeAverage;

// A host of speed 1.0 computes this many flops per second, so a CPU step of
// d seconds is an execution of d * kFlopsPerSecond flops. Large enough that
// SimGrid's work precision (1e-5 flops) is far below a nanosecond.
constexpr double kFlopsPerSecond = 1e9;

// As in the native engine: a refused closed-loop client retries after Linux's
// initial SYN retransmission timeout.
constexpr double kRefusedRetryDelay = 1.0;

// Every request in a server is an actor with its own stack, two memory
// mappings (the stack and its guard page) of the 65,530 Linux allows a
// process by default (vm.max_map_count): past this many requests at once, as
// an overloaded event loop accepts without bound, the run stops with an error
// rather than crash. (Closed-loop users, at most 10,000, take one more each.)
constexpr std::size_t kMaxInFlight = 20'000;
// The native engine's cap on one process's connections (its open-file limit):
// past it connections wait in the backlog, then are refused.
constexpr int kMaxOpenConnections = 65'536;

// The native engine's random-stream layout, so both engines draw each
// replication's arrivals, mix, think times and durations from the same streams.
constexpr std::uint64_t kArrivalStream = 0;
constexpr std::uint64_t kMixStream = 1;
constexpr std::uint64_t kThinkStream = 2;
constexpr std::uint64_t kRetryStream = 3;
constexpr std::uint64_t kFirstEndpointStream = 16;
constexpr std::uint64_t kFirstBranchStream = 0x40000;  // one per endpoint: its cache hits
constexpr std::uint64_t kFirstServiceStream = 0x60000;  // one per service: which calls fail
constexpr std::uint64_t kFirstBalancerStream = std::uint64_t{1} << 19U;

std::uint64_t stream(int replication, std::uint64_t source) {
  return Rng::stream_id(static_cast<std::uint64_t>(replication), source);
}

template <class T>
std::size_t index_of(const std::vector<T>& items, const std::string& name) {
  return static_cast<std::size_t>(
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; }) -
      items.begin());
}

// Routes (what each step of a request does and what it runs on) are the
// native engine's: the model's mapping of phases onto threads, loops and
// waits is one definition; how each engine runs the steps is its own.
using detail::build_rejection_route;
using detail::build_route;
using detail::has_event_loop;
using detail::Runner;
using detail::Step;
using detail::StepKind;

// ---------------------------------------------------------------------------
// Runtime state.

struct Process;
struct ServerRuntime;

// A closed-loop client: its actor waits on `reply` for the outcome.
struct User {
  sg4::SemaphorePtr reply = sg4::Semaphore::create(0);
  double idle_since = std::numeric_limits<double>::quiet_NaN();  // its keep-alive connection
  bool refused = false;  // its last request was refused: it retries after a SYN timeout
};

// Each admitted request is an actor on its server's host, walking its route:
// it queues for a thread, the event loop and the GIL as the step needs, and
// computes (an S4U execution) or waits (a sleep).
struct Request {
  double first_sent = 0.0;  // the request's first attempt, by the client: its SLO runs from here
  int attempt = 1;          // 1: the first; more: retries after failures
  double sent = 0.0;        // this attempt, by the client
  double arrival = 0.0;  // at the server, after the network
  std::size_t endpoint = 0;
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
  double remaining_flops = 0.0;  // of a CPU step waiting for (or preempted from) the GIL
  sg4::ExecPtr exec;
  double exec_flops = 0.0;  // the running execution's work when it started
  sg4::SemaphorePtr wake = sg4::Semaphore::create(0);  // a thread, the loop or the GIL handed over
};
using RequestPtr = std::shared_ptr<Request>;

// The work a host's executions did, read off SimGrid: finished and cancelled
// executions' work, plus the progress of those running. (SimGrid's host-load
// plugin loses the progress of cancelled executions since its last update.)
struct HostWork {
  double done_flops = 0.0;
  std::unordered_set<const Request*> running;
  [[nodiscard]] double flops() const {
    double total = done_flops;
    for (const Request* r : running) total += r->exec_flops - r->exec->get_remaining();
    return total;
  }
  void started(const Request& r) { running.insert(&r); }
  void stopped(const Request& r, double remaining) {
    done_flops += r.exec_flops - remaining;
    running.erase(&r);
  }
};

struct ServerRuntime {
  const Server* spec = nullptr;
  sg4::Host* host = nullptr;
  HostWork* work = nullptr;
  std::vector<Process*> processes;
  int accept_limit = 1;
  bool runs_loop = false;
  bool closes_connections = false;
  double keepalive = 0.0;
  std::deque<RequestPtr> backlog;
  std::deque<Process*> idle_processes;  // gunicorn sync
  TimeAverage in_system;
  TimeAverage waiting;
  TimeAverage busy_runners;
  std::uint64_t started = 0;  // measured window
  std::uint64_t queued = 0;
  [[nodiscard]] double runner_count() const {
    return runs_loop ? spec->workers : static_cast<double>(spec->workers) * spec->threads;
  }
};

// One server process: its GIL (an S4U-free FIFO hand-over, with the switch
// interval timed by a per-process actor), its threads and its event loop.
struct Process {
  ServerRuntime* server = nullptr;
  int accepted = 0;
  int rejecting = 0;  // 503 answers not yet written: they hold a connection too
  bool booting = false;
  int idle_threads = 0;
  std::deque<Request*> thread_queue;
  bool loop_busy = false;
  std::deque<Request*> loop_queue;

  Request* gil_holder = nullptr;
  std::deque<Request*> gil_waiters;
  std::uint32_t switches = 0;
  std::uint32_t switch_pending_for = std::numeric_limits<std::uint32_t>::max();
  // Switch requests in time order (each is made switch_interval ahead).
  std::deque<std::pair<double, std::uint32_t>> switch_requests;
  sg4::SemaphorePtr switch_requested = sg4::Semaphore::create(0);
  TimeAverage gil_held;
  // SQLAlchemy's QueuePool for each database (size + max_overflow
  // connections): a freed one goes to the oldest waiter.
  std::vector<sg4::SemaphorePtr> pools;
};

// A server that answers an endpoint's requests, and how it runs them.
struct Target {
  ServerRuntime* server = nullptr;
  std::vector<Step> route;
  std::vector<Step> rejection_route;
};

// A load balancer: its policy (the native engine's), and its host, from
// which requests cross a link of the balancer's latency and bandwidth to
// each of its servers' hosts.
struct BalancerRuntime {
  detail::LoadBalancer picker;
  sg4::Host* host = nullptr;
};

struct EndpointRuntime {
  std::vector<Target> targets;       // one without a balancer; else the balancer's servers, in its order
  BalancerRuntime* balancer = nullptr;  // none: the clients reach the server directly
  Rng rng;
  Rng branch_rng;  // cache hits
  double slo = std::numeric_limits<double>::infinity();  // goodput counts answers within it
};

struct ServerAreas {
  double busy = 0.0;
  double waiting = 0.0;
  double in_system = 0.0;
  double gil = 0.0;
};

// A database shared by every process: `connections` queries at once, the
// others queued first come first served on its semaphore.
struct DatabaseRuntime {
  const Database* spec = nullptr;
  sg4::SemaphorePtr connections;
  TimeAverage busy{};
  TimeAverage queued{};
  // Measured window.
  std::uint64_t queries = 0;
  std::uint64_t checkouts = 0;  // pooled connections handed out
  std::uint64_t waited = 0;     // of which after a wait
  double pool_wait_sum = 0.0;
  std::uint64_t pool_timeouts = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

// A downstream service: a delay, behind a semaphore of `concurrency` slots if it caps them.
struct ServiceRuntime {
  const Service* spec = nullptr;
  sg4::SemaphorePtr slots;  // none: no cap
  Rng rng;                  // which calls fail
  TimeAverage busy{};
  TimeAverage queued{};
  // Measured window.
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

enum class Failure { refused, client_timeout, unavailable, worker_killed, pool_timeout, downstream };

// Thrown inside a request's actor when Gunicorn's arbiter kills its worker.
struct WorkerKilled {};

// Thrown inside a request's actor when its handler raises (SQLAlchemy's pool
// TimeoutError, an HTTP error from downstream).
struct HandlerFailed {
  Failure failure;
};

class Model {
 public:
  Model(const Scenario& scenario, int replication, Measurement measurement,
        const IntervalHook& on_interval)
      : scenario_(scenario),
        replication_(replication),
        measurement_(measurement),
        on_interval_(on_interval),
        retries_(scenario.workload.retries, Rng(scenario.run.seed, stream(replication, kRetryStream))),
        mix_rng_(scenario.run.seed, stream(replication, kMixStream)),
        think_rng_(scenario.run.seed, stream(replication, kThinkStream)) {}

  ReplicationResult run();

 private:
  void build();
  void build_balancers(sg4::NetZone& zone);
  [[nodiscard]] std::string unused_host_name(std::string name) const;
  void start_actors();

  // Actor bodies.
  void open_source();
  void user(User& state, double first_send);
  void timeout_watch();
  void gil_switcher(Process& process);
  void timeline();
  void serve(const RequestPtr& pointer);

  // A request's way through a server.
  void arrive(std::size_t endpoint, User* user);
  void send(const RequestPtr& request);
  void retry(const Request& failed);
  [[nodiscard]] bool reach_server(const RequestPtr& request);
  Process* pick_process(ServerRuntime& server);
  void accept(Process& process, const RequestPtr& request);
  void run_step(Request& request, const Step& step);
  bool sleep_unless_killed(const Request& request, double seconds);
  void respond(const RequestPtr& request);
  void to_client(const RequestPtr& request, std::function<void()> tell);
  void deliver(Request& request);
  void finish(Request& request);
  void kill_worker(const RequestPtr& pointer);
  void leave_server(Request& request);
  void process_freed(Process& process);

  // Threads, loops and GILs.
  void take_thread(Request& request);
  void release_thread(Request& request);
  void take_loop(Request& request);
  void release_loop(Request& request);
  void compute(Request& request, double seconds, bool needs_gil);
  void release_gil(Request& request);
  void request_switch(Process& process);
  void force_switch(Process& process, std::uint32_t switches);
  void mark_waiting(Request& request, double delta);

  // Databases and downstream services.
  void build_dependencies();
  void query(Request& request, std::size_t database, double service_time);
  void call(Request& request, std::size_t index, double latency);
  void mark_dependencies_warmup();
  [[nodiscard]] DatabaseStats database_stats(const DatabaseRuntime& db, double span) const;
  [[nodiscard]] ServiceStats service_stats(const ServiceRuntime& service, double span) const;

  // Clients.
  [[nodiscard]] bool opens_connection(const ServerRuntime& server, const User* user) const;
  void fail(Request& request, Failure failure);
  void count_error(std::size_t endpoint, Failure failure);
  [[nodiscard]] std::size_t pick_endpoint();
  [[nodiscard]] double think() { return scenario_.workload.closed->think_time.sample(think_rng_); }

  // Measurement.
  [[nodiscard]] static double now() { return sg4::Engine::get_clock(); }
  [[nodiscard]] ServerAreas server_areas(const ServerRuntime& server) const;
  [[nodiscard]] double system_area() const;
  [[nodiscard]] double core_seconds(std::size_t host) const;
  void start_measuring();
  void close_interval();
  ReplicationResult collect();

  const Scenario& scenario_;
  int replication_;
  Measurement measurement_;
  const IntervalHook& on_interval_;

  std::vector<sg4::Host*> hosts_;
  std::deque<HostWork> host_work_;
  sg4::Host* client_host_ = nullptr;
  std::deque<ServerRuntime> servers_;  // stable addresses
  std::deque<BalancerRuntime> balancers_;
  std::deque<Process> processes_;
  std::vector<EndpointRuntime> endpoints_;
  std::vector<detail::EndpointCounts> endpoint_counts_;  // measured window
  std::vector<double> mix_cumulative_;
  std::deque<User> users_;
  std::vector<DatabaseRuntime> databases_;
  std::vector<ServiceRuntime> services_;

  detail::Retries retries_;
  Rng mix_rng_;
  Rng think_rng_;

  // Requests in arrival order, for the client-timeout watcher: with one
  // timeout for every request, their deadlines come in the same order.
  std::deque<RequestPtr> deadlines_;
  sg4::SemaphorePtr deadlines_pending_ = sg4::Semaphore::create(0);

  bool measuring_ = false;
  std::size_t in_flight_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t departures_ = 0;
  double residence_sum_ = 0.0;
  double system_area_at_warmup_ = 0.0;
  std::vector<double> core_seconds_at_warmup_;
  std::vector<ServerAreas> areas_at_warmup_;

  detail::Timeline timeline_;
};

void Model::build() {
  sg4::NetZone* zone = sg4::create_full_zone("servesim");
  for (const Host& host : scenario_.hosts) {
    hosts_.push_back(zone->create_host(host.name, host.speed * kFlopsPerSecond)->set_core_count(host.cores)->seal());
    host_work_.emplace_back();
  }
  // Clients only sleep: their host never computes. Its name cannot clash
  // with a scenario host's, which must be unique.
  client_host_ = zone->create_host(unused_host_name("clients"), kFlopsPerSecond)->seal();

  for (const Server& spec : scenario_.servers) {
    ServerRuntime& server = servers_.emplace_back();
    server.spec = &spec;
    server.host = hosts_[index_of(scenario_.hosts, spec.host)];
    server.work = &host_work_[index_of(scenario_.hosts, spec.host)];
    server.runs_loop = has_event_loop(spec);
    server.closes_connections = spec.kind == ServerKind::gunicorn_sync;
    server.keepalive = Scenario::keepalive_of(spec);
    switch (spec.kind) {
      case ServerKind::gunicorn_sync: server.accept_limit = 1; break;
      case ServerKind::gunicorn_gthread:
      case ServerKind::gunicorn_gevent:
        server.accept_limit = std::min(spec.worker_connections, kMaxOpenConnections);
        break;
      case ServerKind::uvicorn: server.accept_limit = kMaxOpenConnections; break;
    }
    for (int w = 0; w < spec.workers; ++w) {
      Process& process = processes_.emplace_back();
      process.server = &server;
      process.idle_threads = spec.kind == ServerKind::uvicorn ? spec.thread_pool : spec.threads;
      server.processes.push_back(&process);
      if (spec.kind == ServerKind::gunicorn_sync) server.idle_processes.push_back(&process);
    }
  }
  build_balancers(*zone);
  zone->seal();
  std::vector<double> runners;
  std::vector<double> cores;
  for (const ServerRuntime& server : servers_) runners.push_back(server.runner_count());
  for (const Host& host : scenario_.hosts) cores.push_back(host.cores);
  timeline_ = detail::Timeline(std::move(runners), std::move(cores));
  // One target per server that can answer the endpoint: server kinds (and
  // so where each phase runs) may differ behind one balancer.
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    EndpointRuntime& runtime = endpoints_.emplace_back(EndpointRuntime{
        {}, nullptr, Rng(scenario_.run.seed, stream(replication_, kFirstEndpointStream + i)),
        Rng(scenario_.run.seed, stream(replication_, kFirstBranchStream + i)),
        std::numeric_limits<double>::infinity()});
    if (const Balancer* balancer = scenario_.find_balancer(endpoint.server)) {
      runtime.balancer = &balancers_[index_of(scenario_.balancers, balancer->name)];
    }
    for (const Server* spec : scenario_.servers_of(endpoint)) {
      ServerRuntime& server = servers_[index_of(scenario_.servers, spec->name)];
      runtime.targets.push_back(Target{&server, build_route(scenario_, endpoint, *spec), build_rejection_route(*spec)});
    }
  }
  endpoint_counts_.resize(endpoints_.size());
  for (const MixEntry& entry : scenario_.workload.mix) {
    if (entry.slo) endpoints_[index_of(scenario_.endpoints, entry.endpoint)].slo = *entry.slo;
  }
  std::vector<double> weights(endpoints_.size(), scenario_.workload.mix.empty() ? 1.0 : 0.0);
  for (const MixEntry& entry : scenario_.workload.mix) {
    weights[index_of(scenario_.endpoints, entry.endpoint)] += entry.weight;
  }
  double total = 0.0;
  for (double w : weights) total += w;
  double running = 0.0;
  for (double w : weights) {
    running += w / total;
    mix_cumulative_.push_back(running);
  }
  mix_cumulative_.back() = 1.0;
  build_dependencies();
}

// Each balancer is a host of its own. A link of the balancer's latency (half
// its round trip) and bandwidth joins it to each of its servers' hosts, and
// every transfer has the whole bandwidth (a fat pipe), as in the native
// engine. SimGrid times each transfer: latency + bytes / bandwidth.
void Model::build_balancers(sg4::NetZone& zone) {
  constexpr double kBytesPerMegabit = 1e6 / 8.0;
  // Without a bandwidth, transfers take no time: a megabyte in a femtosecond.
  constexpr double kUnlimitedBandwidth = 1e21;
  for (std::size_t b = 0; b < scenario_.balancers.size(); ++b) {
    const Balancer& spec = scenario_.balancers[b];
    sg4::Host* host = zone.create_host(unused_host_name("balancer-" + spec.name), kFlopsPerSecond)->seal();
    balancers_.push_back(BalancerRuntime{
        detail::LoadBalancer(spec.policy, spec.servers.size(),
                             Rng(scenario_.run.seed, stream(replication_, kFirstBalancerStream + b))),
        host});
    const double bandwidth = spec.bandwidth_mbps ? *spec.bandwidth_mbps * kBytesPerMegabit : kUnlimitedBandwidth;
    std::unordered_set<const sg4::Host*> linked;
    for (const std::string& server_name : spec.servers) {
      sg4::Host* server_host = hosts_[index_of(scenario_.hosts, scenario_.find_server(server_name)->host)];
      if (!linked.insert(server_host).second) continue;
      sg4::Link* link = zone.create_link(host->get_name() + "-" + server_host->get_name(), bandwidth)
                            ->set_latency(spec.rtt / 2.0)
                            ->set_sharing_policy(sg4::Link::SharingPolicy::FATPIPE)
                            ->seal();
      zone.add_route(host->get_netpoint(), server_host->get_netpoint(), nullptr, nullptr,
                     {sg4::LinkInRoute(link)}, true);
    }
  }
}

// A name for a host of the engine's own that no scenario host (nor another
// of its own) has.
std::string Model::unused_host_name(std::string name) const {
  while (scenario_.find_host(name) != nullptr || sg4::Host::by_name_or_null(name) != nullptr) name += "_";
  return name;
}

std::size_t Model::pick_endpoint() {
  if (mix_cumulative_.size() == 1) return 0;
  const double u = mix_rng_.uniform01();
  const auto it = std::upper_bound(mix_cumulative_.begin(), mix_cumulative_.end(), u);
  return std::min(static_cast<std::size_t>(it - mix_cumulative_.begin()), mix_cumulative_.size() - 1);
}

void Model::start_actors() {
  for (Process& process : processes_) {
    sg4::Actor::create("gil-switch", process.server->host, [this, &process] { gil_switcher(process); });
  }
  const Workload& workload = scenario_.workload;
  if (workload.open) {
    sg4::Actor::create("open-arrivals", client_host_, [this] { open_source(); });
  } else {
    for (int u = 0; u < workload.closed->users; ++u) {
      // As the native engine: users start at a random point of their first think.
      const double first = think() * think_rng_.uniform01();
      User& state = users_.emplace_back();
      sg4::Actor::create("user", client_host_, [this, &state, first] { user(state, first); });
    }
  }
  if (workload.client_timeout) {
    sg4::Actor::create("client-timeouts", client_host_, [this] { timeout_watch(); });
  }
  sg4::Actor::create("timeline", client_host_, [this] { timeline(); });
}

// ---------------------------------------------------------------------------
// Clients.

// Arrival times come from the native engine's generator (Poisson, constant,
// bursts, rate profiles), drawn from the same stream.
void Model::open_source() {
  detail::OpenArrivals arrivals(*scenario_.workload.open, scenario_.run.duration,
                                Rng(scenario_.run.seed, stream(replication_, kArrivalStream)));
  for (double next = arrivals.next(); std::isfinite(next); next = arrivals.next()) {
    sg4::this_actor::sleep_until(next);
    arrive(pick_endpoint(), nullptr);
  }
}

void Model::user(User& state, double first_send) {
  sg4::this_actor::sleep_for(first_send);
  for (;;) {
    arrive(pick_endpoint(), &state);
    state.reply->acquire();  // an answer, an error, or its own timeout
    sg4::this_actor::sleep_for(think() + (state.refused ? kRefusedRetryDelay : 0.0));
  }
}

void Model::timeout_watch() {
  const double timeout = *scenario_.workload.client_timeout;
  for (;;) {
    deadlines_pending_->acquire();
    const RequestPtr request = deadlines_.front();
    deadlines_.pop_front();
    sg4::this_actor::sleep_until(request->sent + timeout);
    if (request->settled) continue;
    ++events_;
    request->timed_out = true;
    fail(*request, Failure::client_timeout);
  }
}

// A new attempt after the backoff; the failed one may still be in a server
// (after a client timeout).
void Model::retry(const Request& failed) {
  auto request = std::make_shared<Request>();
  request->first_sent = failed.first_sent;
  request->attempt = failed.attempt + 1;
  request->endpoint = failed.endpoint;
  request->user = failed.user;
  const double backoff = retries_.backoff(failed.attempt);
  sg4::Actor::create("retry", client_host_, [this, request, backoff] {
    sg4::this_actor::sleep_for(backoff);
    send(request);
  });
}

bool Model::opens_connection(const ServerRuntime& server, const User* user) const {
  if (server.closes_connections || user == nullptr) return true;
  return std::isnan(user->idle_since) || now() - user->idle_since > server.keepalive;
}

// The client learns that an attempt failed: counted, and its connection is
// gone. It retries if its policy allows; otherwise the request has failed
// and a waiting user goes on thinking.
void Model::fail(Request& request, Failure failure) {
  count_error(request.endpoint, failure);
  request.settled = true;
  if (request.user != nullptr) request.user->idle_since = std::numeric_limits<double>::quiet_NaN();
  if (retries_.again(request.attempt)) {
    retry(request);
    return;
  }
  if (measuring_) endpoint_counts_[request.endpoint].failed += 1;
  if (request.user == nullptr) return;
  request.user->refused = failure == Failure::refused;
  request.user->reply->release();
}

void Model::count_error(std::size_t endpoint, Failure failure) {
  timeline_.error();
  if (!measuring_) return;
  ErrorCounts& errors = endpoint_counts_[endpoint].errors;
  switch (failure) {
    case Failure::refused: errors.refused += 1; break;
    case Failure::client_timeout: errors.client_timeout += 1; break;
    case Failure::unavailable: errors.unavailable += 1; break;
    case Failure::worker_killed: errors.worker_killed += 1; break;
    case Failure::pool_timeout: errors.pool_timeout += 1; break;
    case Failure::downstream: errors.downstream += 1; break;
  }
}

// ---------------------------------------------------------------------------
// A request's way through a server.

// A client sends a request: straight to its server, or through a balancer,
// which picks the server and sends the request across the network.
void Model::arrive(std::size_t endpoint, User* user) {
  auto request = std::make_shared<Request>();
  request->first_sent = now();
  request->endpoint = endpoint;
  request->user = user;
  send(request);
}

// An attempt of a request leaves the client, a first one or a retry.
void Model::send(const RequestPtr& request) {
  ++events_;
  const std::size_t endpoint = request->endpoint;
  EndpointRuntime& runtime = endpoints_[endpoint];
  request->sent = now();
  request->target = runtime.balancer == nullptr ? 0 : runtime.balancer->picker.pick();
  request->server = runtime.targets[request->target].server;
  const bool is_retry = request->attempt > 1;
  timeline_.arrival(is_retry);
  if (measuring_) {
    arrivals_ += 1;
    if (is_retry) endpoint_counts_[endpoint].retries += 1;
  }
  if (scenario_.workload.client_timeout) {
    deadlines_.push_back(request);
    deadlines_pending_->release();
  }
  if (runtime.balancer == nullptr) {
    if (!reach_server(request)) fail(*request, Failure::refused);
    return;
  }
  const std::uint64_t bytes = std::llround(scenario_.endpoints[endpoint].request_bytes);
  sg4::Actor::create("to-server", runtime.balancer->host, [this, request, bytes] {
    sg4::Comm::sendto(sg4::this_actor::get_host(), request->server->host, bytes);
    if (reach_server(request)) return;
    to_client(request, [this, request] {
      if (!request->settled) fail(*request, Failure::refused);  // unless the client gave up already
    });
  });
}

// The request reaches its server: a process takes it, it waits in the
// backlog, or it is refused (false) when the backlog is full.
bool Model::reach_server(const RequestPtr& request) {
  ServerRuntime& server = *request->server;
  request->arrival = now();
  request->new_connection = opens_connection(server, request->user);
  Process* process = pick_process(server);
  if (process == nullptr && server.backlog.size() >= static_cast<std::size_t>(server.spec->backlog)) {
    return false;
  }
  if (++in_flight_ > kMaxInFlight) {
    std::fprintf(stderr,
                 "servesim-simgrid: more than %zu requests in the servers at t = %.6g s (overload?): "
                 "the SimGrid engine runs an actor per request and stops here; the native engine "
                 "simulates overload in bounded memory\n",
                 kMaxInFlight, now());
    std::_Exit(1);
  }
  server.in_system.add(now(), 1.0);
  if (process == nullptr) {
    server.backlog.push_back(request);
    mark_waiting(*request, 1.0);
    return true;
  }
  const std::optional<int>& limit = server.spec->limit_concurrency;
  if (limit && process->accepted >= *limit) {
    process->rejecting += 1;
    request->rejected = true;
    request->process = process;
    sg4::Actor::create("request", server.host, [this, request] { serve(request); });
    return true;
  }
  accept(*process, request);
  return true;
}

// Gunicorn sync: any idle worker. Otherwise the process with the fewest
// requests among those with room.
Process* Model::pick_process(ServerRuntime& server) {
  if (server.spec->kind == ServerKind::gunicorn_sync) {
    if (server.idle_processes.empty()) return nullptr;
    Process* process = server.idle_processes.front();
    server.idle_processes.pop_front();
    return process;
  }
  Process* best = nullptr;
  for (Process* process : server.processes) {
    if (process->booting || process->accepted + process->rejecting >= server.accept_limit) continue;
    if (best == nullptr || process->accepted < best->accepted) best = process;
  }
  return best;
}

void Model::accept(Process& process, const RequestPtr& request) {
  process.accepted += 1;
  request->process = &process;
  const Server& spec = *process.server->spec;
  if (spec.kind == ServerKind::gunicorn_sync && spec.timeout > 0.0) request->kill_at = now() + spec.timeout;
  sg4::Actor::create("request", process.server->host, [this, request] { serve(request); });
}

void Model::serve(const RequestPtr& pointer) {
  Request& request = *pointer;
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  const Target& target = endpoint.targets[request.target];
  const std::vector<Step>& route = request.rejected ? target.rejection_route : target.route;
  try {
    for (std::size_t next = 0; next < route.size();) {
      const Step& step = route[next++];
      switch (step.kind) {
        case StepKind::respond: respond(pointer); continue;
        case StepKind::branch:
          if (endpoint.branch_rng.uniform01() >= step.probability) next = step.target;  // a miss
          continue;
        case StepKind::jump: next = step.target; continue;
        default: break;
      }
      if (step.new_connection_only && !request.new_connection) continue;
      if (request.holds_loop && step.runner != Runner::loop) release_loop(request);
      if (request.holds_thread && step.runner != Runner::thread) release_thread(request);
      if (step.runner == Runner::thread && !request.holds_thread) take_thread(request);
      if (step.runner == Runner::loop && !request.holds_loop) take_loop(request);
      run_step(request, step);
    }
  } catch (const WorkerKilled&) {
    kill_worker(pointer);
    return;
  } catch (const HandlerFailed& failed) {
    // The framework answers with an error at once; the request skips the
    // rest of its steps, background work included.
    to_client(pointer, [this, pointer, failure = failed.failure] {
      if (!pointer->settled) fail(*pointer, failure);  // unless the client gave up already
    });
  }
  finish(request);
}

void Model::run_step(Request& request, const Step& step) {
  ++events_;
  if (!request.started) {
    request.started = true;
    if (measuring_ && !request.rejected) {
      ServerRuntime& server = *request.process->server;
      server.started += 1;
      if (request.queued) server.queued += 1;
    }
  }
  const double duration = step.duration.sample(endpoints_[request.endpoint].rng);
  switch (step.kind) {
    case StepKind::cpu: compute(request, duration, true); break;
    case StepKind::cpu_nogil: compute(request, duration, false); break;
    case StepKind::wait:
      if (!sleep_unless_killed(request, duration)) throw WorkerKilled{};
      break;
    case StepKind::query: query(request, step.target, duration); break;
    case StepKind::call: call(request, step.target, duration); break;
    case StepKind::respond:
    case StepKind::branch:
    case StepKind::jump: break;  // handled by serve()
  }
}

// Sleeps `seconds`, or until Gunicorn's arbiter kills the worker if that
// comes first: false then.
bool Model::sleep_unless_killed(const Request& request, double seconds) {
  if (now() + seconds >= request.kill_at) {
    sg4::this_actor::sleep_until(request.kill_at);
    return false;
  }
  sg4::this_actor::sleep_for(seconds);
  return true;
}

void Model::respond(const RequestPtr& request) {
  to_client(request, [this, request] { deliver(*request); });
}

// The answer (or failure) leaves the server, and its balancer stops counting
// the request; through a balancer it crosses the network before the client
// is told.
void Model::to_client(const RequestPtr& request, std::function<void()> tell) {
  BalancerRuntime* balancer = endpoints_[request->endpoint].balancer;
  if (balancer == nullptr) {
    tell();
    return;
  }
  balancer->picker.answered(request->target);
  const std::uint64_t bytes = std::llround(scenario_.endpoints[request->endpoint].response_bytes);
  sg4::Actor::create("to-client", request->server->host, [request, balancer, bytes, tell = std::move(tell)] {
    sg4::Comm::sendto(request->server->host, balancer->host, bytes);
    tell();
  });
}

void Model::deliver(Request& request) {
  if (request.settled) return;  // the client gave up; its error is counted
  if (request.rejected) {
    fail(request, Failure::unavailable);
    return;
  }
  request.settled = true;
  const double latency = now() - request.sent;
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  // The client's SLO runs from its first attempt: failed attempts and backoffs count.
  const bool within_slo = now() - request.first_sent <= endpoint.slo;
  timeline_.completion(latency, within_slo);
  if (measuring_) {
    detail::EndpointCounts& counts = endpoint_counts_[request.endpoint];
    counts.completed += 1;
    if (within_slo) counts.within_slo += 1;
    counts.histogram.record(latency);
  }
  if (request.user != nullptr) {
    request.user->idle_since = now();
    request.user->refused = false;
    request.user->reply->release();
  }
}

void Model::finish(Request& request) {
  Process& process = *request.process;
  leave_server(request);
  if (request.rejected) {
    process.rejecting -= 1;
  } else {
    process.accepted -= 1;
  }
  process_freed(process);
}

void Model::leave_server(Request& request) {
  in_flight_ -= 1;
  if (measuring_) {
    departures_ += 1;
    residence_sum_ += now() - request.arrival;
  }
  request.process->server->in_system.add(now(), -1.0);
  if (request.holds_loop) release_loop(request);
  if (request.holds_thread) release_thread(request);
}

// Gunicorn's arbiter kills a sync worker whose request outlives `timeout`:
// the client's connection is reset, and the worker serves again after booting.
void Model::kill_worker(const RequestPtr& pointer) {
  Request& request = *pointer;
  to_client(pointer, [this, pointer] {
    if (!pointer->settled) fail(*pointer, Failure::worker_killed);
  });
  leave_server(request);
  Process& process = *request.process;
  process.accepted -= 1;
  process.booting = true;
  sg4::this_actor::sleep_for(process.server->spec->boot_time);
  process.booting = false;
  process_freed(process);
}

// The process has room again: it takes the oldest connection of the backlog.
void Model::process_freed(Process& process) {
  ServerRuntime& server = *process.server;
  if (process.booting || process.accepted + process.rejecting >= server.accept_limit) return;
  if (server.backlog.empty()) {
    if (server.spec->kind == ServerKind::gunicorn_sync) server.idle_processes.push_back(&process);
    return;
  }
  const RequestPtr next = server.backlog.front();
  server.backlog.pop_front();
  mark_waiting(*next, -1.0);
  accept(process, next);
}

// ---------------------------------------------------------------------------
// Threads, event loops and GILs: FIFO hand-over, the waiting actor blocked on
// its own semaphore until the releasing one hands the resource over.

void Model::mark_waiting(Request& request, double delta) {
  if (delta > 0.0 && !request.started) request.queued = true;
  request.server->waiting.add(now(), delta);
}

void Model::take_thread(Request& request) {
  Process& process = *request.process;
  if (process.idle_threads == 0) {
    process.thread_queue.push_back(&request);
    mark_waiting(request, 1.0);
    request.wake->acquire();  // holds_thread is set by the releaser
    return;
  }
  process.idle_threads -= 1;
  request.holds_thread = true;
  if (!process.server->runs_loop) process.server->busy_runners.add(now(), 1.0);
}

void Model::release_thread(Request& request) {
  request.holds_thread = false;
  Process& process = *request.process;
  if (process.thread_queue.empty()) {
    process.idle_threads += 1;
    if (!process.server->runs_loop) process.server->busy_runners.add(now(), -1.0);
    return;
  }
  Request* next = process.thread_queue.front();
  process.thread_queue.pop_front();
  mark_waiting(*next, -1.0);
  next->holds_thread = true;
  next->wake->release();
}

void Model::take_loop(Request& request) {
  Process& process = *request.process;
  if (process.loop_busy) {
    process.loop_queue.push_back(&request);
    mark_waiting(request, 1.0);
    request.wake->acquire();
    return;
  }
  process.loop_busy = true;
  request.holds_loop = true;
  process.server->busy_runners.add(now(), 1.0);
}

// The loop runs the next ready callback, in the order they became ready.
void Model::release_loop(Request& request) {
  request.holds_loop = false;
  Process& process = *request.process;
  if (process.loop_queue.empty()) {
    process.loop_busy = false;
    process.server->busy_runners.add(now(), -1.0);
    return;
  }
  Request* next = process.loop_queue.front();
  process.loop_queue.pop_front();
  mark_waiting(*next, -1.0);
  next->holds_loop = true;
  next->wake->release();
}

// `seconds` of CPU at speed 1.0 as an S4U execution on the process's host.
// Python code first takes the GIL, in arrival order; a holder that keeps it
// a switch interval while others wait is preempted (its execution cancelled,
// its remaining work kept) and queues behind them.
void Model::compute(Request& request, double seconds, bool needs_gil) {
  Process& process = *request.process;
  request.remaining_flops = seconds * kFlopsPerSecond;
  if (needs_gil) {
    if (process.gil_holder == nullptr) {
      process.gil_holder = &request;
      request.holds_gil = true;
      process.gil_held.set(now(), 1.0);
    } else {
      process.gil_waiters.push_back(&request);
      request_switch(process);
      request.wake->acquire();  // the GIL is ours
    }
  }
  HostWork& work = *process.server->work;
  while (request.remaining_flops > 0.0) {
    request.exec = sg4::this_actor::exec_init(request.remaining_flops);
    request.exec_flops = request.remaining_flops;
    request.exec->start();
    work.started(request);
    try {
      if (std::isinf(request.kill_at)) {
        request.exec->wait();
      } else {
        request.exec->wait_for(std::max(0.0, request.kill_at - now()));
      }
      request.remaining_flops = 0.0;
      work.stopped(request, 0.0);
    } catch (const simgrid::CancelException&) {
      request.exec = nullptr;   // force_switch() accounted for its work
      request.wake->acquire();  // preempted by a GIL switch: wait for our turn again
      continue;
    } catch (const simgrid::TimeoutException&) {
      work.stopped(request, request.exec->get_remaining());
      request.exec->cancel();
      request.exec = nullptr;
      if (request.holds_gil) release_gil(request);
      throw WorkerKilled{};
    }
    request.exec = nullptr;
  }
  if (needs_gil) release_gil(request);
}

void Model::release_gil(Request& request) {
  request.holds_gil = false;
  Process& process = *request.process;
  process.switches += 1;
  if (process.gil_waiters.empty()) {
    process.gil_holder = nullptr;
    process.gil_held.set(now(), 0.0);
    return;
  }
  Request* next = process.gil_waiters.front();
  process.gil_waiters.pop_front();
  process.gil_holder = next;
  next->holds_gil = true;
  next->wake->release();
  if (!process.gil_waiters.empty()) request_switch(process);
}

// A waiting thread asks the holder to drop the GIL once the switch interval
// has passed without a hand-over (CPython's gil_drop_request).
void Model::request_switch(Process& process) {
  if (process.switch_pending_for == process.switches) return;
  process.switch_pending_for = process.switches;
  process.switch_requests.emplace_back(now() + process.server->spec->switch_interval, process.switches);
  process.switch_requested->release();
}

void Model::gil_switcher(Process& process) {
  for (;;) {
    process.switch_requested->acquire();
    const auto [when, switches] = process.switch_requests.front();
    process.switch_requests.pop_front();
    sg4::this_actor::sleep_until(when);
    force_switch(process, switches);
  }
}

void Model::force_switch(Process& process, std::uint32_t switches) {
  if (process.switches != switches || process.gil_waiters.empty()) return;
  Request* previous = process.gil_holder;
  // A holder whose execution ends at this very instant lets go by itself.
  if (!previous->exec || previous->exec->get_remaining() <= 0.0) return;
  ++events_;
  Request* next = process.gil_waiters.front();
  process.gil_waiters.pop_front();
  process.gil_waiters.push_back(previous);
  process.switches += 1;
  previous->holds_gil = false;
  previous->remaining_flops = previous->exec->get_remaining();
  process.server->work->stopped(*previous, previous->remaining_flops);
  previous->exec->cancel();
  process.gil_holder = next;
  next->holds_gil = true;
  next->wake->release();
  request_switch(process);
}

// ---------------------------------------------------------------------------
// Databases and downstream services: S4U semaphores, whose waiters take a
// freed slot in the order they came (SimGrid hands it over on release),
// timed with acquire_timeout.

// Waits for a slot of `semaphore` until `deadline` (infinite: no limit):
// false if the deadline came first.
bool acquire_by(sg4::Semaphore& semaphore, double deadline) {
  if (std::isinf(deadline)) {
    semaphore.acquire();
    return true;
  }
  return !semaphore.acquire_timeout(std::max(0.0, deadline - sg4::Engine::get_clock()));
}

unsigned pool_capacity(const ConnectionPool& pool) {
  return static_cast<unsigned>(std::min<long long>(static_cast<long long>(pool.size) + pool.max_overflow,
                                                   std::numeric_limits<int>::max()));
}

void Model::build_dependencies() {
  databases_.reserve(scenario_.databases.size());
  for (const Database& spec : scenario_.databases) {
    databases_.push_back(DatabaseRuntime{.spec = &spec,
                                         .connections = sg4::Semaphore::create(static_cast<unsigned>(spec.connections))});
  }
  services_.reserve(scenario_.services.size());
  for (std::size_t s = 0; s < scenario_.services.size(); ++s) {
    const Service& spec = scenario_.services[s];
    services_.push_back(ServiceRuntime{
        .spec = &spec,
        .slots = spec.concurrency ? sg4::Semaphore::create(static_cast<unsigned>(*spec.concurrency)) : nullptr,
        .rng = Rng(scenario_.run.seed, stream(replication_, kFirstServiceStream + s))});
  }
  for (Process& process : processes_) {
    for (const Database& spec : scenario_.databases) process.pools.push_back(sg4::Semaphore::create(pool_capacity(spec.pool)));
  }
}

// A db step: a connection from the process's pool, waiting in line at most
// the pool's timeout (then the handler raises); with it, a place at the
// database, first come first served; the query; both given back. A killed
// worker lets go of whatever it held or waited for.
void Model::query(Request& request, std::size_t database, double service_time) {
  DatabaseRuntime& db = databases_[database];
  sg4::Semaphore& pool = *request.process->pools[database];
  const double asked = now();
  const bool waits = pool.would_block();
  const double timeout_at = asked + db.spec->pool.timeout;
  if (!acquire_by(pool, std::min(timeout_at, request.kill_at))) {
    if (request.kill_at <= timeout_at) throw WorkerKilled{};
    if (measuring_) db.pool_timeouts += 1;
    throw HandlerFailed{Failure::pool_timeout};
  }
  if (measuring_) {
    db.checkouts += 1;
    if (waits) {
      db.waited += 1;
      db.pool_wait_sum += now() - asked;
    }
  }
  db.queued.add(now(), 1.0);
  const bool admitted = acquire_by(*db.connections, request.kill_at);
  db.queued.add(now(), -1.0);
  bool done = false;
  if (admitted) {
    db.busy.add(now(), 1.0);
    done = sleep_unless_killed(request, service_time);
    db.busy.add(now(), -1.0);
    db.connections->release();
    if (done && measuring_) db.queries += 1;
  }
  pool.release();
  if (!done) throw WorkerKilled{};
}

// A call step: a concurrency slot if the service caps them (first come first
// served), the call's latency, and with probability error_rate an error
// that the handler raises (a 502).
void Model::call(Request& request, std::size_t index, double latency) {
  ServiceRuntime& service = services_[index];
  if (service.slots) {
    service.queued.add(now(), 1.0);
    const bool admitted = acquire_by(*service.slots, request.kill_at);
    service.queued.add(now(), -1.0);
    if (!admitted) throw WorkerKilled{};
  }
  service.busy.add(now(), 1.0);
  const bool answered = sleep_unless_killed(request, latency);
  service.busy.add(now(), -1.0);
  if (service.slots) service.slots->release();
  if (!answered) throw WorkerKilled{};
  const double error_rate = service.spec->error_rate;
  const bool failed = error_rate > 0.0 && service.rng.uniform01() < error_rate;
  if (measuring_) {
    service.calls += 1;
    if (failed) service.errors += 1;
  }
  if (failed) throw HandlerFailed{Failure::downstream};
}

void Model::mark_dependencies_warmup() {
  for (DatabaseRuntime& db : databases_) {
    db.busy_at_warmup = db.busy.area_until(now());
    db.queued_at_warmup = db.queued.area_until(now());
  }
  for (ServiceRuntime& service : services_) {
    service.busy_at_warmup = service.busy.area_until(now());
    service.queued_at_warmup = service.queued.area_until(now());
  }
}

DatabaseStats Model::database_stats(const DatabaseRuntime& db, double span) const {
  DatabaseStats stats;
  stats.name = db.spec->name;
  stats.utilization = (db.busy.area_until(now()) - db.busy_at_warmup) / (span * db.spec->connections);
  stats.mean_queue_length = (db.queued.area_until(now()) - db.queued_at_warmup) / span;
  if (db.checkouts > 0) {
    const auto checkouts = static_cast<double>(db.checkouts);
    stats.mean_pool_wait = db.pool_wait_sum / checkouts;
    stats.pool_wait_fraction = static_cast<double>(db.waited) / checkouts;
  }
  stats.queries = db.queries;
  stats.pool_timeouts = db.pool_timeouts;
  return stats;
}

ServiceStats Model::service_stats(const ServiceRuntime& service, double span) const {
  ServiceStats stats;
  stats.name = service.spec->name;
  stats.mean_in_use = (service.busy.area_until(now()) - service.busy_at_warmup) / span;
  stats.mean_queue_length = (service.queued.area_until(now()) - service.queued_at_warmup) / span;
  stats.calls = service.calls;
  stats.errors = service.errors;
  return stats;
}

// ---------------------------------------------------------------------------
// Measurement.

void Model::timeline() {
  const double end = scenario_.run.duration;
  bool warm = measurement_.warmup <= 0.0;  // then run() started measuring
  double next_interval = timeline_.next_end(measurement_.interval);
  for (;;) {
    // The warm-up's end and the intervals' ends, in time order.
    const double next = warm ? next_interval : std::min(next_interval, measurement_.warmup);
    if (next >= end) return;  // the last interval closes after the run
    sg4::this_actor::sleep_until(next);
    // Executions that end at this very instant are settled by their actors
    // first: reading the progress of one whose actor has not yet resumed
    // crashes SimGrid.
    sg4::this_actor::yield();
    if (!warm && next == measurement_.warmup) {
      warm = true;
      start_measuring();
    }
    if (next == next_interval) {
      close_interval();
      next_interval = timeline_.next_end(measurement_.interval);
    }
  }
}

ServerAreas Model::server_areas(const ServerRuntime& server) const {
  const double t = now();
  ServerAreas areas{server.busy_runners.area_until(t), server.waiting.area_until(t),
                    server.in_system.area_until(t), 0.0};
  for (const Process* process : server.processes) areas.gil += process->gil_held.area_until(t);
  return areas;
}

// The work SimGrid computed on a host so far, in core-seconds at its speed.
double Model::core_seconds(std::size_t host) const {
  return host_work_[host].flops() / (scenario_.hosts[host].speed * kFlopsPerSecond);
}

double Model::system_area() const {
  double area = 0.0;
  for (const ServerRuntime& server : servers_) area += server.in_system.area_until(now());
  return area;
}

void Model::start_measuring() {
  measuring_ = true;
  system_area_at_warmup_ = system_area();
  areas_at_warmup_.clear();
  for (const ServerRuntime& server : servers_) areas_at_warmup_.push_back(server_areas(server));
  core_seconds_at_warmup_.clear();
  for (std::size_t h = 0; h < hosts_.size(); ++h) core_seconds_at_warmup_.push_back(core_seconds(h));
  mark_dependencies_warmup();
  for (BalancerRuntime& balancer : balancers_) balancer.picker.start_measuring();
}

// The native engine's time series, fed with the areas this engine measures.
void Model::close_interval() {
  if (now() <= timeline_.start()) return;
  detail::Timeline::Areas areas;
  for (const ServerRuntime& server : servers_) {
    const ServerAreas server_area = server_areas(server);
    areas.waiting.push_back(server_area.waiting);
    areas.busy.push_back(server_area.busy);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) areas.cpu.push_back(core_seconds(h));
  timeline_.close(now(), areas);
  ++events_;
  if (on_interval_) on_interval_(now());
}

ReplicationResult Model::run() {
  build();
  // Without a warm-up, requests sent at time 0 count: measure before any actor runs.
  if (measurement_.warmup <= 0.0) start_measuring();
  start_actors();
  sg4::Engine::get_instance()->run_until(scenario_.run.duration);
  close_interval();
  return collect();
}

ReplicationResult Model::collect() {
  ReplicationResult result;
  result.index = replication_;
  result.warmup = measurement_.warmup;
  result.measured_duration = scenario_.run.duration - measurement_.warmup;
  result.arrivals = arrivals_;
  result.events = events_;
  const double span = result.measured_duration;

  detail::add_endpoint_results(scenario_, endpoint_counts_, span, result);

  for (std::size_t s = 0; s < servers_.size(); ++s) {
    const ServerRuntime& server = servers_[s];
    const ServerAreas areas = server_areas(server);
    const ServerAreas& before = areas_at_warmup_[s];
    ServerStats stats;
    stats.name = server.spec->name;
    stats.worker_busy_fraction = (areas.busy - before.busy) / (span * server.runner_count());
    stats.gil_busy_fraction = (areas.gil - before.gil) / (span * server.spec->workers);
    stats.mean_queue_length = (areas.waiting - before.waiting) / span;
    stats.mean_in_system = (areas.in_system - before.in_system) / span;
    stats.queued_fraction =
        server.started ? static_cast<double>(server.queued) / static_cast<double>(server.started) : 0.0;
    result.servers.push_back(stats);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const Host& spec = scenario_.hosts[h];
    const double busy = core_seconds(h) - core_seconds_at_warmup_[h];
    result.hosts.push_back(HostStats{spec.name, busy / (span * spec.cores)});
  }

  for (const DatabaseRuntime& db : databases_) result.databases.push_back(database_stats(db, span));
  for (const ServiceRuntime& service : services_) result.services.push_back(service_stats(service, span));
  for (std::size_t b = 0; b < balancers_.size(); ++b) {
    result.balancers.push_back(detail::split_of(scenario_.balancers[b], balancers_[b].picker));
  }

  result.little.mean_in_system = (system_area() - system_area_at_warmup_) / span;
  result.little.throughput = static_cast<double>(departures_) / span;
  result.little.mean_response = departures_ ? residence_sum_ / static_cast<double>(departures_) : 0.0;
  result.timeline = timeline_.take();
  return result;
}

}  // namespace

ReplicationResult run_replication(const Scenario& scenario, int replication,
                                  Measurement measurement, const IntervalHook& on_interval) {
  // Never destroyed: actors still block on its semaphores when the run
  // stops, and SimGrid aborts on destroying a semaphore in use. The process
  // ends right after the run.
  auto* model = new Model(scenario, replication, measurement, on_interval);
  return model->run();
}

}  // namespace servesim::simgrid_engine
