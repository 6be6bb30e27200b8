#pragma once
/// @file replicas.hpp
/// Horizontal scaling: a server with `replicas: N` is N copies of itself, each
/// on its own copy of its host, behind its balancer. The engines see the copies.

#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * The scenario with every server of Server::replicas > 1 written out as its
 * copies, which is how simulate() runs it.
 *
 * Server `web` with `replicas: 3` on host `app` becomes servers `web#1`,
 * `web#2`, `web#3` on hosts `app`, `app#2`, `app#3` (copies of `app`, each
 * holding the copies of the replicated servers of `app` with that number);
 * every balancer listing `web` lists the copies instead, and endpoints that
 * name `web` directly go through a new round-robin balancer named `web`
 * (no network time). Results then name the copies. A scenario without
 * replicas comes back unchanged.
 *
 * @throws ScenarioError `servers.web.replicas: must be an integer >= 1, got 0`,
 *         or when a copy's name is taken (`servers.web.replicas: ... 'web#2' is taken`).
 *
 * @code
 * scenario.servers[0].replicas = 3;
 * auto copies = servesim::expand_replicas(scenario);  // copies.servers.size() == 3
 * @endcode
 */
[[nodiscard]] Scenario expand_replicas(const Scenario& scenario);

}  // namespace servesim
