#include "io/ranges.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "core/messages.hpp"
#include "io/yaml_field.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

bool is_range_key(const std::string& key) {
  return key == "low" || key == "mid" || key == "high" || key == "confidence";
}

// A map is a range when all its keys are a range's and one is mid (a uniform
// distribution has low and high too, beside its `dist`).
bool looks_like_range(const YAML::Node& node) {
  if (!node.IsMap()) return false;
  bool mid = false;
  for (const auto& entry : node) {
    if (!entry.first.IsScalar() || !is_range_key(entry.first.Scalar())) return false;
    mid = mid || entry.first.Scalar() == "mid";
  }
  return mid;
}

std::string text_of(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : std::string("a map or list"); }

double bound_of(const YAML::Node& range, const char* key, const std::string& path) {
  const YAML::Node value = range[key];
  if (!value) {
    throw ScenarioError(path, std::string("a range needs low, mid and high; '") + key + "' is missing");
  }
  const std::optional<double> x = value.IsScalar() ? parse_duration(value.Scalar()) : std::nullopt;
  if (!x) {
    throw ScenarioError(path + "." + key, "a range's bounds are numbers or durations (5ms), got '" +
                                              text_of(value) + "'");
  }
  return *x;
}

UncertainInput read_range(const YAML::Node& range, const std::string& path) {
  UncertainInput in;
  in.path = path;
  in.low = bound_of(range, "low", path);
  in.mid = bound_of(range, "mid", path);
  in.high = bound_of(range, "high", path);
  const std::string shown = "low " + format_number(in.low) + ", mid " + format_number(in.mid) + ", high " +
                            format_number(in.high);
  if (!(in.low <= in.mid && in.mid <= in.high)) {
    throw ScenarioError(path, "a range needs low <= mid <= high, got " + shown);
  }
  if (!(in.low > 0.0)) {
    throw ScenarioError(path, "a range is sampled on a log scale and needs low > 0, got " + shown);
  }
  if (const YAML::Node c = range["confidence"]) {
    std::string text = c.IsScalar() ? c.Scalar() : std::string();
    const bool percent = !text.empty() && text.back() == '%';
    if (percent) text.pop_back();
    double x = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
    if (percent) x /= 100.0;
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !(x > 0.0 && x < 1.0)) {
      throw ScenarioError(path + ".confidence", "must be a probability in (0, 1) (0.9 or 90%), got '" +
                                                    text_of(c) + "'");
    }
    in.confidence = x;
  }
  return in;
}

std::string child_path(const std::string& path, const std::string& key) {
  if (path.empty()) return key;
  std::string child = path;
  child += ".";
  child += key;
  return child;
}

void walk(YAML::Node node, const std::string& path, std::vector<UncertainInput>& found) {
  if (node.IsMap()) {
    std::vector<std::string> ranges;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar()) continue;
      const std::string key = entry.first.Scalar();
      const std::string at = child_path(path, key);
      if (looks_like_range(entry.second)) {
        if (path.empty() || path.starts_with("run") || path.starts_with("plan")) {
          throw ScenarioError(at, "only rates and distribution parameters take a range, not the " +
                                      (path.empty() ? key : path) + " section's settings");
        }
        found.push_back(read_range(entry.second, at));
        ranges.push_back(key);
      } else if (path.empty() && (key == "run" || key == "plan")) {
        walk(entry.second, key, found);  // only to reject ranges there
      } else {
        walk(entry.second, at, found);
      }
    }
    // Written as the mid, after the loop: replacing a value while iterating its map is not safe.
    for (const std::string& key : ranges) {
      for (const UncertainInput& in : found) {
        if (in.path == child_path(path, key)) node[key] = format_number(in.mid);
      }
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (looks_like_range(node[i])) {
        found.push_back(read_range(node[i], at));
        node[i] = format_number(found.back().mid);
      } else {
        walk(node[i], at, found);
      }
    }
  }
}

}  // namespace

std::vector<UncertainInput> take_ranges(YAML::Node& root) {
  std::vector<UncertainInput> found;
  walk(root, "", found);
  return found;
}

}  // namespace servesim::detail
