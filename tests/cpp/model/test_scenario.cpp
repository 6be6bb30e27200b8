// Tests for model/scenario.hpp: Scenario::validate() on scenarios built in
// C++, and the find_* look-ups.

#include <catch2/catch.hpp>

#include <string>

#include "servesim/model/scenario.hpp"
#include "support/require_error.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using Catch::Matchers::Contains;

namespace {

Scenario valid() {
  return test::sync_pool(2, 4, Distribution::exponential(0.010), 160.0);
}

void require_invalid(const Scenario& s, const std::string& path, const std::string& fragment) {
  const std::string message = test::require_scenario_error([&] { s.validate(); }, path, fragment);
  CHECK_THAT(message, Contains(path + ": "));
}

}  // namespace

TEST_CASE("a complete scenario validates") {
  CHECK_NOTHROW(valid().validate());
  Scenario closed = valid();
  closed.workload.open.reset();
  closed.workload.closed = ClosedWorkload{10, Distribution::constant(1.0)};
  closed.workload.mix = {{"work", 1.0}};
  closed.workload.client_timeout = 2.0;
  closed.run.warmup_mode = WarmupMode::mser5;
  closed.run.warmup = 5000.0;  // ignored by MSER-5
  CHECK_NOTHROW(closed.validate());
}

TEST_CASE("validate names the first bad field of each section") {
  Scenario s = valid();
  SECTION("hosts") {
    s.hosts[0].cores = 0;
    require_invalid(s, "hosts.app.cores", "must be an integer >= 1, got 0");
    s.hosts[0].cores = 1;
    s.hosts[0].speed = -2.0;
    require_invalid(s, "hosts.app.speed", "must be a number > 0, got -2");
    s.hosts.clear();
    require_invalid(s, "hosts", "at least one host is required");
  }
  SECTION("names are present and unique") {
    s.hosts.push_back(s.hosts[0]);
    require_invalid(s, "hosts[1].name", "duplicate host name 'app'");
    s.hosts.pop_back();
    s.endpoints[0].name.clear();
    require_invalid(s, "endpoints[0].name", "must not be empty");
  }
  SECTION("servers") {
    s.servers[0].workers = 0;
    require_invalid(s, "servers.web.workers", "must be an integer >= 1, got 0");
    s.servers[0].workers = 1;
    s.servers[0].backlog = -1;
    require_invalid(s, "servers.web.backlog", "must be an integer >= 1, got -1");
  }
  SECTION("references to unknown names get a suggestion when one is close") {
    s.servers[0].host = "ap";
    require_invalid(s, "servers.web.host", "no host named 'ap'; did you mean 'app'?");
    s.servers[0].host = "database";
    require_invalid(s, "servers.web.host", "no host named 'database' (known: app)");
    s.servers[0].host = "app";
    s.endpoints[0].server = "wbe";
    require_invalid(s, "endpoints.work.server", "no server named 'wbe'; did you mean 'web'?");
  }
  SECTION("endpoints need phases") {
    s.endpoints[0].phases.clear();
    require_invalid(s, "endpoints.work.phases", "must list at least one phase");
  }
  SECTION("workload") {
    s.workload.closed = ClosedWorkload{};
    require_invalid(s, "workload", "give either 'open' or 'closed', not both");
    s.workload.open.reset();
    s.workload.closed.reset();
    require_invalid(s, "workload", "one of 'open' (a request rate) or 'closed'");
    s.workload.open = OpenWorkload{0.0, ArrivalProcess::poisson};
    require_invalid(s, "workload.open.rate", "must be a number > 0, got 0");
    s.workload.open.reset();
    s.workload.closed = ClosedWorkload{0, Distribution()};
    require_invalid(s, "workload.closed.users", "must be an integer >= 1, got 0");
  }
  SECTION("mix") {
    s.workload.mix = {{"wrk", 1.0}};
    require_invalid(s, "workload.mix.wrk", "no endpoint named 'wrk'; did you mean 'work'?");
    s.workload.mix = {{"work", 0.0}};
    require_invalid(s, "workload.mix.work", "must be a weight > 0, got 0");
    s.workload.mix = {{"work", 1.0}, {"work", 2.0}};
    require_invalid(s, "workload.mix.work", "listed twice");
  }
  SECTION("client timeout") {
    s.workload.client_timeout = 0.0;
    require_invalid(s, "workload.client_timeout", "must be a duration > 0, got 0");
  }
  SECTION("run") {
    s.run.warmup = s.run.duration;
    require_invalid(s, "run.warmup", "must be shorter than run.duration (1000 s), got 1000 s");
    s.run.warmup = -1.0;
    require_invalid(s, "run.warmup", "must be a duration >= 0, got -1");
    s.run.warmup = 0.0;
    s.run.duration = 0.0;
    require_invalid(s, "run.duration", "must be a duration > 0, got 0");
    s.run.duration = 10.0;
    s.run.replications = 0;
    require_invalid(s, "run.replications", "must be an integer >= 1, got 0");
    s.run.replications = 1;
    s.run.interval = -0.5;
    require_invalid(s, "run.interval", "must be a duration >= 0, got -0.5");
  }
  SECTION("an unnamed entry is named by its index") {
    s.hosts[0].name.clear();
    require_invalid(s, "hosts[0].name", "must not be empty");
  }
}

TEST_CASE("find_host, find_server and find_endpoint look entries up by name") {
  Scenario s = valid();
  s.hosts.push_back(Host{"db", 8, 2.0});
  REQUIRE(s.find_host("db") != nullptr);
  CHECK(s.find_host("db") == &s.hosts[1]);
  CHECK(s.find_host("app") == &s.hosts[0]);
  CHECK(s.find_server("web") == &s.servers[0]);
  CHECK(s.find_endpoint("work") == &s.endpoints[0]);
  CHECK(s.find_host("nope") == nullptr);
  CHECK(s.find_server("app") == nullptr);
  CHECK(s.find_endpoint("") == nullptr);
}

TEST_CASE("validate() bounds what would exhaust memory") {
  // Each of these would allocate per user, per replication or per interval
  // before the first event: rejected with the field, not an out-of-memory kill.
  Scenario s = valid();
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{20'000'000, Distribution::constant(0.0)};
  require_invalid(s, "workload.closed.users", "must be <= 10000000 (each user holds memory for the whole run), got 20000000");
  s.workload.closed->users = 10;
  s.run.replications = 1'001;
  require_invalid(s, "run.replications", "must be <= 1000");
  s.run.replications = 1;
  s.run.duration = 1e6;
  s.run.interval = 1e-3;
  require_invalid(s, "run.interval", "must be >= run.duration / 1000000");
  s.run.interval = 1.0;
  CHECK_NOTHROW(s.validate());
}

TEST_CASE("validate() rejects runs whose clock could not advance") {
  Scenario s = valid();
  s.endpoints.push_back(Endpoint{"noop", "web", {Phase{PhaseKind::io, Distribution::constant(0.0)}}});
  s.servers[0].framework_overhead = Distribution::constant(0.0);
  SECTION("closed users with no think time and zero-time endpoints") {
    s.workload.open.reset();
    s.workload.closed = ClosedWorkload{4, Distribution::constant(0.0)};
    CHECK_NOTHROW(s.validate());  // `work` takes time: the clock moves
    s.workload.mix = {MixEntry{"noop", 1.0}};
    require_invalid(s, "workload.closed.think_time", "users that never think");  // `work` gets no traffic
    s.workload.closed->think_time = Distribution::exponential(0.1);
    CHECK_NOTHROW(s.validate());
  }
  SECTION("an arrival rate finer than the clock's resolution") {
    s.workload.open->rate = 1e20;
    require_invalid(s, "workload.open.rate", "rate x run.duration must be <= 1e12");
  }
  SECTION("a duration past the clock's useful range") {
    s.run.duration = 1e20;
    require_invalid(s, "run.duration", "must be <= 1000000000 (about 31 years of simulated time), got 1e+20");
  }
}

TEST_CASE("validate checks runtime settings built in C++ too") {
  Scenario s = servesim::test::sync_pool(2, 2, Distribution::constant(0.01), 10.0);
  SECTION("threads on a sync worker") {
    s.servers[0].threads = 4;
    // The parser's message for the key (model/fields.hpp: threads is strict).
    CHECK_THROWS_WITH(s.validate(), "servers.web.threads: gunicorn-sync servers have no 'threads' setting (it "
                                    "belongs to gunicorn-gthread)");
  }
  SECTION("a thread pool of 0") {
    s.servers[0].kind = ServerKind::uvicorn;
    s.servers[0].thread_pool = 0;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("servers.web.thread_pool: must be an integer >= 1, got 0"));
  }
  SECTION("limit_concurrency outside uvicorn") {
    s.servers[0].limit_concurrency = 5;
    CHECK_THROWS_WITH(s.validate(), "servers.web.limit_concurrency: gunicorn-sync servers have no "
                                    "'limit_concurrency' setting (it belongs to uvicorn)");
  }
  SECTION("an async endpoint on gthread") {
    s.servers[0].kind = ServerKind::gunicorn_gthread;
    s.endpoints[0].style = EndpointStyle::async;
    CHECK_THROWS_WITH(s.validate(), Catch::Contains("endpoints.work.style: async endpoints need an event loop"));
  }
}

TEST_CASE("validate rejects free 503 answers to users that never think") {
  // They would be turned away and come back at the same instant forever.
  Scenario s = servesim::test::sync_pool(2, 2, Distribution::constant(0.01), 10.0);
  s.servers[0].kind = ServerKind::uvicorn;
  s.servers[0].limit_concurrency = 4;
  s.workload.open.reset();
  s.workload.closed = ClosedWorkload{10, Distribution::constant(0.0)};
  CHECK_THROWS_WITH(s.validate(), Catch::Contains("servers.web.limit_concurrency: users without think time"));
  s.servers[0].framework_overhead = Distribution::constant(0.0002);
  CHECK_NOTHROW(s.validate());
}
