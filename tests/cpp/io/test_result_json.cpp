// Tests for io/result_json.hpp: a hand-built Result survives the trip to JSON.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"

using namespace servesim;
using nlohmann::json;

namespace {

IntervalStats interval(double start, std::uint64_t arrivals, std::uint64_t completed, double mean_latency) {
  IntervalStats stats;
  stats.start = start;
  stats.end = start + 50.0;
  stats.arrivals = arrivals;
  stats.retries = 3;
  stats.completed = completed;
  stats.within_slo = completed - 10;
  stats.errors = arrivals - completed;
  stats.throughput = static_cast<double>(completed) / 50.0;
  stats.mean_latency = mean_latency;
  stats.p50 = 0.015;
  stats.p99 = 0.060;
  stats.mean_queue_length = {1.25};
  stats.worker_busy_fraction = {0.75};
  stats.cpu_utilization = {0.375};
  return stats;
}

ReplicationResult replication(int index, double throughput) {
  ReplicationResult r;
  r.index = index;
  r.warmup = 10.0;
  r.measured_duration = 90.0;
  r.arrivals = 901;
  r.retries = 6;
  r.completed = 900;
  r.throughput = throughput;
  r.within_slo = 890;
  r.goodput = 890.0 / 90.0;
  r.failed = 1;
  r.errors = {1, 2};
  r.latency = {0.020, 0.015, 0.030, 0.035, 0.050, 0.080, 0.120};
  EndpointStats endpoint;
  endpoint.name = "work";
  endpoint.completed = 900;
  endpoint.throughput = throughput;
  endpoint.within_slo = 890;
  endpoint.goodput = 890.0 / 90.0;
  endpoint.retries = 6;
  endpoint.failed = 1;
  endpoint.latency = r.latency;
  r.endpoints.push_back(endpoint);
  r.servers.push_back(ServerStats{"web", 0.8, 0.4, 1.5, 3.1, 0.6});
  r.hosts.push_back(HostStats{"app", 0.4});
  r.little = {2.0, 10.0, 0.2};
  r.timeline = {interval(0.0, 500, 499, 0.019), interval(50.0, 502, 500, 0.021)};
  r.events = 12345;
  return r;
}

Result hand_built() {
  Result result;
  result.scenario = "two-sync-workers";
  result.seed = 7;
  result.completed = 1800;
  result.throughput = {10.0, 0.25, 2};
  result.goodput = {9.5, 0.5, 2};
  result.retries = 12;
  result.failed = 2;
  result.errors = {2, 4};
  result.error_rate = 6.0 / 1806.0;
  result.failure_rate = 2.0 / 1802.0;
  result.latency.mean = {0.020, 0.001, 2};
  result.latency.p50 = {0.015, 0.0005, 2};
  result.latency.p99 = {0.050, 0.004, 2};
  result.latency.max = 0.125;
  EndpointSummary endpoint;
  endpoint.name = "work";
  endpoint.completed = 1800;
  endpoint.throughput = {10.0, 0.25, 2};
  endpoint.goodput = {9.5, 0.5, 2};
  endpoint.retries = 12;
  endpoint.failed = 2;
  endpoint.latency = result.latency;
  result.endpoints.push_back(endpoint);
  result.servers.push_back(ServerSummary{"web", {0.8, 0.02, 2}, {0.4, 0.01, 2}, {1.5, 0.3, 2}, {0.6, 0.05, 2}});
  result.hosts.push_back(HostSummary{"app", {0.4, 0.01, 2}});
  result.little = {2.0, 10.0, 0.21};
  result.histogram.record(0.010);
  result.histogram.record(0.010);
  result.histogram.record(0.100);
  result.replications = {replication(0, 9.9), replication(1, 10.1)};
  return result;
}

}  // namespace

TEST_CASE("to_json writes every part of a Result") {
  // Expected values: the fields set in hand_built(), read back unchanged.
  const Result result = hand_built();
  const json doc = json::parse(to_json(result));

  SECTION("headline numbers") {
    CHECK(doc["scenario"] == "two-sync-workers");
    CHECK(doc["seed"] == 7);
    CHECK(doc["completed"] == 1800);
    CHECK(doc["throughput"] == 10.0);
    CHECK(doc["throughput_ci"] == json({{"mean", 10.0}, {"half_width", 0.25}, {"samples", 2}}));
    CHECK(doc["errors"] == json({{"refused", 2}, {"client_timeout", 4}, {"unavailable", 0}, {"worker_killed", 0}, {"pool_timeout", 0}, {"downstream", 0}, {"out_of_memory", 0}, {"total", 6}}));
    CHECK(doc["error_rate"].get<double>() == Approx(6.0 / 1806.0));
    CHECK(doc["goodput"] == 9.5);
    CHECK(doc["goodput_ci"] == json({{"mean", 9.5}, {"half_width", 0.5}, {"samples", 2}}));
    CHECK(doc["retries"] == 12);
    CHECK(doc["failed"] == 2);
    CHECK(doc["failure_rate"].get<double>() == Approx(2.0 / 1802.0));
  }
  SECTION("latency holds the means plus max, latency_ci the estimates") {
    CHECK(doc["latency"]["mean"] == 0.020);
    CHECK(doc["latency"]["p50"] == 0.015);
    CHECK(doc["latency"]["p99"] == 0.050);
    CHECK(doc["latency"]["max"] == 0.125);
    CHECK(doc["latency_ci"]["p99"]["half_width"] == 0.004);
    CHECK(doc["latency_ci"]["p99"]["samples"] == 2);
    CHECK_FALSE(doc["latency_ci"].contains("max"));
  }
  SECTION("endpoints, servers, hosts") {
    REQUIRE(doc["endpoints"].size() == 1);
    CHECK(doc["endpoints"][0]["name"] == "work");
    CHECK(doc["endpoints"][0]["throughput"] == 10.0);
    CHECK(doc["endpoints"][0]["latency"]["p50"] == 0.015);
    CHECK(doc["endpoints"][0]["goodput_ci"]["half_width"] == 0.5);
    CHECK(doc["endpoints"][0]["retries"] == 12);
    CHECK(doc["endpoints"][0]["failed"] == 2);
    CHECK(doc["servers"][0]["worker_busy_fraction"] == 0.8);
    CHECK(doc["servers"][0]["gil_busy_fraction_ci"]["half_width"] == 0.01);
    CHECK(doc["servers"][0]["mean_queue_length_ci"]["half_width"] == 0.3);
    CHECK(doc["servers"][0]["queued_fraction"] == 0.6);
    CHECK(doc["servers"][0]["queued_fraction_ci"]["half_width"] == 0.05);
    CHECK(doc["hosts"][0]["cpu_utilization"] == 0.4);
  }
  SECTION("Little's law check with its relative error") {
    // Expected: |L - lambda W| / max(L, lambda W) = |2 - 2.1| / 2.1.
    CHECK(doc["little"]["mean_in_system"] == 2.0);
    CHECK(doc["little"]["relative_error"].get<double>() == Approx(0.1 / 2.1));
  }
  SECTION("each replication with its timeline") {
    REQUIRE(doc["replications"].size() == 2);
    const json& r = doc["replications"][1];
    CHECK(r["index"] == 1);
    CHECK(r["throughput"] == 10.1);
    CHECK(r["arrivals"] == 901);
    CHECK(r["retries"] == 6);
    CHECK(r["within_slo"] == 890);
    CHECK(r["goodput"].get<double>() == Approx(890.0 / 90.0));
    CHECK(r["failed"] == 1);
    CHECK(r["endpoints"][0]["within_slo"] == 890);
    CHECK(r["endpoints"][0]["failed"] == 1);
    CHECK(r["errors"]["total"] == 3);
    CHECK(r["latency"]["p999"] == 0.080);
    CHECK(r["servers"][0]["mean_in_system"] == 3.1);
    CHECK(r["servers"][0]["gil_busy_fraction"] == 0.4);
    CHECK(r["servers"][0]["queued_fraction"] == 0.6);
    CHECK(r["little"]["mean_response"] == 0.2);
    CHECK(r["events"] == 12345);
    REQUIRE(r["timeline"].size() == 2);
    // Per-server and per-host values are keyed by the names of r["servers"] and r["hosts"].
    CHECK(r["timeline"][1] == json({{"start", 50.0}, {"end", 100.0}, {"arrivals", 502}, {"retries", 3},
                                    {"completed", 500}, {"within_slo", 490}, {"errors", 2},
                                    {"throughput", 10.0}, {"mean_latency", 0.021}, {"p50", 0.015},
                                    {"p99", 0.060}, {"mean_queue_length", {{"web", 1.25}}},
                                    {"worker_busy_fraction", {{"web", 0.75}}},
                                    {"cpu_utilization", {{"app", 0.375}}}}));
  }
  SECTION("the histogram's buckets") {
    // Expected: 3 observations in 2 buckets (10 ms twice, 100 ms once), each
    // bucket containing its value.
    CHECK(doc["histogram"]["count"] == 3);
    CHECK(doc["histogram"]["relative_error"] == LatencyHistogram::relative_error());
    const json& buckets = doc["histogram"]["buckets"];
    REQUIRE(buckets.size() == 2);
    CHECK(buckets[0][2] == 2);
    CHECK(buckets[0][0].get<double>() <= 0.010);
    CHECK(buckets[0][1].get<double>() >= 0.010);
    CHECK(buckets[1][2] == 1);
  }
}

TEST_CASE("to_json indentation and non-finite values") {
  Result result = hand_built();
  CHECK(to_json(result, -1).find('\n') == std::string::npos);
  CHECK(to_json(result, 2).find("\n  \"completed\"") != std::string::npos);
  // Expected: NaN is not valid JSON, so it is written as null.
  result.error_rate = std::numeric_limits<double>::quiet_NaN();
  CHECK(json::parse(to_json(result))["error_rate"].is_null());
}

TEST_CASE("a result reads back from its JSON, strictly", "[io][result_json]") {
  // Expected: the document of result_from_json's Result is the same document;
  // the overall histogram comes back bucket for bucket.
  const std::string text = to_json(hand_built(), -1);
  CHECK(to_json(result_from_json(text), -1) == text);
  json doc = json::parse(text);
  doc["servers"][0].erase("queued_fraction_ci");
  CHECK_THROWS_WITH(result_from_json(doc.dump()), Catch::Contains("result.servers[0].queued_fraction_ci is missing"));
  doc = json::parse(text);
  doc["latency_ci"]["p42"] = nullptr;
  CHECK_THROWS_WITH(result_from_json(doc.dump()), Catch::Contains("result.latency_ci.p42 is not a known field"));
  CHECK_THROWS_AS(result_from_json("[1, 2"), EngineError);
}

TEST_CASE("no data is null, never 0", "[io][result_json][no_data]") {
  // A replication that completed nothing: its latency statistics are NaN, so
  // the summary's latency values are NaN and its intervals have no samples;
  // JSON writes each as null (issue 13.6), and throughput stays a real 0.
  ReplicationResult empty = replication(0, 0.0);
  empty.completed = 0;
  empty.latency = LatencyStats::from(LatencyHistogram{});
  empty.endpoints[0].latency = empty.latency;
  IntervalStats idle;  // one server and one host, as the replication has
  idle.end = 1.0;
  idle.mean_queue_length = {0.0};
  idle.worker_busy_fraction = {0.0};
  idle.cpu_utilization = {0.0};
  empty.timeline = {idle};
  const Result result = summarize("idle", 1, {empty});
  CHECK_FALSE(result.latency.p99.has_data());
  CHECK(std::isnan(result.latency.max));
  const json doc = json::parse(to_json(result));
  CHECK(doc["latency"]["mean"].is_null());
  CHECK(doc["latency"]["max"].is_null());
  CHECK(doc["latency_ci"]["p99"].is_null());
  CHECK(doc["endpoints"][0]["latency_ci"]["mean"].is_null());
  CHECK(doc["replications"][0]["latency"]["p50"].is_null());
  CHECK(doc["replications"][0]["timeline"][0]["mean_latency"].is_null());
  CHECK(doc["throughput"] == 0.0);
  CHECK(doc["throughput_ci"]["samples"] == 1);
  // And back: null reads as no data.
  const Result back = result_from_json(doc.dump());
  CHECK_FALSE(back.latency.mean.has_data());
  CHECK(std::isnan(back.replications[0].latency.p99));
}
