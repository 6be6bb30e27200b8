#pragma once
/// @file fields.hpp
/// One field list per result record. Each record struct declares
///
/// @code
/// static constexpr auto fields() {
///   return std::tuple{field("name", &HostStats::name, "the host"),
///                     field("cpu_utilization", &HostStats::cpu_utilization, "busy fraction, [0, 1]")};
/// }
/// @endcode
///
/// and that list alone drives the JSON writer (io/result_json.hpp), the
/// reader of a child-process engine's document (a missing or unknown key is
/// an EngineError naming its path) and the Python records (pybind11 properties
/// with the field's doc as docstring). Adding a metric is one line here plus
/// the mechanism that measures it in each engine; see docs/results.md.

#include <concepts>
#include <cstdint>
#include <tuple>

namespace servesim {

/// How a per-resource vector is keyed in JSON: by position (plain), or as an
/// object keyed by the replication's server or host names (IntervalStats).
enum class FieldKeys : std::uint8_t { plain, by_server, by_host };

/// A stored field: its JSON key and Python attribute, the member, and a doc with its unit.
template <class R, class Member>
struct Field {
  const char* name;
  Member R::*member;
  const char* doc;
  FieldKeys keys = FieldKeys::plain;
  /// Written only into the child-process engine's document (the histograms
  /// replications need to merge exactly), not into the result JSON.
  bool engine_only = false;
  /// A summary field with no counterpart in the replication record, set after
  /// the fold (metrics/summary_fold.hpp) by whoever knows it (e.g. host memory,
  /// from the scenario).
  bool unfolded = false;
  using value_type = Member;
};

/// A derived value (e.g. ErrorCounts::total): written and bound, not stored;
/// the reader accepts its key and recomputes it.
template <class R, class Getter>
struct Computed {
  const char* name;
  Getter get;
  const char* doc;
};

template <class R, class Member>
constexpr Field<R, Member> field(const char* name, Member R::*member, const char* doc,
                                      FieldKeys keys = FieldKeys::plain) {
  return {name, member, doc, keys, false, false};
}

template <class R, class Member>
constexpr Field<R, Member> engine_field(const char* name, Member R::*member, const char* doc) {
  return {name, member, doc, FieldKeys::plain, true, false};
}

template <class R, class Member>
constexpr Field<R, Member> unfolded_field(const char* name, Member R::*member, const char* doc) {
  return {name, member, doc, FieldKeys::plain, false, true};
}

template <class R, class Getter>
constexpr Computed<R, Getter> computed(const char* name, Getter get, const char* doc) {
  return {name, get, doc};
}

/// A struct with a field list.
template <class T>
concept Record = requires { T::fields(); };

/// Calls `visit(field)` for each entry of T's field list, in order.
template <Record T, class Visit>
constexpr void for_each_field(Visit&& visit) {
  std::apply([&](const auto&... each) { (visit(each), ...); }, T::fields());
}

template <class F>
inline constexpr bool is_computed_v = false;
template <class R, class Getter>
inline constexpr bool is_computed_v<Computed<R, Getter>> = true;

}  // namespace servesim
