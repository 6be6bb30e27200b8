// The analytic models as the submodule servesim._core.analytic. Structs cross
// as dicts; servesim/analytic.py turns them into typed records. The scenario's
// Prediction is the bound record of register_results.cpp.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "servesim/analytic/bounds.hpp"
#include "servesim/analytic/erlang.hpp"
#include "servesim/analytic/estimate.hpp"
#include "servesim/analytic/finite_population.hpp"
#include "servesim/analytic/ggc.hpp"
#include "servesim/analytic/mg1.hpp"
#include "servesim/analytic/mmck.hpp"
#include "servesim/analytic/mva.hpp"
#include "servesim/analytic/mva_multiclass.hpp"
#include "servesim/analytic/processor_sharing.hpp"
#include "servesim/analytic/staffing.hpp"
#include "servesim/analytic/usl.hpp"
#include "servesim/errors.hpp"

namespace py = pybind11;
using namespace pybind11::literals;

namespace {

using servesim::MvaStation;

MvaStation::Kind kind_of(const std::string& kind) {
  if (kind == "queue") return MvaStation::Kind::queue;
  if (kind == "delay") return MvaStation::Kind::delay;
  if (kind == "multi_server") return MvaStation::Kind::multi_server;
  throw servesim::Error("station kind must be 'queue', 'delay' or 'multi_server', got '" + kind + "'");
}

/// Stations as (name, kind, demand, servers) tuples from the Python layer.
std::vector<MvaStation> stations_of(const std::vector<py::tuple>& rows) {
  std::vector<MvaStation> stations;
  for (const py::tuple& row : rows) {
    stations.push_back({row[0].cast<std::string>(), kind_of(row[1].cast<std::string>()),
                        row[2].cast<double>(), row[3].cast<int>()});
  }
  return stations;
}

py::dict mva_dict(const servesim::MvaResult& r) {
  return py::dict("throughput"_a = r.throughput, "response_time"_a = r.response_time,
                  "station_residence"_a = r.station_residence,
                  "station_queue_length"_a = r.station_queue_length,
                  "station_utilization"_a = r.station_utilization);
}

py::dict multiclass_dict(const servesim::MulticlassMvaResult& r) {
  return py::dict("throughput"_a = r.throughput, "response_time"_a = r.response_time,
                  "residence"_a = r.residence, "station_queue_length"_a = r.station_queue_length,
                  "station_utilization"_a = r.station_utilization);
}

std::vector<servesim::MvaClass> classes_of(const std::vector<py::tuple>& rows) {
  std::vector<servesim::MvaClass> classes;
  for (const py::tuple& row : rows) {
    classes.push_back({row[0].cast<std::string>(), row[1].cast<int>(), row[2].cast<double>(),
                       row[3].cast<std::vector<double>>()});
  }
  return classes;
}

}  // namespace

void register_analytic(py::module_& parent) {
  py::module_ m = parent.def_submodule("analytic", "Queueing models; see servesim.analytic.");

  m.def("erlang_b", &servesim::erlang_b, "servers"_a, "offered_load"_a);
  m.def("erlang_c", &servesim::erlang_c, "servers"_a, "offered_load"_a);
  m.def("mmc", [](double arrival_rate, double service_rate, int servers) {
    const auto r = servesim::mmc(arrival_rate, service_rate, servers);
    return py::dict("utilization"_a = r.utilization, "wait_probability"_a = r.wait_probability,
                    "mean_wait"_a = r.mean_wait, "mean_response"_a = r.mean_response,
                    "mean_queue_length"_a = r.mean_queue_length, "mean_in_system"_a = r.mean_in_system);
  }, "arrival_rate"_a, "service_rate"_a, "servers"_a);
  m.def("mmc_wait_quantile", &servesim::mmc_wait_quantile, "arrival_rate"_a, "service_rate"_a,
        "servers"_a, "p"_a);
  m.def("mmc_response_quantile", &servesim::mmc_response_quantile, "arrival_rate"_a,
        "service_rate"_a, "servers"_a, "p"_a);
  m.def("mmc_response_exceedance", &servesim::mmc_response_exceedance, "arrival_rate"_a,
        "service_rate"_a, "servers"_a, "response"_a);
  m.def("mmc_servers_for_mean_wait", &servesim::mmc_servers_for_mean_wait, "arrival_rate"_a,
        "service_rate"_a, "max_mean_wait"_a);
  m.def("mmc_servers_for_wait_probability", &servesim::mmc_servers_for_wait_probability,
        "arrival_rate"_a, "service_rate"_a, "max_wait_probability"_a);
  m.def("mmc_servers_for_response_quantile", &servesim::mmc_servers_for_response_quantile,
        "arrival_rate"_a, "service_rate"_a, "p"_a, "max_response"_a);
  const auto mmck_dict = [](const servesim::MmckMetrics& r) {
    return py::dict("loss_probability"_a = r.loss_probability, "throughput"_a = r.throughput,
                    "mean_in_system"_a = r.mean_in_system, "mean_queue_length"_a = r.mean_queue_length,
                    "mean_response"_a = r.mean_response, "mean_wait"_a = r.mean_wait,
                    "utilization"_a = r.utilization);
  };
  m.def("mmck", [mmck_dict](double arrival_rate, double service_rate, int servers, int capacity) {
    return mmck_dict(servesim::mmck(arrival_rate, service_rate, servers, capacity));
  }, "arrival_rate"_a, "service_rate"_a, "servers"_a, "capacity"_a);
  m.def("mmck_ctmc", [mmck_dict](double arrival_rate, double service_rate, int servers, int capacity) {
    return mmck_dict(servesim::mmck_ctmc(arrival_rate, service_rate, servers, capacity));
  }, "arrival_rate"_a, "service_rate"_a, "servers"_a, "capacity"_a);
  m.def("mmcn", [](int users, double think_time, double service_rate, int servers) {
    const auto r = servesim::mmcn(users, think_time, service_rate, servers);
    return py::dict("throughput"_a = r.throughput, "mean_in_system"_a = r.mean_in_system,
                    "mean_queue_length"_a = r.mean_queue_length, "mean_response"_a = r.mean_response,
                    "mean_wait"_a = r.mean_wait, "utilization"_a = r.utilization,
                    "wait_probability"_a = r.wait_probability);
  }, "users"_a, "think_time"_a, "service_rate"_a, "servers"_a);
  m.def("mg1_mean_response", &servesim::mg1_mean_response, "arrival_rate"_a, "mean_service"_a,
        "service_scv"_a);
  m.def("mg1_ps_mean_response", &servesim::mg1_ps_mean_response, "arrival_rate"_a, "mean_work"_a);
  m.def("mgc_ps_mean_response", &servesim::mgc_ps_mean_response, "arrival_rate"_a, "mean_work"_a,
        "cores"_a);
  const auto ggc_dict = [](const servesim::GgcMetrics& r) {
    return py::dict("utilization"_a = r.utilization, "wait_probability"_a = r.wait_probability,
                    "mean_wait"_a = r.mean_wait, "mean_response"_a = r.mean_response,
                    "mean_queue_length"_a = r.mean_queue_length);
  };
  m.def("ggc", [ggc_dict](double arrival_rate, double arrival_scv, double mean_service,
                          double service_scv, int servers, const std::string& method) {
    if (method == "allen_cunneen") {
      return ggc_dict(servesim::ggc_allen_cunneen(arrival_rate, arrival_scv, mean_service, service_scv, servers));
    }
    if (method == "kingman") {
      return ggc_dict(servesim::ggc_kingman(arrival_rate, arrival_scv, mean_service, service_scv, servers));
    }
    throw servesim::Error("ggc: method must be 'allen_cunneen' or 'kingman', got '" + method + "'");
  }, "arrival_rate"_a, "arrival_scv"_a, "mean_service"_a, "service_scv"_a, "servers"_a, "method"_a);
  m.def("mva", [](const std::vector<py::tuple>& rows, int users, double think_time,
                  const std::string& method) {
    const auto stations = stations_of(rows);
    if (method == "exact") return mva_dict(servesim::mva_exact(stations, users, think_time));
    if (method == "schweitzer") return mva_dict(servesim::mva_schweitzer(stations, users, think_time));
    throw servesim::Error("mva: method must be 'exact' or 'schweitzer', got '" + method + "'");
  }, "stations"_a, "users"_a, "think_time"_a, "method"_a);
  m.def("mva_curve", [](const std::vector<py::tuple>& rows, int users, double think_time) {
    py::list out;
    for (const auto& r : servesim::mva_exact_curve(stations_of(rows), users, think_time)) {
      out.append(mva_dict(r));
    }
    return out;
  }, "stations"_a, "users"_a, "think_time"_a);
  m.def("mva_multiclass", [](const std::vector<py::tuple>& rows, const std::vector<py::tuple>& classes,
                             const std::string& method) {
    const auto stations = stations_of(rows);
    const auto c = classes_of(classes);
    if (method == "exact") return multiclass_dict(servesim::mva_multiclass_exact(stations, c));
    if (method == "schweitzer") return multiclass_dict(servesim::mva_multiclass_schweitzer(stations, c));
    throw servesim::Error("mva_multiclass: method must be 'exact' or 'schweitzer', got '" + method + "'");
  }, "stations"_a, "classes"_a, "method"_a);
  m.def("closed_network_bounds", [](const std::vector<py::tuple>& rows, int users, double think_time) {
    const auto b = servesim::closed_network_bounds(stations_of(rows), users, think_time);
    return py::dict("total_demand"_a = b.total_demand, "max_demand"_a = b.max_demand,
                    "saturation_population"_a = b.saturation_population,
                    "throughput_upper"_a = b.throughput_upper, "throughput_lower"_a = b.throughput_lower,
                    "response_lower"_a = b.response_lower, "response_upper"_a = b.response_upper,
                    "balanced_throughput_upper"_a = b.balanced_throughput_upper,
                    "balanced_throughput_lower"_a = b.balanced_throughput_lower,
                    "balanced_response_lower"_a = b.balanced_response_lower,
                    "balanced_response_upper"_a = b.balanced_response_upper);
  }, "stations"_a, "users"_a, "think_time"_a);
  m.def("usl_fit", [](const std::vector<double>& concurrency, const std::vector<double>& throughput,
                      bool amdahl) {
    const auto f = servesim::usl_fit(concurrency, throughput,
                                     amdahl ? servesim::UslModel::amdahl : servesim::UslModel::usl);
    return py::dict("sigma"_a = f.sigma, "kappa"_a = f.kappa, "lambda"_a = f.lambda,
                    "peak_concurrency"_a = f.peak_concurrency, "peak_throughput"_a = f.peak_throughput,
                    "r_squared"_a = f.r_squared, "iterations"_a = f.iterations);
  }, "concurrency"_a, "throughput"_a, "amdahl"_a);
  m.def("usl_throughput", &servesim::usl_throughput, "concurrency"_a, "sigma"_a, "kappa"_a, "lambda_"_a);
  m.def("estimate", &servesim::estimate, "scenario"_a,
        "servesim::estimate: the analytic Prediction for a scenario (see servesim.estimation).");
}
