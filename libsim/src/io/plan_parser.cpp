#include "io/plan_parser.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/messages.hpp"
#include "servesim/errors.hpp"
#include "servesim/plan/plan.hpp"

namespace servesim::detail {
namespace {

const std::vector<std::string>& slo_metric_names() {
  static const std::vector<std::string> names{"p50", "p90", "p99", "p999", "mean", "errors"};
  return names;
}

// A share written as a fraction (`0.001`) or a percentage (`0.1%`), within [0, max].
double as_share(const YamlField& f, double max) {
  std::string text = f.is_scalar() ? f.as_string() : std::string();
  double scale = 1.0;
  if (!text.empty() && text.back() == '%') {
    text.pop_back();
    scale = 0.01;
  }
  // A plain number of seconds is a plain number: a duration without a unit.
  const bool has_unit = !text.empty() && std::isalpha(static_cast<unsigned char>(text.back())) != 0;
  const auto number = has_unit ? std::nullopt : parse_duration(text);
  if (!number || *number * scale < 0.0 || *number * scale > max) {
    f.fail("must be a fraction in [0, " + format_number(max) + "] or a percentage like '0.1%', got " +
           f.describe());
  }
  return *number * scale;
}

PlanTarget parse_target(const YamlField& f) {
  f.expect_keys({"rate", "users"}, "a map like {rate: 2000} or {users: 500}");
  const bool rate = f.has("rate");
  if (rate == f.has("users")) f.fail("must give exactly one of 'rate' (req/s) and 'users'");
  PlanTarget target;
  if (rate) {
    target.kind = PlanTarget::Kind::rate;
    target.value = f.required("rate").as_number(Bound::positive);
  } else {
    target.kind = PlanTarget::Kind::users;
    target.value = f.required("users").as_int(1);
  }
  return target;
}

std::vector<SloTerm> parse_slo(const YamlField& f) {
  f.expect_keys(slo_metric_names(), "a map like {p99: 200ms, errors: 0.1%}");
  std::vector<SloTerm> terms;
  for (const auto& [key, value] : f.entries()) {
    const auto& names = slo_metric_names();
    SloTerm term;
    term.metric = static_cast<SloMetric>(std::find(names.begin(), names.end(), key) - names.begin());
    term.limit = term.metric == SloMetric::errors ? as_share(value, 1.0) : value.as_duration(Bound::positive);
    terms.push_back(term);
  }
  if (terms.empty()) f.fail("must name at least one term (p50, p90, p99, p999, mean, errors)");
  return terms;
}

std::vector<SpaceAxis> parse_space(const YamlField& f) {
  f.expect_map("a map of scenario paths to lists of values, like {servers.web.workers: [2, 4, 8]}");
  std::vector<SpaceAxis> space;
  for (const auto& [path, values] : f.entries()) {
    SpaceAxis axis;
    axis.path = path;
    for (const YamlField& item : values.items("a non-empty list of values, like [2, 4, 8]")) {
      if (!item.is_scalar()) item.fail("must be a number or a name, got " + item.describe());
      const std::string value = item.as_string();
      if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end()) {
        item.fail("'" + value + "' is listed twice");
      }
      axis.values.push_back(value);
    }
    if (axis.values.empty()) values.fail("must list at least one value");
    space.push_back(std::move(axis));
  }
  if (space.empty()) f.fail("must name at least one scenario path to vary, like {servers.web.workers: [2, 4, 8]}");
  return space;
}

CostModel parse_cost(const YamlField& f) {
  f.expect_keys({"currency", "per", "core", "host", "worker", "replica"},
                "a map like {currency: USD, per: hour, core: 0.04, host: 0.02}");
  CostModel cost;
  if (auto currency = f.optional("currency")) cost.currency = currency->as_string();
  if (auto per = f.optional("per")) cost.period = per->as_string();
  if (auto core = f.optional("core")) cost.core = core->as_number(Bound::non_negative);
  if (auto host = f.optional("host")) cost.host = host->as_number(Bound::non_negative);
  if (auto worker = f.optional("worker")) cost.worker = worker->as_number(Bound::non_negative);
  if (auto replica = f.optional("replica")) cost.replica = replica->as_number(Bound::non_negative);
  return cost;
}

}  // namespace

PlanSpec parse_plan(const YamlField& f, const PlanSpec* base) {
  f.expect_keys({"target", "slo", "space", "cost", "headroom"},
                "a map like {target: {rate: 2000}, slo: {p99: 200ms}, space: {servers.web.workers: [2, 4, 8]}}");
  PlanSpec spec = base ? *base : PlanSpec{};
  if (auto target = f.optional("target")) spec.target = parse_target(*target);
  if (base == nullptr || f.has("slo")) spec.slo = parse_slo(f.required("slo"));
  if (base == nullptr || f.has("space")) spec.space = parse_space(f.required("space"));
  if (auto cost = f.optional("cost")) spec.cost = parse_cost(*cost);
  if (auto headroom = f.optional("headroom")) spec.headroom = as_share(*headroom, 10.0);
  return spec;
}

}  // namespace servesim::detail

namespace servesim {

PlanSpec parse_plan_section(std::string_view text, const std::optional<PlanSpec>& base) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw ScenarioError("plan", "not valid YAML: " + e.msg);
  }
  const detail::YamlField section(root, "plan");
  return detail::parse_plan(section, base ? &*base : nullptr);
}

}  // namespace servesim
