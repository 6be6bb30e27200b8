// The native engine's long-lived connections (WebSockets, streaming
// responses). A group's connections are a population: each holds a place in
// its process (as an accepted request does) until it closes. A websocket's
// messages are Poisson at `messages` per second per connection; together,
// over the N connections open, they are one Poisson stream of rate N x
// messages whose every message goes to an open connection picked uniformly
// (the superposition of independent Poisson streams), so 10,000 idle
// connections cost no events. When N changes the next message is drawn
// afresh, which the exponential's lack of memory makes exact. A stream's
// chunks follow each other: a gap, then the chunk's phases, then the next gap.
// A message is a request on the group's message route, entering at the
// process that holds its connection. A killed process drops its
// connections and their messages; a count group's clients reconnect.


#include "rules/scenario_index.hpp"
#include "sim/engine.hpp"

namespace servesim::detail {

void NativeSimulation::build_connections() {
  for (std::size_t g = 0; g < scenario_.connections.size(); ++g) {
    const ConnectionGroup& spec = scenario_.connections[g];
    const std::uint32_t server = index_of(scenario_.servers, spec.server);
    const auto route = static_cast<std::uint32_t>(routes_.size());
    routes_.push_back(ServerRoute{server, build_message_route(scenario_, spec, scenario_.servers[server]), {}});
    const auto endpoint = static_cast<std::uint32_t>(endpoints_.size());
    const Rng steps = streams_.connections(g, kConnectionSteps);
    endpoints_.push_back(EndpointRuntime{route, std::nullopt, NetworkPath{}, steps, steps});
    groups_.push_back(GroupRuntime{&spec, server, route, endpoint, {}, 0,
                                   streams_.connections(g, kConnectionOpens),
                                   streams_.connections(g, kConnectionHolds),
                                   streams_.connections(g, kConnectionMessages), ConnectionTally(spec)});
  }
}

void NativeSimulation::start_connections() {
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    GroupRuntime& group = groups_[g];
    if (group.spec->count) {
      for (int i = 0; i < *group.spec->count; ++i) open_connection(g);
    } else {
      calendar_.schedule(group.opens.exponential(*group.spec->open_rate), EventType::connection_open, g);
    }
  }
}

void NativeSimulation::on_connection_open(std::uint32_t group) {
  open_connection(group);
  GroupRuntime& runtime = groups_[group];
  calendar_.schedule(now_ + runtime.opens.exponential(*runtime.spec->open_rate), EventType::connection_open, group);
}

// A dropped connection's client (a count group's) connects again after its
// delay, and keeps trying while it is refused (the processes booting).
void NativeSimulation::on_connection_reconnect(std::uint32_t group) {
  if (!open_connection(group)) schedule_reconnect(group);
}

// A process with room takes the connection (gunicorn sync: an idle worker,
// for the connection's lifetime), or it is refused. Returns whether it was taken.
bool NativeSimulation::open_connection(std::uint32_t g) {
  GroupRuntime& group = groups_[g];
  ServerRuntime& server = servers_[group.server];
  const std::optional<std::uint32_t> process = pick_process(server);
  if (!process || !admits_connection(*server.spec, processes_[*process].accepted)) {
    group.tally.refused();
    return false;
  }
  processes_[*process].accepted += 1;
  std::uint32_t c = 0;
  if (free_connections_.empty()) {
    c = static_cast<std::uint32_t>(connections_.size());
    connections_.emplace_back();
  } else {
    c = free_connections_.back();
    free_connections_.pop_back();
  }
  Connection& connection = connections_[c];
  connection.group = g;
  connection.process = *process;
  connection.slot = static_cast<std::uint32_t>(group.open.size());
  group.open.push_back(c);
  group.tally.opened(now_);
  if (group.spec->kind == ConnectionKind::stream) {
    connection.chunks_left = group.spec->chunks;
    schedule_chunk(c);
    return true;
  }
  if (group.spec->open_rate) {
    calendar_.schedule(now_ + group.spec->hold.sample(group.holds), EventType::connection_close, c,
                       connection.generation);
  }
  reschedule_messages(g);
  return true;
}

void NativeSimulation::close_connection(std::uint32_t c) {
  const std::uint32_t process = connections_[c].process;
  groups_[connections_[c].group].tally.closed(now_);
  remove_connection(c);
  process_freed(process);
}

// The connection leaves its group's population and its process.
void NativeSimulation::remove_connection(std::uint32_t c) {
  Connection& connection = connections_[c];
  GroupRuntime& group = groups_[connection.group];
  const std::uint32_t last = group.open.back();
  group.open[connection.slot] = last;
  connections_[last].slot = connection.slot;
  group.open.pop_back();
  connection.generation += 1;
  free_connections_.push_back(c);
  processes_[connection.process].accepted -= 1;
  if (group.spec->kind == ConnectionKind::websocket) reschedule_messages(connection.group);
}

// A killed process's connections close under their clients (kills are
// rare: a scan of the open ones is cheap beside a boot). Returns whether
// it held any.
bool NativeSimulation::drop_connections(std::uint32_t process) {
  bool dropped = false;
  for (std::uint32_t g = 0; g < groups_.size(); ++g) {
    GroupRuntime& group = groups_[g];
    for (std::size_t slot = group.open.size(); slot-- > 0;) {
      const std::uint32_t c = group.open[slot];
      if (connections_[c].process != process) continue;
      group.tally.dropped(now_);
      remove_connection(c);
      if (reconnects(*group.spec)) schedule_reconnect(g);
      dropped = true;
    }
  }
  return dropped;
}

void NativeSimulation::schedule_reconnect(std::uint32_t g) {
  GroupRuntime& group = groups_[g];
  calendar_.schedule(now_ + group.spec->reconnect_delay.sample(group.opens), EventType::connection_reconnect, g);
}

void NativeSimulation::reschedule_messages(std::uint32_t g) {
  GroupRuntime& group = groups_[g];
  group.message_generation += 1;
  if (group.open.empty()) return;
  schedule_next_message(g, group.message_generation);
}

// The open connections' messages are one Poisson stream of rate open x messages.
void NativeSimulation::schedule_next_message(std::uint32_t g, std::uint32_t generation) {
  GroupRuntime& group = groups_[g];
  const double rate = static_cast<double>(group.open.size()) * group.spec->messages;
  calendar_.schedule(now_ + group.messages.exponential(rate), EventType::connection_message, g, generation);
}

void NativeSimulation::on_connection_message(std::uint32_t g, std::uint32_t generation) {
  GroupRuntime& group = groups_[g];
  if (generation != group.message_generation) return;  // the population changed since
  send_message(group.open[group.messages.below(group.open.size())]);
  schedule_next_message(g, generation);
}

void NativeSimulation::send_message(std::uint32_t c) {
  const Connection& connection = connections_[c];
  const GroupRuntime& group = groups_[connection.group];
  const std::uint32_t id = requests_.acquire();
  Request& request = requests_[id];
  request.endpoint = group.endpoint;
  request.route = group.route;
  request.process = connection.process;
  request.user = c;
  request.arrival = now_;
  request.first_sent = now_;
  request.new_connection = false;
  request.started = true;  // not an HTTP request: the server's served-request counts leave it out
  request.held = true;     // a kill of its process stops it
  advance(id);
}

// A stream's next chunk after its gap, or its close after the last.
void NativeSimulation::schedule_chunk(std::uint32_t c) {
  Connection& connection = connections_[c];
  if (connection.chunks_left == 0) {
    close_connection(c);
    return;
  }
  connection.chunks_left -= 1;
  GroupRuntime& group = groups_[connection.group];
  calendar_.schedule(now_ + group.spec->chunk_gap.sample(group.holds), EventType::stream_chunk, c,
                     connection.generation);
}

// The message's last step ended: its latency, and its thread or loop freed.
void NativeSimulation::finish_message(std::uint32_t id) {
  const Request& request = requests_[id];
  GroupRuntime& group = groups_[request.endpoint - groups_.front().endpoint];
  group.tally.message_done(now_ - request.arrival);
  const std::uint32_t connection = request.user;
  if (request.holds_loop) release_loop(id);
  if (requests_[id].holds_thread) release_thread(id);
  requests_.release(id);
  if (group.spec->kind == ConnectionKind::stream) schedule_chunk(connection);
}

}  // namespace servesim::detail
