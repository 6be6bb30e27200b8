// plan()'s answer in words: why the plan wins, or what limits the closest candidate.
#include <cmath>
#include <cstdio>
#include <string>

#include "plan/batch_means.hpp"
#include "plan/plan_internal.hpp"

namespace servesim::detail {
namespace {

// Three significant digits, but never an exponent: a load of 3,000 req/s reads "3000".
std::string sig3(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, std::abs(value) >= 1000.0 ? "%.0f" : "%.3g", value);
  return buffer;
}

std::string money(double value, const CostModel& cost) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return cost.currency + " " + buffer + " per " + cost.period;
}

std::string load_text(const PlanResult& r) {
  const bool rate = r.scenario.workload.open.has_value();
  std::string text = sig3(r.load) + (rate ? " req/s" : " users");
  if (r.spec.headroom > 0.0) text += " (the target with " + sig3(r.spec.headroom * 100.0) + " % headroom)";
  return text;
}

// The latency term's measure; none for `errors`, a share without an interval.
const ConfidenceInterval* latency_term(const CandidateMetrics& m, SloMetric metric) {
  switch (metric) {
    case SloMetric::p50: return &m.p50;
    case SloMetric::p90: return &m.p90;
    case SloMetric::p99: return &m.p99;
    case SloMetric::p999: return &m.p999;
    case SloMetric::mean: return &m.mean;
    case SloMetric::errors: return nullptr;
  }
  return nullptr;
}

std::string terms_met(const PlanResult& r, const CandidateMetrics& m) {
  std::string text;
  for (const SloTerm& term : r.spec.slo) {
    if (!text.empty()) text += ", ";
    const ConfidenceInterval* e = latency_term(m, term.metric);
    text += std::string(slo_metric_name(term.metric)) + " " +
            term_value_text(term.metric, e ? e->value : m.errors);
    if (e && e->half_width > 0.0) text += " ± " + term_value_text(term.metric, e->half_width);
    text += " <= " + term_value_text(term.metric, term.limit);
  }
  return text;
}

// What the measures (and their ± when any) come from; with batch means, the
// SLO terms they give no interval are named, so a missing ± is not read as exact.
std::string over_text(const PlanResult& r, const CandidateMetrics& m) {
  if (m.batches == 0) {
    return m.replications == 1 ? std::string("its run") : std::to_string(m.replications) + " replications";
  }
  std::string without;
  bool with = false;
  for (const SloTerm& term : r.spec.slo) {
    const ConfidenceInterval* e = latency_term(m, term.metric);
    if (e && e->half_width > 0.0) with = true;
    if (!e || e->half_width > 0.0) continue;
    without += (without.empty() ? "" : ", ") + std::string(slo_metric_name(term.metric));
  }
  const std::string batches = "batch means over its time series after the warm-up, in " +
                              std::to_string(m.batches) + " consecutive batches";
  std::string text = "its run (" + std::string(with ? "± 95 % intervals" : "throughput and mean with 95 % intervals") +
                     " by " + batches;
  if (!without.empty()) {
    text += "; no interval for " + without + ": a batch holds fewer than " +
            std::to_string(static_cast<int>(detail::kMinTailSamples)) + " completions beyond the quantile";
  }
  return text + ")";
}

std::string limited_by(const PlanCandidate& c) {
  if (c.bottleneck.empty()) return "";
  return "; busiest: " + c.bottleneck + " at " + sig3(c.bottleneck_utilization * 100.0) + " %";
}

}  // namespace

std::string term_value_text(SloMetric metric, double value) {
  if (metric == SloMetric::errors) return sig3(value * 100.0) + " %";
  if (std::abs(value) >= 1.0) return sig3(value) + " s";
  if (std::abs(value) >= 1e-3 || value == 0.0) return sig3(value * 1e3) + " ms";
  return sig3(value * 1e6) + " us";
}

std::string explain(const PlanResult& r) {
  std::string text;
  const PlanCandidate& c = r.candidates[r.chosen];
  int pruned = 0;
  int failed = 0;
  const PlanCandidate* cheapest_failed = nullptr;
  const PlanCandidate* cheapest_pruned = nullptr;
  for (std::size_t i = 0; i < r.candidates.size(); ++i) {
    const PlanCandidate& other = r.candidates[i];
    if (r.feasible && i >= r.chosen) break;
    if (other.verdict == CandidateVerdict::pruned) {
      ++pruned;
      if (!cheapest_pruned) cheapest_pruned = &other;
    } else if (other.verdict == CandidateVerdict::fails) {
      ++failed;
      if (!cheapest_failed) cheapest_failed = &other;
    }
  }
  if (r.feasible) {
    text += "Plan: " + settings_text(c) + ", at " + money(c.cost, r.spec.cost) + ".\n";
    text += "At " + load_text(r) + " it meets " + terms_met(r, *c.metrics) + " over " + over_text(r, *c.metrics) +
            (c.reason.empty() || r.draws > 0 ? "" : ", " + c.reason) + limited_by(c) + ".\n";
    if (pruned + failed == 0) {
      text += "It is the cheapest candidate in the space.\n";
    } else {
      text += "The " + std::to_string(pruned + failed) + " cheaper candidates fail: ";
    }
  } else {
    text += "No candidate in the space meets the SLO at " + load_text(r) + ".\n";
    text += "Closest: " + settings_text(c) + " (" + money(c.cost, r.spec.cost) + "): " + c.reason +
            limited_by(c) + ". Widen the space along what limits it.\n";
    text += "Of " + std::to_string(r.candidates.size()) + " candidates: ";
  }
  if (pruned + failed > 0 || !r.feasible) {
    std::string parts;
    if (pruned > 0) {
      parts += std::to_string(pruned) + " cannot carry the load by the analytic bound (e.g. " +
               settings_text(*cheapest_pruned) + ": " + cheapest_pruned->reason + ")";
    }
    if (failed > 0) {
      if (!parts.empty()) parts += "; ";
      parts += std::to_string(failed) + " were simulated and missed the SLO (the cheapest, " +
               settings_text(*cheapest_failed) + ": " + cheapest_failed->reason + limited_by(*cheapest_failed) + ")";
    }
    if (parts.empty()) parts = "none could be simulated";
    text += parts + ".\n";
  }
  if (r.draws > 0) {
    text += "Under uncertainty: it meets the SLO in " + std::to_string(c.draws_met) + " of " +
            std::to_string(c.draws_judged) + " sampled scenarios (" + sig3(r.confidence * 100.0) +
            " % of " + std::to_string(r.draws) + " asked).";
    if (!r.sensitivity.empty()) {
      const InputSwing& s = r.sensitivity.front();
      text += " The input that drives the risk most: " + s.path + " (worst term at " +
              sig3(s.ratio_at_low) + "x its limit at " + sig3(s.low) + ", " + sig3(s.ratio_at_high) +
              "x at " + sig3(s.high) + ", the other inputs at their mids).";
    }
    text += "\n";
  }
  text += "Searched " + std::to_string(r.candidates.size()) + " candidates with " +
          std::to_string(r.simulations) + (r.simulations == 1 ? " simulation in " : " simulations in ") +
          sig3(r.wall_seconds) + " s.";
  return text;
}

}  // namespace servesim::detail
