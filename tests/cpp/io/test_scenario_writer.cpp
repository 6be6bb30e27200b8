// A scenario written as JSON and parsed back is the same model: the native
// engine gives identical results on both, for every example scenario and
// every distribution family.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "child/simgrid_engine.hpp"
#include "io/scenario_writer.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/scenarios.hpp"

using namespace servesim;

namespace {

// The JSON result, or the error the engine ends the run with (a fuzz seed
// whose clock cannot advance): the same model must end the same way.
std::string outcome(const Scenario& s) {
  try {
    return to_json(simulate(s));
  } catch (const ScenarioError& e) {
    return std::string("ScenarioError: ") + e.what();
  }
}

// Short runs: identical models on identical streams agree to the last bit
// after thousands of requests, different ones almost surely do not.
void check_round_trip(Scenario s) {
  s.run.duration = std::min(s.run.duration, 60.0);
  s.run.warmup = std::min(s.run.warmup, 10.0);
  s.run.replications = 2;
  s.run.interval = 0.0;
  const Scenario back = parse_scenario(detail::scenario_to_json(s));
  CHECK(back.name == s.name);
  CHECK(outcome(back) == outcome(s));
}

}  // namespace

TEST_CASE("example scenarios survive the JSON round trip", "[io][scenario_writer]") {
  int checked = 0;
  for (const char* dir : {"scenarios", "tests/fuzz/seeds"}) {
    for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(SERVESIM_SOURCE_DIR) / dir)) {
      Scenario s;
      try {
        s = load_scenario(entry.path());
        detail::check_simgrid_supported(s);  // the writer covers what the SimGrid engine runs
      } catch (const std::exception&) {
        continue;  // some fuzz seeds are invalid on purpose
      }
      INFO(entry.path());
      check_round_trip(s);
      ++checked;
    }
  }
  CHECK(checked >= 6);
}

TEST_CASE("every distribution, scaled or not, survives the JSON round trip", "[io][scenario_writer]") {
  const std::vector<Distribution> families{
      Distribution::constant(0.002),
      Distribution::exponential(0.003),
      Distribution::uniform(0.001, 0.004),
      Distribution::lognormal(0.002, 1.5),
      Distribution::lognormal_from_percentiles(0.001, 0.02),
      Distribution::gamma(0.002, 0.4),
      Distribution::pareto(1.5, 0.001),
      Distribution::pareto_from_mean_cv(0.002, 2.0),
      Distribution::hyperexponential(0.002, 3.0),
      Distribution::empirical({0.001, 0.003, 0.0005}),
      Distribution::empirical_histogram({0.0, 0.001, 0.005}, {3.0, 0.0}),
  };
  Scenario s = test::sync_pool(3, 2, Distribution::exponential(0.001), 100.0);
  s.servers[0].framework_overhead = Distribution::gamma(0.0003, 0.5).scaled(1.7);
  s.servers[0].wait_overhead = Distribution::exponential(0.0002);
  for (const Distribution& d : families) {
    s.endpoints[0].phases.push_back(Phase{PhaseKind::io, d});
    s.endpoints[0].phases.push_back(Phase{PhaseKind::cpu, d.scaled(0.5)});
  }
  s.workload.mix = {{"work", 1.0, std::nullopt}};
  s.workload.client_timeout = 0.5;
  check_round_trip(s);

  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{20, Distribution::hyperexponential(0.05, 2.0)};
  s.run.warmup_mode = WarmupMode::mser5;
  check_round_trip(s);
}

TEST_CASE("databases, services, queries, calls and caches survive the JSON round trip", "[io][scenario_writer]") {
  Scenario s = test::sync_pool(3, 2, Distribution::exponential(0.001), 150.0);
  s.servers[0].kind = ServerKind::gunicorn_gthread;
  s.servers[0].threads = 8;
  Database pg;
  pg.name = "pg";
  pg.connections = 3;
  pg.query_time = Distribution::lognormal(0.004, 1.2);
  pg.pool = ConnectionPool{.size = 2, .max_overflow = 1, .timeout = 0.015};
  Database replica = pg;
  replica.name = "replica";
  replica.pool = ConnectionPool{.size = 1, .max_overflow = 0, .timeout = 0.5};
  s.databases = {pg, replica};
  // Two services in the order that names their random streams, one capped.
  s.services = {Service{"payments", Distribution::exponential(0.02), 2, 0.05},
                Service{"search", Distribution::gamma(0.01, 0.5), std::nullopt, 0.1}};
  Phase query;
  query.kind = PhaseKind::db;
  query.target = "pg";
  query.has_duration = false;
  Phase own_query = query;
  own_query.target = "replica";
  own_query.duration = Distribution::uniform(0.001, 0.003);
  own_query.has_duration = true;
  Phase pay;
  pay.kind = PhaseKind::call;
  pay.target = "payments";
  Phase search = pay;
  search.target = "search";
  Phase cache;
  cache.kind = PhaseKind::cache;
  cache.hit_ratio = 0.7;
  cache.hit = {Phase{PhaseKind::io, Distribution::constant(0.0005)}};
  cache.miss = {own_query, search};
  Phase empty_hit = cache;  // a hit that costs nothing
  empty_hit.hit.clear();
  empty_hit.hit_ratio = 0.25;
  s.endpoints[0].phases = {query, cache, pay, empty_hit};
  s.run.interval = 0.0;
  check_round_trip(s);
}
