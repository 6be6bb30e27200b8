#include "rules/tally.hpp"

#include <utility>

#include "rules/endpoint_mix.hpp"

namespace servesim::detail {

Tally::Tally(const Scenario& scenario, std::vector<double> runners, std::vector<double> cores)
    : duration_(scenario.run.duration),
      slos_(endpoint_slos(scenario)),
      counts_(scenario.endpoints.size()),
      timeline_(std::move(runners), std::move(cores)) {}

void Tally::collect(const Scenario& scenario, double span, double system_area, ReplicationResult& result) {
  result.arrivals = arrivals_;
  add_endpoint_results(scenario, counts_, span, result);
  result.little.mean_in_system = (system_area - system_area_at_warmup_) / span;
  result.little.throughput = static_cast<double>(departures_) / span;
  result.little.mean_response = departures_ ? residence_sum_ / static_cast<double>(departures_) : 0.0;
  result.timeline = timeline_.take();
  result.latency_batches = timeline_.take_batches();
}

}  // namespace servesim::detail
