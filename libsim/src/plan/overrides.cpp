#include "servesim/plan/overrides.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "core/messages.hpp"
#include "io/scenario_writer.hpp"
#include "model/enum_names.hpp"
#include "model/fields.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"

namespace servesim {
namespace {

// One step of a path: a map key, or an index into a list (`phases[0]`).
struct Segment {
  std::string key;
  std::optional<std::size_t> index;
};

std::vector<Segment> split_path(const std::string& path) {
  std::vector<Segment> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t dot = std::min(path.find('.', start), path.size());
    std::string_view part(path.data() + start, dot - start);
    const std::size_t bracket = part.find('[');
    if (part.substr(0, bracket).empty()) throw ScenarioError(path, "not a field path: an empty name");
    segments.push_back({std::string(part.substr(0, bracket)), std::nullopt});
    while (bracket != std::string_view::npos && !part.empty()) {
      part.remove_prefix(part.find('['));
      const std::size_t close = part.find(']');
      std::size_t index = 0;
      const char* first = part.data() + 1;
      const char* last = part.data() + (close == std::string_view::npos ? part.size() : close);
      if (close == std::string_view::npos || std::from_chars(first, last, index).ptr != last || first == last) {
        throw ScenarioError(path, "not a field path: an index is written [0], [1], ...");
      }
      segments.push_back({"", index});
      part.remove_prefix(close + 1);
      if (!part.empty() && part.front() != '[') throw ScenarioError(path, "not a field path: text after ']'");
    }
    start = dot + 1;
  }
  return segments;
}

std::string keys_of(const YAML::Node& map) {
  std::vector<std::string> keys;
  for (const auto& entry : map) keys.push_back(entry.first.as<std::string>());
  return keys.empty() ? std::string("none") : detail::join(keys);
}

// What a missing key at depth 1 means: the section names the kind of thing.
std::string missing_message(const std::string& section, const std::string& key, const YAML::Node& parent) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kinds{
      {{"hosts", "host"}, {"servers", "server"}, {"databases", "database"},
       {"services", "service"}, {"balancers", "balancer"}, {"endpoints", "endpoint"}}};
  for (const auto& [name, kind] : kinds) {
    if (section == name) {
      std::string text = "no ";
      text += kind;
      text += " named '";
      text += key;
      text += "' (" + section + ": ";
      text += keys_of(parent);
      text += ")";
      return text;
    }
  }
  return "no field '" + key + "' here (there are: " + keys_of(parent) + ")";
}

// Whether a server of `kind` takes setting `key`, as the field descriptions
// say (the writer writes a kind's own settings); an unknown kind keeps every
// key, for the parser to name the kind.
bool kind_takes(const std::string& kind, const std::string& key) {
  const std::optional<ServerKind> parsed = detail::enum_value<ServerKind>(kind);
  if (!parsed) return true;
  const std::span<const detail::Field<Server>> fields = detail::server_fields();
  const auto field =
      std::find_if(fields.begin(), fields.end(), [&](const detail::Field<Server>& f) { return f.key == key; });
  return field == fields.end() || detail::has_kind(field->kinds, *parsed);
}

YAML::Node value_node(const Override& o) {
  YAML::Node value;
  try {
    value = YAML::Load(o.value);
  } catch (const YAML::Exception& e) {
    throw ScenarioError(o.path, "the value '" + o.value + "' is not valid YAML: " + e.msg);
  }
  if (!value.IsDefined() || value.IsNull()) throw ScenarioError(o.path, "an empty value; give the new value");
  return value;
}

void apply(YAML::Node& root, const Override& o) {
  const std::vector<Segment> segments = split_path(o.path);
  YAML::Node node = root;
  std::string where;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    const bool last = i + 1 == segments.size();
    if (s.index) {
      const std::string index = std::to_string(*s.index);
      if (!node.IsSequence() || *s.index >= node.size()) {
        const std::string size = std::to_string(node.IsSequence() ? node.size() : 0);
        std::string detail = "has no item [" + index;
        detail += "] (it has " + size + ")";
        throw ScenarioError(where, detail);
      }
      where += '[';
      where += index;
      where += ']';
      if (last) {
        node[*s.index] = value_node(o);
        return;
      }
      node.reset(node[*s.index]);
      continue;
    }
    if (!node.IsMap()) throw ScenarioError(where, "is not a section with fields; cannot set '" + s.key + "'");
    const std::string parent_path = where;
    if (!where.empty()) where += '.';
    where += s.key;
    if (last) {
      // A key the format lacks is left for the parser to reject, with its "did you mean".
      node[s.key] = value_node(o);
      return;
    }
    if (!node[s.key]) {
      const std::string section = segments.front().key;
      throw ScenarioError(where, i == 1 ? missing_message(section, s.key, node)
                                        : missing_message(parent_path, s.key, node));
    }
    node.reset(node[s.key]);
  }
}

// A new server kind keeps only the settings it takes; the rest revert to its defaults.
void change_kind(YAML::Node& root, const Override& o) {
  apply(root, o);
  const std::vector<Segment> segments = split_path(o.path);
  YAML::Node server = root["servers"][segments[1].key];
  const std::string kind = server["kind"].IsScalar() ? server["kind"].as<std::string>() : "";
  std::vector<std::string> dropped;
  for (const auto& entry : server) {
    const std::string key = entry.first.as<std::string>();
    if (!kind_takes(kind, key)) dropped.push_back(key);
  }
  for (const std::string& key : dropped) server.remove(key);
}

bool is_kind_path(const std::string& path) {
  return path.starts_with("servers.") && path.ends_with(".kind") &&
         std::count(path.begin(), path.end(), '.') == 2;
}

}  // namespace

std::string scenario_text(const Scenario& scenario) { return detail::scenario_to_json(scenario); }

Scenario with_overrides(const Scenario& scenario, const std::vector<Override>& overrides) {
  YAML::Node root = YAML::Load(detail::scenario_to_json(scenario));
  for (const Override& o : overrides) {
    if (is_kind_path(o.path)) change_kind(root, o);
  }
  for (const Override& o : overrides) {
    if (!is_kind_path(o.path)) apply(root, o);
  }
  YAML::Emitter out;
  out.SetMapFormat(YAML::Flow);
  out << root;
  return parse_scenario(out.c_str());
}

}  // namespace servesim
