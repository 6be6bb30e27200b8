// servesim._core: the compiled core. Each C++ area registers itself; the
// user-facing API lives in the pure-Python package (python/servesim).
#include <pybind11/pybind11.h>

namespace py = pybind11;

void register_analytic(py::module_& m);
void register_comparison(py::module_& m);
void register_errors(py::module_& m);
void register_plan(py::module_& m);
void register_plan_search(py::module_& m);
void register_results(py::module_& m);
void register_scenario(py::module_& m);
void register_simulation(py::module_& m);

PYBIND11_MODULE(_core, m) {
  m.doc() = "Compiled core of servesim; use the `servesim` package instead.";
  register_errors(m);
  register_scenario(m);
  register_results(m);
  register_comparison(m);
  register_simulation(m);
  register_analytic(m);
  register_plan(m);
  register_plan_search(m);
}
