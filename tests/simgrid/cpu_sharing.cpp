// SimGrid's CPU model shares a multicore host between executions the way the
// native engine's processor sharing does: each of n executions on C cores
// runs at min(1, C / n) of a core, so one execution never uses two cores.
// The SimGrid engine relies on it for every CPU phase. Exit code 0 if so.

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace sg4 = simgrid::s4u;

namespace {

constexpr double kSpeed = 1e9;  // flops per second of one core
constexpr int kCores = 2;
int failures = 0;

void expect(const char* what, double simulated, double exact) {
  const bool ok = std::abs(simulated - exact) <= 1e-9 * std::max(1.0, exact);
  std::printf("%-44s simulated %.9f s, processor sharing %.9f s %s\n", what, simulated, exact,
              ok ? "ok" : "MISMATCH");
  if (!ok) ++failures;
}

// Starts executions of the given works (seconds of one core) together at
// `start`; returns when each finished, relative to `start`.
std::vector<double> run_together(double start, const std::vector<double>& works) {
  sg4::this_actor::sleep_until(start);
  std::vector<sg4::ExecPtr> execs;
  execs.reserve(works.size());
  for (double w : works) execs.push_back(sg4::this_actor::exec_init(w * kSpeed)->start());
  std::vector<double> done(works.size(), -1.0);
  for (std::size_t left = works.size(); left > 0; --left) {
    std::vector<sg4::ActivityPtr> pending;
    std::vector<std::size_t> index;
    for (std::size_t i = 0; i < execs.size(); ++i) {
      if (done[i] < 0) {
        pending.push_back(execs[i]);
        index.push_back(i);
      }
    }
    const ssize_t finished = sg4::Activity::wait_any(pending);
    done[index[static_cast<std::size_t>(finished)]] = sg4::Engine::get_clock() - start;
  }
  return done;
}

}  // namespace

int main(int argc, char** argv) {
  xbt_log_control_set("root.thres:critical");
  sg4::Engine engine(&argc, argv);
  sg4::Engine::set_config("contexts/factory:raw");
  sg4::NetZone* zone = sg4::create_full_zone("world");
  sg4::Host* host = zone->create_host("app", kSpeed)->set_core_count(kCores)->seal();
  zone->seal();

  sg4::Actor::create("checks", host, [] {
    double start = 0.0;
    // n equal executions of 1 s: each runs at min(1, C/n), done at max(1, n/C).
    for (int n = 1; n <= 5; ++n) {
      const auto done = run_together(start, std::vector<double>(static_cast<std::size_t>(n), 1.0));
      const double exact = std::max(1.0, static_cast<double>(n) / kCores);
      for (double d : done) expect(("n = " + std::to_string(n) + " executions of 1 s").c_str(), d, exact);
      start += 10.0;
    }
    // Unequal works 0.5, 1, 1 on 2 cores: all at 2/3 until the short one is
    // done at 0.75 s; the other two then have 0.5 s left at full speed.
    const auto done = run_together(start, {0.5, 1.0, 1.0});
    expect("0.5 s job among 3", done[0], 0.75);
    expect("1 s job among 3", done[1], 1.25);
    expect("1 s job among 3", done[2], 1.25);
  });
  engine.run();
  std::printf("%s\n", failures == 0 ? "SimGrid shares cores as min(1, cores/n) per execution"
                                    : "SimGrid's CPU sharing differs from processor sharing");
  return failures == 0 ? 0 : 1;
}
