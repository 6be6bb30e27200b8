#include "model/checks.hpp"

#include <algorithm>
#include <cmath>

#include "core/messages.hpp"
#include "core/printable.hpp"

namespace servesim::detail {

std::string entry_path(const char* section, std::size_t index, const std::string& name) {
  return name.empty() ? std::string(section) + "[" + std::to_string(index) + "]"
                      : std::string(section) + "." + name;
}

void check_visible_name(const std::string& path, const std::string& name) {
  if (auto bad = find_unprintable(name)) {
    fail(path, "'" + name + "' holds an invisible or control character (" + describe_unprintable(*bad) +
                   " at byte " + std::to_string(bad->offset) + "); names must be visible text");
  }
}

void require_positive(const std::string& path, double value, const char* what) {
  if (!(value > 0.0) || !std::isfinite(value)) {
    fail(path, std::string("must be ") + what + " > 0, got " + format_number(value));
  }
}

void require_non_negative(const std::string& path, double value, const char* what) {
  if (!(value >= 0.0) || !std::isfinite(value)) {
    fail(path, std::string("must be ") + what + " >= 0, got " + format_number(value));
  }
}

void require_int_at_least(const std::string& path, int value, int min) {
  if (value < min) fail(path, "must be an integer >= " + std::to_string(min) + ", got " + std::to_string(value));
}

void require_fraction(const std::string& path, double value) {
  if (!(value >= 0.0 && value <= 1.0)) {
    fail(path, "must be a probability in [0, 1], got " + format_number(value));
  }
}

void check_reference(const std::string& path, const std::string& name,
                     const std::vector<std::string>& known, const char* kind) {
  if (std::find(known.begin(), known.end(), name) != known.end()) return;
  std::string hint = did_you_mean(name, known);
  if (hint.empty() && !known.empty()) hint = " (known: " + join(known) + ")";
  if (known.empty()) hint = " (there are none)";
  fail(path, "no " + std::string(kind) + " named '" + name + "'" + hint);
}

}  // namespace servesim::detail
