#include "servesim/sim/simulate.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "engines/replication_runner.hpp"
#include "rules/measurement.hpp"
#include "servesim/errors.hpp"
#include "servesim/metrics/warmup.hpp"
#include "servesim/model/memory.hpp"
#include "servesim/model/replicas.hpp"
#include "sim/host_memory.hpp"
#include "sim/stability.hpp"

namespace servesim {
namespace {

// MSER-5 looks at this many interval means from a pilot run of the same
// replication; the truncation is then a multiple of duration / kMserIntervals.
constexpr int kMserIntervals = 1000;
// How often the calling thread calls SimulationOptions::on_poll.
constexpr std::chrono::milliseconds kPollPeriod{50};

// Simulated seconds of the pilot run that precedes each replication: MSER-5
// reads its interval means to choose the warm-up; a fixed warm-up needs none.
double pilot_duration(const RunConfig& run) {
  return run.warmup_mode == WarmupMode::mser5 ? run.duration : 0.0;
}

// Thrown into a replication's engine when another replication failed or the
// progress callback cancelled the run; never escapes simulate().
struct Stopped {};

// Sums the simulated time of every replication into one fraction for
// SimulationOptions::on_progress, and carries the request to stop.
class Progress {
 public:
  Progress(const Scenario& scenario, std::function<void(double)> callback)
      : callback_(std::move(callback)),
        done_(static_cast<std::size_t>(scenario.run.replications), 0.0),
        total_work_((pilot_duration(scenario.run) + scenario.run.duration) *
                    scenario.run.replications) {}

  // The hook for replication `index`, whose clock starts `offset` seconds
  // into its share of the work (a pilot run comes first).
  detail::IntervalHook hook(int index, double offset) {
    return [this, index, offset](double simulated_time) { report(index, offset + simulated_time); };
  }

  /// Every few thousand events of a native replication: stops it soon after
  /// stop(), whatever the length of its time-series intervals.
  detail::PollHook poll_hook() {
    return [this] {
      if (stopped_) throw Stopped{};
    };
  }

  void stop() noexcept { stopped_ = true; }

 private:
  void report(int index, double done) {
    if (stopped_) throw Stopped{};
    if (!callback_) return;
    const std::lock_guard<std::mutex> lock(mutex_);
    double& mine = done_[static_cast<std::size_t>(index)];
    total_done_ += done - mine;
    mine = done;
    callback_(std::min(1.0, total_done_ / total_work_));
  }

  std::function<void(double)> callback_;
  std::vector<double> done_;
  double total_work_;
  double total_done_ = 0.0;
  std::atomic<bool> stopped_{false};
  std::mutex mutex_;
};

// A pilot run of the same replication (same streams) supplies the interval
// means; MSER-5 picks where the transient ends. Intervals without completions
// carry no observation and are skipped.
double mser5_warmup(const Scenario& scenario, const detail::ReplicationRunner& runner, int index,
                    detail::IntervalHook hook, detail::PollHook poll) {
  const double interval = scenario.run.duration / kMserIntervals;
  const ReplicationResult result =
      runner.run(index, detail::Measurement{0.0, interval}, std::move(hook), std::move(poll));
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

ReplicationResult run_replication(const Scenario& scenario, const detail::ReplicationRunner& runner, int index,
                                  Progress& progress) {
  const RunConfig& run = scenario.run;
  const double warmup = run.warmup_mode == WarmupMode::mser5
                            ? mser5_warmup(scenario, runner, index, progress.hook(index, 0.0),
                                           progress.poll_hook())
                            : run.warmup;
  return runner.run(index, detail::Measurement{warmup, detail::timeline_interval(run)},
                    progress.hook(index, pilot_duration(run)), progress.poll_hook());
}

}  // namespace

namespace detail {

void add_host_memory(const Scenario& scenario, Result& result) {
  for (HostSummary& summary : result.hosts) {
    const Host* host = scenario.find_host(summary.name);
    if (!host) continue;
    summary.static_memory = static_host_memory(scenario, *host);
    double held = 0.0;
    for (std::size_t i = 0; i < scenario.servers.size(); ++i) {
      const Server& server = scenario.servers[i];
      if (server.host != host->name || result.replications.empty()) continue;
      double in_system = 0.0;
      for (const ReplicationResult& rep : result.replications) {
        for (const ServerStats& stats : rep.servers) {
          if (stats.name == server.name) in_system += stats.mean_in_system;
        }
      }
      held += server.memory.connection * in_system / static_cast<double>(result.replications.size());
    }
    // Long-lived connections hold their server's per-connection memory while open.
    for (const ConnectionSummary& group : result.connections) {
      const Server* server = scenario.find_server(group.server);
      if (server != nullptr && server->host == host->name) held += group.memory.value;
    }
    summary.memory = summary.static_memory + held;
  }
}

}  // namespace detail

Result simulate(const Scenario& scenario, const SimulationOptions& options) {
  Scenario effective = expand_replicas(scenario);
  if (options.seed) effective.run.seed = *options.seed;
  if (options.replications) effective.run.replications = *options.replications;
  if (options.threads < 0) {
    throw ScenarioError("threads", "must be >= 0 (0 = one per hardware thread), got " +
                                       std::to_string(options.threads));
  }
  if (!(options.process_timeout >= 0.0) || !std::isfinite(options.process_timeout)) {
    throw ScenarioError("process_timeout", "must be a number of seconds >= 0 (0 = no limit), got " +
                                               std::to_string(options.process_timeout));
  }
  effective.validate();
  const detail::ReplicationRunner runner(effective, options);

  const int count = effective.run.replications;
  const int hardware = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  const int threads = std::min(count, options.threads > 0 ? options.threads : hardware);

  // Each replication owns its random streams and its slot, so the thread that
  // runs it does not matter: results are identical for any thread count.
  std::vector<ReplicationResult> replications(static_cast<std::size_t>(count));
  Progress progress(effective, options.on_progress);
  std::atomic<int> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&] {
    for (int i = next++; i < count; i = next++) {
      try {
        replications[static_cast<std::size_t>(i)] = run_replication(effective, runner, i, progress);
      } catch (const Stopped&) {
        return;
      } catch (...) {
        progress.stop();
        const std::lock_guard<std::mutex> lock(failure_mutex);
        if (!failure) failure = std::current_exception();
        return;
      }
    }
  };
  // The calling thread only watches: it calls on_poll until the workers are
  // done, so a cancellation (Ctrl-C in Python) is seen within kPollPeriod
  // however long a replication or its intervals last.
  std::mutex done_mutex;
  std::condition_variable done_signal;
  int running = threads;
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      work();
      const std::lock_guard<std::mutex> lock(done_mutex);
      running -= 1;
      done_signal.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(done_mutex);
    while (!done_signal.wait_for(lock, kPollPeriod, [&] { return running == 0; })) {
      if (!options.on_poll) continue;
      lock.unlock();
      try {
        options.on_poll();
      } catch (...) {
        progress.stop();
        const std::lock_guard<std::mutex> failure_lock(failure_mutex);
        if (!failure) failure = std::current_exception();
      }
      lock.lock();
    }
  }
  for (std::thread& thread : pool) thread.join();
  if (failure) std::rethrow_exception(failure);
  for (ReplicationResult& replication : replications) {
    replication.stability = detail::judge_stability(effective, replication);
  }
  Result result = summarize(effective.name, effective.run.seed, std::move(replications));
  detail::add_host_memory(effective, result);
  return result;
}

}  // namespace servesim
