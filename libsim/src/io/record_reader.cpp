#include "io/record_reader.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "servesim/io/result_json.hpp"

namespace servesim::detail {

ConfidenceInterval read_interval(const Reader& r) {
  if (r.is_null()) return ConfidenceInterval::no_data();
  r.only({"mean", "half_width", "samples"});
  ConfidenceInterval ci;
  ci.value = r.at("mean").number();
  ci.half_width = r.at("half_width").number();
  const Reader samples = r.at("samples");
  const std::uint64_t n = samples.count();
  if (n > 1'000'000'000) r.fail(samples.path() + " is too large");
  ci.samples = static_cast<int>(n);
  return ci;
}

LatencyHistogram read_histogram(const Reader& r, bool exact) {
  if (exact) {
    r.only({"count", "sum", "min", "max", "buckets"});
  } else {
    r.only({"relative_error", "count", "buckets"});
    (void)r.at("relative_error").number();
  }
  const Reader buckets = r.at("buckets");
  std::vector<LatencyHistogram::Bucket> list;
  double midpoint_sum = 0.0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const Reader b = buckets.at(i);
    list.push_back({b.at(std::size_t{0}).number(), b.at(1).number(), b.at(2).count()});
    midpoint_sum += static_cast<double>(list.back().count) * std::sqrt(list.back().lower * list.back().upper);
  }
  std::uint64_t total = 0;
  for (const auto& bucket : list) total += bucket.count;
  if (r.at("count").count() != total) r.fail(r.path() + ".count is not the sum of its buckets' counts");
  try {
    if (exact) {
      return LatencyHistogram::from_buckets(list, r.at("sum").number(), r.at("min").number(),
                                            r.at("max").number());
    }
    return list.empty() ? LatencyHistogram{}
                        : LatencyHistogram::from_buckets(list, midpoint_sum, list.front().lower, list.back().upper);
  } catch (const Error& error) {
    r.fail(r.path() + ": " + error.what());
  }
}

}  // namespace servesim::detail

namespace servesim {

Result result_from_json(std::string_view text) {
  using namespace detail;
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& error) {
    throw EngineError(std::string("result JSON: not JSON (") + error.what() + ")");
  }
  JsonContext context;
  Result result;
  read_record(Reader(doc, "result", "result JSON"), result, context);
  return result;
}

}  // namespace servesim
