#include "io/yaml_field.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "core/messages.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Plain decimal or scientific notation; YAML's .inf/.nan and hex are rejected.
std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (text.starts_with('+')) text.remove_prefix(1);
  if (text.empty()) return std::nullopt;
  double value = 0.0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value,
                                   std::chars_format::general);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

struct Unit {
  std::string_view suffix;
  double seconds;
};
constexpr std::array<Unit, 6> kUnits{{
    {"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}, {"m", 60.0}, {"h", 3600.0}}};

std::string join_path(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

}  // namespace

std::optional<double> parse_duration(std::string_view text) {
  text = trim(text);
  if (auto seconds = parse_number(text)) return seconds;
  std::size_t unit_start = text.size();
  while (unit_start > 0 && std::isalpha(static_cast<unsigned char>(text[unit_start - 1]))) {
    --unit_start;
  }
  std::string_view suffix = text.substr(unit_start);
  for (const auto& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    auto number = parse_number(text.substr(0, unit_start));
    if (!number) return std::nullopt;
    double seconds = *number * unit.seconds;
    if (!std::isfinite(seconds)) return std::nullopt;
    return seconds;
  }
  return std::nullopt;
}

void YamlField::fail(const std::string& detail) const { throw ScenarioError(path_, detail); }

std::string YamlField::describe() const {
  if (!node_.IsDefined() || node_.IsNull()) return "an empty value";
  if (node_.IsSequence()) return "a list";
  if (node_.IsMap()) return "a map";
  const std::string& text = node_.Scalar();
  if (parse_number(text)) return std::string(trim(text));
  return "'" + text + "'";
}

void YamlField::expect_map(std::string_view what) const {
  if (!is_map()) fail("must be " + std::string(what) + ", got " + describe());
}

void YamlField::expect_keys(const std::vector<std::string>& allowed, std::string_view what) const {
  expect_map(what);
  for (const auto& [key, value] : entries()) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint = did_you_mean(key, allowed);
    if (hint.empty()) hint = "; valid keys: " + join(allowed);
    value.fail("unknown key" + hint);
  }
}

bool YamlField::has(const std::string& key) const {
  return node_.IsMap() && node_[key].IsDefined();
}

YamlField YamlField::child(const std::string& key) const {
  YAML::Node value = node_.IsMap() ? node_[key] : YAML::Node(YAML::NodeType::Undefined);
  return YamlField(value, join_path(path_, key));
}

YamlField YamlField::without(const std::string& key) const {
  YAML::Node copy = YAML::Clone(node_);
  if (copy.IsMap()) copy.remove(key);
  return YamlField(copy, path_);
}

YamlField YamlField::required(const std::string& key) const {
  if (!has(key)) child(key).fail("required field is missing");
  return child(key);
}

std::optional<YamlField> YamlField::optional(const std::string& key) const {
  if (!has(key)) return std::nullopt;
  return child(key);
}

std::vector<std::pair<std::string, YamlField>> YamlField::entries() const {
  std::vector<std::pair<std::string, YamlField>> out;
  if (!node_.IsMap()) return out;
  for (const auto& entry : node_) {
    if (!entry.first.IsScalar()) {
      fail("keys must be plain names, got " + YamlField(entry.first, path_).describe());
    }
    const std::string& key = entry.first.Scalar();
    out.emplace_back(key, YamlField(entry.second, join_path(path_, key)));
  }
  return out;
}

std::vector<std::pair<std::string, YamlField>> YamlField::named_entries(std::string_view kind,
                                                                        std::string_view example) const {
  std::string shape = "a map of " + std::string(kind) + " names to their settings";
  if (!example.empty()) shape += ", like " + std::string(example);
  expect_map(shape);
  auto out = entries();
  if (out.empty()) fail("must name at least one " + std::string(kind));
  return out;
}

std::vector<std::pair<std::string, YamlField>> YamlField::optional_named_entries(const std::string& key,
                                                                                 std::string_view kind) const {
  const auto section = optional(key);
  if (!section) return {};
  section->expect_map("a map of " + std::string(kind) + " names to their settings");
  return section->entries();
}

std::vector<YamlField> YamlField::items(std::string_view what) const {
  if (!node_.IsSequence()) fail("must be " + std::string(what) + ", got " + describe());
  std::vector<YamlField> out;
  out.reserve(node_.size());
  for (std::size_t i = 0; i < node_.size(); ++i) {
    out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::string YamlField::as_string() const {
  if (!node_.IsScalar()) fail("must be a name, got " + describe());
  return node_.Scalar();
}

bool YamlField::as_bool() const {
  const std::string text = node_.IsScalar() ? node_.Scalar() : std::string();
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text != "false" && text != "False" && text != "FALSE") fail("must be true or false, got " + describe());
  return false;
}

int YamlField::as_int(int min) const { return as_int(Range{static_cast<double>(min)}); }

int YamlField::as_int(const Range& range) const {
  Range limits = range;
  if (limits.max > kMaxInt) {
    limits.max = kMaxInt;
    limits.max_reason = "the largest integer a setting holds";
  }
  auto value = node_.IsScalar() ? parse_number(node_.Scalar()) : std::nullopt;
  if (value && *value == std::floor(*value) && *value > limits.max) {
    fail(range_expectation("an integer", limits, *value) + ", got " + describe());
  }
  if (!value || *value != std::floor(*value) || !in_range(*value, limits)) {
    fail("must be an integer >= " + format_number(limits.min) + ", got " + describe());
  }
  return static_cast<int>(*value);
}

std::uint64_t YamlField::as_uint64() const {
  const std::string_view text = node_.IsScalar() ? trim(node_.Scalar()) : std::string_view();
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) return value;
  // Also accept `7.0` and `1e6`, as as_int() does, within the range a double holds exactly.
  auto number = node_.IsScalar() ? parse_number(text) : std::nullopt;
  if (!number || *number != std::floor(*number) || *number < 0 || *number > 0x1p53) {
    fail("must be an integer >= 0, got " + describe());
  }
  return static_cast<std::uint64_t>(*number);
}

double YamlField::as_number(Bound bound) const { return as_number(range_of(bound)); }

double YamlField::as_number(const Range& range, std::string_view noun) const {
  auto value = node_.IsScalar() ? parse_number(node_.Scalar()) : std::nullopt;
  if (!value || !in_range(*value, range)) {
    fail(range_expectation(noun, range, value.value_or(range.min)) + ", got " + describe());
  }
  return *value;
}

double YamlField::as_duration(Bound bound) const { return as_duration(range_of(bound)); }

double YamlField::as_duration(const Range& range) const {
  auto seconds = node_.IsScalar() ? parse_duration(node_.Scalar()) : std::nullopt;
  if (!seconds) {
    fail(range_expectation("a duration", range, range.min) +
         " (seconds, or a number with a unit ns, us, ms, s, m, h, like '5ms'), got " + describe());
  }
  if (!in_range(*seconds, range)) fail(range_expectation("a duration", range, *seconds) + ", got " + describe());
  return *seconds;
}

}  // namespace servesim::detail
