#pragma once
// Scenario items refer to each other by name; during a run, by index.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// The index of the item called `name` in `items` (a valid scenario's
/// reference: it is there).
template <class T>
[[nodiscard]] std::uint32_t index_of(const std::vector<T>& items, const std::string& name) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return static_cast<std::uint32_t>(it - items.begin());
}

// Call steps' targets index one list of call stations, which both engines
// build in this order: the scenario's services, then its cache stores, then
// its brokers.

/// The call station of cache store `cache` (its index in Scenario::caches).
[[nodiscard]] inline std::uint32_t cache_station(const Scenario& s, std::size_t cache) {
  return static_cast<std::uint32_t>(s.services.size() + cache);
}

/// The call station of broker `broker` (its index in Scenario::brokers).
[[nodiscard]] inline std::uint32_t broker_station(const Scenario& s, std::size_t broker) {
  return static_cast<std::uint32_t>(s.services.size() + s.caches.size() + broker);
}

}  // namespace servesim::detail
