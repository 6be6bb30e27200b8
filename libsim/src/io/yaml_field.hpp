#pragma once
/// @file yaml_field.hpp
/// A YAML node together with its dotted path in the scenario, with typed
/// accessors that throw ScenarioError naming the path, the value and what was
/// expected. yaml-cpp exceptions never escape from here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "model/fields.hpp"

namespace servesim::detail {

/// Lower bound of a number or duration field.
enum class Bound {
  non_negative,  ///< >= 0
  positive,      ///< > 0
};

/// The Range of a Bound.
[[nodiscard]] constexpr Range range_of(Bound bound) {
  return bound == Bound::positive ? kPositive : kNonNegative;
}

/**
 * Parses a duration: a number of seconds, or a number followed by one of the
 * units ns, us, ms, s, m, h (`5ms`, `0.5s`, `2m`). Empty if malformed or not
 * finite.
 */
[[nodiscard]] std::optional<double> parse_duration(std::string_view text);

class YamlField {
 public:
  YamlField(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] bool is_scalar() const { return node_.IsScalar(); }
  /// Absent, or present with an empty value (`key:` or `~`).
  [[nodiscard]] bool is_empty() const { return !node_.IsDefined() || node_.IsNull(); }
  /// A map, or an empty value (`key:` or `~`), which reads as an empty map.
  [[nodiscard]] bool is_map() const { return node_.IsMap() || node_.IsNull(); }
  [[nodiscard]] bool is_sequence() const { return node_.IsSequence(); }

  /// Throws ScenarioError(path(), detail).
  [[noreturn]] void fail(const std::string& detail) const;
  /// The value as messages quote it: `0`, `'four'`, `a list`, `a map`, `an empty value`.
  [[nodiscard]] std::string describe() const;

  /// Fails unless this is a map whose keys are all in `allowed`; an unknown
  /// key gets a "did you mean" suggestion or the list of valid keys.
  /// @param what how to describe the expected map in the message
  void expect_keys(const std::vector<std::string>& allowed, std::string_view what = "a map") const;
  /// Fails unless this is a map (see is_map()).
  void expect_map(std::string_view what) const;
  /// Whether the map has `key` (even with an empty value).
  [[nodiscard]] bool has(const std::string& key) const;
  /// The value at `key`; fails with "required field is missing" when absent.
  [[nodiscard]] YamlField required(const std::string& key) const;
  /// The value at `key`, if present.
  [[nodiscard]] std::optional<YamlField> optional(const std::string& key) const;
  /// A field for `key` whether or not it is present, to report its absence.
  [[nodiscard]] YamlField child(const std::string& key) const;
  /// This map without `key`, at the same path: a file that embeds a section
  /// with keys of its own (a comparison's case: an endpoint plus `connections`)
  /// hands the rest to the section's parser.
  [[nodiscard]] YamlField without(const std::string& key) const;
  /// Map entries in document order, keyed by their (scalar) names.
  [[nodiscard]] std::vector<std::pair<std::string, YamlField>> entries() const;
  /// A section naming entries (`hosts`, `servers`): its entries, failing unless it is
  /// a map of at least one; `example` shows the expected shape in the message.
  [[nodiscard]] std::vector<std::pair<std::string, YamlField>> named_entries(std::string_view kind,
                                                                            std::string_view example = "") const;
  /// The entries of the optional section `key` (`databases`), none when absent.
  [[nodiscard]] std::vector<std::pair<std::string, YamlField>> optional_named_entries(const std::string& key,
                                                                                     std::string_view kind) const;
  /// Sequence items, with paths `path[i]`; fails unless this is a sequence.
  [[nodiscard]] std::vector<YamlField> items(std::string_view what) const;

  /// A scalar as text.
  [[nodiscard]] std::string as_string() const;
  /// `true` or `false` (also capitalized, as YAML writes them).
  [[nodiscard]] bool as_bool() const;
  /// A whole number >= `min` (`2` or `2.0`, not `2.5`) that fits in an `int`.
  [[nodiscard]] int as_int(int min) const;
  /// A whole number within `range` and an `int`; the message says which limit it passed.
  [[nodiscard]] int as_int(const Range& range) const;
  /// A whole number >= 0 that fits in 64 bits.
  [[nodiscard]] std::uint64_t as_uint64() const;
  /// A finite number within `bound`.
  [[nodiscard]] double as_number(Bound bound) const;
  /// A finite number within `range`; `noun` names it in the message ("a rate").
  [[nodiscard]] double as_number(const Range& range, std::string_view noun = "a number") const;
  /// A duration (see parse_duration) within `bound`, in seconds.
  [[nodiscard]] double as_duration(Bound bound) const;
  /// A duration (see parse_duration) within `range`, in seconds.
  [[nodiscard]] double as_duration(const Range& range) const;

 private:
  YAML::Node node_;
  std::string path_;
};

}  // namespace servesim::detail
