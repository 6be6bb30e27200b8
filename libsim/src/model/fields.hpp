#pragma once
// Field descriptions: one entry per setting of a scenario section (its key in
// the file, the struct member it fills, its type, its range and, for
// servers, the kinds it belongs to). The parser reads a section from its
// description (io/field_reader.hpp), Scenario::validate checks ranges and
// kinds from it (validate_fields below) and the writer writes it back from it
// (io/scenario_writer.cpp). docs/adding-a-setting.md walks through a new one.

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "servesim/model/scenario.hpp"

namespace servesim::detail {

/// How a field is read and written.
enum class FieldType {
  integer,       ///< a whole number (`2` or `2.0`)
  number,        ///< a finite number
  duration,      ///< seconds, or a number with a unit (`5ms`)
  distribution,  ///< a duration (a constant) or `{dist: ..., ...}`
  size,          ///< bytes, written with a unit (`80MB`, `2GB`; 1024-based)
  boolean,       ///< true or false
  custom,        ///< read and written by the section's own code (names, kinds, presets)
};

/// The values a number field accepts: >= min (> min if `exclusive_min`), <= max.
struct Range {
  double min = 0.0;
  bool exclusive_min = false;
  double max = std::numeric_limits<double>::infinity();
  /// Why there is a maximum, for the message; none: "must be noun in [min, max]".
  const char* max_reason = nullptr;
};

/// The largest value an integer setting holds (an `int`).
inline constexpr double kMaxInt = std::numeric_limits<int>::max();

/// Whether `value` is finite and within `range`.
[[nodiscard]] bool in_range(double value, const Range& range);

/**
 * What a value outside `range` is told, without the value: "must be a duration > 0",
 * "must be <= 100 (retries multiply the load)", "must be a probability in [0, 1]".
 * @param noun  "an integer", "a duration", ...
 */
[[nodiscard]] std::string range_expectation(std::string_view noun, const Range& range, double value);

/// A set of server kinds, one bit per ServerKind.
using KindSet = std::uint32_t;
[[nodiscard]] constexpr KindSet kind_set(std::initializer_list<ServerKind> list) {
  KindSet set = 0;
  for (ServerKind kind : list) set |= KindSet{1} << static_cast<unsigned>(kind);
  return set;
}
inline constexpr KindSet kEveryKind = ~KindSet{0};
[[nodiscard]] constexpr bool has_kind(KindSet set, ServerKind kind) {
  return (set >> static_cast<unsigned>(kind)) & 1U;
}

/// The struct member a field fills, by its C++ type.
template <class R>
using FieldMember = std::variant<std::monostate, int R::*, double R::*, std::optional<int> R::*,
                                 std::optional<double> R::*, Distribution R::*, bool R::*>;

/**
 * One setting of a section of type R.
 *
 * Build entries with the factories and refine them, e.g.
 * `Field<Server>::integer("threads", &Server::threads, 1).only(kind_set({ServerKind::gunicorn_gthread}))`.
 */
template <class R>
struct Field {
  std::string_view key;
  FieldType type = FieldType::custom;
  FieldMember<R> member;
  std::string_view noun;  ///< how messages name the expected value: "an integer", "a duration"
  Range range;
  bool required = false;
  KindSet kinds = kEveryKind;  ///< servers only: the kinds that have this setting
  /// Scenario::validate rejects a value other than the default on a kind
  /// without this setting (the parser rejects the key whatever its value).
  bool strict_kinds = false;

  static constexpr Field integer(std::string_view key, auto member, int min) {
    return {key, FieldType::integer, member, "an integer", Range{static_cast<double>(min)}};
  }
  static constexpr Field number(std::string_view key, auto member, Range range, std::string_view noun = "a number") {
    return {key, FieldType::number, member, noun, range};
  }
  static constexpr Field duration(std::string_view key, auto member, Range range) {
    return {key, FieldType::duration, member, "a duration", range};
  }
  static constexpr Field size(std::string_view key, auto member, Range range) {
    return {key, FieldType::size, member, "a size", range};
  }
  static constexpr Field distribution(std::string_view key, Distribution R::*member) {
    return {key, FieldType::distribution, member, "a distribution", {}};
  }
  static constexpr Field boolean(std::string_view key, bool R::*member) {
    return {key, FieldType::boolean, member, "true or false", {}};
  }
  /// A key the section's code reads and writes itself.
  static constexpr Field custom(std::string_view key) { return {key, FieldType::custom, {}, "", {}}; }

  [[nodiscard]] constexpr Field at_most(double max, const char* reason) const {
    Field out = *this;
    out.range.max = max;
    out.range.max_reason = reason;
    return out;
  }
  [[nodiscard]] constexpr Field mandatory() const {
    Field out = *this;
    out.required = true;
    return out;
  }
  [[nodiscard]] constexpr Field only(KindSet set, bool strict = false) const {
    Field out = *this;
    out.kinds = set;
    out.strict_kinds = strict;
    return out;
  }
};

/// Ranges used by many fields.
inline constexpr Range kPositive{0.0, true};
inline constexpr Range kNonNegative{0.0, false};
inline constexpr Range kFraction{0.0, false, 1.0};

// The descriptions, one per section (model/scenario_fields.cpp).
[[nodiscard]] std::span<const Field<Host>> host_fields();
[[nodiscard]] std::span<const Field<Stalls>> stalls_fields();
[[nodiscard]] std::span<const Field<Server>> server_fields();
[[nodiscard]] std::span<const Field<ProcessMemory>> memory_fields();
[[nodiscard]] std::span<const Field<Database>> database_fields();
[[nodiscard]] std::span<const Field<ConnectionPool>> pool_fields();
[[nodiscard]] std::span<const Field<Service>> service_fields();
[[nodiscard]] std::span<const Field<Cache>> cache_fields();
[[nodiscard]] std::span<const Field<ConnectionGroup>> connection_fields();
[[nodiscard]] std::span<const Field<Broker>> broker_fields();
[[nodiscard]] std::span<const Field<TaskPool>> task_pool_fields();
[[nodiscard]] std::span<const Field<ModelServer>> model_server_fields();
[[nodiscard]] std::span<const Field<Balancer>> balancer_fields();
[[nodiscard]] std::span<const Field<Endpoint>> endpoint_fields();
[[nodiscard]] std::span<const Field<ClosedWorkload>> closed_fields();
[[nodiscard]] std::span<const Field<Burst>> burst_fields();
[[nodiscard]] std::span<const Field<RetryPolicy>> retry_fields();
[[nodiscard]] std::span<const Field<RunConfig>> run_fields();

/// The keys of a description, in order: what a section's map may hold.
template <class R>
[[nodiscard]] std::vector<std::string> field_keys(std::span<const Field<R>> fields) {
  std::vector<std::string> keys;
  keys.reserve(fields.size());
  for (const Field<R>& field : fields) keys.emplace_back(field.key);
  return keys;
}

/// The names of the kinds in `set`, for "it belongs to ..." in messages.
[[nodiscard]] std::vector<std::string> kind_names(KindSet set);

/// "gunicorn-sync servers have no 'threads' setting (it belongs to gunicorn-gthread)".
[[nodiscard]] std::string not_a_setting_of(ServerKind kind, std::string_view key, KindSet owners);

/**
 * Checks every described member of `record` at `path` (`servers.web`): ranges,
 * and for a server (`kind` set) that it leaves the settings of other kinds
 * that are `strict_kinds` at their defaults.
 * @throws ScenarioError naming the field, its value and the expectation.
 */
template <class R>
void validate_fields(const std::string& path, const R& record, std::span<const Field<R>> fields,
                     std::optional<ServerKind> kind = std::nullopt);

}  // namespace servesim::detail
