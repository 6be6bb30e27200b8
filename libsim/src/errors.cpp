#include "servesim/errors.hpp"

#include <utility>

namespace servesim {

ScenarioError::ScenarioError(std::string path, std::string detail)
    : Error(path.empty() ? detail : path + ": " + detail),
      path_(std::move(path)),
      detail_(std::move(detail)) {}

}  // namespace servesim
