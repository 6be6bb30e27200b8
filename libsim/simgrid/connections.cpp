// The SimGrid engine's long-lived connections (WebSockets, streaming
// responses): an actor per connection. A websocket's actor draws its own
// Poisson messages (each an actor on the server's host that runs the
// group's message route) until it closes; a stream's actor runs its chunks
// one after another, each after its gap. Unlike the native engine, which
// draws one Poisson stream for the whole population, each connection here
// has its own: the cross-validation checks that superposition. A killed
// process stops its connections' actors and its messages' (server.cpp).

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
// for its lifetime), or it is refused; then its actor runs it. Returns
// whether it was taken.
bool Model::open_connection(GroupRuntime& group) {
  Process* process = pick_process(*group.server);
  if (process == nullptr || !detail::admits_connection(*group.server->spec, process->accepted)) {
    group.tally.refused();
    return false;
  }
  process->accepted += 1;
  group.tally.opened(now());
  OpenConnection& connection = add_connection(group, *process);
  if (group.spec->kind == ConnectionKind::stream) {
    connection.actor = sg4::Actor::create("stream", group.server->host, [this, &group, process, &connection] {
      for (int chunk = 0; chunk < group.spec->chunks; ++chunk) {
        sg4::this_actor::sleep_for(group.spec->chunk_gap.sample(group.holds));
        run_message(group, new_message(group, *process));
      }
      close_connection(*process, connection);
    });
    return true;
  }
  const double close_at = group.spec->open_rate ? now() + group.spec->hold.sample(group.holds)
                                                : std::numeric_limits<double>::infinity();
  connection.actor = sg4::Actor::create("websocket", client_host_, [this, &group, process, close_at, &connection] {
    for (;;) {
      const double next = now() + group.messages.exponential(group.spec->messages);
      if (next >= close_at) break;
      sg4::this_actor::sleep_until(next);
      send_message(group, *process);
    }
    sg4::this_actor::sleep_until(close_at);
    close_connection(*process, connection);
  });
  return true;
}

// The connection's record on its process, which outlives it while it is open.
OpenConnection& Model::add_connection(GroupRuntime& group, Process& process) {
  auto connection = std::make_unique<OpenConnection>();
  connection->group = &group;
  connection->slot = process.connections.size();
  process.connections.push_back(std::move(connection));
  return *process.connections.back();
}

// Called by the connection's own actor, as its last act: the record goes.
void Model::close_connection(Process& process, OpenConnection& connection) {
  connection.group->tally.closed(now());
  std::vector<std::unique_ptr<OpenConnection>>& open = process.connections;
  const std::size_t slot = connection.slot;
  if (slot + 1 != open.size()) {
    open[slot] = std::move(open.back());
    open[slot]->slot = slot;
  }
  open.pop_back();
  process.accepted -= 1;
  process_freed(process);
}

// The process is being killed (in kill_process's simcall): its connections'
// actors stop, and a count group's clients reconnect after their delay.
void Model::drop_connections(Process& process) {
  const std::vector<std::unique_ptr<OpenConnection>> dropped = std::move(process.connections);
  process.connections.clear();
  for (const std::unique_ptr<OpenConnection>& connection : dropped) {
    GroupRuntime& group = *connection->group;
    group.tally.dropped(now());
    connection->actor->kill();
    if (detail::reconnects(*group.spec)) reconnect(group);
  }
}

// A dropped connection's client connects again after its delay, and keeps
// trying while it is refused (the processes booting).
void Model::reconnect(GroupRuntime& group) {
  sg4::Actor::create("reconnect", client_host_, [this, &group] {
    do {
      sg4::this_actor::sleep_for(group.spec->reconnect_delay.sample(group.opens));
    } while (!open_connection(group));
  });
}

// A message (or chunk) of `group` on `process`. It counts as held from now,
// as an accepted request does, so a kill before its actor runs stops it too.
RequestPtr Model::new_message(GroupRuntime& group, Process& process) {
  auto message = std::make_shared<Request>();
  message->endpoint = group.endpoint;
  message->server = group.server;
  message->process = &process;
  if (may_kill(*group.server)) hold(process, message);
  return message;
}

// A websocket's message: an actor on the server's host, which a kill of the
// process stops. (A stream's chunks run in its connection's actor, stopped as the connection is.)
void Model::send_message(GroupRuntime& group, Process& process) {
  sg4::Actor::create("message", group.server->host, [this, &group, message = new_message(group, process)] {
    if (message->killed) return;  // with its process, before its actor ran
    if (message->held_at != kNotHeld) message->actor = sg4::Actor::self();
    run_message(group, message);
  });
}

// A message (or chunk): the group's message route on the process holding
// its connection, in the calling actor, timed from now.
void Model::run_message(GroupRuntime& group, const RequestPtr& message_ptr) {
  Request& message = *message_ptr;
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
  forget_held(message);
  if (message.holds_loop) release_loop(message);
  if (message.holds_thread) release_thread(message);
  group.tally.message_done(now() - message.arrival);
}

}  // namespace servesim::simgrid_engine
