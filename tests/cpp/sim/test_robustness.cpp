// Runs that must end: a clock that stops advancing is an error naming the
// field that stops it, and a cancelled run stops within milliseconds
// whatever the length of its time-series intervals.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"

using namespace servesim;

namespace {

struct Cancelled : std::runtime_error {
  Cancelled() : std::runtime_error("cancelled") {}
};

std::string message_of(const Scenario& scenario) {
  try {
    (void)simulate(scenario, SimulationOptions{.threads = 1});
  } catch (const ScenarioError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a clock that stops advancing is an error naming the field", "[robust]") {
  SECTION("a worker timeout of 1ns with no boot time kills every request at once") {
    // Each of the 10 users' requests is killed 1 ns after it starts and sent
    // again at once: 1e9 cycles per simulated second, the run would not end.
    const Scenario s = parse_scenario(R"(
hosts: {app: {cores: 1}}
servers: {web: {host: app, kind: gunicorn-sync, workers: 2, framework: none, timeout: 1ns, boot_time: 0}}
endpoints: {e: {server: web, phases: [{cpu: 10ms}]}}
workload: {closed: {users: 10}}
run: {duration: 60s}
)");
    const std::string message = message_of(s);
    CHECK_THAT(message, Catch::Contains("servers.web.timeout: the simulated clock does not advance"));
    CHECK_THAT(message, Catch::Contains("shortest times are servers.web.timeout (mean 1e-09 s)"));
  }
  SECTION("service times of about a nanosecond") {
    // uniform(0, 2ns) has a mean of 1 ns, just past what validation rejects:
    // some 4e9 events per simulated second over 10 users.
    const Scenario s = parse_scenario(R"(
hosts: {app: {cores: 1}}
servers: {web: {host: app, kind: uvicorn, workers: 1, framework: none}}
endpoints: {e: {server: web, phases: [{io: {dist: uniform, low: 0, high: 2.2ns}}]}}
workload: {closed: {users: 10}}
run: {duration: 60s}
)");
    CHECK_THAT(message_of(s), Catch::Contains("endpoints.e.phases[0].io: the simulated clock does not advance"));
  }
  SECTION("validation rejects a closed loop whose cycle is 1ns or less") {
    const char* text = R"(
hosts: {app: {cores: 1}}
servers: {web: {host: app, kind: uvicorn, framework: none}}
endpoints: {e: {server: web, phases: [{io: {dist: empirical, samples: [0, 0, 0, 1e-300]}}]}}
workload: {closed: {users: 10}}
)";
    CHECK_THROWS_WITH(parse_scenario(text).validate(), Catch::Contains("workload.closed.think_time: users that never think"));
  }
}

TEST_CASE("a cancelled run stops within milliseconds whatever its intervals", "[robust]") {
  // 1e9 s at 100 req/s: each of its 100 intervals would take minutes.
  const Scenario s = parse_scenario(R"(
hosts: {app: {cores: 2}}
servers: {web: {host: app, kind: gunicorn-sync, workers: 2, framework: none}}
endpoints: {e: {server: web, phases: [{cpu: {dist: exponential, mean: 10ms}}]}}
workload: {open: {rate: 100}}
run: {duration: 1e9, replications: 2}
)");
  std::atomic<bool> cancel{false};
  SimulationOptions options;
  options.threads = 2;
  options.on_poll = [&] {
    if (cancel) throw Cancelled{};
  };
  std::chrono::steady_clock::time_point cancelled_at;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancelled_at = std::chrono::steady_clock::now();
    cancel = true;
  });
  CHECK_THROWS_AS(simulate(s, options), Cancelled);
  const auto latency = std::chrono::steady_clock::now() - cancelled_at;
  canceller.join();
  // The poll period (50 ms) plus 16,384 events of each replication.
  CHECK(latency < std::chrono::milliseconds(500));
}

namespace {

// Two processes of one kind on `cores` cores, exponential 10 ms of Python
// CPU per request (capacity 200 req/s), Poisson arrivals at `rate`.
Scenario pool(const std::string& kind, int cores, double rate, double duration) {
  return parse_scenario("hosts: {app: {cores: " + std::to_string(cores) +
                        "}}\n"
                        "servers: {web: {host: app, kind: " + kind +
                        ", workers: 2, framework: none}}\n"
                        "endpoints: {e: {server: web, phases: [{cpu: {dist: exponential, mean: 10ms}}]}}\n"
                        "workload: {open: {rate: " + std::to_string(rate) +
                        "}}\n"
                        "run: {duration: " + std::to_string(duration) + ", replications: 2, seed: 3}\n");
}

}  // namespace

TEST_CASE("overload is reported with the saturated resource and the rate it serves", "[robust]") {
  SECTION("M/M/2 at 80 % is stable") {
    // 160 req/s against 200: the queue is stationary (Erlang C: mean 1.8 waiting).
    const Result r = simulate(pool("gunicorn-sync", 4, 160.0, 500.0));
    CHECK(r.stability.stable);
    CHECK(r.stability.resource.empty());
  }
  SECTION("a sync pool at 3x refuses the excess: its workers are the limit") {
    // Past the 2,048-slot backlog every request beyond 200 req/s is refused.
    const Result r = simulate(pool("gunicorn-sync", 4, 600.0, 200.0));
    REQUIRE_FALSE(r.stability.stable);
    CHECK(r.stability.resource == "servers.web.workers");
    CHECK(r.stability.capacity == Approx(200.0).epsilon(0.05));
    CHECK(r.stability.excess_rate == Approx(400.0).epsilon(0.1));
  }
  SECTION("uvicorn at 10x: its event loops' queue grows, bounded by the open-file limit") {
    // 1,800 req/s beyond capacity fill 2 x 65,536 connections in about 73 s,
    // then the 2,048-slot backlog, then connections are refused.
    const Result r = simulate(pool("uvicorn", 4, 2000.0, 200.0));
    REQUIRE_FALSE(r.stability.stable);
    CHECK(r.stability.resource == "servers.web.event_loop");
    CHECK(r.stability.capacity == Approx(200.0).epsilon(0.05));
    CHECK(r.errors.refused > 0);
    for (const ReplicationResult& replication : r.replications) {
      CHECK(replication.servers[0].mean_in_system <= 2 * 65'536 + 2048);
    }
  }
  SECTION("two processes on two cores: the CPU is the limit") {
    const Result r = simulate(pool("uvicorn", 2, 2000.0, 100.0));
    REQUIRE_FALSE(r.stability.stable);
    CHECK(r.stability.resource == "hosts.app.cpu");
  }
}
