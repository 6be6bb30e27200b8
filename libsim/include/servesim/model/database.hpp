#pragma once
/// @file database.hpp
/// A database as the scenario describes it: a station of `connections`
/// backends, and the connection pool (and driver) each server process uses
/// to reach it. Part of Scenario (model/scenario.hpp).

#include <string>

#include "servesim/core/distribution.hpp"

namespace servesim {

/**
 * The database driver (and its pool) the application uses, which sets the
 * pool's defaults and the endpoints that can call it: an async driver needs
 * an `async def` endpoint on an event loop, a blocking one a thread.
 */
enum class PoolDriver {
  sqlalchemy,          ///< SQLAlchemy's QueuePool (5 + 10 overflow, 30 s); sync or async engine: any endpoint
  asyncpg,             ///< asyncpg.create_pool (min = max = 10, acquire waits without limit): async endpoints
  psycopg_pool,        ///< psycopg_pool.ConnectionPool (min_size 4 = max_size, 30 s): sync endpoints
  psycopg_async_pool,  ///< psycopg_pool.AsyncConnectionPool (as ConnectionPool): async endpoints
  psycopg2,            ///< no pool: psycopg2.connect() per request, never waits for one: sync endpoints
};

/**
 * A connection pool, one per server process (one per event loop) and
 * database: `size` connections kept, up to `max_overflow` more opened under
 * load; a checkout waits at most `timeout` seconds for one, then the request
 * fails. The defaults are SQLAlchemy's QueuePool's; `of_driver` gives another
 * driver's.
 */
struct ConnectionPool {
  PoolDriver driver = PoolDriver::sqlalchemy;
  int size = 5;
  int max_overflow = 10;
  double timeout = 30.0;

  /**
   * The pool `driver` makes when the application passes no sizes, as each
   * library documents it; e.g. `ConnectionPool::of_driver(PoolDriver::asyncpg)`
   * has size 10, no overflow and a timeout of a day (asyncpg waits without limit).
   */
  [[nodiscard]] static ConnectionPool of_driver(PoolDriver driver) noexcept;
  /// Whether the driver is awaited (asyncpg, psycopg's AsyncConnectionPool).
  [[nodiscard]] bool is_async() const noexcept {
    return driver == PoolDriver::asyncpg || driver == PoolDriver::psycopg_async_pool;
  }
};

/**
 * A database: a station executing up to `connections` queries at once, first
 * come first served (PostgreSQL with that many backends on enough cores).
 * Queries take `query_time` unless a db phase gives its own. Every server
 * process that queries it has its own `pool`.
 */
struct Database {
  std::string name;
  int connections = 100;
  Distribution query_time = Distribution::constant(0.001);
  ConnectionPool pool;
};

}  // namespace servesim
