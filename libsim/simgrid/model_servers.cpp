// Model servers with dynamic batching: a request's actor queues an
// Inference and blocks on its semaphore; each instance is an actor that
// waits (on a condition variable, timed to the oldest request's deadline)
// until the batching rule (rules/batching.hpp) lets it start a batch, sleeps
// the batch's time, and releases its requests.

#include <algorithm>
#include <cmath>
#include <mutex>
#include <utility>
#include <vector>

#include "model.hpp"

namespace servesim::simgrid_engine {

void Model::build_model_servers() {
  for (std::size_t m = 0; m < scenario_.model_servers.size(); ++m) {
    const ModelServer& spec = scenario_.model_servers[m];
    model_servers_.emplace_back(ModelServerRuntime{
        .spec = &spec, .rng = streams_.batch_times(m), .tally = detail::ModelServerTally(spec)});
  }
}

// The instances only sleep and wait, so any host serves; the clients' has no cores in use.
void Model::start_model_servers() {
  for (ModelServerRuntime& server : model_servers_) {
    for (int i = 0; i < server.spec->instances; ++i) {
      sg4::Actor::create("model-instance", client_host_, [this, &server] { model_instance(server); });
    }
  }
}

// An infer step: queue, and wait for the batch to be done. A worker
// timeout (kill_at) ends the wait, and a memory kill stops the actor in it:
// either way a request still queued leaves the queue (leave_model_server),
// and one in a batch is answered to nobody, its batch running on.
void Model::infer(Request& request, std::size_t model) {
  ModelServerRuntime& server = model_servers_[model];
  const auto inference = std::make_shared<Inference>();
  inference->arrival = now();
  server.waiting.push_back(inference);
  server.queued.set(now(), static_cast<double>(server.waiting.size()));
  request.at_model = &server;
  request.inference = inference.get();
  server.changed->notify_all();
  if (std::isinf(request.kill_at)) {
    inference->done->acquire();
  } else if (!inference->done->acquire_timeout(std::max(0.0, request.kill_at - now()))) {
    leave_model_server(request);
    throw WorkerKilled{};
  }
  request.at_model = nullptr;
  request.inference = nullptr;
}

// A request leaving its model server before its answer: out of the queue if
// it is still there (a batch under way keeps it).
void Model::leave_model_server(Request& request) {
  ModelServerRuntime* server = std::exchange(request.at_model, nullptr);
  if (server == nullptr) return;
  const Inference* inference = std::exchange(request.inference, nullptr);
  const auto it = std::find_if(server->waiting.begin(), server->waiting.end(),
                               [&](const InferencePtr& queued) { return queued.get() == inference; });
  if (it == server->waiting.end()) return;
  server->waiting.erase(it);
  server->queued.set(now(), static_cast<double>(server->waiting.size()));
}

void Model::model_instance(ModelServerRuntime& server) {
  const ModelServer& spec = *server.spec;
  std::unique_lock lock(*server.mutex);
  for (;;) {
    if (server.waiting.empty()) {
      server.changed->wait(lock);
      continue;
    }
    const double oldest = server.waiting.front()->arrival;
    std::size_t size = detail::batch_size_now(spec, server.waiting.size(), oldest, now());
    if (size == 0) {
      // A timed-out wait means the oldest's deadline came: what waits goes,
      // even if the clock's rounding leaves it a hair before the deadline.
      const double deadline = detail::batch_deadline(spec, oldest);
      if (server.changed->wait_until(lock, deadline) == std::cv_status::no_timeout) continue;
      if (server.waiting.empty() || server.waiting.front()->arrival != oldest) continue;
      size = detail::batch_size_now(spec, server.waiting.size(), oldest, std::max(now(), deadline));
    }
    std::vector<InferencePtr> batch(server.waiting.begin(), server.waiting.begin() + static_cast<std::ptrdiff_t>(size));
    server.waiting.erase(server.waiting.begin(), server.waiting.begin() + static_cast<std::ptrdiff_t>(size));
    if (tally_.measuring()) {
      server.tally.batch(size);
      for (const InferencePtr& inference : batch) server.tally.delayed(now() - inference->arrival);
    }
    server.queued.set(now(), static_cast<double>(server.waiting.size()));
    server.busy.add(now(), 1.0);
    const double duration = detail::batch_duration(spec, size, server.rng);
    lock.unlock();
    sg4::this_actor::sleep_for(duration);
    lock.lock();
    server.busy.add(now(), -1.0);
    for (const InferencePtr& inference : batch) inference->done->release();
  }
}

void Model::mark_model_servers_warmup() {
  for (ModelServerRuntime& server : model_servers_) {
    server.busy_at_warmup = server.busy.area_until(now());
    server.queued_at_warmup = server.queued.area_until(now());
  }
}

}  // namespace servesim::simgrid_engine
