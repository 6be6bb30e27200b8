#pragma once
// The names of a list of named entries (hosts, servers, databases), for
// references, suggestions and keyed output.

#include <string>
#include <vector>

namespace servesim::detail {

template <class Item>
std::vector<std::string> names_of(const std::vector<Item>& items) {
  std::vector<std::string> names;
  names.reserve(items.size());
  for (const Item& item : items) names.emplace_back(item.name);
  return names;
}

}  // namespace servesim::detail
