#include "servesim/io/result_json.hpp"

#include <nlohmann/json.hpp>

#include "io/record_json.hpp"

namespace servesim {
namespace detail {

json interval_json(const ConfidenceInterval& ci) {
  // No samples: no interval (a statistic of nothing), null rather than a made-up one.
  if (ci.samples == 0) return nullptr;
  return {{"mean", ci.value}, {"half_width", ci.half_width}, {"samples", ci.samples}};
}

// `exact`: the child-process form, with what merging needs (sum, min, max);
// otherwise the documented form with the histogram's relative error.
json histogram_json(const LatencyHistogram& h, bool exact) {
  json buckets = json::array();
  for (const auto& b : h.buckets()) buckets.push_back({b.lower, b.upper, b.count});
  if (exact) {
    return {{"count", h.count()},
            {"sum", h.mean() * static_cast<double>(h.count())},
            {"min", h.min()},
            {"max", h.max()},
            {"buckets", std::move(buckets)}};
  }
  return {{"relative_error", LatencyHistogram::relative_error()},
          {"count", h.count()},
          {"buckets", std::move(buckets)}};
}

}  // namespace detail

std::string to_json(const Result& result, int indent) {
  detail::JsonContext context;
  // NaN or infinity (a statistic of nothing) becomes null rather than invalid JSON.
  return detail::record_json(result, context).dump(indent < 0 ? -1 : indent);
}

std::string to_json(const Prediction& prediction, int indent) {
  detail::JsonContext context;
  return detail::record_json(prediction, context).dump(indent < 0 ? -1 : indent);
}

}  // namespace servesim
