#include "servesim/sim/simulate.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "servesim/errors.hpp"
#include "servesim/metrics/warmup.hpp"
#include "sim/engine.hpp"

namespace servesim {
namespace {

constexpr int kDefaultIntervals = 100;
// MSER-5 looks at this many interval means from a pilot run of the same
// replication; the truncation is then a multiple of duration / kMserIntervals.
constexpr int kMserIntervals = 1000;

double timeline_interval(const RunConfig& run) {
  return run.interval > 0.0 ? run.interval : run.duration / kDefaultIntervals;
}

// A pilot run of the same replication (same streams) supplies the interval
// means; MSER-5 picks where the transient ends. Intervals without completions
// carry no observation and are skipped.
double mser5_warmup(const Scenario& scenario, int index) {
  const double interval = scenario.run.duration / kMserIntervals;
  detail::Engine pilot(scenario, index, detail::Measurement{0.0, interval});
  const ReplicationResult result = pilot.run();
  std::vector<double> means;
  std::vector<double> starts;
  for (const IntervalStats& stats : result.timeline) {
    if (stats.completed == 0) continue;
    means.push_back(stats.mean_latency);
    starts.push_back(stats.start);
  }
  const std::size_t cut = mser5_truncation(means);
  return cut < starts.size() ? starts[cut] : 0.0;
}

}  // namespace

ReplicationResult simulate_replication(const Scenario& scenario, int index) {
  const RunConfig& run = scenario.run;
  const double warmup =
      run.warmup_mode == WarmupMode::mser5 ? mser5_warmup(scenario, index) : run.warmup;
  detail::Engine engine(scenario, index, detail::Measurement{warmup, timeline_interval(run)});
  return engine.run();
}

Result simulate(const Scenario& scenario, const SimulationOptions& options) {
  Scenario effective = scenario;
  if (options.seed) effective.run.seed = *options.seed;
  if (options.replications) effective.run.replications = *options.replications;
  if (options.threads < 0) {
    throw ScenarioError("threads", "must be >= 0 (0 = one per hardware thread), got " +
                                       std::to_string(options.threads));
  }
  effective.validate();

  const int count = effective.run.replications;
  const int hardware = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int threads = std::min(count, options.threads > 0 ? options.threads : hardware);

  // Each replication owns its random streams and its slot, so the thread that
  // runs it does not matter: results are identical for any thread count.
  std::vector<ReplicationResult> replications(static_cast<std::size_t>(count));
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (int i = next++; i < count; i = next++) {
      try {
        replications[static_cast<std::size_t>(i)] = simulate_replication(effective, i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  return summarize(effective.name, effective.run.seed, std::move(replications));
}

}  // namespace servesim
