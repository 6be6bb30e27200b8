#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "metrics/summary_fold.hpp"
#include "servesim/metrics/result.hpp"

using servesim::BalancerStats;
using servesim::BalancerSummary;
using servesim::ModelServerStats;
using servesim::ModelServerSummary;
using servesim::ReplicationResult;
using servesim::ServerStats;
using servesim::ServerSummary;
using servesim::detail::fold;

// Each expected value below is worked out by hand from the two replications'
// numbers: counts add, rates are means with a t interval (two samples x, y:
// half-width t_{0.975,1} |x - y| / 2 = 12.706 |x - y| / 2), peaks take the
// larger, per-size counts add element by element.

TEST_CASE("a summary folds its replications field by field", "[metrics][summary_fold]") {
  ServerStats one;
  one.name = "web";
  one.worker_busy_fraction = 0.4;
  one.recycled = 3;
  one.memory_killed = 1;
  one.peak_memory = 200.0;
  ServerStats two = one;
  two.worker_busy_fraction = 0.6;
  two.recycled = 4;
  two.memory_killed = 0;
  two.peak_memory = 150.0;

  const ServerSummary server = fold<ServerSummary>(std::vector<const ServerStats*>{&one, &two});
  CHECK(server.name == "web");
  CHECK(server.recycled == 7);
  CHECK(server.memory_killed == 1);
  CHECK(server.peak_memory == 200.0);
  CHECK(server.worker_busy_fraction.value == Approx(0.5));
  CHECK(server.worker_busy_fraction.half_width == Approx(12.706 * 0.1).epsilon(1e-4));
  CHECK(server.worker_busy_fraction.samples == 2);
}

TEST_CASE("nested records and count vectors fold element by element", "[metrics][summary_fold]") {
  ModelServerStats a;
  a.name = "llm";
  a.batches = 10;
  a.batch_sizes = {4, 6};
  a.queue_delay.p99 = 0.010;
  a.queue_delay.max = 0.020;
  ModelServerStats b = a;
  b.batches = 5;
  b.batch_sizes = {1, 4};
  b.queue_delay.p99 = 0.030;
  b.queue_delay.max = std::nan("");  // no data in this replication: ignored by the maximum

  const ModelServerSummary model = fold<ModelServerSummary>(std::vector<const ModelServerStats*>{&a, &b});
  CHECK(model.batches == 15);
  CHECK(model.batch_sizes == std::vector<std::uint64_t>{5, 10});
  CHECK(model.queue_delay.p99.value == Approx(0.020));
  CHECK(model.queue_delay.max == 0.020);

  BalancerStats lb_one{"lb", {{"a", 30, 0.75}, {"b", 10, 0.25}}};
  BalancerStats lb_two{"lb", {{"a", 20, 0.5}, {"b", 20, 0.5}}};
  const BalancerSummary lb = fold<BalancerSummary>(std::vector<const BalancerStats*>{&lb_one, &lb_two});
  REQUIRE(lb.servers.size() == 2);
  CHECK(lb.servers[1].name == "b");
  CHECK(lb.servers[1].sent == 30);
  CHECK(lb.servers[0].share.value == Approx(0.625));
}

TEST_CASE("summarize pools totals and leaves the unfolded fields to itself", "[metrics][summary_fold]") {
  ReplicationResult one;
  one.completed = 90;
  one.errors.refused = 10;
  one.throughput = 9.0;
  one.little = {2.0, 9.0, 0.2};
  one.hosts = {{"app", 0.5}};
  ReplicationResult two = one;
  two.completed = 110;
  two.errors.refused = 0;
  two.throughput = 11.0;
  two.little = {4.0, 11.0, 0.4};

  const servesim::Result result = servesim::summarize("s", 7, {one, two});
  CHECK(result.completed == 200);
  CHECK(result.errors.refused == 10);
  CHECK(result.error_rate == Approx(10.0 / 210.0));  // pooled, not a mean of per-replication rates
  CHECK(result.throughput.value == Approx(10.0));
  CHECK(result.little.mean_in_system == Approx(3.0));  // a mean, where a plain double field takes the largest
  REQUIRE(result.hosts.size() == 1);
  CHECK(result.hosts[0].name == "app");
  CHECK(result.hosts[0].static_memory == 0.0);  // set by simulate() from the scenario, not folded
  CHECK(result.replications.size() == 2);
}
