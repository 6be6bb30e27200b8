#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "sim/event_calendar.hpp"

using servesim::detail::EventCalendar;
using servesim::detail::EventType;

TEST_CASE("Events come out in time order, ties in scheduling order", "[event_calendar]") {
  EventCalendar calendar;
  std::mt19937_64 gen(3);
  std::uniform_int_distribution<int> coarse(0, 50);  // many equal times
  std::vector<std::pair<double, std::uint32_t>> scheduled;
  for (std::uint32_t i = 0; i < 5000; ++i) {
    const double t = coarse(gen);
    calendar.schedule(t, EventType::wait_done, i);
    scheduled.emplace_back(t, i);
  }
  std::stable_sort(scheduled.begin(), scheduled.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [time, subject] : scheduled) {
    REQUIRE_FALSE(calendar.empty());
    const auto event = calendar.pop();
    REQUIRE(event.time == time);
    REQUIRE(event.subject == subject);
  }
  CHECK(calendar.empty());
}
