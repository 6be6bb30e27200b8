// The exception hierarchy of errors.hpp, as Python classes:
// Exception <- Error <- {ScenarioError, UnstableSystemError, NotApplicableError, EngineError}.
#include <pybind11/pybind11.h>

#include "servesim/errors.hpp"

namespace py = pybind11;

void register_errors(py::module_& m) {
  // Bases first: pybind11 tries the most recently registered translator first,
  // so each C++ type reaches its own Python class.
  auto& error = py::register_exception<servesim::Error>(m, "Error", PyExc_Exception);
  error.doc() = "Base of every error servesim raises on purpose.";

  auto& scenario_error = py::register_exception<servesim::ScenarioError>(m, "ScenarioError", error);
  scenario_error.doc() =
      "A scenario field is missing, of the wrong type or out of range.\n\n"
      "``str(e)`` reads ``<path>: <detail>``; ``e.path`` is the dotted path of the\n"
      "bad field (empty when the whole document is at fault) and ``e.detail`` the\n"
      "message without the path.";
  // Class-level defaults, so a ScenarioError raised from Python code has them too.
  scenario_error.attr("path") = "";
  scenario_error.attr("detail") = "";

  py::register_exception<servesim::UnstableSystemError>(m, "UnstableSystemError", error).doc() =
      "A steady-state answer was asked of a system that has none.";
  py::register_exception<servesim::NotApplicableError>(m, "NotApplicableError", error).doc() =
      "No analytic model covers this scenario (estimate); the message names the field.";
  py::register_exception<servesim::EngineError>(m, "EngineError", error).doc() =
      "An engine failed for a reason that is not the scenario's fault.";

  // Registered last, so it runs before the plain translator above and attaches
  // the structured parts of the message.
  py::register_exception_translator([](std::exception_ptr pointer) {
    try {
      if (pointer) std::rethrow_exception(pointer);
    } catch (const servesim::ScenarioError& e) {
      py::object type = py::module_::import("servesim._core").attr("ScenarioError");
      py::object instance = type(e.what());
      instance.attr("path") = e.path();
      instance.attr("detail") = e.detail();
      PyErr_SetObject(type.ptr(), instance.ptr());
    }
  });
}
