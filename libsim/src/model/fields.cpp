#include "model/fields.hpp"

#include <cmath>
#include <type_traits>

#include "core/messages.hpp"
#include "model/checks.hpp"
#include "model/enum_names.hpp"
#include "servesim/model/memory.hpp"

namespace servesim::detail {
namespace {

// Whole numbers in full (`10000000`, not `1e+07`): limits and counts read as written.
std::string shown(double value) {
  constexpr double kExactInteger = 0x1p53;
  if (value == std::floor(value) && std::fabs(value) < kExactInteger) {
    return std::to_string(static_cast<long long>(value));
  }
  return format_number(value);
}

template <class R, class T>
void check_value(const std::string& path, const Field<R>& field, T value) {
  const auto number = static_cast<double>(value);
  if (!in_range(number, field.range)) {
    const std::string got = field.type == FieldType::size ? format_size(number) : shown(number);
    fail(path, range_expectation(field.noun, field.range, number) + ", got " + got);
  }
}

}  // namespace

bool in_range(double value, const Range& range) {
  if (!std::isfinite(value)) return false;
  const bool above_min = range.exclusive_min ? value > range.min : value >= range.min;
  return above_min && value <= range.max;
}

std::string range_expectation(std::string_view noun, const Range& range, double value) {
  const bool bounded = std::isfinite(range.max);
  if (bounded && !range.max_reason) {
    return "must be " + std::string(noun) + " in [" + shown(range.min) + ", " + shown(range.max) + "]";
  }
  if (bounded && value > range.max) {
    return "must be <= " + shown(range.max) + " (" + range.max_reason + ")";
  }
  return "must be " + std::string(noun) + (range.exclusive_min ? " > " : " >= ") + shown(range.min);
}

std::vector<std::string> kind_names(KindSet set) {
  std::vector<std::string> names;
  for (const auto& entry : EnumNames<ServerKind>::entries) {
    if (has_kind(set, entry.value)) names.emplace_back(entry.name);
  }
  return names;
}

std::string not_a_setting_of(ServerKind kind, std::string_view key, KindSet owners) {
  return server_kind_name(kind) + " servers have no '" + std::string(key) + "' setting (it belongs to " +
         join(kind_names(owners)) + ")";
}

template <class R>
void validate_fields(const std::string& path, const R& record, std::span<const Field<R>> fields,
                     std::optional<ServerKind> kind) {
  static const R defaults{};
  for (const Field<R>& field : fields) {
    const std::string field_path = path + "." + std::string(field.key);
    std::visit(
        [&](auto member) {
          using M = decltype(member);
          if constexpr (std::is_same_v<M, int R::*> || std::is_same_v<M, double R::*>) {
            check_value(field_path, field, record.*member);
          } else if constexpr (std::is_same_v<M, std::optional<int> R::*> ||
                               std::is_same_v<M, std::optional<double> R::*>) {
            if (record.*member) check_value(field_path, field, *(record.*member));
          }
          // Distributions check their parameters when they are made.
        },
        field.member);
    // Other kinds' settings do not affect the model; the strict ones would
    // look as if they did (threads on a sync worker).
    if (!kind || has_kind(field.kinds, *kind) || !field.strict_kinds) continue;
    const bool changed = std::visit(
        [&](auto member) {
          using M = decltype(member);
          if constexpr (std::is_same_v<M, std::monostate> || std::is_same_v<M, Distribution R::*>) {
            return false;
          } else {
            return record.*member != defaults.*member;
          }
        },
        field.member);
    if (changed) fail(field_path, not_a_setting_of(*kind, field.key, field.kinds));
  }
}

template void validate_fields(const std::string&, const Host&, std::span<const Field<Host>>, std::optional<ServerKind>);
template void validate_fields(const std::string&, const Stalls&, std::span<const Field<Stalls>>, std::optional<ServerKind>);
template void validate_fields(const std::string&, const Server&, std::span<const Field<Server>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const ProcessMemory&, std::span<const Field<ProcessMemory>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Database&, std::span<const Field<Database>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const ConnectionPool&, std::span<const Field<ConnectionPool>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Service&, std::span<const Field<Service>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Cache&, std::span<const Field<Cache>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const ConnectionGroup&, std::span<const Field<ConnectionGroup>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Broker&, std::span<const Field<Broker>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const TaskPool&, std::span<const Field<TaskPool>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const ModelServer&, std::span<const Field<ModelServer>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Balancer&, std::span<const Field<Balancer>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Endpoint&, std::span<const Field<Endpoint>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const ClosedWorkload&, std::span<const Field<ClosedWorkload>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const Burst&, std::span<const Field<Burst>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const RetryPolicy&, std::span<const Field<RetryPolicy>>,
                              std::optional<ServerKind>);
template void validate_fields(const std::string&, const RunConfig&, std::span<const Field<RunConfig>>,
                              std::optional<ServerKind>);

}  // namespace servesim::detail
