// Tests for model/replicas.hpp: a server with `replicas: N` runs as N copies
// on N copies of its host, behind its balancer.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/replicas.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::with;

namespace {

// Two sync workers on two cores, 10 ms of CPU each: one copy completes 200 req/s at most.
const std::string kReplicated = R"(
hosts:
  app: {cores: 2}
servers:
  web: {host: app, kind: gunicorn-sync, workers: 2, replicas: 3, framework: none}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 1000}
run: {duration: 60s, warmup: 5s, seed: 2}
)";

}  // namespace

TEST_CASE("replicas: copies of the server on copies of its host, behind a round-robin balancer", "[model][replicas]") {
  const Scenario s = parse_scenario(kReplicated);
  REQUIRE(s.servers.size() == 1);
  CHECK(s.servers[0].replicas == 3);
  const Scenario copies = expand_replicas(s);
  REQUIRE(copies.servers.size() == 3);
  CHECK(copies.servers[0].name == "web#1");
  CHECK(copies.servers[0].host == "app");
  CHECK(copies.servers[2].name == "web#3");
  CHECK(copies.servers[2].host == "app#3");
  REQUIRE(copies.hosts.size() == 3);
  CHECK(copies.hosts[2].cores == 2);
  REQUIRE(copies.balancers.size() == 1);
  CHECK(copies.balancers[0].name == "web");
  CHECK(copies.balancers[0].servers == std::vector<std::string>{"web#1", "web#2", "web#3"});
  CHECK(copies.endpoints[0].server == "web");
  copies.validate();
  // A balancer that names the server names its copies instead, in its place.
  const Scenario balanced = expand_replicas(parse_scenario(with(with(kReplicated, "servers:\n", R"(balancers:
  lb: {servers: [web, solo]}
servers:
  solo: {host: app, workers: 1, framework: none}
)"), "server: web", "server: lb")));
  CHECK(balanced.balancers.size() == 1);
  CHECK(balanced.balancers[0].servers == std::vector<std::string>{"web#1", "web#2", "web#3", "solo"});
}

TEST_CASE("replicas: N copies behind round robin serve N times one copy's capacity", "[model][replicas]") {
  // Offered 1000 req/s, far above capacity: each copy completes its workers x
  // 1/E[S] = 200 req/s, so one copy completes 200 req/s and three 600. The
  // copies are identical and round robin gives each a third of the requests.
  const Result three = simulate(parse_scenario(kReplicated));
  const Result one = simulate(parse_scenario(with(kReplicated, "replicas: 3", "replicas: 1")));
  CHECK(one.throughput.value == Approx(200.0).epsilon(0.01));
  CHECK(three.throughput.value == Approx(600.0).epsilon(0.01));
  REQUIRE(three.servers.size() == 3);
  CHECK(three.servers[1].name == "web#2");
  REQUIRE(three.balancers.size() == 1);
  for (const auto& share : three.balancers[0].servers) CHECK(share.share.value == Approx(1.0 / 3.0).epsilon(0.01));
}

TEST_CASE("replicas: errors name the field", "[model][replicas]") {
  require_error(with(kReplicated, "replicas: 3", "replicas: 0"), "servers.web.replicas", "integer >= 1");
  Scenario s = parse_scenario(kReplicated);
  s.servers[0].replicas = 0;
  servesim::test::require_scenario_error([&] { (void)expand_replicas(s); }, "servers.web.replicas", ">= 1, got 0");
}
