#pragma once
// The checks every part of Scenario::validate shares: each throws a
// ScenarioError naming the field's path, its value and what was expected.

#include <cstddef>
#include <string>
#include <vector>

#include "servesim/errors.hpp"

namespace servesim::detail {

/// `servers.web`, or `servers[1]` for an entry without a name.
[[nodiscard]] std::string entry_path(const char* section, std::size_t index, const std::string& name);

[[noreturn]] inline void fail(const std::string& path, const std::string& detail) {
  throw ScenarioError(path, detail);
}

void require_positive(const std::string& path, double value, const char* what);
void require_non_negative(const std::string& path, double value, const char* what);
/// A probability: a number in [0, 1].
void require_fraction(const std::string& path, double value);
/// For counts set in code rather than read by a field (users of a comparison run, replicas).
void require_int_at_least(const std::string& path, int value, int min);

/// Fails unless `name` is one of `known`, suggesting the closest or listing them.
void check_reference(const std::string& path, const std::string& name,
                     const std::vector<std::string>& known, const char* kind);

/// Fails unless `name` is visible text: no control characters (NUL and ANSI
/// escapes included), no invisible or direction-changing ones, valid UTF-8.
/// Names label results and are matched by references, so two names that look
/// alike must not differ.
void check_visible_name(const std::string& path, const std::string& name);

/// Names must be present, visible (check_visible_name) and unique, as references use them; returns them in
/// order. `required`: the section must not be empty.
template <class T>
std::vector<std::string> check_names(const std::vector<T>& items, const char* section, const char* kind,
                                     bool required = true) {
  if (required && items.empty()) fail(section, std::string("at least one ") + kind + " is required");
  std::vector<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string& name = items[i].name;
    std::string path = std::string(section) + "[" + std::to_string(i) + "].name";
    if (name.empty()) fail(path, "must not be empty");
    check_visible_name(path, name);
    for (const std::string& seen : names) {
      if (seen == name) fail(path, std::string("duplicate ") + kind + " name '" + name + "'");
    }
    names.push_back(name);
  }
  return names;
}

}  // namespace servesim::detail
