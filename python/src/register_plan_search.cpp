// plan(): the cheapest deployment meeting an SLO. The answer crosses into
// Python as a dict holding the chosen scenario and its simulation's Result as
// the bound records.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "servesim/io/scenario_parser.hpp"
#include "servesim/plan/plan.hpp"
#include "binding_helpers.hpp"

namespace py = pybind11;
using namespace pybind11::literals;
using servesim::bindings::engine_named;
using servesim::bindings::progress_reporter;

namespace {

py::object estimate_pair(const servesim::ConfidenceInterval& e) { return py::make_tuple(e.value, e.half_width); }

py::dict candidate_dict(const servesim::PlanCandidate& c) {
  py::dict out("index"_a = c.index, "settings"_a = c.settings, "cost"_a = c.cost,
               "verdict"_a = servesim::verdict_name(c.verdict), "reason"_a = c.reason,
               "failed_term"_a = c.failed_term, "bottleneck"_a = c.bottleneck,
               "bottleneck_utilization"_a = c.bottleneck_utilization, "capacity"_a = c.capacity,
               "worst_ratio"_a = c.worst_ratio, "draws_met"_a = c.draws_met, "draws_judged"_a = c.draws_judged);
  if (c.metrics) {
    const servesim::CandidateMetrics& m = *c.metrics;
    out["metrics"] = py::dict("p50"_a = estimate_pair(m.p50), "p90"_a = estimate_pair(m.p90),
                              "p99"_a = estimate_pair(m.p99), "p999"_a = estimate_pair(m.p999),
                              "mean"_a = estimate_pair(m.mean), "errors"_a = m.errors,
                              "throughput"_a = estimate_pair(m.throughput), "replications"_a = m.replications,
                              "batches"_a = m.batches);
  } else {
    out["metrics"] = py::none();
  }
  return out;
}

py::dict spec_dict(const servesim::PlanSpec& spec) {
  py::dict slo;
  for (const auto& term : spec.slo) slo[py::str(std::string(servesim::slo_metric_name(term.metric)))] = term.limit;
  py::list space;
  for (const auto& axis : spec.space) space.append(py::make_tuple(axis.path, axis.values));
  py::object target = py::none();
  if (spec.target) {
    py::dict t;
    t[spec.target->kind == servesim::PlanTarget::Kind::rate ? "rate" : "users"] = spec.target->value;
    target = t;
  }
  const auto& cost = spec.cost;
  return py::dict("target"_a = target, "slo"_a = slo, "space"_a = space, "headroom"_a = spec.headroom,
                  "cost"_a = py::dict("currency"_a = cost.currency, "per"_a = cost.period, "core"_a = cost.core,
                                      "host"_a = cost.host, "worker"_a = cost.worker, "replica"_a = cost.replica));
}

py::dict run_plan(const servesim::Scenario& scenario, std::optional<std::string> spec_text,
                  const std::string& engine, std::optional<std::uint64_t> seed, int confirm_replications,
                  bool prune, int threads, py::object on_progress, std::optional<int> draws, double confidence) {
  servesim::PlanOptions options;
  if (spec_text) options.spec = servesim::parse_plan_section(*spec_text, scenario.plan);
  options.engine = engine_named(engine);
  options.seed = seed;
  options.confirm_replications = confirm_replications;
  options.prune = prune;
  options.threads = threads;
  options.draws = draws;
  options.confidence = confidence;
  options.on_progress = progress_reporter<int, int>(std::move(on_progress));
  servesim::PlanResult result;
  {
    py::gil_scoped_release release;
    result = servesim::plan(scenario, options);
  }
  py::list candidates;
  for (const auto& c : result.candidates) candidates.append(candidate_dict(c));
  py::list uncertain;
  for (const auto& in : result.uncertain) {
    uncertain.append(py::dict("path"_a = in.path, "low"_a = in.low, "mid"_a = in.mid, "high"_a = in.high,
                              "confidence"_a = in.confidence));
  }
  py::list sensitivity;
  for (const auto& s : result.sensitivity) {
    sensitivity.append(py::dict("path"_a = s.path, "low"_a = s.low, "high"_a = s.high,
                                "ratio_at_low"_a = s.ratio_at_low, "ratio_at_high"_a = s.ratio_at_high));
  }
  return py::dict("spec"_a = spec_dict(result.spec), "load"_a = result.load, "feasible"_a = result.feasible,
                  "chosen"_a = result.chosen, "candidates"_a = candidates, "scenario"_a = result.scenario,
                  "result"_a = result.result ? py::cast(*result.result) : py::object(py::none()),
                  "simulations"_a = result.simulations, "wall_seconds"_a = result.wall_seconds,
                  "explanation"_a = result.explanation, "draws"_a = result.draws,
                  "confidence"_a = result.confidence, "uncertain"_a = uncertain, "sensitivity"_a = sensitivity);
}

}  // namespace

void register_plan_search(py::module_& m) {
  py::module_ plan = m.attr("plan").cast<py::module_>();  // register_plan's submodule
  plan.def("cheapest", &run_plan, "scenario"_a, "spec"_a = py::none(), "engine"_a = "native", "seed"_a = py::none(),
        "confirm_replications"_a = 3, "prune"_a = true, "threads"_a = 0, "on_progress"_a = py::none(),
        "draws"_a = py::none(), "confidence"_a = 0.95,
        "Finds the cheapest candidate of the plan's space meeting its SLO (servesim::plan) and returns\n"
        "a dict: spec, load, feasible, chosen, candidates, scenario (the chosen Scenario), result (its\n"
        "Result or None), simulations, wall_seconds, explanation. `spec`: a plan: section as YAML/JSON text whose\n"
        "keys replace the scenario's own; None uses the scenario's. `on_progress(done, total)` is called\n"
        "after each simulation; an exception from it, or Ctrl-C, cancels the search.");
}
