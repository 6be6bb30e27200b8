// The native engine. The result crosses into Python as the JSON document of
// io/result_json.hpp, so its fields are defined in one place.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>

#include "servesim/io/result_json.hpp"
#include "servesim/sim/simulate.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

py::object simulate(const servesim::Scenario& scenario, int threads,
                    std::optional<std::uint64_t> seed, std::optional<int> replications) {
  servesim::SimulationOptions options;
  options.threads = threads;
  options.seed = seed;
  options.replications = replications;
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
        "replications"_a = py::none(),
        "Runs every replication on the native engine (GIL released) and returns the result\n"
        "as the dict of servesim::to_json. `threads` = 0 uses every hardware thread;\n"
        "`seed` and `replications` override the scenario's run settings.");
}
