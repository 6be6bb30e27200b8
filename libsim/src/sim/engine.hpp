#pragma once
// The native engine: one replication of a scenario. Requests are small state
// machines stepping through their phases; nothing runs per request but the
// events it causes.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "servesim/core/rng.hpp"
#include "servesim/metrics/result.hpp"
#include "servesim/model/scenario.hpp"
#include "sim/event_calendar.hpp"
#include "sim/request_pool.hpp"
#include "sim/shared_cpu.hpp"
#include "sim/sync_worker_pool.hpp"

namespace servesim::detail {

/// Where the measured window starts and how finely the timeline is cut.
struct Measurement {
  double warmup = 0.0;    ///< seconds discarded
  double interval = 1.0;  ///< timeline interval, seconds
};

/// Told the simulated time at every interval's end; may throw to stop the run.
using IntervalHook = std::function<void(double simulated_time)>;

class Engine {
 public:
  /// `scenario` must be valid and outlive the engine.
  Engine(const Scenario& scenario, int replication, Measurement measurement,
         IntervalHook on_interval = {});

  ReplicationResult run();

 private:
  // A step of an endpoint: the framework's overhead first, then its phases.
  struct Step {
    PhaseKind kind;
    Distribution duration;
  };
  struct EndpointRuntime {
    std::uint32_t server;
    std::uint32_t host;
    std::vector<Step> steps;
    Rng rng;
  };
  struct ServerRuntime {
    SyncWorkerPool pool;
    std::uint64_t admitted = 0;  // measured window
    std::uint64_t queued = 0;    // of which waited in the backlog
  };
  // Counts within the measured window.
  struct EndpointCounts {
    std::uint64_t completed = 0;
    ErrorCounts errors;
    LatencyHistogram histogram;
  };
  struct IntervalCounts {
    std::uint64_t arrivals = 0;
    std::uint64_t completed = 0;
    std::uint64_t errors = 0;
    double latency_sum = 0.0;
  };

  void build_endpoints();
  void build_mix();
  void start_workload();

  void dispatch(const Event& event);
  void on_open_arrival();
  void on_user_send(std::uint32_t user);
  void on_client_timeout(std::uint32_t id, std::uint32_t generation);
  void on_interval_end();
  void on_warmup_end();

  void arrive(std::uint32_t endpoint, std::uint32_t user);
  void advance(std::uint32_t id);
  void finish(std::uint32_t id);
  void schedule_next_send(std::uint32_t user, double extra_delay);
  void count_error(std::uint32_t endpoint, bool refused);
  [[nodiscard]] std::uint32_t pick_endpoint();
  [[nodiscard]] double system_area(double now) const;

  ReplicationResult collect();

  const Scenario& scenario_;
  int replication_;
  Measurement measurement_;
  IntervalHook on_interval_;
  double now_ = 0.0;
  bool measuring_ = false;
  std::uint64_t events_ = 0;

  EventCalendar calendar_;
  RequestPool requests_;
  std::vector<SharedCpu> hosts_;
  std::vector<ServerRuntime> servers_;
  std::vector<EndpointRuntime> endpoints_;
  std::vector<double> mix_cumulative_;
  std::optional<double> client_timeout_;

  Rng arrival_rng_;
  Rng mix_rng_;
  Rng think_rng_;

  // Measured window.
  std::vector<EndpointCounts> endpoint_counts_;
  std::uint64_t arrivals_ = 0;
  std::uint64_t departures_ = 0;  // every request leaving a server, timed out or not
  double residence_sum_ = 0.0;
  double system_area_at_warmup_ = 0.0;
  std::vector<double> busy_core_seconds_at_warmup_;
  std::vector<double> busy_worker_seconds_at_warmup_;
  std::vector<double> queued_seconds_at_warmup_;

  // Timeline.
  IntervalCounts interval_;
  double interval_start_ = 0.0;
  std::vector<IntervalStats> timeline_;
};

}  // namespace servesim::detail
