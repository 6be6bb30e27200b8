// The engine's databases and downstream services. A db step checks a
// connection out of its process's pool (waiting in line if none is free, at
// most the pool's timeout), queues at the database for one of its
// connections, runs its query and gives the connection back. A call step
// queues for one of the service's concurrency slots, if it caps them, waits
// the call's latency, and may fail its request with a 502. A cache store's
// command is a call to a station without errors.
#include <cassert>
#include <cstdint>

#include "sim/engine.hpp"

namespace servesim::detail {

void NativeSimulation::build_dependencies() {
  for (const Database& spec : scenario_.databases) {
    databases_.push_back(DatabaseRuntime{.spec = &spec, .station = Station(spec.connections)});
  }
  // Cache stores run as services after the scenario's own: a FIFO station of
  // `threads` command threads. The vector is complete before pointers into it are taken.
  call_stations_ = call_stations(scenario_);
  for (std::size_t s = 0; s < call_stations_.size(); ++s) {
    const Service& spec = call_stations_[s];
    services_.push_back(ServiceRuntime{
        .spec = &spec,
        .station = Station(spec.concurrency.value_or(Station::kUnbounded)),
        .rng = streams_.call_failures(s)});
  }
  pools_.reserve(processes_.size() * databases_.size());
  for (std::size_t p = 0; p < processes_.size(); ++p) {
    for (const Database& spec : scenario_.databases) pools_.emplace_back(pool_capacity(spec.pool));
  }
}

ConnectionPoolRuntime& NativeSimulation::pool_of(const Request& request) {
  return pools_[request.process * databases_.size() + request.dependency];
}

void NativeSimulation::start_query(std::uint32_t id, std::uint32_t database, double service_time) {
  Request& request = requests_[id];
  request.dependency = database;
  request.remaining_work = service_time;
  DatabaseRuntime& db = databases_[database];
  if (pool_of(request).checkout(id)) {
    if (tally_.measuring()) db.counts.checkouts += 1;
    enter_database(id);
    return;
  }
  request.at = DependencyState::pool_wait;
  request.waiting_since = now_;
  calendar_.schedule(now_ + db.spec->pool.timeout, EventType::pool_timeout, id, request.generation);
}

// With a connection, the query queues for one of the database's.
void NativeSimulation::enter_database(std::uint32_t id) {
  Request& request = requests_[id];
  request.at = DependencyState::query_queue;
  if (databases_[request.dependency].station.arrive(now_, id)) begin_query(id);
}

void NativeSimulation::begin_query(std::uint32_t id) {
  Request& request = requests_[id];
  request.at = DependencyState::query;
  calendar_.schedule(now_ + request.remaining_work, EventType::dependency_done, id, request.generation);
}

// The connection goes back to the pool, where the oldest waiter takes it.
void NativeSimulation::return_connection(std::uint32_t id) {
  const std::optional<std::uint32_t> waiter = pool_of(requests_[id]).checkin();
  if (!waiter) return;
  const Request& next = requests_[*waiter];
  DatabaseRuntime& db = databases_[next.dependency];
  if (tally_.measuring()) {
    db.counts.checkouts += 1;
    db.counts.waited += 1;
    db.counts.pool_wait_sum += now_ - next.waiting_since;
  }
  enter_database(*waiter);
}

void NativeSimulation::start_call(std::uint32_t id, std::uint32_t service, double latency) {
  Request& request = requests_[id];
  request.dependency = service;
  request.remaining_work = latency;
  request.at = DependencyState::call_queue;
  if (services_[service].station.arrive(now_, id)) begin_call(id);
}

void NativeSimulation::begin_call(std::uint32_t id) {
  Request& request = requests_[id];
  request.at = DependencyState::call;
  calendar_.schedule(now_ + request.remaining_work, EventType::dependency_done, id, request.generation);
}

void NativeSimulation::on_dependency_done(std::uint32_t id, std::uint32_t generation) {
  Request& request = requests_[id];
  if (request.generation != generation) return;  // its worker was killed meanwhile
  const DependencyState state = request.at;
  const std::uint32_t index = request.dependency;
  request.at = DependencyState::none;
  if (state == DependencyState::query) {
    DatabaseRuntime& db = databases_[index];
    if (tally_.measuring()) db.counts.queries += 1;
    if (const std::optional<std::uint32_t> next = db.station.depart(now_)) begin_query(*next);
    return_connection(id);
    advance(id);
    return;
  }
  assert(state == DependencyState::call);
  ServiceRuntime& service = services_[index];
  if (const std::optional<std::uint32_t> next = service.station.depart(now_)) begin_call(*next);
  const double error_rate = service.spec->error_rate;
  const bool failed = error_rate > 0.0 && service.rng.uniform01() < error_rate;
  if (tally_.measuring()) {
    service.counts.calls += 1;
    if (failed) service.counts.errors += 1;
  }
  if (failed) {
    fail_in_handler(id, Failure::downstream);
    return;
  }
  advance(id);
}

// Checkouts leave a pool's line in the order they joined it, and all wait
// the same timeout, so the one timing out is at the head. A timer left over
// from an earlier wait of the same request is recognised by its time.
void NativeSimulation::on_pool_timeout(std::uint32_t id, std::uint32_t generation) {
  Request& request = requests_[id];
  if (request.generation != generation || request.at != DependencyState::pool_wait) return;
  DatabaseRuntime& db = databases_[request.dependency];
  if (now_ < request.waiting_since + db.spec->pool.timeout) return;
  pool_of(request).withdraw(id);
  request.at = DependencyState::none;
  if (tally_.measuring()) db.counts.pool_timeouts += 1;
  fail_in_handler(id, Failure::pool_timeout);
}

// Its worker was killed: whatever it held or waited for at a database or
// service is let go at once.
void NativeSimulation::leave_dependency(std::uint32_t id) {
  Request& request = requests_[id];
  const std::uint32_t index = request.dependency;
  switch (request.at) {
    case DependencyState::none: return;
    case DependencyState::pool_wait: pool_of(request).withdraw(id); break;
    case DependencyState::query_queue:
      databases_[index].station.withdraw(now_, id);
      return_connection(id);
      break;
    case DependencyState::query:
      if (const std::optional<std::uint32_t> next = databases_[index].station.depart(now_)) begin_query(*next);
      return_connection(id);
      break;
    case DependencyState::call_queue: services_[index].station.withdraw(now_, id); break;
    case DependencyState::call:
      if (const std::optional<std::uint32_t> next = services_[index].station.depart(now_)) begin_call(*next);
      break;
    case DependencyState::task: break;  // the task runs on, its result unread
    case DependencyState::infer_queue:
      Station::withdraw_from(model_servers_[index].waiting, id);
      model_servers_[index].queued.set(now_, static_cast<double>(model_servers_[index].waiting.size()));
      break;
    case DependencyState::infer: break;  // its batch runs on (on_batch_done skips it)
  }
  requests_[id].at = DependencyState::none;
}

// The handler raised (SQLAlchemy's pool TimeoutError, an HTTP error from
// downstream): the framework answers with an error at once, and the request
// skips the rest of its steps, background work included.
// A task that raises ends there (Celery records a FAILURE); one awaiting it goes on.
void NativeSimulation::fail_in_handler(std::uint32_t id, Failure failure) {
  Request& request = requests_[id];
  if (!is_task(request)) {
    request.responded = true;
    leave_balancer(request);
    if (!request.timed_out) fail_request(id, failure, endpoints_[request.endpoint].network.to_client);
  }
  finish(id);
}

void NativeSimulation::mark_dependencies_warmup() {
  for (DatabaseRuntime& db : databases_) {
    db.counts.busy_at_warmup = db.station.busy_area(now_);
    db.counts.queued_at_warmup = db.station.queued_area(now_);
  }
  for (ServiceRuntime& service : services_) {
    service.counts.busy_at_warmup = service.station.busy_area(now_);
    service.counts.queued_at_warmup = service.station.queued_area(now_);
  }
}

DatabaseStats NativeSimulation::database_stats(std::size_t d) const {
  const DatabaseRuntime& db = databases_[d];
  return detail::database_stats(*db.spec, db.counts, db.station.busy_area(now_), db.station.queued_area(now_),
                                scenario_.run.duration - measurement_.warmup);
}

ServiceStats NativeSimulation::service_stats(std::size_t s) const {
  const ServiceRuntime& service = services_[s];
  return detail::service_stats(*service.spec, service.counts, service.station.busy_area(now_),
                               service.station.queued_area(now_), scenario_.run.duration - measurement_.warmup);
}

}  // namespace servesim::detail
