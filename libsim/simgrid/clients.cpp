// Clients: actors on a host of their own. One sends the open arrivals, one
// per closed-loop user sends, waits for the outcome and thinks, one watches
// the client timeout, and a retry sleeps through its backoff in an actor of
// its own. A request crosses its balancer's links both ways.

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <utility>

#include "model.hpp"
#include "rules/arrival_process.hpp"

namespace servesim::simgrid_engine {

// Arrival times come from the rules' generator (Poisson, constant, bursts,
// rate profiles), drawn from the same stream as the native engine's.
void Model::open_source() {
  detail::OpenArrivals arrivals(*scenario_.workload.open, scenario_.run.duration, streams_.arrivals());
  for (double next = arrivals.next(); std::isfinite(next); next = arrivals.next()) {
    sg4::this_actor::sleep_until(next);
    arrive(mix_.pick(), nullptr);
  }
}

void Model::user(User& state, double first_send) {
  sg4::this_actor::sleep_for(first_send);
  for (;;) {
    arrive(mix_.pick(), &state);
    state.reply->acquire();  // an answer, an error, or its own timeout
    sg4::this_actor::sleep_for(think() + state.delay_after_outcome);
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

// A client sends a request: straight to its server, or through a balancer,
// which picks the server and sends the request across the network.
void Model::arrive(std::uint32_t endpoint, User* user) {
  auto request = std::make_shared<Request>();
  request->first_sent = now();
  request->endpoint = endpoint;
  request->user = user;
  send(request);
}

// An attempt of a request leaves the client, a first one or a retry.
void Model::send(const RequestPtr& request) {
  ++events_;
  const std::uint32_t endpoint = request->endpoint;
  EndpointRuntime& runtime = endpoints_[endpoint];
  request->sent = now();
  request->target = runtime.balancer == nullptr ? 0 : runtime.balancer->picker.pick();
  request->server = runtime.targets[request->target].server;
  tally_.sent(endpoint, request->attempt > 1);
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
  return server.opens_connection(user == nullptr ? std::numeric_limits<double>::quiet_NaN() : user->idle_since,
                                 now());
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
  tally_.answered(request.endpoint, now() - request.sent, now() - request.first_sent);
  if (request.user != nullptr) {
    request.user->idle_since = now();
    request.user->delay_after_outcome = 0.0;
    request.user->reply->release();
  }
}

// The client learns that an attempt failed: counted, and its connection is
// gone. It retries if its policy allows; otherwise the request has failed
// and a waiting user goes on thinking.
void Model::fail(Request& request, Failure failure) {
  tally_.attempt_failed(request.endpoint, failure);
  request.settled = true;
  if (request.user != nullptr) request.user->idle_since = std::numeric_limits<double>::quiet_NaN();
  if (retries_.again(request.attempt)) {
    retry(request);
    return;
  }
  tally_.request_failed(request.endpoint);
  if (request.user == nullptr) return;
  request.user->delay_after_outcome = detail::delay_after_failure(failure);
  request.user->reply->release();
}

}  // namespace servesim::simgrid_engine
