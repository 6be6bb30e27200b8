#pragma once
// The counts both engines keep of a replication's requests, by the same
// rules: what each endpoint's clients got in the measured window (answers
// within the SLO, retries, errors by cause, requests that finally failed),
// Little's law's sums over the servers, and the time series of the whole
// run. Each engine reports the events; this decides what they count for.

#include <cstdint>
#include <vector>

#include "rules/endpoint_counts.hpp"
#include "rules/failures.hpp"
#include "rules/measurement.hpp"
#include "rules/timeline.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim::detail {

class Tally {
 public:
  /// For a valid `scenario`; `runners`: each server's threads or loops;
  /// `cores`: each host's cores (the time series' denominators).
  Tally(const Scenario& scenario, std::vector<double> runners, std::vector<double> cores);

  /// The measured window starts now, at the end of `measurement`'s warm-up,
  /// when the servers' request-seconds so far are `system_area`.
  void start_measuring(double system_area, const Measurement& measurement) {
    measuring_ = true;
    system_area_at_warmup_ = system_area;
    timeline_.batch_from(measurement.warmup, measurement.interval, duration_);
  }
  [[nodiscard]] bool measuring() const noexcept { return measuring_; }

  /// An attempt of a request to `endpoint` leaves its client.
  void sent(std::uint32_t endpoint, bool retry) noexcept {
    timeline_.arrival(retry);
    if (!measuring_) return;
    arrivals_ += 1;
    if (retry) counts_[endpoint].retries += 1;
  }

  /// The client has its answer, `latency` seconds after this attempt left
  /// it and `since_first_attempt` after the request's first attempt did
  /// (its SLO runs from there: failed attempts and backoffs count).
  void answered(std::uint32_t endpoint, double latency, double since_first_attempt) {
    const bool within_slo = since_first_attempt <= slos_[endpoint];
    timeline_.completion(latency, within_slo);
    if (!measuring_) return;
    EndpointCounts& counts = counts_[endpoint];
    counts.completed += 1;
    if (within_slo) counts.within_slo += 1;
    counts.histogram.record(latency);
  }

  /// The client learns that an attempt failed with `failure`.
  void attempt_failed(std::uint32_t endpoint, Failure failure) noexcept {
    timeline_.error();
    if (measuring_) count_failure(counts_[endpoint].errors, failure);
  }

  /// A request's last allowed attempt failed: the request has failed.
  void request_failed(std::uint32_t endpoint) noexcept {
    if (measuring_) counts_[endpoint].failed += 1;
  }

  /// A request leaves its server, answered or not, after `residence` seconds in it.
  void departed(double residence) noexcept {
    if (!measuring_) return;
    departures_ += 1;
    residence_sum_ += residence;
  }

  [[nodiscard]] Timeline& timeline() noexcept { return timeline_; }

  /**
   * Fills `result`'s endpoints, request totals, arrivals, Little's law check
   * and time series, over the measured `span` seconds, given the servers'
   * request-seconds `system_area` at the run's end. Moves the counts out.
   */
  void collect(const Scenario& scenario, double span, double system_area, ReplicationResult& result);

 private:
  double duration_;
  std::vector<double> slos_;
  std::vector<EndpointCounts> counts_;
  Timeline timeline_;
  bool measuring_ = false;
  std::uint64_t arrivals_ = 0;
  std::uint64_t departures_ = 0;  // every request leaving a server, answered or not
  double residence_sum_ = 0.0;
  double system_area_at_warmup_ = 0.0;
};

}  // namespace servesim::detail
