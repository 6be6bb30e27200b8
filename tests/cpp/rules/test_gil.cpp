// The GIL's policy both engines share (rules/gil.hpp), step by step against
// CPython 3's rules: one holder, waiters served in arrival order, one drop
// request per hand-over, a forced switch that sends the holder to the back.

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <utility>

#include "rules/gil.hpp"

using servesim::detail::BasicGil;
using servesim::detail::Gil;

TEST_CASE("GIL: one holder, FIFO hand-over, held time", "[rules][gil]") {
  Gil gil;
  SECTION("waiters take over in arrival order; held seconds count only while someone holds it") {
    // Held from 1 s to 4 s by 7, 8, 9 in turn, then free: 3 s held.
    REQUIRE(gil.acquire(1.0, 7));
    REQUIRE_FALSE(gil.acquire(1.5, 8));
    REQUIRE_FALSE(gil.acquire(2.0, 9));
    REQUIRE(gil.contended());
    REQUIRE(gil.release(2.5) == std::optional<std::uint32_t>{8});
    REQUIRE(gil.release(3.0) == std::optional<std::uint32_t>{9});
    REQUIRE_FALSE(gil.contended());
    REQUIRE(gil.release(4.0) == std::nullopt);
    REQUIRE(gil.switches() == 3);
    REQUIRE(gil.held_seconds(10.0) == Approx(3.0));
  }
}

TEST_CASE("GIL: switch requests, once per hand-over", "[rules][gil]") {
  Gil gil;
  REQUIRE(gil.acquire(0.0, 1));
  REQUIRE_FALSE(gil.acquire(0.0, 2));
  SECTION("a second waiter before any hand-over asks nothing new (gil_drop_request is one flag)") {
    REQUIRE(gil.ask_switch() == std::optional<std::uint32_t>{0});
    REQUIRE_FALSE(gil.acquire(0.0, 3));
    REQUIRE(gil.ask_switch() == std::nullopt);
    REQUIRE(gil.switch_due(0));
  }
  SECTION("a hand-over makes the pending request stale, and a new one may be asked") {
    REQUIRE(gil.ask_switch() == std::optional<std::uint32_t>{0});
    REQUIRE(gil.release(1.0) == std::optional<std::uint32_t>{2});
    REQUIRE_FALSE(gil.switch_due(0));
    REQUIRE_FALSE(gil.acquire(1.0, 3));
    REQUIRE(gil.ask_switch() == std::optional<std::uint32_t>{1});
  }
  SECTION("a forced switch: the oldest waiter takes over, the holder queues behind the others") {
    REQUIRE_FALSE(gil.acquire(0.0, 3));
    REQUIRE(gil.force_switch() == std::pair<std::uint32_t, std::uint32_t>{1, 2});
    REQUIRE(gil.holder() == 2);
    REQUIRE(gil.release(1.0) == std::optional<std::uint32_t>{3});
    REQUIRE(gil.release(2.0) == std::optional<std::uint32_t>{1});
  }
  SECTION("no waiter, no switch due") {
    REQUIRE(gil.release(1.0) == std::optional<std::uint32_t>{2});
    REQUIRE_FALSE(gil.switch_due(gil.switches()));
  }
}

TEST_CASE("GIL: held by addresses, as the SimGrid engine holds it", "[rules][gil]") {
  // Same policy with pointers as holders and nullptr as nobody.
  int a = 0;
  int b = 0;
  BasicGil<int*, nullptr> gil;
  REQUIRE(gil.holder() == nullptr);
  REQUIRE(gil.acquire(0.0, &a));
  REQUIRE_FALSE(gil.acquire(0.0, &b));
  REQUIRE(gil.release(1.0) == std::optional<int*>{&b});
  REQUIRE(gil.release(2.0) == std::nullopt);
  REQUIRE(gil.holder() == nullptr);
}
