#pragma once
// Result records to and from JSON, driven by each record's field list
// (servesim/metrics/fields.hpp): the writer of servesim::to_json and of the
// child-process engine's document, and the reader of the latter. Nothing
// here names a metric; a new field in a list is written and read as is.
//
// Value kinds: numbers (non-finite -> null), counts, strings, optionals
// (unset -> null), nested records, lists of records; a ConfidenceInterval
// field `x` is written as `x` (its value) and `x_ci` ({mean, half_width,
// samples}, null without samples); a record of intervals (LatencySummary)
// as `x` (the values, plain fields included) and `x_ci` (the intervals).

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "servesim/metrics/fields.hpp"
#include "servesim/metrics/latency_histogram.hpp"
#include "servesim/metrics/statistics.hpp"
#include "core/is_vector.hpp"
#include "core/names.hpp"

namespace servesim::detail {

using nlohmann::json;

/// What a record's JSON depends on beyond the record: the names per-server
/// and per-host vectors are keyed by, and whether engine-only fields belong.
struct JsonContext {
  bool engine_document = false;
  std::vector<std::string> servers;
  std::vector<std::string> hosts;
};


template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

/// A record whose fields are confidence intervals (and plain numbers): written
/// as two objects, `x` and `x_ci`.
template <class T>
constexpr bool has_intervals() {
  if constexpr (Record<T>) {
    bool any = false;
    for_each_field<T>([&](const auto& f) {
      if constexpr (!is_computed_v<std::decay_t<decltype(f)>>) {
        any = any || std::is_same_v<typename std::decay_t<decltype(f)>::value_type, ConfidenceInterval>;
      }
    });
    return any;
  } else {
    return false;
  }
}

json interval_json(const ConfidenceInterval& ci);
json histogram_json(const LatencyHistogram& h, bool exact);

template <Record R>
json record_json(const R& record, JsonContext& context);

template <class V>
json value_json(const V& value, JsonContext& context) {
  if constexpr (Record<V>) {
    return record_json(value, context);
  } else if constexpr (is_optional_v<V>) {
    return value ? json(*value) : json(nullptr);
  } else if constexpr (is_vector_v<V>) {
    json out = json::array();
    for (const auto& item : value) out.push_back(value_json(item, context));
    return out;
  } else {
    return json(value);
  }
}

// `record`'s fields into `out`: values only when `values_of_intervals`, else
// each interval as `x` and `x_ci`.
template <Record R>
void write_fields(const R& record, JsonContext& context, json& out) {
  for_each_field<R>([&](const auto& f) {
    using F = std::decay_t<decltype(f)>;
    if constexpr (is_computed_v<F>) {
      out[f.name] = (record.*f.get)();
    } else {
      using V = typename F::value_type;
      const V& value = record.*f.member;
      const std::string name = f.name;
      if constexpr (std::is_same_v<V, ConfidenceInterval>) {
        out[name] = value.value;
        out[name + "_ci"] = interval_json(value);
      } else if constexpr (has_intervals<V>()) {
        json values = json::object();
        json intervals = json::object();
        for_each_field<V>([&](const auto& g) {
          using G = std::decay_t<decltype(g)>;
          if constexpr (!is_computed_v<G>) {
            const auto& member = value.*g.member;
            if constexpr (std::is_same_v<typename G::value_type, ConfidenceInterval>) {
              values[g.name] = member.value;
              intervals[g.name] = interval_json(member);
            } else {
              values[g.name] = value_json(member, context);
            }
          }
        });
        out[name] = std::move(values);
        out[name + "_ci"] = std::move(intervals);
      } else if constexpr (std::is_same_v<V, LatencyHistogram>) {
        if (!f.engine_only || context.engine_document) out[name] = histogram_json(value, f.engine_only);
      } else if constexpr (std::is_same_v<V, std::vector<double>>) {
        const auto& names = f.keys == FieldKeys::by_host ? context.hosts : context.servers;
        json keyed = json::object();
        for (std::size_t i = 0; i < value.size() && i < names.size(); ++i) keyed[names[i]] = value[i];
        out[name] = std::move(keyed);
      } else {
        out[name] = value_json(value, context);
      }
    }
  });
}

template <Record R>
json record_json(const R& record, JsonContext& context) {
  json out = json::object();
  // A record's own servers and hosts name the keyed vectors below it (a replication's timeline).
  if constexpr (requires(const R& x) { x.servers; x.hosts; x.timeline; }) {
    JsonContext inner{context.engine_document, names_of(record.servers), names_of(record.hosts)};
    write_fields(record, inner, out);
  } else {
    write_fields(record, context, out);
  }
  return out;
}

}  // namespace servesim::detail
