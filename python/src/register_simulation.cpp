// simulate() on either engine. The result crosses into Python as the bound
// record servesim._core.Result (register_results.cpp), whose properties come
// from the same field lists as its JSON.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "servesim/errors.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/sim/simulate.hpp"
#include "binding_helpers.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using servesim::bindings::engine_named;
using servesim::bindings::progress_reporter;

namespace {

// Bumped by cancel_simulations(): every run started before stops.
std::atomic<std::uint64_t> cancel_generation{0};

servesim::Result simulate(const servesim::Scenario& scenario, int threads,
                    std::optional<std::uint64_t> seed, std::optional<int> replications,
                    py::object on_progress, const std::string& engine, double process_timeout) {
  servesim::SimulationOptions options;
  options.engine = engine_named(engine);
  options.process_timeout = process_timeout;
  options.threads = threads;
  options.seed = seed;
  options.replications = replications;
  options.on_progress = progress_reporter<double>(std::move(on_progress));
  // On the calling thread every 50 ms: Ctrl-C stops the run within that, as
  // does cancel_simulations() from another thread (Python runs signal
  // handlers on the main thread only, so a run in a worker thread of a
  // sweep or comparison learns of Ctrl-C that way).
  options.on_poll = [generation = cancel_generation.load()] {
    py::gil_scoped_acquire acquire;
    if (cancel_generation.load() != generation) {
      PyErr_SetString(PyExc_KeyboardInterrupt, "cancelled by cancel_simulations()");
      throw py::error_already_set();
    }
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  };
  // Before a run of minutes or gigabytes, say so (a RuntimeWarning: shown by default).
  if (const servesim::RunCost cost = servesim::run_cost(scenario, options); cost.is_large()) {
    const std::string text = cost.describe() + "; Ctrl-C stops it";
    if (PyErr_WarnEx(PyExc_RuntimeWarning, text.c_str(), 1) != 0) throw py::error_already_set();
  }
  // The scenario is immutable from Python, so other Python threads may run meanwhile.
  py::gil_scoped_release release;
  return servesim::simulate(scenario, options);
}

}  // namespace

void register_simulation(py::module_& m) {
  m.def("simulate", &simulate, "scenario"_a, "threads"_a = 0, "seed"_a = py::none(),
        "replications"_a = py::none(), "on_progress"_a = py::none(), "engine"_a = "native",
        "process_timeout"_a = 0.0,
        "Runs every replication on `engine` ('native' or 'simgrid'; GIL released) and returns\n"
        "the result record. `threads` = 0 runs one replication per\n"
        "hardware thread at once; `seed` and `replications` override the scenario's run\n"
        "settings. `on_progress`, if given, is called with the fraction done (0-1]; an exception\n"
        "from it, or Ctrl-C, cancels the run. `process_timeout`: 'simgrid' only, wall-clock\n"
        "seconds per replication's process, 0 = no limit.");
  m.def("cancel_simulations", [] { cancel_generation += 1; },
        "Stops every simulate() running in this process, in any thread, within 50 ms: each\n"
        "raises KeyboardInterrupt. Runs started afterwards are not affected.");
  m.def("engine_available", [](const std::string& engine) {
          return servesim::engine_available(engine_named(engine));
        }, "engine"_a,
        "Whether `engine` ('native' or 'simgrid') can run here.");
}
