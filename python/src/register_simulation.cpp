// The native engine. The result crosses into Python as the JSON document of
// io/result_json.hpp, so its fields are defined in one place.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "servesim/io/result_json.hpp"
#include "servesim/sim/simulate.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

// Runs between time-series intervals on a simulating thread: reports progress
// to Python and turns a pending Ctrl-C into a KeyboardInterrupt that cancels
// the run, so a long simulation never holds a notebook or shell hostage.
// The callable sits behind a shared_ptr because the engine copies the
// std::function without the GIL: copying a shared_ptr touches no Python
// reference count. The last owner is the caller's options, released with the GIL held.
std::function<void(double)> progress_reporter(py::object on_progress) {
  auto callable = std::make_shared<py::object>(std::move(on_progress));
  return [callable](double fraction) {
    py::gil_scoped_acquire acquire;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
    if (!callable->is_none()) (*callable)(fraction);
  };
}

py::object simulate(const servesim::Scenario& scenario, int threads,
                    std::optional<std::uint64_t> seed, std::optional<int> replications,
                    py::object on_progress) {
  servesim::SimulationOptions options;
  options.threads = threads;
  options.seed = seed;
  options.replications = replications;
  options.on_progress = progress_reporter(std::move(on_progress));
  std::string json;
  {
    // The scenario is immutable from Python, so other Python threads may run meanwhile.
    py::gil_scoped_release release;
    json = servesim::to_json(servesim::simulate(scenario, options), -1);
  }
  return py::module_::import("json").attr("loads")(json);
}

}  // namespace

void register_simulation(py::module_& m) {
  m.def("simulate", &simulate, "scenario"_a, "threads"_a = 0, "seed"_a = py::none(),
        "replications"_a = py::none(), "on_progress"_a = py::none(),
        "Runs every replication on the native engine (GIL released) and returns the result\n"
        "as the dict of servesim::to_json. `threads` = 0 uses every hardware thread;\n"
        "`seed` and `replications` override the scenario's run settings. `on_progress`,\n"
        "if given, is called with the fraction done (0-1]; an exception from it, or Ctrl-C,\n"
        "cancels the run.");
}
