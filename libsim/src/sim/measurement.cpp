// The native engine's measurement: the warm-up's end, each time-series
// interval, and the replication's result, from the areas the mechanism
// keeps and the rules' Tally and statistics.

#include <algorithm>
#include <vector>

#include "rules/scenario_index.hpp"
#include "sim/engine.hpp"

namespace servesim::detail {

ServerAreas NativeSimulation::server_areas(std::size_t s, double now) const {
  const ServerRuntime& server = servers_[s];
  double gil = 0.0;
  for (int w = 0; w < server.spec->workers; ++w) {
    gil += processes_[server.first_process + static_cast<std::uint32_t>(w)].gil.held_seconds(now);
  }
  return areas_of(server, gil, now);
}

// The scenario's servers only: Little's law and the time series are about requests, not tasks.
double NativeSimulation::system_area(double now) const {
  double area = 0.0;
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) area += servers_[s].in_system.area_until(now);
  return area;
}

void NativeSimulation::sample_task_queues() {
  for (std::size_t p = 0; p < task_tallies_.size(); ++p) {
    task_tallies_[p].sample(now_, servers_[scenario_.servers.size() + p].waiting.area_until(now_));
  }
}

void NativeSimulation::on_warmup_end() {
  tally_.start_measuring(system_area(now_), measurement_);
  busy_core_seconds_at_warmup_.clear();
  server_areas_at_warmup_.clear();
  for (const SharedCpu& host : hosts_) busy_core_seconds_at_warmup_.push_back(host.busy_core_seconds(now_));
  for (std::size_t s = 0; s < servers_.size(); ++s) {
    server_areas_at_warmup_.push_back(server_areas(s, now_));
    // The measured peak starts from what each process holds now.
    ServerRuntime& server = servers_[s];
    server.peak_memory = server.base_memory;
    for (int w = 0; w < server.spec->workers; ++w) {
      const WorkerProcess& process = processes_[server.first_process + static_cast<std::uint32_t>(w)];
      server.peak_memory = std::max(server.peak_memory, resident_memory(server, process.life, process.accepted));
    }
  }
  mark_dependencies_warmup();
  mark_model_servers_warmup();
  for (TaskPoolTally& tally : task_tallies_) tally = TaskPoolTally{};
  sample_task_queues();
  for (LoadBalancer& balancer : balancers_) balancer.start_measuring();
  for (GroupRuntime& group : groups_) group.tally.start_measuring(now_);
}

Timeline::Areas NativeSimulation::resource_areas(double now) const {
  Timeline::Areas areas;
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) {
    areas.waiting.push_back(servers_[s].waiting.area_until(now));
    areas.busy.push_back(servers_[s].busy_runners.area_until(now));
  }
  for (const SharedCpu& host : hosts_) areas.cpu.push_back(host.busy_core_seconds(now));
  return areas;
}

void NativeSimulation::on_interval_end() {
  Timeline& timeline = tally_.timeline();
  if (now_ <= timeline.start()) return;
  timeline.close(now_, resource_areas(now_));
  if (now_ >= measurement_.warmup) sample_task_queues();
  const double next = timeline.next_end(measurement_.interval);
  if (next < scenario_.run.duration) calendar_.schedule(next, EventType::interval_end);
  if (on_interval_) on_interval_(now_);
}

ReplicationResult NativeSimulation::collect() {
  ReplicationResult result;
  result.index = replication_;
  result.warmup = measurement_.warmup;
  result.measured_duration = scenario_.run.duration - measurement_.warmup;
  result.events = events_;
  const double span = result.measured_duration;

  tally_.collect(scenario_, span, system_area(now_), result);
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) {
    result.servers.push_back(server_stats(servers_[s], server_areas(s, now_), server_areas_at_warmup_[s], span));
  }
  for (std::size_t b = 0; b < balancers_.size(); ++b) {
    result.balancers.push_back(split_of(scenario_.balancers[b], balancers_[b]));
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const double busy = hosts_[h].busy_core_seconds(now_) - busy_core_seconds_at_warmup_[h];
    result.hosts.push_back(HostStats{scenario_.hosts[h].name, busy / (span * hosts_[h].cores())});
  }
  for (std::size_t d = 0; d < databases_.size(); ++d) result.databases.push_back(database_stats(d));
  const std::size_t services = scenario_.services.size();
  for (std::size_t s = 0; s < services; ++s) result.services.push_back(service_stats(s));
  for (std::size_t c = 0; c < scenario_.caches.size(); ++c) {
    const ServiceRuntime& store = services_[detail::cache_station(scenario_, c)];
    result.caches.push_back(detail::cache_stats(scenario_.caches[c], store.counts, store.station.busy_area(now_),
                                                store.station.queued_area(now_), span));
  }
  for (const GroupRuntime& group : groups_) {
    result.connections.push_back(group.tally.collect(*servers_[group.server].spec, now_, span));
  }
  for (std::size_t b = 0; b < scenario_.brokers.size(); ++b) {
    const ServiceRuntime& broker = services_[detail::broker_station(scenario_, b)];
    result.brokers.push_back(broker_stats(scenario_.brokers[b], broker.counts, broker.station.busy_area(now_),
                                          broker.station.queued_area(now_), span));
  }
  for (std::size_t m = 0; m < model_servers_.size(); ++m) result.model_servers.push_back(model_server_stats(m));
  sample_task_queues();
  for (std::size_t p = 0; p < task_tallies_.size(); ++p) {
    const std::size_t s = scenario_.servers.size() + p;
    const ServerAreas end = server_areas(s, now_);
    const ServerAreas& start = server_areas_at_warmup_[s];
    result.task_workers.push_back(task_tallies_[p].stats(scenario_.task_workers[p].name, pool_servers_[p].workers,
                                                         measurement_.warmup, now_, end.busy - start.busy,
                                                         end.waiting - start.waiting));
  }
  return result;
}

}  // namespace servesim::detail
