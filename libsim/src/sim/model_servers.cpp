// The engine's model servers. An infer step queues its request at the model
// server; a free instance starts a batch when the batching rule
// (rules/batching.hpp) says so, and at the batch's end every request in it
// goes on. A timer wakes the server when its oldest request's queue delay
// runs out; only the latest deadline matters, so stale timers fire harmlessly.
#include <utility>

#include "sim/engine.hpp"

namespace servesim::detail {

void NativeSimulation::build_model_servers() {
  model_servers_.reserve(scenario_.model_servers.size());
  for (std::size_t m = 0; m < scenario_.model_servers.size(); ++m) {
    const ModelServer& spec = scenario_.model_servers[m];
    ModelServerRuntime runtime{.spec = &spec, .rng = streams_.batch_times(m), .tally = ModelServerTally(spec)};
    // Instances are taken from the back: instance 0 first.
    for (int i = spec.instances - 1; i >= 0; --i) runtime.free_instances.push_back(static_cast<std::uint32_t>(i));
    runtime.batches.resize(static_cast<std::size_t>(spec.instances));
    model_servers_.push_back(std::move(runtime));
  }
}

void NativeSimulation::start_inference(std::uint32_t id, std::uint32_t model) {
  Request& request = requests_[id];
  request.dependency = model;
  request.at = DependencyState::infer_queue;
  request.waiting_since = now_;
  ModelServerRuntime& server = model_servers_[model];
  server.waiting.push(id);
  server.queued.set(now_, static_cast<double>(server.waiting.size()));
  start_batches(model);
}

// Free instances take batches while the rule lets them; else the server
// waits for the oldest request's deadline (or an arrival filling a batch).
void NativeSimulation::start_batches(std::uint32_t model) {
  ModelServerRuntime& server = model_servers_[model];
  const ModelServer& spec = *server.spec;
  while (!server.free_instances.empty() && !server.waiting.empty()) {
    const double oldest = requests_[server.waiting.front()].waiting_since;
    const std::size_t size = batch_size_now(spec, server.waiting.size(), oldest, now_);
    if (size == 0) {
      const double deadline = batch_deadline(spec, oldest);
      if (server.wake_at != deadline) {
        server.wake_at = deadline;
        calendar_.schedule(deadline, EventType::batch_timer, model);
      }
      return;
    }
    const std::uint32_t instance = server.free_instances.back();
    server.free_instances.pop_back();
    ModelServerRuntime::Batch& batch = server.batches[instance];
    batch.clear();
    const bool measuring = tally_.measuring();
    for (std::size_t k = 0; k < size; ++k) {
      const std::uint32_t id = server.waiting.pop();
      Request& request = requests_[id];
      request.at = DependencyState::infer;
      if (measuring) server.tally.delayed(now_ - request.waiting_since);
      batch.emplace_back(id, request.generation);
    }
    if (measuring) server.tally.batch(size);
    server.queued.set(now_, static_cast<double>(server.waiting.size()));
    server.busy.set(now_, static_cast<double>(spec.instances) - static_cast<double>(server.free_instances.size()));
    calendar_.schedule(now_ + batch_duration(spec, size, server.rng), EventType::batch_done, model, instance);
  }
}

// The instance is free again and takes the next batch before the answers go
// out; a request whose worker was killed meanwhile is skipped.
void NativeSimulation::on_batch_done(std::uint32_t model, std::uint32_t instance) {
  ModelServerRuntime& server = model_servers_[model];
  std::swap(server.finished, server.batches[instance]);
  server.free_instances.push_back(instance);
  server.busy.set(now_, static_cast<double>(server.spec->instances) - static_cast<double>(server.free_instances.size()));
  start_batches(model);
  for (const auto& [id, generation] : model_servers_[model].finished) {
    Request& request = requests_[id];
    if (request.generation != generation || request.at != DependencyState::infer) continue;
    request.at = DependencyState::none;
    advance(id);
  }
}

void NativeSimulation::mark_model_servers_warmup() {
  for (ModelServerRuntime& server : model_servers_) {
    server.busy_at_warmup = server.busy.area_until(now_);
    server.queued_at_warmup = server.queued.area_until(now_);
  }
}

ModelServerStats NativeSimulation::model_server_stats(std::size_t m) const {
  const ModelServerRuntime& server = model_servers_[m];
  return server.tally.stats(*server.spec, scenario_.run.duration - measurement_.warmup,
                            server.busy.area_until(now_) - server.busy_at_warmup,
                            server.queued.area_until(now_) - server.queued_at_warmup);
}

}  // namespace servesim::detail
