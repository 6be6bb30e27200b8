#include "plan/direct_overrides.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "io/field_reader.hpp"
#include "io/yaml_field.hpp"
#include "model/enum_names.hpp"
#include "model/fields.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

// `a.b.c` as its dot-separated parts; a path with an index (`phases[0]`) is not direct.
std::optional<std::vector<std::string_view>> parts_of(std::string_view path) {
  if (path.find('[') != std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> parts;
  for (std::size_t start = 0; start <= path.size();) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    parts.push_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

template <class R>
R* named(std::vector<R>& records, std::string_view name) {
  const auto at = std::find_if(records.begin(), records.end(), [&](const R& r) { return r.name == name; });
  return at == records.end() ? nullptr : &*at;
}

// Reads `o.value` into the described setting `key` of `record`, as the
// parser reads it from a file; false when `key` is not a plain described
// setting (or belongs to another server kind than `kind`).
template <class R>
bool set_field(R& record, std::span<const Field<R>> fields, std::string_view key, const Override& o,
               std::optional<ServerKind> kind = std::nullopt) {
  const auto field = std::find_if(fields.begin(), fields.end(), [&](const Field<R>& f) { return f.key == key; });
  if (field == fields.end() || field->type == FieldType::custom) return false;
  if (kind && !has_kind(field->kinds, *kind)) return false;
  YAML::Node section;
  section[std::string(key)] = YAML::Load(o.value);
  const std::string parent = o.path.substr(0, o.path.size() - key.size() - 1);
  read_fields(YamlField(section, parent), record, std::span<const Field<R>>(&*field, 1));
  return true;
}

// A new kind keeps only the settings both kinds take: the file's way writes
// the old kind's own settings and drops those the new kind does not take.
bool set_kind(Server& server, const Override& o) {
  const YAML::Node node = YAML::Load(o.value);
  const ServerKind kind = parse_enum<ServerKind>(YamlField(node, o.path));
  static const Server defaults{};
  for (const Field<Server>& field : server_fields()) {
    if (has_kind(field.kinds, server.kind) && has_kind(field.kinds, kind)) continue;
    std::visit(
        [&](auto member) {
          if constexpr (!std::is_same_v<decltype(member), std::monostate>) server.*member = defaults.*member;
        },
        field.member);
  }
  server.kind = kind;
  return true;
}

bool is_kind(const std::vector<std::string_view>& parts) {
  return parts.size() == 3 && parts[0] == "servers" && parts[2] == "kind";
}

bool set_directly(Scenario& s, const Override& o, const std::vector<std::string_view>& parts) {
  if (parts.size() == 4 && parts[0] == "databases" && parts[2] == "pool") {
    Database* database = named(s.databases, parts[1]);
    return database && set_field(database->pool, pool_fields(), parts[3], o);
  }
  if (parts.size() != 3) return false;
  if (parts[0] == "hosts") {
    Host* host = named(s.hosts, parts[1]);
    return host && set_field(*host, host_fields(), parts[2], o);
  }
  if (parts[0] == "servers") {
    Server* server = named(s.servers, parts[1]);
    if (!server) return false;
    return is_kind(parts) ? set_kind(*server, o) : set_field(*server, server_fields(), parts[2], o, server->kind);
  }
  if (parts[0] == "databases") {
    Database* database = named(s.databases, parts[1]);
    return database && set_field(*database, database_fields(), parts[2], o);
  }
  if (parts[0] == "services") {
    Service* service = named(s.services, parts[1]);
    return service && set_field(*service, service_fields(), parts[2], o);
  }
  return false;
}

}  // namespace

std::optional<Scenario> with_direct_overrides(const Scenario& base, const std::vector<Override>& overrides) {
  std::vector<std::vector<std::string_view>> parts;
  for (const Override& o : overrides) {
    auto p = parts_of(o.path);
    if (!p) return std::nullopt;
    parts.push_back(std::move(*p));
  }
  Scenario s = base;
  try {
    // Kinds first, as with_overrides: `threads` may come with `kind: gunicorn-gthread`.
    for (const bool kinds : {true, false}) {
      for (std::size_t i = 0; i < overrides.size(); ++i) {
        if (is_kind(parts[i]) == kinds && !set_directly(s, overrides[i], parts[i])) return std::nullopt;
      }
    }
    s.validate();
  } catch (const ScenarioError&) {
    return std::nullopt;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
  return s;
}

}  // namespace servesim::detail
