#include "servesim/errors.hpp"

#include <utility>

#include "core/printable.hpp"

namespace servesim {
namespace {

// Paths and details quote what the user wrote: escaped, a control character
// or an invisible one in a name cannot rewrite or hide part of the message.
std::string escaped(std::string text) {
  if (!detail::find_unprintable(text)) return text;
  return detail::escape_unprintable(text);
}

}  // namespace

ScenarioError::ScenarioError(std::string path, std::string detail)
    : Error(path.empty() ? escaped(detail) : escaped(path) + ": " + escaped(detail)),
      path_(escaped(std::move(path))),
      detail_(escaped(std::move(detail))) {}

}  // namespace servesim
