#include "io/distribution_parser.hpp"

#include <algorithm>
#include <array>
#include <string>

#include "core/messages.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

// Runs a Distribution factory, giving its servesim::Error the field's path.
template <class Factory>
Distribution checked(const YamlField& field, Factory&& factory) {
  try {
    return factory();
  } catch (const ScenarioError&) {
    throw;
  } catch (const Error& error) {
    field.fail(error.what());
  }
}

double duration(const YamlField& f, const char* key, Bound bound) {
  return f.required(key).as_duration(bound);
}

double number(const YamlField& f, const char* key) {
  return f.required(key).as_number(Bound::positive);
}

std::vector<double> durations(const YamlField& f, const char* key) {
  std::vector<double> out;
  for (const auto& item : f.required(key).items("a list of durations")) {
    out.push_back(item.as_duration(Bound::non_negative));
  }
  return out;
}

std::vector<double> numbers(const YamlField& f, const char* key) {
  std::vector<double> out;
  for (const auto& item : f.required(key).items("a list of numbers")) {
    out.push_back(item.as_number(Bound::non_negative));
  }
  return out;
}

// For families with two parameterizations: true for the first, and fails
// when keys of both are given.
bool first_form(const YamlField& f, const std::vector<std::string>& first,
                const std::vector<std::string>& second) {
  auto any_of = [&](const std::vector<std::string>& keys) {
    return std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return f.has(k); });
  };
  bool use_second = any_of(second);
  if (use_second && any_of(first)) {
    f.fail("give either {" + join(first) + "} or {" + join(second) + "}, not both");
  }
  return !use_second;
}

Distribution constant(const YamlField& f) {
  double value = duration(f, "value", Bound::non_negative);
  return checked(f, [&] { return Distribution::constant(value); });
}

Distribution exponential(const YamlField& f) {
  double mean = duration(f, "mean", Bound::positive);
  return checked(f, [&] { return Distribution::exponential(mean); });
}

Distribution uniform(const YamlField& f) {
  double low = duration(f, "low", Bound::non_negative);
  double high = duration(f, "high", Bound::non_negative);
  return checked(f, [&] { return Distribution::uniform(low, high); });
}

Distribution lognormal(const YamlField& f) {
  if (first_form(f, {"mean", "cv"}, {"p50", "p99"})) {
    double mean = duration(f, "mean", Bound::positive);
    double cv = number(f, "cv");
    return checked(f, [&] { return Distribution::lognormal(mean, cv); });
  }
  double p50 = duration(f, "p50", Bound::positive);
  double p99 = duration(f, "p99", Bound::positive);
  return checked(f, [&] { return Distribution::lognormal_from_percentiles(p50, p99); });
}

Distribution gamma(const YamlField& f) {
  double mean = duration(f, "mean", Bound::positive);
  double cv = number(f, "cv");
  return checked(f, [&] { return Distribution::gamma(mean, cv); });
}

Distribution pareto(const YamlField& f) {
  if (first_form(f, {"mean", "cv"}, {"alpha", "scale"})) {
    double mean = duration(f, "mean", Bound::positive);
    double cv = number(f, "cv");
    return checked(f, [&] { return Distribution::pareto_from_mean_cv(mean, cv); });
  }
  double alpha = number(f, "alpha");
  double scale = duration(f, "scale", Bound::positive);
  return checked(f, [&] { return Distribution::pareto(alpha, scale); });
}

Distribution hyperexponential(const YamlField& f) {
  double mean = duration(f, "mean", Bound::positive);
  double cv = number(f, "cv");
  return checked(f, [&] { return Distribution::hyperexponential(mean, cv); });
}

Distribution empirical(const YamlField& f) {
  if (first_form(f, {"samples"}, {"edges", "weights"})) {
    auto samples = durations(f, "samples");
    return checked(f, [&] { return Distribution::empirical(std::move(samples)); });
  }
  auto edges = durations(f, "edges");
  auto weights = numbers(f, "weights");
  return checked(
      f, [&] { return Distribution::empirical_histogram(std::move(edges), std::move(weights)); });
}

struct Family {
  const char* name;
  std::vector<std::string> keys;  // besides `dist`
  Distribution (*parse)(const YamlField&);
};

const std::array<Family, 8>& families() {
  static const std::array<Family, 8> table{{
      {"constant", {"value"}, constant},
      {"exponential", {"mean"}, exponential},
      {"uniform", {"low", "high"}, uniform},
      {"lognormal", {"mean", "cv", "p50", "p99"}, lognormal},
      {"gamma", {"mean", "cv"}, gamma},
      {"pareto", {"mean", "cv", "alpha", "scale"}, pareto},
      {"hyperexponential", {"mean", "cv"}, hyperexponential},
      {"empirical", {"samples", "edges", "weights"}, empirical},
  }};
  return table;
}

const Family& find_family(const YamlField& dist) {
  std::string name = dist.as_string();
  std::vector<std::string> known;
  for (const auto& family : families()) {
    if (name == family.name) return family;
    known.emplace_back(family.name);
  }
  dist.fail("unknown distribution '" + name + "'" + did_you_mean(name, known) +
            " (known: " + join(known) + ")");
}

}  // namespace

Distribution parse_distribution(const YamlField& field) {
  if (field.is_scalar()) {
    double value = field.as_duration(Bound::non_negative);
    return checked(field, [&] { return Distribution::constant(value); });
  }
  if (field.is_empty() || !field.is_map()) {
    field.fail("must be a duration or a map with 'dist' like {dist: exponential, mean: 10ms}, got " +
               field.describe());
  }
  const Family& family = find_family(field.required("dist"));
  std::vector<std::string> keys{"dist"};
  keys.insert(keys.end(), family.keys.begin(), family.keys.end());
  field.expect_keys(keys);
  return family.parse(field);
}

}  // namespace servesim::detail
