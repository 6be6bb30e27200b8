#include "s4u_model.hpp"

#include <simgrid/plugins/load.h>

#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "servesim/core/rng.hpp"
#include "sim/time_average.hpp"

namespace sg4 = simgrid::s4u;

namespace servesim::simgrid_engine {
namespace {

using detail::TimeAverage;

// A host of speed 1.0 computes this many flops per second, so a CPU phase of
// d seconds is an execution of d * kFlopsPerSecond flops. Large enough that
// SimGrid's work precision (1e-5 flops) is far below a nanosecond.
constexpr double kFlopsPerSecond = 1e9;

// As in the native engine: a refused closed-loop client retries after Linux's
// initial SYN retransmission timeout.
constexpr double kRefusedRetryDelay = 1.0;

// The native engine's random-stream layout, so both engines draw each
// replication's arrivals, mix, think times and durations from the same streams.
constexpr std::uint64_t kArrivalStream = 0;
constexpr std::uint64_t kMixStream = 1;
constexpr std::uint64_t kThinkStream = 2;
constexpr std::uint64_t kFirstEndpointStream = 16;

std::uint64_t stream(int replication, std::uint64_t source) {
  return Rng::stream_id(static_cast<std::uint64_t>(replication), source);
}

template <class T>
std::size_t index_of(const std::vector<T>& items, const std::string& name) {
  return static_cast<std::size_t>(
      std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; }) -
      items.begin());
}

struct Request {
  double arrival = 0.0;
  std::size_t endpoint = 0;
  sg4::Semaphore* reply = nullptr;  // the waiting closed-loop user's, or none (open)
  bool answered = false;
  bool timed_out = false;  // the client gave up; the worker still finishes it
};
using RequestPtr = std::shared_ptr<Request>;

struct Step {
  PhaseKind kind;
  Distribution duration;
};

struct EndpointRuntime {
  std::size_t server = 0;
  std::vector<Step> steps;  // the framework's overhead, then the phases
  Rng rng;
  // Measured window.
  std::uint64_t completed = 0;
  ErrorCounts errors;
  LatencyHistogram histogram;
};

// A Gunicorn sync pool: connections the kernel accepted wait in `backlog`
// until a worker takes them; `pending` counts them for the worker actors.
struct ServerRuntime {
  const Server* spec = nullptr;
  sg4::Host* host = nullptr;
  std::deque<RequestPtr> backlog;
  sg4::SemaphorePtr pending = sg4::Semaphore::create(0);
  int idle = 0;              // workers blocked on `pending`
  std::size_t waiting = 0;   // connections no worker has been assigned to
  TimeAverage busy_workers;
  TimeAverage queue_length;
  std::uint64_t admitted = 0;  // measured window
  std::uint64_t queued = 0;    // of which waited for a worker
  double busy_at_warmup = 0.0;
  double queued_at_warmup = 0.0;
};

struct IntervalCounts {
  std::uint64_t arrivals = 0;
  std::uint64_t completed = 0;
  std::uint64_t errors = 0;
  double latency_sum = 0.0;
};

class Model {
 public:
  Model(const Scenario& scenario, int replication, Measurement measurement,
        const IntervalHook& on_interval)
      : scenario_(scenario),
        replication_(replication),
        measurement_(measurement),
        on_interval_(on_interval),
        arrival_rng_(scenario.run.seed, stream(replication, kArrivalStream)),
        mix_rng_(scenario.run.seed, stream(replication, kMixStream)),
        think_rng_(scenario.run.seed, stream(replication, kThinkStream)) {}

  ReplicationResult run();

 private:
  void build_platform();
  void build_endpoints();
  void build_mix();
  void start_actors();

  // Actor bodies.
  void worker(ServerRuntime& server);
  void open_source();
  void user(std::size_t index, double first_send);
  void timeout_watch();
  void timeline();

  // A request for `endpoint` arrives; returns it, or nullptr if refused.
  RequestPtr arrive(std::size_t endpoint, sg4::Semaphore* reply);
  void serve(const RequestPtr& request);
  void finish(const RequestPtr& request, ServerRuntime& server);
  void count_error(std::size_t endpoint, bool refused);
  void start_measuring();
  void close_interval();
  [[nodiscard]] std::size_t pick_endpoint();
  [[nodiscard]] double now() const { return sg4::Engine::get_clock(); }
  [[nodiscard]] double system_area() const;
  [[nodiscard]] double think() { return scenario_.workload.closed->think_time.sample(think_rng_); }
  ReplicationResult collect();

  const Scenario& scenario_;
  int replication_;
  Measurement measurement_;
  const IntervalHook& on_interval_;

  std::vector<sg4::Host*> hosts_;
  sg4::Host* client_host_ = nullptr;
  std::vector<ServerRuntime> servers_;
  std::vector<EndpointRuntime> endpoints_;
  std::vector<double> mix_cumulative_;

  Rng arrival_rng_;
  Rng mix_rng_;
  Rng think_rng_;

  // Admitted requests in arrival order, for the client-timeout watcher: with
  // one timeout for every request, their deadlines come in the same order.
  std::deque<RequestPtr> deadlines_;
  sg4::SemaphorePtr deadlines_pending_ = sg4::Semaphore::create(0);

  bool measuring_ = false;
  std::uint64_t events_ = 0;
  std::uint64_t arrivals_ = 0;
  std::uint64_t departures_ = 0;
  double residence_sum_ = 0.0;
  double system_area_at_warmup_ = 0.0;
  std::vector<double> flops_at_warmup_;

  IntervalCounts interval_;
  double interval_start_ = 0.0;
  std::vector<IntervalStats> timeline_;
};

void Model::build_platform() {
  sg4::NetZone* zone = sg4::create_full_zone("servesim");
  for (const Host& host : scenario_.hosts) {
    hosts_.push_back(zone->create_host(host.name, host.speed * kFlopsPerSecond)
                         ->set_core_count(host.cores)
                         ->seal());
  }
  // Clients only sleep: their host never computes. Its name cannot clash
  // with a scenario host's, which the parser requires to be unique.
  std::string client_name = "clients";
  while (std::any_of(scenario_.hosts.begin(), scenario_.hosts.end(),
                     [&](const Host& h) { return h.name == client_name; })) {
    client_name += "_";
  }
  client_host_ = zone->create_host(client_name, kFlopsPerSecond)->seal();
  zone->seal();

  servers_.resize(scenario_.servers.size());
  for (std::size_t s = 0; s < servers_.size(); ++s) {
    const Server& spec = scenario_.servers[s];
    servers_[s].spec = &spec;
    servers_[s].host = hosts_[index_of(scenario_.hosts, spec.host)];
    servers_[s].idle = spec.workers;
  }
}

void Model::build_endpoints() {
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    EndpointRuntime runtime{index_of(scenario_.servers, endpoint.server), {},
                            Rng(scenario_.run.seed, stream(replication_, kFirstEndpointStream + i)),
                            0, {}, {}};
    const Distribution& overhead = scenario_.servers[runtime.server].framework_overhead;
    const bool no_overhead = overhead.kind() == DistributionKind::constant && overhead.mean() == 0.0;
    if (!no_overhead) runtime.steps.push_back(Step{PhaseKind::cpu, overhead});
    for (const Phase& phase : endpoint.phases) runtime.steps.push_back(Step{phase.kind, phase.duration});
    endpoints_.push_back(std::move(runtime));
  }
}

void Model::build_mix() {
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
}

std::size_t Model::pick_endpoint() {
  if (mix_cumulative_.size() == 1) return 0;
  const double u = mix_rng_.uniform01();
  const auto it = std::upper_bound(mix_cumulative_.begin(), mix_cumulative_.end(), u);
  return std::min(static_cast<std::size_t>(it - mix_cumulative_.begin()), mix_cumulative_.size() - 1);
}

void Model::start_actors() {
  for (ServerRuntime& server : servers_) {
    for (int w = 0; w < server.spec->workers; ++w) {
      sg4::Actor::create(server.spec->name + "/worker-" + std::to_string(w), server.host,
                         [this, &server] { worker(server); });
    }
  }
  const Workload& workload = scenario_.workload;
  if (workload.open) {
    sg4::Actor::create("open-arrivals", client_host_, [this] { open_source(); });
  } else {
    for (int u = 0; u < workload.closed->users; ++u) {
      // As the native engine: users start at a random point of their first think.
      const double first = think() * think_rng_.uniform01();
      sg4::Actor::create("user-" + std::to_string(u), client_host_,
                         [this, u, first] { user(static_cast<std::size_t>(u), first); });
    }
  }
  if (workload.client_timeout) {
    sg4::Actor::create("client-timeouts", client_host_, [this] { timeout_watch(); });
  }
  sg4::Actor::create("timeline", client_host_, [this] { timeline(); });
}

void Model::worker(ServerRuntime& server) {
  for (;;) {
    server.pending->acquire();
    const RequestPtr request = server.backlog.front();
    server.backlog.pop_front();
    serve(request);
    finish(request, server);
  }
}

void Model::serve(const RequestPtr& request) {
  EndpointRuntime& endpoint = endpoints_[request->endpoint];
  for (const Step& step : endpoint.steps) {
    const double duration = step.duration.sample(endpoint.rng);
    ++events_;
    if (step.kind == PhaseKind::cpu) {
      sg4::this_actor::execute(duration * kFlopsPerSecond);
    } else {
      sg4::this_actor::sleep_for(duration);
    }
  }
}

void Model::finish(const RequestPtr& request, ServerRuntime& server) {
  const double latency = now() - request->arrival;
  if (measuring_) {
    departures_ += 1;
    residence_sum_ += latency;
  }
  if (!request->timed_out) {
    request->answered = true;
    interval_.completed += 1;
    interval_.latency_sum += latency;
    if (measuring_) {
      EndpointRuntime& endpoint = endpoints_[request->endpoint];
      endpoint.completed += 1;
      endpoint.histogram.record(latency);
    }
    if (request->reply != nullptr) request->reply->release();
  }
  // The freed worker takes the oldest waiting connection, or goes idle.
  if (server.waiting > 0) {
    server.waiting -= 1;
    server.queue_length.set(now(), static_cast<double>(server.waiting));
  } else {
    server.idle += 1;
    server.busy_workers.add(now(), -1.0);
  }
}

RequestPtr Model::arrive(std::size_t endpoint, sg4::Semaphore* reply) {
  ++events_;
  interval_.arrivals += 1;
  if (measuring_) arrivals_ += 1;
  ServerRuntime& server = servers_[endpoints_[endpoint].server];
  bool queued = false;
  if (server.idle > 0) {
    server.idle -= 1;
    server.busy_workers.add(now(), 1.0);
  } else if (server.waiting >= static_cast<std::size_t>(server.spec->backlog)) {
    count_error(endpoint, /*refused=*/true);
    return nullptr;
  } else {
    server.waiting += 1;
    server.queue_length.set(now(), static_cast<double>(server.waiting));
    queued = true;
  }
  if (measuring_) {
    server.admitted += 1;
    if (queued) server.queued += 1;
  }
  auto request = std::make_shared<Request>(Request{now(), endpoint, reply, false, false});
  server.backlog.push_back(request);
  server.pending->release();
  if (scenario_.workload.client_timeout) {
    deadlines_.push_back(request);
    deadlines_pending_->release();
  }
  return request;
}

void Model::count_error(std::size_t endpoint, bool refused) {
  interval_.errors += 1;
  if (!measuring_) return;
  ErrorCounts& errors = endpoints_[endpoint].errors;
  (refused ? errors.refused : errors.client_timeout) += 1;
}

void Model::open_source() {
  const OpenWorkload& open = *scenario_.workload.open;
  for (;;) {
    (void)arrive(pick_endpoint(), nullptr);
    const double gap = open.arrivals == ArrivalProcess::constant
                           ? 1.0 / open.rate
                           : -std::log(arrival_rng_.uniform01()) / open.rate;
    sg4::this_actor::sleep_for(gap);
  }
}

void Model::user(std::size_t /*index*/, double first_send) {
  const sg4::SemaphorePtr reply = sg4::Semaphore::create(0);
  sg4::this_actor::sleep_for(first_send);
  for (;;) {
    if (arrive(pick_endpoint(), reply.get()) == nullptr) {
      sg4::this_actor::sleep_for(think() + kRefusedRetryDelay);
      continue;
    }
    reply->acquire();  // the answer, or the client timeout
    sg4::this_actor::sleep_for(think());
  }
}

void Model::timeout_watch() {
  const double timeout = *scenario_.workload.client_timeout;
  for (;;) {
    deadlines_pending_->acquire();
    const RequestPtr request = deadlines_.front();
    deadlines_.pop_front();
    sg4::this_actor::sleep_until(request->arrival + timeout);
    if (request->answered) continue;
    ++events_;
    request->timed_out = true;
    count_error(request->endpoint, /*refused=*/false);
    if (request->reply != nullptr) request->reply->release();
  }
}

void Model::timeline() {
  const double end = scenario_.run.duration;
  bool warm = measurement_.warmup <= 0.0;
  if (warm) start_measuring();
  double next_interval = measurement_.interval;
  for (;;) {
    // The warm-up's end and the intervals' ends, in time order.
    const double next = warm ? next_interval : std::min(next_interval, measurement_.warmup);
    if (next >= end) return;  // the last interval closes after the run
    sg4::this_actor::sleep_until(next);
    if (!warm && next == measurement_.warmup) {
      warm = true;
      start_measuring();
    }
    if (next == next_interval) {
      close_interval();
      next_interval = now() + measurement_.interval;
    }
  }
}

double Model::system_area() const {
  double area = 0.0;
  const double t = now();
  for (const ServerRuntime& server : servers_) {
    area += server.busy_workers.area_until(t) + server.queue_length.area_until(t);
  }
  return area;
}

void Model::start_measuring() {
  measuring_ = true;
  system_area_at_warmup_ = system_area();
  for (ServerRuntime& server : servers_) {
    server.busy_at_warmup = server.busy_workers.area_until(now());
    server.queued_at_warmup = server.queue_length.area_until(now());
  }
  flops_at_warmup_.clear();
  for (sg4::Host* host : hosts_) flops_at_warmup_.push_back(sg_host_get_computed_flops(host));
}

void Model::close_interval() {
  if (now() <= interval_start_) return;
  IntervalStats stats;
  stats.start = interval_start_;
  stats.end = now();
  stats.arrivals = interval_.arrivals;
  stats.completed = interval_.completed;
  stats.errors = interval_.errors;
  stats.mean_latency =
      interval_.completed ? interval_.latency_sum / static_cast<double>(interval_.completed) : 0.0;
  timeline_.push_back(stats);
  interval_ = IntervalCounts{};
  interval_start_ = now();
  ++events_;
  if (on_interval_) on_interval_(now());
}

ReplicationResult Model::run() {
  build_platform();
  build_endpoints();
  build_mix();
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
  const double t = now();

  LatencyHistogram all;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointRuntime& runtime = endpoints_[i];
    EndpointStats stats;
    stats.name = scenario_.endpoints[i].name;
    stats.completed = runtime.completed;
    stats.throughput = static_cast<double>(runtime.completed) / span;
    stats.errors = runtime.errors;
    stats.latency = LatencyStats::from(runtime.histogram);
    all.merge(runtime.histogram);
    result.completed += runtime.completed;
    result.errors += runtime.errors;
    stats.histogram = std::move(runtime.histogram);
    result.endpoints.push_back(std::move(stats));
  }
  result.throughput = static_cast<double>(result.completed) / span;
  result.latency = LatencyStats::from(all);

  for (const ServerRuntime& server : servers_) {
    ServerStats stats;
    stats.name = server.spec->name;
    const double busy = server.busy_workers.area_until(t) - server.busy_at_warmup;
    const double queued = server.queue_length.area_until(t) - server.queued_at_warmup;
    stats.worker_busy_fraction = busy / (span * server.spec->workers);
    stats.mean_queue_length = queued / span;
    stats.mean_in_system = (busy + queued) / span;
    stats.queued_fraction = server.admitted ? static_cast<double>(server.queued) /
                                                  static_cast<double>(server.admitted)
                                            : 0.0;
    result.servers.push_back(stats);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const Host& spec = scenario_.hosts[h];
    // Work SimGrid computed in the window, in core-seconds at the host's speed.
    const double flops = sg_host_get_computed_flops(hosts_[h]) - flops_at_warmup_[h];
    const double core_seconds = flops / (spec.speed * kFlopsPerSecond);
    result.hosts.push_back(HostStats{spec.name, core_seconds / (span * spec.cores)});
  }

  result.little.mean_in_system = (system_area() - system_area_at_warmup_) / span;
  result.little.throughput = static_cast<double>(departures_) / span;
  result.little.mean_response = departures_ ? residence_sum_ / static_cast<double>(departures_) : 0.0;
  result.timeline = std::move(timeline_);
  return result;
}

}  // namespace

ReplicationResult run_replication(const Scenario& scenario, int replication,
                                  Measurement measurement, const IntervalHook& on_interval) {
  sg_host_load_plugin_init();
  // Never destroyed: the actors still block on its semaphores when the run
  // stops, and SimGrid aborts on destroying a semaphore in use. The process
  // ends right after the run.
  auto* model = new Model(scenario, replication, measurement, on_interval);
  return model->run();
}

}  // namespace servesim::simgrid_engine
