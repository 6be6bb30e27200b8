// Model servers with dynamic batching (model_servers:, Triton's dynamic
// batcher) in the native engine, against closed forms: at low load a request
// waits out max_queue_delay alone and runs in a batch of one; saturated, every
// batch is full and the instances answer instances x B / batch_time(B); with
// max_batch_size 1 and no delay the server is an M/G/c queue (M/M/1, M/D/1 by
// Pollaczek-Khinchine, M/M/2 by Erlang C).

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/bottleneck.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"
#include "support/scenarios.hpp"
#include "support/tolerance.hpp"

using namespace servesim;
using servesim::test::check_estimate;

namespace {

// One uvicorn process whose async endpoint only awaits model server `llm`:
// the event loop is never the bottleneck, and a request's latency is its
// time at the model server.
Scenario inferences(ModelServer model, double rate, double duration, int replications) {
  Scenario s = test::with_run(test::one_server(ServerKind::uvicorn, 1, 4), duration, duration / 20.0, replications);
  s.run.seed = 41;
  model.name = "llm";
  s.model_servers.push_back(model);
  Phase infer{PhaseKind::infer, Distribution::constant(0.0)};
  infer.target = "llm";
  infer.has_duration = false;
  test::add_endpoint(s, "predict", "web", {infer});
  s.workload.open = OpenWorkload{rate, ArrivalProcess::poisson};
  return s;
}

ModelServer batching(int instances, int max_batch, double delay, Distribution base, double per_item) {
  ModelServer m;
  m.instances = instances;
  m.max_batch_size = max_batch;
  m.max_queue_delay = delay;
  m.batch_time = std::move(base);
  m.item_time = per_item;
  return m;
}

}  // namespace

TEST_CASE("At low load a request waits out max_queue_delay alone, then runs in a batch of one",
          "[simulate][model_server]") {
  // lambda = 0.1/s, d = 10 ms, batch_time(n) = 20 ms + 2 ms n, B = 8. A request
  // finding the server idle (it is, but for a share lambda (d + T(B)) = 0.46 %
  // of the time, T(B) = 36 ms) waits d and runs alone unless another arrives
  // within its d (probability lambda d = 0.1 %): latency d + T(1) = 32 ms. The
  // others' latencies are within d + 2 T(B) = 82 ms of it, and a joined batch
  // adds 2 ms: the mean is within 0.0046 x 82 ms + 0.001 x 2 ms = 0.38 ms
  // (1.2 %) of 32 ms. Times are constant, so the spread between replications
  // comes from those rare requests only.
  const ModelServer model = batching(1, 8, 0.010, Distribution::constant(0.020), 0.002);
  const Result r = simulate(inferences(model, 0.1, 20'000.0, 8));
  REQUIRE(r.model_servers.size() == 1);
  const ModelServerSummary& llm = r.model_servers[0];
  const double exact = 0.010 + 0.022;
  check_estimate("latency = max_queue_delay + batch_time(1)", r.latency.mean, exact, 0.01, 0.012 * exact);
  check_estimate("queue delay = max_queue_delay", llm.queue_delay.mean, 0.010, 0.01, 0.012 * 0.082);
  // Batches of one: all but about lambda (d + T(B)) of them.
  REQUIRE(llm.batches > 10'000);
  const double singles = static_cast<double>(llm.batch_sizes[0]) / static_cast<double>(llm.batches);
  INFO("batches of one: " << singles);
  CHECK(singles >= 1.0 - 0.1 * (0.010 + 0.036) * 2.0);
  CHECK(llm.mean_batch_size.value == Approx(1.0).margin(0.01));
  // Each request keeps an instance busy T(1) = 22 ms: utilization lambda T(1).
  check_estimate("utilization", llm.utilization, 0.1 * 0.022, 0.02, 0.012 * 0.0022);
  CHECK(std::accumulate(llm.batch_sizes.begin(), llm.batch_sizes.end(), std::uint64_t{0}) == llm.batches);
}

TEST_CASE("Saturated, batches are full and the instances answer instances x B / batch_time(B)",
          "[simulate][model_server]") {
  // 2 instances, B = 8, batch_time(8) = 20 ms + 8 x 2 ms = 36 ms: capacity
  // 2 x 8 / 0.036 = 444.4 inferences/s. Offered 600/s by gthread threads that
  // block on it (64 of them: enough to keep a full batch waiting for each
  // instance), the queue never empties after the warm-up, so every batch is
  // full and each instance runs one every 36 ms: over a 95 s window the count
  // is exact but for the batch running at each edge (2 per instance, 0.15 %).
  const ModelServer model = batching(2, 8, 0.005, Distribution::constant(0.020), 0.002);
  Scenario s = inferences(model, 600.0, 100.0, 2);
  s.servers[0].kind = ServerKind::gunicorn_gthread;
  s.servers[0].threads = 64;
  const double capacity = 2.0 * 8.0 / 0.036;
  CHECK(model.capacity() == Approx(capacity));
  const Result r = simulate(s);
  const ModelServerSummary& llm = r.model_servers[0];
  CHECK(llm.throughput.value == Approx(capacity).epsilon(0.002));
  CHECK(llm.batch_rate.value == Approx(capacity / 8.0).epsilon(0.002));
  CHECK(llm.mean_batch_size.value == Approx(8.0));
  CHECK(llm.batch_sizes.back() == llm.batches);
  CHECK(llm.utilization.value == Approx(1.0).epsilon(0.001));
  CHECK(r.throughput.value == Approx(capacity).epsilon(0.002));
  // The run is unstable, at the model server's instances; the plan ledger names it first.
  CHECK_FALSE(r.stability.stable);
  CHECK(r.stability.resource == "model_servers.llm.instances");
  const std::vector<ResourceLoad> loads = resource_loads(s);
  REQUIRE_FALSE(loads.empty());
  CHECK(loads.front().path == "model_servers.llm.instances");
  CHECK(loads.front().saturation_rate == Approx(capacity));
}

TEST_CASE("An overload that async endpoints await is unstable at the model server",
          "[simulate][model_server][stability]") {
  // One instance, no batching, exponential 10 ms: M/M/1 with mu = 100/s,
  // awaited by an async endpoint, so no worker waits and no server queue
  // grows. At 120/s the requests in flight grow by lambda - mu = 20/s: some
  // 950 through the second half of the 95 s window (sd near sqrt(2 x 120 x
  // 47.5) = 107, 11 %), far above 2 % of the arrivals and 100 requests.
  const ModelServer model = batching(1, 1, 0.0, Distribution::exponential(0.010), 0.0);
  const Result over = simulate(inferences(model, 120.0, 100.0, 2));
  CHECK(over.servers[0].mean_queue_length.value < 1.0);
  CHECK_FALSE(over.stability.stable);
  CHECK(over.stability.resource == "model_servers.llm.instances");
  CHECK(over.stability.excess_rate == Approx(20.0).epsilon(0.25));  // 2 replications: 2 sd of one
  CHECK(over.stability.capacity == Approx(100.0).epsilon(0.03));   // the instance's mu, less a warm-up edge
  // At 80/s (rho = 0.8) 4 requests are in flight on average: stable.
  const Result loaded = simulate(inferences(model, 80.0, 100.0, 2));
  CHECK(loaded.model_servers[0].utilization.value == Approx(0.8).epsilon(0.05));
  CHECK(loaded.stability.stable);
}

TEST_CASE("Without batching a model server is an M/G/c queue", "[simulate][model_server]") {
  // max_batch_size 1, no delay: each request is a batch of its own, served
  // first come first served by the instances. 8 replications of 140,000
  // requests each: the standard error of each mean is about 1 % of it.
  SECTION("exponential batch time, one instance: M/M/1") {
    // lambda = 70/s, mu = 100/s, rho = 0.7: W = 1 / (mu - lambda) = 33.3 ms,
    // Wq = rho W = 23.3 ms (any queueing text).
    const MmcMetrics exact = mmc(70.0, 100.0, 1);
    const Result r = simulate(inferences(batching(1, 1, 0.0, Distribution::exponential(0.010), 0.0), 70.0, 2000.0, 8));
    check_estimate("latency", r.latency.mean, exact.mean_response, 0.015);
    check_estimate("queue delay", r.model_servers[0].queue_delay.mean, exact.mean_wait, 0.02);
    check_estimate("requests waiting", r.model_servers[0].mean_queue_length, exact.mean_queue_length, 0.02);
    check_estimate("utilization", r.model_servers[0].utilization, 0.7, 0.01);
  }
  SECTION("constant batch time, one instance: M/D/1 (Pollaczek-Khinchine)") {
    // Wq = rho S / (2 (1 - rho)) = 0.7 x 10 ms / 0.6 = 11.67 ms.
    const double wait = mg1_mean_wait(70.0, 0.010, 0.0);
    const Result r = simulate(inferences(batching(1, 1, 0.0, Distribution::constant(0.010), 0.0), 70.0, 2000.0, 8));
    check_estimate("queue delay", r.model_servers[0].queue_delay.mean, wait, 0.02);
    check_estimate("latency", r.latency.mean, wait + 0.010, 0.015);
  }
  SECTION("exponential batch time, two instances: M/M/2 (Erlang C)") {
    // lambda = 160/s on 2 instances of mu = 100/s: rho = 0.8, C(2, 1.6) = 0.711,
    // Wq = C / (c mu - lambda) = 17.8 ms.
    const MmcMetrics exact = mmc(160.0, 100.0, 2);
    const Result r = simulate(inferences(batching(2, 1, 0.0, Distribution::exponential(0.010), 0.0), 160.0, 2000.0, 8));
    check_estimate("queue delay", r.model_servers[0].queue_delay.mean, exact.mean_wait, 0.02);
    check_estimate("latency", r.latency.mean, exact.mean_response, 0.015);
    check_estimate("utilization", r.model_servers[0].utilization, 0.8, 0.01);
  }
}

TEST_CASE("Model servers parse, write back and reject bad input by name", "[io][model_server]") {
  const std::string base = R"(
hosts: {app: {cores: 2}}
servers:
  web: {host: app, kind: uvicorn, framework: none}
model_servers:
  llm: {instances: 2, max_batch_size: 8, max_queue_delay: 5ms, batch_time: 20ms, item_time: 2ms}
endpoints:
  predict: {server: web, phases: [{cpu: 1ms}, {infer: llm}]}
workload: {open: {rate: 10}}
)";
  SECTION("the section and the phase that names it") {
    const Scenario s = parse_scenario(base);
    REQUIRE(s.model_servers.size() == 1);
    const ModelServer& llm = s.model_servers[0];
    CHECK(llm.instances == 2);
    CHECK(llm.max_batch_size == 8);
    CHECK(llm.max_queue_delay == Approx(0.005));
    CHECK(llm.batch_time.mean() == Approx(0.020));
    CHECK(llm.item_time == Approx(0.002));
    CHECK(llm.capacity() == Approx(2 * 8 / 0.036));
    CHECK(s.endpoints[0].phases[1].kind == PhaseKind::infer);
    CHECK(s.endpoints[0].phases[1].target == "llm");
  }
  SECTION("defaults: one instance, no batching, no delay") {
    const Scenario s = parse_scenario(test::with(base, "{instances: 2, max_batch_size: 8, max_queue_delay: 5ms, batch_time: 20ms, item_time: 2ms}", "{}"));
    CHECK(s.model_servers[0].instances == 1);
    CHECK(s.model_servers[0].max_batch_size == 1);
    CHECK(s.model_servers[0].max_queue_delay == 0.0);
    CHECK(s.model_servers[0].item_time == 0.0);
  }
  SECTION("bad input names the field and the value") {
    test::require_error(test::with(base, "max_batch_size: 8", "max_batch_size: 0"), "model_servers.llm.max_batch_size",
                        "must be an integer >= 1, got 0");
    test::require_error(test::with(base, "instances: 2", "instances: 0"), "model_servers.llm.instances",
                        "must be an integer >= 1, got 0");
    test::require_error(test::with(base, "max_queue_delay: 5ms", "max_queue_delay: -5ms"),
                        "model_servers.llm.max_queue_delay", ">= 0");
    test::require_error(test::with(base, "item_time: 2ms", "item_time: -1ms"), "model_servers.llm.item_time", ">= 0");
    test::require_error(test::with(base, "{infer: llm}", "{infer: lm}"), "endpoints.predict.phases[1].infer",
                        "no model server named 'lm'; did you mean 'llm'?");
    test::require_error(test::with(base, "item_time: 2ms}", "item_time: 2ms, gpus: 4}"), "model_servers.llm.gpus",
                        "unknown key");
  }
  SECTION("a scenario built in C++ is checked the same way") {
    Scenario s = parse_scenario(base);
    s.model_servers[0].max_batch_size = 0;
    test::require_scenario_error([&] { s.validate(); }, "model_servers.llm.max_batch_size", ">= 1, got 0");
  }
}
