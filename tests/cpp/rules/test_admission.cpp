// Admission rules both engines share (rules/admission.hpp): each server
// kind's accept limit and threads as Gunicorn and Uvicorn document them, and
// which process takes the next connection.

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "rules/admission.hpp"
#include "rules/failures.hpp"
#include "support/scenarios.hpp"

using namespace servesim;
using servesim::detail::Failure;
using servesim::detail::ProcessLoad;
using servesim::detail::ServerState;
using servesim::detail::accept_limit_of;
using servesim::detail::count_failure;
using servesim::detail::delay_after_failure;
using servesim::detail::kMaxOpenConnections;
using servesim::detail::kills_slow_workers;
using servesim::detail::least_loaded;
using servesim::detail::pool_capacity;
using servesim::detail::queues_idle_processes;
using servesim::detail::threads_of;

TEST_CASE("Admission: accept limits and threads per server kind", "[rules][admission]") {
  Server server;
  server.workers = 2;
  server.threads = 4;
  server.thread_pool = 40;
  server.worker_connections = 1000;
  SECTION("gunicorn sync: one request per worker, idle workers queue for connections") {
    server.kind = ServerKind::gunicorn_sync;
    REQUIRE(accept_limit_of(server) == 1);
    REQUIRE(queues_idle_processes(server));
    REQUIRE(threads_of(server) == 4);
  }
  SECTION("gthread and gevent: worker_connections per worker") {
    server.kind = ServerKind::gunicorn_gthread;
    REQUIRE(accept_limit_of(server) == 1000);
    server.kind = ServerKind::gunicorn_gevent;
    REQUIRE(accept_limit_of(server) == 1000);
    REQUIRE_FALSE(queues_idle_processes(server));
  }
  SECTION("uvicorn: every connection it has a descriptor for (limit_concurrency answers 503 instead), its thread pool for def endpoints") {
    server.kind = ServerKind::uvicorn;
    REQUIRE(accept_limit_of(server) == kMaxOpenConnections);
    server.kind = ServerKind::gunicorn_gthread;
    server.worker_connections = 1'000'000;
    REQUIRE(accept_limit_of(server) == kMaxOpenConnections);
    server.kind = ServerKind::uvicorn;
    REQUIRE(threads_of(server) == 40);
  }
  SECTION("only a sync worker with a timeout is killed by the arbiter") {
    server.kind = ServerKind::gunicorn_sync;
    server.timeout = 30.0;
    REQUIRE(kills_slow_workers(server));
    server.timeout = 0.0;
    REQUIRE_FALSE(kills_slow_workers(server));
  }
  SECTION("a pool hands out size + max_overflow connections, capped at INT_MAX") {
    ConnectionPool pool;
    pool.size = 5;
    pool.max_overflow = 10;
    REQUIRE(pool_capacity(pool) == 15);
    pool.max_overflow = std::numeric_limits<int>::max();
    REQUIRE(pool_capacity(pool) == std::numeric_limits<int>::max());
  }
}

TEST_CASE("Admission: the least loaded process with room takes the connection", "[rules][admission]") {
  Server spec;
  spec.kind = ServerKind::gunicorn_gthread;
  spec.workers = 3;
  spec.worker_connections = 2;
  const ServerState server(spec);
  std::vector<ProcessLoad> loads(3);
  const auto pick = [&] {
    return least_loaded(server, loads.size(), [&](std::size_t p) -> const ProcessLoad& { return loads[p]; });
  };
  SECTION("ties go to the first; fewer accepted wins; booting and full processes are skipped") {
    REQUIRE(pick() == std::optional<std::size_t>{0});
    loads[0].accepted = 1;
    REQUIRE(pick() == std::optional<std::size_t>{1});
    loads[1].accepted = 1;
    loads[2].booting = true;
    REQUIRE(pick() == std::optional<std::size_t>{0});
    loads[0].accepted = 2;
    loads[1].accepted = 2;
    REQUIRE(pick() == std::nullopt);
  }
  SECTION("keep-alive: a client reuses its connection within the server's keepalive") {
    // gthread's default keep-alive is Gunicorn's 2 s.
    REQUIRE(server.opens_connection(std::numeric_limits<double>::quiet_NaN(), 10.0));
    REQUIRE_FALSE(server.opens_connection(9.0, 10.0));
    REQUIRE(server.opens_connection(7.0, 10.0));
  }
}

TEST_CASE("Failures: each cause counts as its error kind", "[rules][failures]") {
  ErrorCounts errors;
  count_failure(errors, Failure::refused);
  count_failure(errors, Failure::pool_timeout);
  count_failure(errors, Failure::pool_timeout);
  REQUIRE(errors.refused == 1);
  REQUIRE(errors.pool_timeout == 2);
  REQUIRE(errors.total() == 3);
  // A refused user waits Linux's initial SYN retransmission timeout, 1 s.
  REQUIRE(delay_after_failure(Failure::refused) == 1.0);
  REQUIRE(delay_after_failure(Failure::client_timeout) == 0.0);
}
