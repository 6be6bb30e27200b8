#include "rules/connections.hpp"


namespace servesim::detail {

std::vector<Step> build_message_route(const Scenario& scenario, const ConnectionGroup& group,
                                      const Server& server) {
  // An endpoint of the group's phases, less what build_route adds around
  // them: the front (connection set-up, framework overhead) and the respond
  // step. A message's latency is measured when its last step ends.
  Endpoint handler;
  handler.name = group.name;
  handler.server = server.name;
  handler.phases = group.phases;
  Server bare = server;
  bare.connection_overhead = Distribution::constant(0.0);
  bare.framework_overhead = Distribution::constant(0.0);
  bare.thread_handoff = Distribution::constant(0.0);
  std::vector<Step> steps = build_route(scenario, handler, bare);
  // Background work, the only thing after the respond step, is not a message's.
  if (!steps.empty() && steps.back().kind == StepKind::respond) steps.pop_back();
  return steps;
}

ConnectionStats ConnectionTally::collect(const Server& server, double now, double span) const {
  ConnectionStats stats;
  stats.name = group_->name;
  stats.server = server.name;
  stats.opened = opened_;
  stats.refused = refused_;
  stats.dropped = dropped_;
  stats.mean_open = span > 0.0 ? (open_.area_until(now) - open_area_at_start_) / span : 0.0;
  stats.messages = messages_;
  stats.messages_dropped = messages_dropped_;
  stats.message_rate = span > 0.0 ? static_cast<double>(messages_) / span : 0.0;
  stats.message_latency = LatencyStats::from(histogram_);
  stats.memory = stats.mean_open * server.memory.connection;
  stats.histogram = histogram_;
  return stats;
}

}  // namespace servesim::detail
