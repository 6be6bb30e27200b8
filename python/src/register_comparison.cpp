// servesim::Comparison as an opaque, read-only Python object, plus its parser.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "servesim/io/comparison_parser.hpp"
#include "servesim/model/comparison.hpp"
#include "binding_helpers.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

using servesim::bindings::names_of;

void register_comparison(py::module_& m) {
  using servesim::Comparison;
  py::class_<Comparison>(m, "Comparison",
                         "A parsed and validated comparison (read-only). Create one with\n"
                         "parse_comparison() or load_comparison().")
      .def_property_readonly("name", [](const Comparison& c) { return c.name; })
      .def_property_readonly("question", [](const Comparison& c) { return c.question; })
      .def_property_readonly("hosts", [](const Comparison& c) { return names_of(c.hosts); })
      .def_property_readonly("deployments", [](const Comparison& c) { return names_of(c.deployments); })
      .def_property_readonly("databases", [](const Comparison& c) { return names_of(c.databases); })
      .def_property_readonly("services", [](const Comparison& c) { return names_of(c.services); })
      .def_property_readonly("brokers", [](const Comparison& c) { return names_of(c.brokers); })
      .def_property_readonly("task_workers", [](const Comparison& c) { return names_of(c.task_workers); })
      .def_property_readonly("cases", [](const Comparison& c) { return names_of(c.cases); })
      .def(
          "connection_groups",
          [](const Comparison& c, const std::string& case_name) {
            auto groups = c.connections.find(case_name);
            return groups == c.connections.end() ? std::vector<std::string>{} : names_of(groups->second);
          },
          "case"_a, "The names of a case's connection groups, in file order (none for most cases).")
      .def_property_readonly("users", [](const Comparison& c) { return c.users; })
      .def(
          "scenario",
          [](const Comparison& c, const std::string& deployment, const std::string& case_name, int users) {
            return c.scenario(deployment, case_name, users);
          },
          "deployment"_a, "case"_a, "users"_a,
          "The scenario of one deployment, case and number of users (std::invalid_argument -> ValueError\n"
          "for unknown names).");

  m.def(
      "parse_comparison",
      [](std::string_view text, std::string_view origin) { return servesim::parse_comparison(text, origin); },
      "text"_a, "origin"_a = "",
      "Parses and validates a comparison from YAML or JSON text; raises ScenarioError naming the field.");
  m.def(
      "load_comparison", [](const std::filesystem::path& path) { return servesim::load_comparison(path); },
      "path"_a, "Reads, parses and validates a comparison file; raises ScenarioError (also when unreadable).");
}
