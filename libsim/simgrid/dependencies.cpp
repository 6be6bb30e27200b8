// Databases and downstream services: S4U semaphores, whose waiters take a
// freed slot in the order they came (SimGrid hands it over on release),
// timed with acquire_timeout. A killed worker lets go of whatever it held
// or waited for.

#include <algorithm>
#include <cmath>
#include <utility>

#include "model.hpp"

namespace servesim::simgrid_engine {
namespace {

// Waits for a slot of `semaphore` until `deadline` (infinite: no limit):
// false if the deadline came first.
bool acquire_by(sg4::Semaphore& semaphore, double deadline) {
  if (std::isinf(deadline)) {
    semaphore.acquire();
    return true;
  }
  return !semaphore.acquire_timeout(std::max(0.0, deadline - sg4::Engine::get_clock()));
}

}  // namespace

void Model::build_dependencies() {
  databases_.reserve(scenario_.databases.size());
  for (const Database& spec : scenario_.databases) {
    databases_.push_back(DatabaseRuntime{.spec = &spec,
                                         .connections = sg4::Semaphore::create(static_cast<unsigned>(spec.connections))});
  }
  // Cache stores and brokers run as services after the scenario's own: `threads` slots.
  call_stations_ = detail::call_stations(scenario_);
  services_.reserve(call_stations_.size());
  for (std::size_t s = 0; s < call_stations_.size(); ++s) {
    const Service& spec = call_stations_[s];
    services_.push_back(ServiceRuntime{
        .spec = &spec,
        .slots = spec.concurrency ? sg4::Semaphore::create(static_cast<unsigned>(*spec.concurrency)) : nullptr,
        .rng = streams_.call_failures(s)});
  }
  for (Process& process : processes_) open_pools(process);
}

// The process's pools, all connections free: at its start, and again when a
// memory kill ends its life. A killed process's old pools are kept (in
// retired_pools_) while SimGrid may still refer to them.
void Model::open_pools(Process& process) {
  for (sg4::SemaphorePtr& pool : process.pools) retired_pools_.push_back(std::move(pool));
  process.pools.clear();
  for (const Database& spec : scenario_.databases) {
    process.pools.push_back(sg4::Semaphore::create(static_cast<unsigned>(detail::pool_capacity(spec.pool))));
  }
}

// A request killed with its process (its actor stopped) gives back its
// place at a database, service or model server: a connection or slot it
// held, or its place in the line.
void Model::give_back_dependencies(Request& request) {
  leave_model_server(request);
  if (DatabaseRuntime* db = std::exchange(request.at_database, nullptr)) {
    if (request.querying) {
      db->busy.add(now(), -1.0);
      db->connections->release();
    } else {
      db->queued.add(now(), -1.0);
    }
  }
  if (ServiceRuntime* service = std::exchange(request.at_service, nullptr)) {
    if (request.calling) {
      service->busy.add(now(), -1.0);
      if (service->slots) service->slots->release();
    } else {
      service->queued.add(now(), -1.0);
    }
  }
}

// A db step: a connection from the process's pool, waiting in line at most
// the pool's timeout (then the handler raises); with it, a place at the
// database, first come first served; the query; both given back.
void Model::query(Request& request, std::size_t database, double service_time) {
  DatabaseRuntime& db = databases_[database];
  sg4::Semaphore& pool = *request.process->pools[database];
  const double asked = now();
  const bool waits = pool.would_block();
  const double timeout_at = asked + db.spec->pool.timeout;
  if (!acquire_by(pool, std::min(timeout_at, request.kill_at))) {
    if (request.kill_at <= timeout_at) throw WorkerKilled{};
    if (tally_.measuring()) db.counts.pool_timeouts += 1;
    throw HandlerFailed{Failure::pool_timeout};
  }
  if (tally_.measuring()) {
    db.counts.checkouts += 1;
    if (waits) {
      db.counts.waited += 1;
      db.counts.pool_wait_sum += now() - asked;
    }
  }
  db.queued.add(now(), 1.0);
  request.at_database = &db;
  request.querying = false;
  const bool admitted = acquire_by(*db.connections, request.kill_at);
  db.queued.add(now(), -1.0);
  bool done = false;
  if (admitted) {
    db.busy.add(now(), 1.0);
    request.querying = true;
    done = sleep_unless_killed(request, service_time);
    db.busy.add(now(), -1.0);
    db.connections->release();
    if (done && tally_.measuring()) db.counts.queries += 1;
  }
  request.at_database = nullptr;
  pool.release();
  if (!done) throw WorkerKilled{};
}

// A call step: a concurrency slot if the service caps them (first come first
// served), the call's latency, and with probability error_rate an error
// that the handler raises (a 502).
void Model::call(Request& request, std::size_t index, double latency) {
  ServiceRuntime& service = services_[index];
  request.at_service = &service;
  if (service.slots) {
    service.queued.add(now(), 1.0);
    request.calling = false;
    const bool admitted = acquire_by(*service.slots, request.kill_at);
    service.queued.add(now(), -1.0);
    if (!admitted) {
      request.at_service = nullptr;
      throw WorkerKilled{};
    }
  }
  service.busy.add(now(), 1.0);
  request.calling = true;
  const bool answered = sleep_unless_killed(request, latency);
  service.busy.add(now(), -1.0);
  request.at_service = nullptr;
  if (service.slots) service.slots->release();
  if (!answered) throw WorkerKilled{};
  const double error_rate = service.spec->error_rate;
  const bool failed = error_rate > 0.0 && service.rng.uniform01() < error_rate;
  if (tally_.measuring()) {
    service.counts.calls += 1;
    if (failed) service.counts.errors += 1;
  }
  if (failed) throw HandlerFailed{Failure::downstream};
}

// An enqueue with wait: publish the task, then block until it has run (or
// until Gunicorn's arbiter kills the worker; the task runs on regardless).
void Model::await_task(Request& request, std::size_t task) {
  const sg4::SemaphorePtr result = sg4::Semaphore::create(0);
  enqueue_task(task, result);
  if (!acquire_by(*result, request.kill_at)) throw WorkerKilled{};
}

void Model::mark_dependencies_warmup() {
  for (DatabaseRuntime& db : databases_) {
    db.counts.busy_at_warmup = db.busy.area_until(now());
    db.counts.queued_at_warmup = db.queued.area_until(now());
  }
  for (ServiceRuntime& service : services_) {
    service.counts.busy_at_warmup = service.busy.area_until(now());
    service.counts.queued_at_warmup = service.queued.area_until(now());
  }
}

}  // namespace servesim::simgrid_engine
