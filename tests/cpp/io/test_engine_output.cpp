// The child-process result document: a replication survives the trip
// through JSON, and anything else is an EngineError saying where it broke.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "io/engine_output.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using servesim::test::message_of;

TEST_CASE("a replication round-trips through the engine output document", "[io][engine_output]") {
  Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.01), 150.0), 200.0,
                              20.0, 1);
  s.endpoints.push_back(Endpoint{"io", "web", {Phase{PhaseKind::io, Distribution::constant(0.02)}}});
  // A query and a downstream call, so the database and service statistics travel too.
  s.databases.push_back(Database{"pg", 4, Distribution::exponential(0.003), {}});
  s.services.push_back(Service{"payments", Distribution::exponential(0.01), 8, 0.01});
  Phase query;
  query.kind = PhaseKind::db;
  query.target = "pg";
  query.has_duration = false;
  Phase call;
  call.kind = PhaseKind::call;
  call.target = "payments";
  s.endpoints[1].phases.push_back(query);
  s.endpoints[1].phases.push_back(call);
  s.workload.client_timeout = 0.05;
  const Result original = simulate(s);
  ReplicationResult copy = original.replications.front();
  const ReplicationResult back = detail::replication_from_engine_output(
      detail::engine_output_json(s.name, s.run.seed, std::move(copy)));
  // Summaries of the original and the copy serialize identically, histograms included.
  Result again = summarize(s.name, s.run.seed, {back});
  // simulate() adds each host's memory from the scenario (model/memory.hpp), not from the engine's document.
  for (std::size_t i = 0; i < again.hosts.size(); ++i) {
    again.hosts[i].static_memory = original.hosts[i].static_memory;
    again.hosts[i].memory = original.hosts[i].memory;
  }
  CHECK(to_json(again) == to_json(original));
  REQUIRE(back.endpoints.size() == 2);
  CHECK(back.endpoints[0].histogram.mean() == original.replications[0].endpoints[0].histogram.mean());
  CHECK(back.endpoints[1].histogram.count() == original.replications[0].endpoints[1].histogram.count());
  REQUIRE(back.databases.size() == 1);
  CHECK(back.databases[0].queries > 0);
  REQUIRE(back.services.size() == 1);
  CHECK(back.services[0].calls > 0);
}

TEST_CASE("malformed engine output is an EngineError naming the place", "[io][engine_output]") {
  using Catch::Matchers::Contains;
  // The document of a real replication, then broken in one place at a time: the
  // reader follows the field lists, so a missing, unknown or mistyped field is
  // an error with its path, never a default.
  const Scenario s = test::with_run(test::sync_pool(2, 2, Distribution::exponential(0.01), 150.0), 20.0, 2.0, 1);
  const nlohmann::json good =
      nlohmann::json::parse(detail::engine_output_json(s.name, 1, simulate(s).replications.front()));
  const auto error_of = [](const nlohmann::json& doc) {
    return message_of<EngineError>([&] { (void)detail::replication_from_engine_output(doc.dump()); });
  };
  CHECK_THAT(message_of<EngineError>([&] { (void)detail::replication_from_engine_output("Segmentation fault"); }),
             Contains("not JSON"));
  CHECK_THAT(error_of(nlohmann::json::object()), Contains("result.replications is missing"));
  nlohmann::json doc = good;
  doc["replications"][0]["warmup"] = "x";
  CHECK_THAT(error_of(doc), Contains("result.replications[0].warmup must be a number"));
  doc = good;
  doc["replications"][0]["servers"][0].erase("gil_busy_fraction");
  CHECK_THAT(error_of(doc), Contains("result.replications[0].servers[0].gil_busy_fraction is missing"));
  doc = good;
  doc["replications"][0]["latency"]["p42"] = 0.1;
  CHECK_THAT(error_of(doc), Contains("result.replications[0].latency.p42 is not a known field"));
  doc = good;
  doc["not_a_field"] = true;
  CHECK_THAT(error_of(doc), Contains("result.not_a_field is not a known field"));
  doc = good;
  doc["replications"][0]["endpoints"][0].erase("histogram");
  CHECK_THAT(error_of(doc), Contains("result.replications[0].endpoints[0].histogram is missing"));
  doc = good;
  doc["replications"][0]["timeline"][0]["cpu_utilization"]["elsewhere"] = 0.5;
  CHECK_THAT(error_of(doc), Contains("result.replications[0].timeline[0].cpu_utilization.elsewhere is not a known field"));
}

TEST_CASE("a replication without completions travels as no data", "[io][engine_output][no_data]") {
  // 100 s of CPU per request in a 5 s run: nothing completes, so every latency
  // statistic is no data (NaN), written as null and read back as NaN, not 0.
  const Scenario s = test::with_run(test::sync_pool(1, 1, Distribution::constant(100.0), 1.0), 5.0, 0.0, 1);
  ReplicationResult replication = simulate(s).replications.front();
  REQUIRE(replication.completed == 0);
  CHECK(std::isnan(replication.latency.mean));
  const ReplicationResult back =
      detail::replication_from_engine_output(detail::engine_output_json(s.name, 1, std::move(replication)));
  CHECK(std::isnan(back.latency.mean));
  CHECK(std::isnan(back.latency.max));
  CHECK(std::isnan(back.endpoints[0].latency.p99));
  CHECK(std::isnan(back.timeline.front().mean_latency));
}
