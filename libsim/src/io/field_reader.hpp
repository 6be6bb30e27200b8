#pragma once
/// @file field_reader.hpp
/// Reading a scenario section from its field description (model/fields.hpp):
/// every key that is not `custom` is read into its member, with the type and
/// range the description gives, so messages name the path, the value and the
/// expectation.

#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "io/distribution_parser.hpp"
#include "core/messages.hpp"
#include "io/yaml_field.hpp"
#include "model/enum_names.hpp"
#include "model/fields.hpp"
#include "servesim/model/memory.hpp"

namespace servesim::detail {

/// A value named in its enum's table (model/enum_names.hpp); an unknown name
/// gets a suggestion and the list of known ones.
template <class E>
[[nodiscard]] E parse_enum(const YamlField& f) {
  const std::string name = f.as_string();
  if (auto value = enum_value<E>(name)) return *value;
  const auto known = enum_names<E>();
  f.fail("unknown " + std::string(EnumNames<E>::what) + " '" + name + "'" + did_you_mean(name, known) +
         " (known: " + join(known) + ")");
}

/// Bytes in a size field (`80MB`); fails naming the value and the units.
[[nodiscard]] inline double read_size(const YamlField& value, const Range& range) {
  const std::optional<double> bytes = value.is_scalar() ? parse_size(value.as_string()) : std::nullopt;
  if (!bytes) value.fail("must be a size with a unit (B, KB, MB, GB, TB; 1024-based) like 80MB, got " + value.describe());
  if (!in_range(*bytes, range)) {
    value.fail(range_expectation("a size", range, *bytes) + ", got " + value.as_string());
  }
  return *bytes;
}

/// Fails at the first key of `f` that `fields` gives only to other server kinds than `kind`.
template <class R>
void reject_other_kinds(const YamlField& f, std::span<const Field<R>> fields, ServerKind kind) {
  for (const Field<R>& field : fields) {
    const std::string key(field.key);
    if (!has_kind(field.kinds, kind) && f.has(key)) f.child(key).fail(not_a_setting_of(kind, field.key, field.kinds));
  }
}

/**
 * Reads the described, non-custom fields `f` has into `record`; absent ones
 * keep their value, required ones must be present. Call f.expect_keys(field_keys(fields))
 * first to reject unknown keys.
 * @throws ScenarioError naming the bad field.
 */
template <class R>
void read_fields(const YamlField& f, R& record, std::span<const Field<R>> fields) {
  for (const Field<R>& field : fields) {
    if (field.type == FieldType::custom) continue;
    const std::string key(field.key);
    if (!field.required && !f.has(key)) continue;
    const YamlField value = f.required(key);
    std::visit(
        [&](auto member) {
          using M = decltype(member);
          if constexpr (std::is_same_v<M, Distribution R::*>) {
            record.*member = parse_distribution(value);
          } else if constexpr (std::is_same_v<M, bool R::*>) {
            record.*member = value.as_bool();
          } else if constexpr (std::is_same_v<M, int R::*> || std::is_same_v<M, std::optional<int> R::*>) {
            record.*member = value.as_int(field.range);
          } else if constexpr (std::is_same_v<M, double R::*> || std::is_same_v<M, std::optional<double> R::*>) {
            if (field.type == FieldType::size) {
              record.*member = read_size(value, field.range);
            } else {
              record.*member = field.type == FieldType::duration ? value.as_duration(field.range)
                                                                 : value.as_number(field.range, field.noun);
            }
          }
        },
        field.member);
  }
}

/// expect_keys with the description's keys, then read_fields.
template <class R>
void read_section(const YamlField& f, R& record, std::span<const Field<R>> fields, std::string_view shape) {
  f.expect_keys(field_keys(fields), shape);
  read_fields(f, record, fields);
}

}  // namespace servesim::detail
