// The result records as read-only Python classes, generated from their field
// lists (servesim/metrics/fields.hpp): one property per field, its doc as the
// docstring, so a field added to a list appears in Python with no edit here.
// No data (NaN) reads as None; per-server and per-host vectors as lists.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "servesim/analytic/estimate.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/metrics/result.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

template <class T>
inline constexpr bool is_vector_v = false;
template <class T>
inline constexpr bool is_vector_v<std::vector<T>> = true;

py::object nan_as_none(double value) { return std::isnan(value) ? py::none() : py::object(py::float_(value)); }

// A field's value for Python. Records and intervals are returned as references
// kept alive by `owner` (the record holding them), so reading
// result.record.replications[0] copies no timeline or histogram.
template <class V>
py::object to_python(const V& value, const py::object& owner) {
  if constexpr (std::is_same_v<V, double>) {
    return nan_as_none(value);
  } else if constexpr (std::is_same_v<V, std::optional<double>>) {
    return value ? to_python(*value, owner) : py::none();
  } else if constexpr (is_vector_v<V>) {
    py::list out;
    for (const auto& item : value) out.append(to_python(item, owner));
    return out;
  } else if constexpr (servesim::Record<V> || std::is_same_v<V, servesim::ConfidenceInterval>) {
    return py::cast(&value, py::return_value_policy::reference_internal, owner);
  } else {
    return py::cast(value);
  }
}

template <servesim::Record T>
py::class_<T> bind_record(py::module_& m, const char* name, const char* doc) {
  py::class_<T> cls(m, name, doc);
  py::list names;
  servesim::for_each_field<T>([&](const auto& f) {
    using F = std::decay_t<decltype(f)>;
    if constexpr (servesim::is_computed_v<F>) {
      const auto get = f.get;
      cls.def_property_readonly(f.name, [get](const T& r) { return py::cast((r.*get)()); }, f.doc);
      names.append(f.name);
    } else if constexpr (!std::is_same_v<typename F::value_type, servesim::LatencyHistogram>) {
      // Histograms stay in C++: the JSON and the statistics read off them are what Python needs.
      const auto member = f.member;
      cls.def_property_readonly(f.name, [member](const py::object& self) {
        return to_python(self.cast<const T&>().*member, self);
      }, f.doc);
      names.append(f.name);
    }
  });
  cls.attr("fields") = py::tuple(names);
  // Equal when every field is (no data equals no data: both None), as dataclasses compare.
  const auto fields = names.cast<std::vector<std::string>>();
  cls.def("__eq__", [fields](const py::object& a, const py::object& b) {
    if (!py::isinstance<T>(b)) return false;
    for (const std::string& field : fields) {
      if (!a.attr(field.c_str()).equal(b.attr(field.c_str()))) return false;
    }
    return true;
  });
  // Lists show their length: a Result's repr is one line, not its timeline.
  cls.def("__repr__", [type = std::string(name), fields](const py::object& self) {
    std::string out = type + "(";
    const char* separator = "";
    for (const std::string& field : fields) {
      const py::object value = self.attr(field.c_str());
      const std::string shown = py::isinstance<py::list>(value)
                                    ? "[" + std::to_string(py::len(value)) + " items]"
                                    : py::repr(value).cast<std::string>();
      out += separator + field + "=" + shown;
      separator = ", ";
    }
    return out + ")";
  });
  return cls;
}

}  // namespace

void register_results(py::module_& m) {
  using namespace servesim;
  py::class_<ConfidenceInterval>(m, "ConfidenceInterval",
                                 "A mean over replications with its two-sided 95 % Student-t half-width.\n"
                                 "Without samples (no data) value and half_width are None.")
      .def(py::init([](double value, double half_width, int samples) {
             return ConfidenceInterval{value, half_width, samples};
           }),
           "value"_a, "half_width"_a, "samples"_a)
      .def_property_readonly("value", [](const ConfidenceInterval& c) { return nan_as_none(c.value); },
                             "the mean over replications, in the metric's unit; None without data")
      .def_property_readonly("half_width", [](const ConfidenceInterval& c) { return nan_as_none(c.half_width); },
                             "half-width of the 95 % interval; 0 with one replication, None without data")
      .def_readonly("samples", &ConfidenceInterval::samples, "replications it is computed from")
      .def_property_readonly("lower", [](const ConfidenceInterval& c) { return nan_as_none(c.lower()); },
                             "value - half_width")
      .def_property_readonly("upper", [](const ConfidenceInterval& c) { return nan_as_none(c.upper()); },
                             "value + half_width")
      .def("__contains__", [](const ConfidenceInterval& c, double x) { return c.lower() <= x && x <= c.upper(); })
      .def("__eq__", [](const ConfidenceInterval& a, const ConfidenceInterval& b) {
        const auto same = [](double x, double y) { return x == y || (std::isnan(x) && std::isnan(y)); };
        return same(a.value, b.value) && same(a.half_width, b.half_width) && a.samples == b.samples;
      })
      .def("__str__", [](const ConfidenceInterval& c) {
        if (!c.has_data()) return std::string("no data");
        return py::str("{:.6g} ± {:.2g}").format(c.value, c.half_width).cast<std::string>();
      })
      .def("__repr__", [](const ConfidenceInterval& c) {
        return py::str("ConfidenceInterval(value={!r}, half_width={!r}, samples={})")
            .format(nan_as_none(c.value), nan_as_none(c.half_width), c.samples);
      });

  bind_record<ErrorCounts>(m, "ErrorCounts", "Failed attempts by cause; every failed attempt counts.");
  bind_record<LatencyStats>(m, "LatencyStats", "Response-time statistics, s; None (no data) without completions.");
  bind_record<LittleCheck>(m, "LittleCheck", "Little's law, L = lambda W, on the measured window.");
  bind_record<Stability>(m, "Stability", "Whether the servers kept up with the offered load.");
  bind_record<EndpointStats>(m, "EndpointStats", "One endpoint's traffic in one replication.");
  bind_record<ServerStats>(m, "ServerStats", "One server's resources in one replication.");
  bind_record<BalancedServerStats>(m, "BalancedServerStats", "A balancer's server in one replication.");
  bind_record<BalancerStats>(m, "BalancerStats", "How one balancer split its requests in one replication.");
  bind_record<HostStats>(m, "HostStats", "One host's CPU in one replication.");
  bind_record<DatabaseStats>(m, "DatabaseStats", "One database in one replication.");
  bind_record<ServiceStats>(m, "ServiceStats", "One downstream service in one replication.");
  bind_record<CacheStats>(m, "CacheStats", "One cache store (Redis) in one replication.");
  bind_record<ConnectionStats>(m, "ConnectionStats",
                               "One connection group (WebSockets, streaming responses) in one replication.");
  bind_record<BrokerStats>(m, "BrokerStats", "One message broker (Redis, RabbitMQ) in one replication.");
  bind_record<TaskPoolStats>(m, "TaskPoolStats", "One task pool (Celery or RQ workers) in one replication.");
  bind_record<ModelServerStats>(m, "ModelServerStats",
                                "One model server with dynamic batching (Triton, TorchServe, vLLM) in one replication.");
  bind_record<IntervalStats>(m, "IntervalStats",
                             "One time-series interval; per-server lists follow the scenario's servers, "
                             "per-host ones its hosts.");
  bind_record<LatencyBatch>(m, "LatencyBatch",
                            "One batch of the measured intervals, with the quantiles of its own completions.");
  bind_record<ReplicationResult>(m, "ReplicationResult", "The outcome of one independent replication.");
  bind_record<LatencySummary>(m, "LatencySummary", "Response times across replications, s, with 95 % CIs.")
      .def("values", &LatencySummary::values, "The values (means over replications) and max, as LatencyStats.");
  bind_record<EndpointSummary>(m, "EndpointSummary", "An endpoint across replications.");
  bind_record<ServerSummary>(m, "ServerSummary", "A server across replications.");
  bind_record<BalancedServerSummary>(m, "BalancedServerSummary", "A balancer's server across replications.");
  bind_record<BalancerSummary>(m, "BalancerSummary", "How a balancer split its requests, across replications.");
  bind_record<HostSummary>(m, "HostSummary", "A host across replications.");
  bind_record<DatabaseSummary>(m, "DatabaseSummary", "A database across replications.");
  bind_record<ServiceSummary>(m, "ServiceSummary", "A downstream service across replications.");
  bind_record<CacheSummary>(m, "CacheSummary", "A cache store (Redis) across replications.");
  bind_record<ConnectionSummary>(m, "ConnectionSummary",
                                 "A connection group (WebSockets, streaming responses) across replications.");
  bind_record<BrokerSummary>(m, "BrokerSummary", "A message broker across replications.");
  bind_record<TaskPoolSummary>(m, "TaskPoolSummary", "A task pool (Celery or RQ workers) across replications.");
  bind_record<ModelServerSummary>(m, "ModelServerSummary",
                                  "A model server with dynamic batching (Triton, TorchServe, vLLM) across replications.");
  bind_record<Result>(m, "Result", "Everything a simulation reports (servesim.Result wraps it).");
  bind_record<Prediction>(m, "Prediction",
                          "What servesim.estimate predicts for a scenario from queueing theory: a record of its\n"
                          "own, not a simulation result. Rates in req/s, times in s.")
      .def("to_json", [](const Prediction& p, int indent) { return to_json(p, indent); }, "indent"_a = 2,
           "The prediction as JSON text (indent < 0: one line).")
      .def("summary", [](const Prediction& p) {
             return py::module_::import("servesim.summaries").attr("prediction_summary")(p).cast<std::string>();
           }, "A readable table of the prediction, its model and its assumptions (ms, %, req/s).")
      .def("__str__", [](const Prediction& p) {
        return py::module_::import("servesim.summaries").attr("prediction_summary")(p).cast<std::string>();
      });

  m.def("result_to_json", [](const Result& r, int indent) { return to_json(r, indent); }, "result"_a,
        "indent"_a = -1, "The result's JSON (servesim::to_json); indent < 0: one line.");
  m.def("result_from_json", &result_from_json, "text"_a,
        "Reads a result's JSON (servesim run --json) back; EngineError names a missing or unknown key.");
}
