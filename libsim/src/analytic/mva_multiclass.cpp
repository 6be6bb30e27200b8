#include "servesim/analytic/mva_multiclass.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "analytic/require.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

using Kind = MvaStation::Kind;

constexpr double kMaxWork = 1e7;  // population vectors x stations for the exact recursion

void require_classes(const char* function, std::span<const MvaStation> stations,
                     std::span<const MvaClass> classes, bool allow_multi_server) {
  if (classes.empty()) throw Error(std::string(function) + ": classes must not be empty");
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const std::string field = "stations[" + std::to_string(k) + "]";
    if (stations[k].kind == Kind::multi_server) {
      if (!allow_multi_server && stations[k].servers != 1) {
        throw Error(std::string(function) + ": " + field +
                    " is a multi_server station; the exact multi-class recursion takes queue and "
                    "delay stations only (use mva_multiclass_schweitzer)");
      }
      detail::require_at_least(function, (field + ".servers").c_str(), stations[k].servers, 1);
    }
  }
  for (std::size_t r = 0; r < classes.size(); ++r) {
    const MvaClass& c = classes[r];
    const std::string field = "classes[" + std::to_string(r) + "]";
    detail::require_at_least(function, (field + ".users").c_str(), c.users, 0);
    detail::require_non_negative(function, (field + ".think_time").c_str(), c.think_time);
    if (c.demands.size() != stations.size()) {
      throw Error(std::string(function) + ": " + field + ".demands must have one value per station (" +
                  std::to_string(stations.size()) + "), got " + std::to_string(c.demands.size()));
    }
    double total = c.think_time;
    for (std::size_t k = 0; k < c.demands.size(); ++k) {
      detail::require_non_negative(
          function, (field + ".demands[" + std::to_string(k) + "]").c_str(), c.demands[k]);
      total += c.demands[k];
    }
    if (c.users > 0 && !(total > 0.0)) {
      throw Error(std::string(function) + ": " + field +
                  " needs think_time plus total demand > 0, got 0");
    }
  }
}

MulticlassMvaResult shape(std::size_t classes, std::size_t stations) {
  MulticlassMvaResult r;
  r.throughput.assign(classes, 0.0);
  r.response_time.assign(classes, 0.0);
  r.residence.assign(classes, std::vector<double>(stations, 0.0));
  r.station_queue_length.assign(stations, 0.0);
  r.station_utilization.assign(stations, 0.0);
  return r;
}

void add_utilization(MulticlassMvaResult& r, std::span<const MvaStation> stations,
                     std::span<const MvaClass> classes) {
  for (std::size_t k = 0; k < stations.size(); ++k) {
    const int servers = stations[k].kind == Kind::multi_server ? stations[k].servers : 1;
    for (std::size_t c = 0; c < classes.size(); ++c) {
      r.station_utilization[k] += r.throughput[c] * classes[c].demands[k] / servers;
    }
  }
}

}  // namespace

MulticlassMvaResult mva_multiclass_exact(std::span<const MvaStation> stations,
                                         std::span<const MvaClass> classes) {
  const char* function = "mva_multiclass_exact";
  require_classes(function, stations, classes, false);
  const std::size_t count = classes.size();
  const std::size_t width = stations.size();
  // Population vectors in mixed radix: index = sum_r n_r stride_r.
  std::vector<std::size_t> stride(count);
  double states = 1.0;
  for (std::size_t r = 0; r < count; ++r) {
    stride[r] = static_cast<std::size_t>(states);
    states *= classes[r].users + 1.0;
  }
  if (states * static_cast<double>(std::max<std::size_t>(width, 1)) > kMaxWork) {
    throw Error(std::string(function) + ": " + detail::argument_text(states) +
                " population vectors x " + std::to_string(width) +
                " stations exceed the exact recursion's limit of 1e7; use "
                "mva_multiclass_schweitzer");
  }
  const auto total_states = static_cast<std::size_t>(states);
  // queue[index * width + k]: mean users at station k with population vector `index`.
  std::vector<double> queue(total_states * width, 0.0);
  std::vector<int> n(count, 0);
  MulticlassMvaResult result = shape(count, width);
  for (std::size_t index = 1; index < total_states; ++index) {
    for (std::size_t r = 0; r < count; ++r) {  // increment the mixed-radix counter
      if (n[r] < classes[r].users) {
        ++n[r];
        break;
      }
      n[r] = 0;
    }
    std::fill(result.station_queue_length.begin(), result.station_queue_length.end(), 0.0);
    for (std::size_t r = 0; r < count; ++r) {
      result.throughput[r] = 0.0;
      result.response_time[r] = 0.0;
      if (n[r] == 0) continue;
      const std::size_t previous = (index - stride[r]) * width;
      double total = classes[r].think_time;
      for (std::size_t k = 0; k < width; ++k) {
        const double d = classes[r].demands[k];
        const double residence = stations[k].kind == Kind::delay ? d : d * (1.0 + queue[previous + k]);
        result.residence[r][k] = residence;
        total += residence;
      }
      result.response_time[r] = total - classes[r].think_time;
      result.throughput[r] = n[r] / total;
      for (std::size_t k = 0; k < width; ++k) {
        result.station_queue_length[k] += result.throughput[r] * result.residence[r][k];
      }
    }
    std::copy(result.station_queue_length.begin(), result.station_queue_length.end(),
              queue.begin() + static_cast<std::ptrdiff_t>(index * width));
  }
  for (std::size_t r = 0; r < count; ++r) {
    if (classes[r].users == 0) std::fill(result.residence[r].begin(), result.residence[r].end(), 0.0);
  }
  add_utilization(result, stations, classes);
  return result;
}

MulticlassMvaResult mva_multiclass_schweitzer(std::span<const MvaStation> stations,
                                              std::span<const MvaClass> classes,
                                              double tolerance) {
  const char* function = "mva_multiclass_schweitzer";
  require_classes(function, stations, classes, true);
  detail::require_positive(function, "tolerance", tolerance);
  const std::size_t count = classes.size();
  const std::size_t width = stations.size();
  // The queueing part of each demand: all of it at a queue, D / c at a multi-server, none at a delay.
  const auto queued_demand = [&](std::size_t r, std::size_t k) {
    switch (stations[k].kind) {
      case Kind::delay: return 0.0;
      case Kind::queue: return classes[r].demands[k];
      case Kind::multi_server: return classes[r].demands[k] / stations[k].servers;
    }
    return 0.0;
  };
  // q[r][k]: class-r users in the queueing part of station k, initially spread evenly.
  std::vector<std::vector<double>> q(count, std::vector<double>(width, 0.0));
  for (std::size_t r = 0; r < count; ++r) {
    for (std::size_t k = 0; k < width; ++k) q[r][k] = classes[r].users / static_cast<double>(width);
  }
  MulticlassMvaResult result = shape(count, width);
  std::vector<std::vector<double>> queued_residence(count, std::vector<double>(width, 0.0));
  for (int iteration = 0; iteration < 1'000'000; ++iteration) {
    std::vector<double> total_queue(width, 0.0);
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t k = 0; k < width; ++k) total_queue[k] += q[r][k];
    }
    for (std::size_t r = 0; r < count; ++r) {
      if (classes[r].users == 0) continue;
      const double own_shrink = 1.0 / classes[r].users;  // Q_kr (N - 1_r) = Q_kr (1 - 1/N_r)
      double total = classes[r].think_time;
      for (std::size_t k = 0; k < width; ++k) {
        const double seen = total_queue[k] - q[r][k] * own_shrink;
        const double qd = queued_demand(r, k);
        queued_residence[r][k] = qd * (1.0 + seen);
        result.residence[r][k] = classes[r].demands[k] - qd + queued_residence[r][k];
        total += result.residence[r][k];
      }
      result.throughput[r] = classes[r].users / total;
      result.response_time[r] = total - classes[r].think_time;
    }
    double change = 0.0;
    for (std::size_t r = 0; r < count; ++r) {
      for (std::size_t k = 0; k < width; ++k) {
        const double updated = result.throughput[r] * queued_residence[r][k];
        if (updated > 0.0) change = std::max(change, std::abs(updated - q[r][k]) / updated);
        q[r][k] = updated;
      }
    }
    if (change < tolerance) {
      for (std::size_t k = 0; k < width; ++k) {
        for (std::size_t r = 0; r < count; ++r) {
          result.station_queue_length[k] += result.throughput[r] * result.residence[r][k];
        }
      }
      add_utilization(result, stations, classes);
      return result;
    }
  }
  throw EngineError(std::string(function) + ": no convergence after 1000000 iterations");
}

}  // namespace servesim
