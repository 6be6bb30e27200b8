// Planning: scenario overrides, resource loads and bottleneck naming.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "servesim/plan/bottleneck.hpp"
#include "servesim/plan/overrides.hpp"
#include "servesim/plan/saturation.hpp"
#include "binding_helpers.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using servesim::bindings::engine_named;
using servesim::bindings::progress_reporter;

namespace {

py::dict load_dict(const servesim::ResourceLoad& r) {
  return py::dict("path"_a = r.path, "capacity"_a = r.capacity, "demand"_a = r.demand,
                  "saturation_rate"_a = r.saturation_rate, "utilization"_a = r.utilization,
                  "measured"_a = r.measured ? py::object(py::float_(*r.measured)) : py::object(py::none()));
}

py::list load_list(const std::vector<servesim::ResourceLoad>& loads) {
  py::list out;
  for (const auto& r : loads) out.append(load_dict(r));
  return out;
}

py::dict estimate_dict(const servesim::ConfidenceInterval& e) {
  return py::dict("value"_a = e.value, "half_width"_a = e.half_width, "samples"_a = e.samples);
}

py::dict point_dict(const servesim::SaturationPoint& p) {
  return py::dict("load"_a = p.load, "replications"_a = p.replications, "throughput"_a = estimate_dict(p.throughput),
                  "goodput"_a = estimate_dict(p.goodput), "p50"_a = estimate_dict(p.p50),
                  "p99"_a = estimate_dict(p.p99), "error_rate"_a = p.error_rate, "meets"_a = p.meets,
                  "failed_term"_a = p.failed_term, "resources"_a = load_list(p.resources));
}

py::object spread_dict(const std::optional<servesim::SaturationSpread>& spread) {
  if (!spread) return py::none();
  py::list paths;
  for (const auto& in : spread->inputs) paths.append(in.path);
  return py::dict("paths"_a = paths, "values"_a = spread->values, "loads"_a = spread->loads, "q05"_a = spread->q05,
                  "q50"_a = spread->q50, "q95"_a = spread->q95,
                  "overload_probability"_a = spread->overload_probability);
}

py::dict saturation_dict(const servesim::Saturation& s) {
  py::list curve;
  for (const auto& p : s.curve) curve.append(point_dict(p));
  return py::dict("closed"_a = s.closed, "load"_a = s.load, "max_throughput"_a = estimate_dict(s.max_throughput),
                  "bottlenecks"_a = load_list(s.bottlenecks), "tolerance"_a = s.tolerance,
                  "analytic_load"_a = s.analytic_load, "limited_by"_a = s.limited_by, "curve"_a = curve,
                  "simulations"_a = s.simulations, "spread"_a = spread_dict(s.spread));
}

py::dict find_saturation(const servesim::Scenario& scenario,
                         const std::vector<std::pair<std::string, std::string>>& slo, double tolerance,
                         const std::string& engine, std::optional<std::uint64_t> seed, int threads,
                         py::object on_progress, int draws) {
  servesim::SaturationOptions options;
  for (const auto& [metric, value] : slo) options.slo.push_back(servesim::parse_slo_term(metric, value));
  options.tolerance = tolerance;
  options.engine = engine_named(engine);
  options.seed = seed;
  options.threads = threads;
  options.draws = draws;
  options.on_progress = progress_reporter<double>(std::move(on_progress));
  servesim::Saturation found;
  {
    py::gil_scoped_release release;
    found = servesim::find_saturation(scenario, options);
  }
  return saturation_dict(found);
}

}  // namespace

void register_plan(py::module_& m) {
  py::module_ plan = m.def_submodule("plan", "Overrides, bottlenecks and saturation searches.");
  plan.def(
      "with_overrides",
      [](const servesim::Scenario& scenario, const std::vector<std::pair<std::string, std::string>>& changes) {
        std::vector<servesim::Override> overrides;
        for (const auto& [path, value] : changes) overrides.push_back({path, value});
        return servesim::with_overrides(scenario, overrides);
      },
      "scenario"_a, "overrides"_a,
      "The scenario with each (path, value text) applied, validated; ScenarioError names the path.");
  plan.def("scenario_text", &servesim::scenario_text, "scenario"_a,
           "The scenario in the file format, as JSON text with every setting explicit.");
  plan.def(
      "resource_loads", [](const servesim::Scenario& s) { return load_list(servesim::resource_loads(s)); },
      "scenario"_a, "Every resource with its capacity and demand, the bottleneck first.");
  plan.def(
      "bottlenecks",
      [](const servesim::Scenario& s, const servesim::Result& result) {
        return load_list(servesim::bottlenecks(s, result));
      },
      "scenario"_a, "result"_a, "Resources ranked by utilization in a simulation's result.");
  plan.def("saturation_population", &servesim::saturation_population, "scenario"_a,
           "N* = (D + Z) / D_max of a closed workload.");
  plan.def(
      "parse_slo_term",
      [](std::string_view metric, std::string_view value) {
        const servesim::SloTerm term = servesim::parse_slo_term(metric, value);
        return std::make_pair(std::string(servesim::slo_metric_name(term.metric)), term.limit);
      },
      "metric"_a, "value"_a, "(metric, limit) of an SLO term: seconds, or a fraction for errors.");
  plan.def("find_saturation", &find_saturation, "scenario"_a, "slo"_a, "tolerance"_a = 0.02,
           "engine"_a = "native", "seed"_a = py::none(), "threads"_a = 0, "on_progress"_a = py::none(), "draws"_a = 0,
           "servesim::find_saturation; `slo` is [(metric, value text)]. Returns a dict (see servesim.saturation).");
}
