#include "rules/endpoint_mix.hpp"

#include <limits>

#include "rules/scenario_index.hpp"

namespace servesim::detail {

EndpointMix::EndpointMix(const Scenario& scenario, Rng rng) : rng_(rng) {
  std::vector<double> weights(scenario.endpoints.size(), scenario.workload.mix.empty() ? 1.0 : 0.0);
  for (const MixEntry& entry : scenario.workload.mix) {
    weights[index_of(scenario.endpoints, entry.endpoint)] += entry.weight;
  }
  double total = 0.0;
  for (double w : weights) total += w;
  double running = 0.0;
  for (double w : weights) {
    running += w / total;
    cumulative_.push_back(running);
  }
  cumulative_.back() = 1.0;
}

std::vector<double> endpoint_slos(const Scenario& scenario) {
  std::vector<double> slos(scenario.endpoints.size(), std::numeric_limits<double>::infinity());
  for (const MixEntry& entry : scenario.workload.mix) {
    if (entry.slo) slos[index_of(scenario.endpoints, entry.endpoint)] = *entry.slo;
  }
  return slos;
}

}  // namespace servesim::detail
