#include "servesim/io/documents.hpp"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>

#include "io/scenario_writer.hpp"
#include "io/yaml_document.hpp"
#include "io/yaml_field.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

using nlohmann::ordered_json;

// A plain scalar as the JSON value a reader of the file would expect; the
// parsers read every scalar as text and interpret it per field, so whichever
// JSON type is chosen here reads back as the same text or number.
ordered_json scalar_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() != "?") return text;  // quoted: always text
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  const char* end = text.data() + text.size();
  std::int64_t integer = 0;
  if (auto [ptr, ec] = std::from_chars(text.data(), end, integer); ec == std::errc() && ptr == end) return integer;
  double number = 0.0;
  if (auto [ptr, ec] = std::from_chars(text.data(), end, number, std::chars_format::general);
      ec == std::errc() && ptr == end && std::isfinite(number)) {
    return number;
  }
  return text;
}

ordered_json node_json(const YAML::Node& node, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      ordered_json out = ordered_json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw ScenarioError(path, "keys must be plain names, got " + detail::YamlField(entry.first, path).describe());
        }
        const std::string& key = entry.first.Scalar();
        std::string key_path = path;
        if (!key_path.empty()) key_path += '.';
        key_path += key;
        // yaml-cpp keeps both entries and a lookup finds the first, JSON keeps one:
        // the two would read different values.
        if (out.contains(key)) {
          throw ScenarioError(key_path, "given twice (the second time at line " +
                                            std::to_string(entry.first.Mark().line + 1) + "); keep one");
        }
        out[key] = node_json(entry.second, key_path);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      ordered_json out = ordered_json::array();
      for (std::size_t i = 0; i < node.size(); ++i) {
        out.push_back(node_json(node[i], path + "[" + std::to_string(i) + "]"));
      }
      return out;
    }
    case YAML::NodeType::Scalar: return scalar_json(node);
    default: return nullptr;
  }
}

}  // namespace

std::string document_to_json(std::string_view text, std::string_view origin) {
  return node_json(detail::load_yaml_document(text, std::string(origin)), "").dump();
}

std::string scenario_to_json(const Scenario& scenario) { return detail::scenario_to_json(scenario); }

}  // namespace servesim
