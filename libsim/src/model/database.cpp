#include "servesim/model/database.hpp"

#include <limits>

namespace servesim {

// Each library's documented defaults: SQLAlchemy's create_engine (pool_size
// 5, max_overflow 10, pool_timeout 30 s), asyncpg's create_pool (min_size =
// max_size = 10; Pool.acquire's timeout None: it waits without limit, a day
// here) and psycopg_pool's pools (min_size 4, max_size None meaning min_size,
// timeout 30 s). psycopg2 without a pool opens a connection per request, so
// no request waits for one.
ConnectionPool ConnectionPool::of_driver(PoolDriver driver) noexcept {
  ConnectionPool pool;
  pool.driver = driver;
  switch (driver) {
    case PoolDriver::sqlalchemy: break;
    case PoolDriver::asyncpg:
      pool.size = 10;
      pool.max_overflow = 0;
      pool.timeout = 86'400.0;
      break;
    case PoolDriver::psycopg_pool:
    case PoolDriver::psycopg_async_pool:
      pool.size = 4;
      pool.max_overflow = 0;
      break;
    case PoolDriver::psycopg2:
      pool.size = std::numeric_limits<int>::max();
      pool.max_overflow = 0;
      break;
  }
  return pool;
}

}  // namespace servesim
