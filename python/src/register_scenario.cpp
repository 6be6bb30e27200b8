// servesim::Scenario as an opaque, read-only Python object, plus the parser.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "servesim/io/documents.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/scenario.hpp"
#include "binding_helpers.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

using servesim::bindings::names_of;

void register_scenario(py::module_& m) {
  using servesim::Scenario;
  py::class_<Scenario>(m, "Scenario",
                       "A parsed and validated scenario (read-only). Create one with\n"
                       "parse_scenario() or load_scenario().")
      .def_property_readonly("name", [](const Scenario& s) { return s.name; })
      .def_property_readonly("hosts", [](const Scenario& s) { return names_of(s.hosts); },
                             "Host names, in file order.")
      .def_property_readonly("servers", [](const Scenario& s) { return names_of(s.servers); },
                             "Server names, in file order.")
      .def_property_readonly("endpoints", [](const Scenario& s) { return names_of(s.endpoints); },
                             "Endpoint names, in file order.")
      .def_property_readonly("databases", [](const Scenario& s) { return names_of(s.databases); },
                             "Database names, in file order.")
      .def_property_readonly("services", [](const Scenario& s) { return names_of(s.services); },
                             "Downstream service names, in file order.")
      .def_property_readonly("duration", [](const Scenario& s) { return s.run.duration; },
                             "Simulated seconds per replication.")
      .def_property_readonly(
          "warmup",
          [](const Scenario& s) -> py::object {
            if (s.run.warmup_mode == servesim::WarmupMode::mser5) return py::str("auto");
            return py::float_(s.run.warmup);
          },
          "Seconds discarded at the start of each replication, or 'auto' (MSER-5).")
      .def_property_readonly("replications", [](const Scenario& s) { return s.run.replications; })
      .def_property_readonly("seed", [](const Scenario& s) { return s.run.seed; })
      .def_property_readonly(
          "uncertain",
          [](const Scenario& s) {
            py::list out;
            for (const auto& in : s.uncertain) {
              out.append(py::dict(py::arg("path") = in.path, py::arg("low") = in.low, py::arg("mid") = in.mid,
                                  py::arg("high") = in.high, py::arg("confidence") = in.confidence));
            }
            return out;
          },
          "The fields given as ranges: [{path, low, mid, high, confidence}] (the scenario holds the mids).")
      .def("to_json", [](const Scenario& s) { return servesim::scenario_to_json(s); },
           "The scenario as JSON in the scenario format, every setting explicit (the C++ writer).")
      .def("validate", &Scenario::validate,
           "Checks ranges and cross-references; raises ScenarioError naming the first bad field.")
      .def("__repr__", [](const Scenario& s) {
        return "<servesim._core.Scenario '" + s.name + "': " + std::to_string(s.servers.size()) +
               " server(s), " + std::to_string(s.endpoints.size()) + " endpoint(s)>";
      });

  m.def(
      "parse_scenario",
      [](std::string_view text, std::string_view origin) {
        return servesim::parse_scenario(text, origin);
      },
      "text"_a, "origin"_a = "",
      "Parses and validates a scenario from YAML or JSON text; `origin` names it in messages.\n"
      "Raises ScenarioError naming the path of the bad field.");
  m.def(
      "document_to_json",
      [](std::string_view text, std::string_view origin) { return servesim::document_to_json(text, origin); },
      "text"_a, "origin"_a = "",
      "A YAML or JSON document as JSON text, read as the C++ parsers read it; raises ScenarioError.");
  m.def(
      "load_scenario", [](const std::filesystem::path& path) { return servesim::load_scenario(path); },
      "path"_a, "Reads, parses and validates a scenario file; raises ScenarioError (also when unreadable).");
}
