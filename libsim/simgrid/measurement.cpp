// Measurement: an actor closes the warm-up and each time-series interval,
// reading the areas this engine keeps and the work SimGrid's executions did;
// the rules' Tally and statistics turn them into the replication's result,
// as for the native engine.

#include <algorithm>
#include <cstddef>
#include <vector>

#include "model.hpp"
#include "rules/scenario_index.hpp"

namespace servesim::simgrid_engine {

void Model::timeline() {
  const double end = scenario_.run.duration;
  bool warm = measurement_.warmup <= 0.0;  // then run() started measuring
  double next_interval = tally_.timeline().next_end(measurement_.interval);
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
      next_interval = tally_.timeline().next_end(measurement_.interval);
    }
  }
}

detail::ServerAreas Model::server_areas(const ServerRuntime& server) const {
  double gil = 0.0;
  for (const Process* process : server.processes) gil += process->gil.held_seconds(now());
  return detail::areas_of(server, gil, now());
}

// The work SimGrid computed on a host so far, in core-seconds at its speed.
double Model::core_seconds(std::size_t host) const {
  return host_work_[host].flops() / (scenario_.hosts[host].speed * kFlopsPerSecond);
}

// The scenario's servers only: Little's law and the time series are about requests, not tasks.
double Model::system_area() const {
  double area = 0.0;
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) area += servers_[s].in_system.area_until(now());
  return area;
}

void Model::sample_task_queues() {
  for (std::size_t p = 0; p < task_tallies_.size(); ++p) {
    task_tallies_[p].sample(now(), servers_[scenario_.servers.size() + p].waiting.area_until(now()));
  }
}

void Model::start_measuring() {
  tally_.start_measuring(system_area(), measurement_);
  areas_at_warmup_.clear();
  for (ServerRuntime& server : servers_) {
    areas_at_warmup_.push_back(server_areas(server));
    // The measured peak starts from what each process holds now.
    server.peak_memory = server.base_memory;
    for (const Process* process : server.processes) {
      server.peak_memory =
          std::max(server.peak_memory, detail::resident_memory(server, process->life, process->accepted));
    }
  }
  core_seconds_at_warmup_.clear();
  for (std::size_t h = 0; h < hosts_.size(); ++h) core_seconds_at_warmup_.push_back(core_seconds(h));
  mark_dependencies_warmup();
  mark_model_servers_warmup();
  for (detail::TaskPoolTally& tally : task_tallies_) tally = detail::TaskPoolTally{};
  sample_task_queues();
  for (BalancerRuntime& balancer : balancers_) balancer.picker.start_measuring();
  for (GroupRuntime& group : groups_) group.tally.start_measuring(now());
}

// The rules' time series, fed with the areas this engine measures.
void Model::close_interval() {
  detail::Timeline& series = tally_.timeline();
  if (now() <= series.start()) return;
  detail::Timeline::Areas areas;
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) {
    const detail::ServerAreas server_area = server_areas(servers_[s]);
    areas.waiting.push_back(server_area.waiting);
    areas.busy.push_back(server_area.busy);
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) areas.cpu.push_back(core_seconds(h));
  series.close(now(), areas);
  if (now() >= measurement_.warmup) sample_task_queues();
  ++events_;
  if (on_interval_) on_interval_(now());
}

ReplicationResult Model::collect() {
  ReplicationResult result;
  result.index = replication_;
  result.warmup = measurement_.warmup;
  result.measured_duration = scenario_.run.duration - measurement_.warmup;
  result.events = events_;
  const double span = result.measured_duration;

  tally_.collect(scenario_, span, system_area(), result);
  for (std::size_t s = 0; s < scenario_.servers.size(); ++s) {
    result.servers.push_back(detail::server_stats(servers_[s], server_areas(servers_[s]), areas_at_warmup_[s], span));
  }
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    const Host& spec = scenario_.hosts[h];
    const double busy = core_seconds(h) - core_seconds_at_warmup_[h];
    result.hosts.push_back(HostStats{spec.name, busy / (span * spec.cores)});
  }
  for (const DatabaseRuntime& db : databases_) {
    result.databases.push_back(
        detail::database_stats(*db.spec, db.counts, db.busy.area_until(now()), db.queued.area_until(now()), span));
  }
  const std::size_t services = scenario_.services.size();
  for (std::size_t s = 0; s < services; ++s) {
    const ServiceRuntime& service = services_[s];
    result.services.push_back(detail::service_stats(*service.spec, service.counts, service.busy.area_until(now()),
                                                    service.queued.area_until(now()), span));
  }
  for (std::size_t c = 0; c < scenario_.caches.size(); ++c) {
    const ServiceRuntime& store = services_[detail::cache_station(scenario_, c)];
    result.caches.push_back(detail::cache_stats(scenario_.caches[c], store.counts, store.busy.area_until(now()),
                                                store.queued.area_until(now()), span));
  }
  for (std::size_t b = 0; b < scenario_.brokers.size(); ++b) {
    const ServiceRuntime& broker = services_[detail::broker_station(scenario_, b)];
    result.brokers.push_back(detail::broker_stats(scenario_.brokers[b], broker.counts, broker.busy.area_until(now()),
                                                  broker.queued.area_until(now()), span));
  }
  for (const ModelServerRuntime& server : model_servers_) {
    result.model_servers.push_back(server.tally.stats(*server.spec, span,
                                                      server.busy.area_until(now()) - server.busy_at_warmup,
                                                      server.queued.area_until(now()) - server.queued_at_warmup));
  }
  sample_task_queues();
  for (std::size_t p = 0; p < task_tallies_.size(); ++p) {
    const std::size_t s = scenario_.servers.size() + p;
    const detail::ServerAreas end = server_areas(servers_[s]);
    const detail::ServerAreas& start = areas_at_warmup_[s];
    result.task_workers.push_back(task_tallies_[p].stats(scenario_.task_workers[p].name, pool_servers_[p].workers,
                                                         measurement_.warmup, now(), end.busy - start.busy,
                                                         end.waiting - start.waiting));
  }
  for (std::size_t b = 0; b < balancers_.size(); ++b) {
    result.balancers.push_back(detail::split_of(scenario_.balancers[b], balancers_[b].picker));
  }
  for (const GroupRuntime& group : groups_) {
    result.connections.push_back(group.tally.collect(*group.server->spec, now(), span));
  }
  return result;
}

}  // namespace servesim::simgrid_engine
