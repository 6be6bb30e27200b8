// The event loop's poll order (rules/loop_order.hpp) on a hand-made sequence:
// connections read at the previous poll go first, what became ready at the
// poll's instant waits for the next one; without it, first come, first served.

#include <catch2/catch.hpp>

#include "rules/loop_order.hpp"

using namespace servesim;

TEST_CASE("The loop order by itself", "[rules][loop_order]") {
  using detail::kNotKeepAlive;
  detail::LoopOrder order(true);
  // Connections 0 and 1 read at one poll, in that order.
  order.run_alone(kNotKeepAlive);
  order.push(10, 0, 1.0);
  order.push(11, 1, 1.0);
  CHECK(order.pop(2.0) == 10);
  // Ready during that iteration: a new connection first, then 1 and 0 answered.
  order.push(20, kNotKeepAlive, 2.5);
  order.push(21, 1, 2.6);
  order.push(22, 0, 3.0);  // at the poll's instant: after it
  CHECK(order.pop(3.0) == 11);
  // The poll at 3: connection 1 (read at the previous poll) before the new
  // connection, though it became ready later; 0 waits for the next poll.
  CHECK(order.pop(3.0) == 21);
  CHECK(order.pop(3.5) == 20);
  CHECK(order.size() == 1);
  CHECK(order.pop(4.0) == 22);
  CHECK(order.empty());

  SECTION("first come, first served when not by poll") {
    detail::LoopOrder fifo(false);
    fifo.push(1, 0, 1.0);
    fifo.push(2, kNotKeepAlive, 1.0);
    fifo.push(3, 1, 2.0);
    CHECK(fifo.pop(2.0) == 1);
    CHECK(fifo.pop(2.0) == 2);
    CHECK(fifo.pop(2.0) == 3);
  }
}
