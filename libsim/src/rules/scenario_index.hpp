#pragma once
// Scenario items refer to each other by name; during a run, by index.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace servesim::detail {

/// The index of the item called `name` in `items` (a valid scenario's
/// reference: it is there).
template <class T>
[[nodiscard]] std::uint32_t index_of(const std::vector<T>& items, const std::string& name) {
  const auto it = std::find_if(items.begin(), items.end(), [&](const T& item) { return item.name == name; });
  return static_cast<std::uint32_t>(it - items.begin());
}

}  // namespace servesim::detail
