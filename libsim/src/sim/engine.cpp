#include "sim/engine.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace servesim::detail {
namespace {

// A refused closed-loop client waits Linux's initial SYN retransmission
// timeout (TCP_TIMEOUT_INIT, 1 s) before it tries again; without a delay a
// client with no think time would retry forever at the same instant.
constexpr double kRefusedRetryDelay = 1.0;

// Random stream ids within a replication: one per independent source.
constexpr std::uint64_t kArrivalStream = 0;
constexpr std::uint64_t kMixStream = 1;
constexpr std::uint64_t kThinkStream = 2;
constexpr std::uint64_t kFirstEndpointStream = 16;

template <class T>
std::uint32_t index_of(const std::vector<T>& items, const std::string& name) {
  const auto it = std::find_if(items.begin(), items.end(),
                               [&](const T& item) { return item.name == name; });
  return static_cast<std::uint32_t>(it - items.begin());
}

std::uint64_t stream(int replication, std::uint64_t source) {
  return Rng::stream_id(static_cast<std::uint64_t>(replication), source);
}

}  // namespace

Engine::Engine(const Scenario& scenario, int replication, Measurement measurement,
               IntervalHook on_interval)
    : scenario_(scenario),
      replication_(replication),
      measurement_(measurement),
      on_interval_(std::move(on_interval)),
      client_timeout_(scenario.workload.client_timeout),
      arrival_rng_(scenario.run.seed, stream(replication, kArrivalStream)),
      mix_rng_(scenario.run.seed, stream(replication, kMixStream)),
      think_rng_(scenario.run.seed, stream(replication, kThinkStream)) {
  for (const Host& host : scenario.hosts) hosts_.emplace_back(host.cores, host.speed);
  for (const Server& server : scenario.servers) {
    servers_.push_back(ServerRuntime{SyncWorkerPool(server.workers, server.backlog), 0, 0});
  }
  build_endpoints();
  build_mix();
  endpoint_counts_.resize(endpoints_.size());
}

void Engine::build_endpoints() {
  for (std::size_t i = 0; i < scenario_.endpoints.size(); ++i) {
    const Endpoint& endpoint = scenario_.endpoints[i];
    const std::uint32_t server = index_of(scenario_.servers, endpoint.server);
    const Server& spec = scenario_.servers[server];
    EndpointRuntime runtime{server, index_of(scenario_.hosts, spec.host), {},
                            Rng(scenario_.run.seed, stream(replication_, kFirstEndpointStream + i))};
    const Distribution& overhead = spec.framework_overhead;
    const bool no_overhead = overhead.kind() == DistributionKind::constant && overhead.mean() == 0.0;
    if (!no_overhead) runtime.steps.push_back(Step{PhaseKind::cpu, overhead});
    for (const Phase& phase : endpoint.phases) runtime.steps.push_back(Step{phase.kind, phase.duration});
    endpoints_.push_back(std::move(runtime));
  }
}

void Engine::build_mix() {
  // An empty mix means every endpoint, equally weighted.
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

std::uint32_t Engine::pick_endpoint() {
  if (mix_cumulative_.size() == 1) return 0;
  const double u = mix_rng_.uniform01();
  const auto it = std::upper_bound(mix_cumulative_.begin(), mix_cumulative_.end(), u);
  return static_cast<std::uint32_t>(
      std::min<std::ptrdiff_t>(it - mix_cumulative_.begin(),
                               static_cast<std::ptrdiff_t>(mix_cumulative_.size()) - 1));
}

void Engine::start_workload() {
  const Workload& workload = scenario_.workload;
  if (workload.open) {
    calendar_.schedule(0.0, EventType::open_arrival);
  } else {
    const ClosedWorkload& closed = *workload.closed;
    for (int user = 0; user < closed.users; ++user) {
      // Users start at a random point of their first think, not all at once.
      calendar_.schedule(closed.think_time.sample(think_rng_) * think_rng_.uniform01(),
                         EventType::user_send, static_cast<std::uint32_t>(user));
    }
  }
}

ReplicationResult Engine::run() {
  const double end = scenario_.run.duration;
  if (measurement_.warmup > 0.0) {
    calendar_.schedule(measurement_.warmup, EventType::warmup_end);
  } else {
    on_warmup_end();
  }
  if (measurement_.interval < end) calendar_.schedule(measurement_.interval, EventType::interval_end);
  start_workload();

  for (;;) {
    // CPU completions live in the hosts, not in the calendar: a change in the
    // number of runnable jobs moves them, and recomputing beats cancelling.
    double cpu_time = std::numeric_limits<double>::infinity();
    std::size_t cpu_host = 0;
    for (std::size_t h = 0; h < hosts_.size(); ++h) {
      if (hosts_[h].next_completion() < cpu_time) {
        cpu_time = hosts_[h].next_completion();
        cpu_host = h;
      }
    }
    const double event_time =
        calendar_.empty() ? std::numeric_limits<double>::infinity() : calendar_.next_time();
    if (std::min(cpu_time, event_time) > end) break;
    ++events_;
    if (cpu_time < event_time) {
      now_ = cpu_time;
      advance(hosts_[cpu_host].complete(now_));
    } else {
      const Event event = calendar_.pop();
      now_ = event.time;
      dispatch(event);
    }
  }
  now_ = end;
  on_interval_end();
  return collect();
}

void Engine::dispatch(const Event& event) {
  switch (event.type) {
    case EventType::open_arrival: on_open_arrival(); break;
    case EventType::user_send: on_user_send(event.subject); break;
    case EventType::io_done: advance(event.subject); break;
    case EventType::client_timeout: on_client_timeout(event.subject, event.tag); break;
    case EventType::interval_end: on_interval_end(); break;
    case EventType::warmup_end: on_warmup_end(); break;
  }
}

void Engine::on_open_arrival() {
  arrive(pick_endpoint(), kNoUser);
  const OpenWorkload& open = *scenario_.workload.open;
  const double gap = open.arrivals == ArrivalProcess::constant
                         ? 1.0 / open.rate
                         : -std::log(arrival_rng_.uniform01()) / open.rate;
  calendar_.schedule(now_ + gap, EventType::open_arrival);
}

void Engine::on_user_send(std::uint32_t user) { arrive(pick_endpoint(), user); }

void Engine::arrive(std::uint32_t endpoint, std::uint32_t user) {
  const std::uint32_t id = requests_.acquire();
  Request& request = requests_[id];
  request.arrival = now_;
  request.endpoint = endpoint;
  request.user = user;
  interval_.arrivals += 1;
  if (measuring_) arrivals_ += 1;
  if (client_timeout_) {
    calendar_.schedule(now_ + *client_timeout_, EventType::client_timeout, id, request.generation);
  }
  ServerRuntime& server = servers_[endpoints_[endpoint].server];
  const auto admission = server.pool.admit(now_, id);
  if (measuring_ && admission != SyncWorkerPool::Admission::refused) {
    server.admitted += 1;
    if (admission == SyncWorkerPool::Admission::queued) server.queued += 1;
  }
  switch (admission) {
    case SyncWorkerPool::Admission::started: advance(id); break;
    case SyncWorkerPool::Admission::queued: break;
    case SyncWorkerPool::Admission::refused:
      count_error(endpoint, /*refused=*/true);
      requests_.release(id);
      if (user != kNoUser) schedule_next_send(user, kRefusedRetryDelay);
      break;
  }
}

// Moves request `id` to its next step, or finishes it after the last one.
void Engine::advance(std::uint32_t id) {
  Request& request = requests_[id];
  EndpointRuntime& endpoint = endpoints_[request.endpoint];
  request.phase += 1;
  if (static_cast<std::size_t>(request.phase) == endpoint.steps.size()) {
    finish(id);
    return;
  }
  const Step& step = endpoint.steps[static_cast<std::size_t>(request.phase)];
  const double duration = step.duration.sample(endpoint.rng);
  if (step.kind == PhaseKind::cpu) {
    hosts_[endpoint.host].add(now_, id, duration);
  } else {
    calendar_.schedule(now_ + duration, EventType::io_done, id);
  }
}

void Engine::finish(std::uint32_t id) {
  Request& request = requests_[id];
  const std::uint32_t endpoint = request.endpoint;
  const double latency = now_ - request.arrival;
  if (measuring_) {
    departures_ += 1;
    residence_sum_ += latency;
  }
  if (!request.timed_out) {
    interval_.completed += 1;
    interval_.latency_sum += latency;
    if (measuring_) {
      EndpointCounts& counts = endpoint_counts_[endpoint];
      counts.completed += 1;
      counts.histogram.record(latency);
    }
    if (request.user != kNoUser) schedule_next_send(request.user, 0.0);
  }
  requests_.release(id);
  // The freed worker accepts the oldest waiting connection.
  if (const auto next = servers_[endpoints_[endpoint].server].pool.release(now_)) advance(*next);
}

void Engine::on_client_timeout(std::uint32_t id, std::uint32_t generation) {
  Request& request = requests_[id];
  if (request.generation != generation) return;  // answered (and recycled) in time
  request.timed_out = true;
  count_error(request.endpoint, /*refused=*/false);
  if (request.user != kNoUser) schedule_next_send(request.user, 0.0);
}

void Engine::schedule_next_send(std::uint32_t user, double extra_delay) {
  const double think = scenario_.workload.closed->think_time.sample(think_rng_);
  calendar_.schedule(now_ + think + extra_delay, EventType::user_send, user);
}

void Engine::count_error(std::uint32_t endpoint, bool refused) {
  interval_.errors += 1;
  if (!measuring_) return;
  ErrorCounts& errors = endpoint_counts_[endpoint].errors;
  (refused ? errors.refused : errors.client_timeout) += 1;
}

double Engine::system_area(double now) const {
  double area = 0.0;
  for (const ServerRuntime& server : servers_) {
    area += server.pool.busy_worker_seconds(now) + server.pool.queued_seconds(now);
  }
  return area;
}

void Engine::on_warmup_end() {
  measuring_ = true;
  system_area_at_warmup_ = system_area(now_);
  busy_core_seconds_at_warmup_.clear();
  busy_worker_seconds_at_warmup_.clear();
  queued_seconds_at_warmup_.clear();
  for (const SharedCpu& host : hosts_) busy_core_seconds_at_warmup_.push_back(host.busy_core_seconds(now_));
  for (const ServerRuntime& server : servers_) {
    busy_worker_seconds_at_warmup_.push_back(server.pool.busy_worker_seconds(now_));
    queued_seconds_at_warmup_.push_back(server.pool.queued_seconds(now_));
  }
}

void Engine::on_interval_end() {
  if (now_ <= interval_start_) return;
  IntervalStats stats;
  stats.start = interval_start_;
  stats.end = now_;
  stats.arrivals = interval_.arrivals;
  stats.completed = interval_.completed;
  stats.errors = interval_.errors;
  stats.mean_latency =
      interval_.completed ? interval_.latency_sum / static_cast<double>(interval_.completed) : 0.0;
  timeline_.push_back(stats);
  interval_ = IntervalCounts{};
  interval_start_ = now_;
  const double next = now_ + measurement_.interval;
  if (next < scenario_.run.duration) calendar_.schedule(next, EventType::interval_end);
  if (on_interval_) on_interval_(now_);
}

ReplicationResult Engine::collect() {
  ReplicationResult result;
  result.index = replication_;
  result.warmup = measurement_.warmup;
  result.measured_duration = scenario_.run.duration - measurement_.warmup;
  result.arrivals = arrivals_;
  result.events = events_;
  const double span = result.measured_duration;

  LatencyHistogram all;
  for (std::size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointCounts& counts = endpoint_counts_[i];
    EndpointStats stats;
    stats.name = scenario_.endpoints[i].name;
    stats.completed = counts.completed;
    stats.throughput = static_cast<double>(counts.completed) / span;
    stats.errors = counts.errors;
    stats.latency = LatencyStats::from(counts.histogram);
    all.merge(counts.histogram);
    result.completed += counts.completed;
    result.errors += counts.errors;
    stats.histogram = std::move(counts.histogram);
    result.endpoints.push_back(std::move(stats));
  }
  result.throughput = static_cast<double>(result.completed) / span;
  result.latency = LatencyStats::from(all);

  for (std::size_t s = 0; s < servers_.size(); ++s) {
    const SyncWorkerPool& pool = servers_[s].pool;
    ServerStats stats;
    stats.name = scenario_.servers[s].name;
    const double busy = pool.busy_worker_seconds(now_) - busy_worker_seconds_at_warmup_[s];
    const double queued = pool.queued_seconds(now_) - queued_seconds_at_warmup_[s];
    stats.worker_busy_fraction = busy / (span * pool.workers());
    stats.mean_queue_length = queued / span;
    stats.mean_in_system = (busy + queued) / span;
    stats.queued_fraction = servers_[s].admitted
                                ? static_cast<double>(servers_[s].queued) / static_cast<double>(servers_[s].admitted)
                                : 0.0;
    result.servers.push_back(stats);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const double busy = hosts_[h].busy_core_seconds(now_) - busy_core_seconds_at_warmup_[h];
    result.hosts.push_back(HostStats{scenario_.hosts[h].name, busy / (span * hosts_[h].cores())});
  }

  result.little.mean_in_system = (system_area(now_) - system_area_at_warmup_) / span;
  result.little.throughput = static_cast<double>(departures_) / span;
  result.little.mean_response = departures_ ? residence_sum_ / static_cast<double>(departures_) : 0.0;
  result.timeline = std::move(timeline_);
  return result;
}

}  // namespace servesim::detail
