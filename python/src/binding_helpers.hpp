#pragma once
// What the register_*.cpp files share: a section's entry names, the engine by
// its Python name, and the progress callback every long call takes.
#include <pybind11/pybind11.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "servesim/sim/simulate.hpp"

namespace servesim::bindings {

template <typename Item>
std::vector<std::string> names_of(const std::vector<Item>& items) {
  std::vector<std::string> names;
  names.reserve(items.size());
  for (const auto& item : items) names.push_back(item.name);
  return names;
}

inline Engine engine_named(const std::string& name) {
  if (name == "native") return Engine::native;
  if (name == "simgrid") return Engine::simgrid;
  throw pybind11::value_error("engine must be 'native' or 'simgrid', got '" + name + "'");
}

// Called on a simulating or searching thread: reports progress to Python and
// turns a pending Ctrl-C into a KeyboardInterrupt that cancels the work, so a
// long call never holds a notebook or shell hostage. The callable sits behind a
// shared_ptr because the engine copies the std::function without the GIL:
// copying a shared_ptr touches no Python reference count. The last owner is
// the caller's options, released with the GIL held.
template <class... Args>
std::function<void(Args...)> progress_reporter(pybind11::object on_progress) {
  auto callable = std::make_shared<pybind11::object>(std::move(on_progress));
  return [callable](Args... args) {
    pybind11::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
    if (!callable->is_none()) (*callable)(args...);
  };
}

}  // namespace servesim::bindings
