// The SimGrid engine's long-lived connections (WebSockets, streaming
// responses): an actor per connection. A websocket's actor draws its own
// Poisson messages (each an actor on the server's host that runs the
// group's message route) until it closes; a stream's actor runs its chunks
// one after another, each after its gap. Unlike the native engine, which
// draws one Poisson stream for the whole population, each connection here
// has its own: the cross-validation checks that superposition.

#include <limits>
#include <memory>
#include <vector>

#include "model.hpp"
#include "rules/scenario_index.hpp"

namespace servesim::simgrid_engine {

void Model::build_connections() {
  for (std::size_t g = 0; g < scenario_.connections.size(); ++g) {
    const ConnectionGroup& spec = scenario_.connections[g];
    ServerRuntime& server = servers_[detail::index_of(scenario_.servers, spec.server)];
    const Rng steps = streams_.connections(g, detail::kConnectionSteps);
    const auto endpoint = static_cast<std::uint32_t>(endpoints_.size());
    endpoints_.push_back(EndpointRuntime{
        {Target{&server, detail::build_message_route(scenario_, spec, *server.spec), {}}}, nullptr, steps, steps});
    groups_.push_back(GroupRuntime{&spec, &server, endpoint, streams_.connections(g, detail::kConnectionOpens),
                                   streams_.connections(g, detail::kConnectionHolds),
                                   streams_.connections(g, detail::kConnectionMessages),
                                   detail::ConnectionTally(spec)});
  }
}

void Model::start_connections() {
  for (GroupRuntime& group : groups_) {
    if (group.spec->count) {
      for (int i = 0; i < *group.spec->count; ++i) open_connection(group);
    } else {
      sg4::Actor::create("connection-opens", client_host_, [this, &group] {
        for (;;) {
          sg4::this_actor::sleep_for(group.opens.exponential(*group.spec->open_rate));
          open_connection(group);
        }
      });
    }
  }
}

// A process with room takes the connection (gunicorn sync: an idle worker,
// for its lifetime), or it is refused; then its actor runs it.
void Model::open_connection(GroupRuntime& group) {
  Process* process = pick_process(*group.server);
  if (process == nullptr || !detail::admits_connection(*group.server->spec, process->accepted)) {
    group.tally.refused();
    return;
  }
  process->accepted += 1;
  group.tally.opened(now());
  if (group.spec->kind == ConnectionKind::stream) {
    sg4::Actor::create("stream", group.server->host, [this, &group, process] {
      for (int chunk = 0; chunk < group.spec->chunks; ++chunk) {
        sg4::this_actor::sleep_for(group.spec->chunk_gap.sample(group.holds));
        const auto message = std::make_shared<Request>();
        run_message(group, *process, *message);
      }
      close_connection(group, *process);
    });
    return;
  }
  const double close_at = group.spec->open_rate ? now() + group.spec->hold.sample(group.holds)
                                                : std::numeric_limits<double>::infinity();
  sg4::Actor::create("websocket", client_host_, [this, &group, process, close_at] {
    for (;;) {
      const double next = now() + group.messages.exponential(group.spec->messages);
      if (next >= close_at) break;
      sg4::this_actor::sleep_until(next);
      const auto message = std::make_shared<Request>();
      sg4::Actor::create("message", group.server->host,
                         [this, &group, process, message] { run_message(group, *process, *message); });
    }
    sg4::this_actor::sleep_until(close_at);
    close_connection(group, *process);
  });
}

void Model::close_connection(GroupRuntime& group, Process& process) {
  group.tally.closed(now());
  process.accepted -= 1;
  process_freed(process);
}

// A message (or chunk): the group's message route on the process holding
// its connection, in the calling actor, timed from now.
void Model::run_message(GroupRuntime& group, Process& process, Request& message) {
  message.endpoint = group.endpoint;
  message.server = group.server;
  message.process = &process;
  message.arrival = now();
  message.new_connection = false;
  message.started = true;  // not an HTTP request: the server's served-request counts leave it out
  for (const Step& step : endpoints_[group.endpoint].targets.front().route) {
    if (message.holds_loop && step.runs_on != RunsOn::loop) release_loop(message);
    if (message.holds_thread && step.runs_on != RunsOn::thread) release_thread(message);
    if (step.runs_on == RunsOn::thread && !message.holds_thread) take_thread(message);
    if (step.runs_on == RunsOn::loop && !message.holds_loop) take_loop(message);
    run_step(message, step);
  }
  if (message.holds_loop) release_loop(message);
  if (message.holds_thread) release_thread(message);
  group.tally.message_done(now() - message.arrival);
}

}  // namespace servesim::simgrid_engine
