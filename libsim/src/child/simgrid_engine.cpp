#include "child/simgrid_engine.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "child/child_process.hpp"
#include "io/engine_output.hpp"
#include "servesim/errors.hpp"

namespace servesim::detail {
namespace {

namespace fs = std::filesystem;

constexpr const char* kExecutableName = "servesim-simgrid";
constexpr const char* kProgressPrefix = "@progress ";
// One actor per closed-loop user, each stack two memory mappings of the
// 65,530 Linux allows a process by default, and as many requests in flight.
constexpr int kMaxUsers = 10'000;
// The child's stderr quoted in an error, at most.
constexpr std::size_t kMaxQuoted = 2000;

bool is_executable(const fs::path& path) {
  std::error_code ignored;
  return fs::is_regular_file(path, ignored) && ::access(path.c_str(), X_OK) == 0;
}

// The directory of the shared object (or executable) this code was linked into.
fs::path code_directory() {
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void*>(&simgrid_executable), &info) == 0 || info.dli_fname == nullptr) {
    return {};
  }
  std::error_code ignored;
  return fs::canonical(info.dli_fname, ignored).parent_path();
}

std::string quoted_errors(const std::string& errors) {
  std::string text = errors;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text.empty()) return "";
  if (text.size() > kMaxQuoted) text = "..." + text.substr(text.size() - kMaxQuoted);
  return ": " + text;
}

std::string seconds_text(double seconds) {
  std::ostringstream out;
  out.precision(17);
  out << seconds;
  return out.str();
}

}  // namespace

std::string simgrid_executable() {
  if (const char* override_path = std::getenv("SERVESIM_SIMGRID"); override_path != nullptr) {
    if (!is_executable(override_path)) {
      throw EngineError(std::string("the SimGrid engine is unavailable: SERVESIM_SIMGRID=") +
                        override_path + " is not an executable file");
    }
    return override_path;
  }
  std::vector<fs::path> candidates;
  if (const fs::path here = code_directory(); !here.empty()) candidates.push_back(here / kExecutableName);
#ifdef SERVESIM_SIMGRID_INSTALL_PATH
  candidates.emplace_back(SERVESIM_SIMGRID_INSTALL_PATH);
#endif
#ifdef SERVESIM_SIMGRID_BUILD_PATH
  candidates.emplace_back(SERVESIM_SIMGRID_BUILD_PATH);
#endif
  for (const fs::path& candidate : candidates) {
    if (is_executable(candidate)) return candidate.string();
  }
#if !SERVESIM_HAVE_SIMGRID
  throw EngineError(
      "the SimGrid engine is unavailable: servesim was built without SimGrid (pkg-config found no "
      "'simgrid'; install libsimgrid-dev and rebuild, or set SERVESIM_SIMGRID to a servesim-simgrid "
      "executable)");
#else
  std::string looked;
  for (const fs::path& candidate : candidates) looked += (looked.empty() ? "" : ", ") + candidate.string();
  // Where it is missing (a wheel from `make wheel` leaves it out), say how to get it.
  throw EngineError("the SimGrid engine is unavailable: " + std::string(kExecutableName) +
                    " not found (looked for " + looked +
                    "); wheels leave it out: build servesim from source with SimGrid installed (Debian's "
                    "libsimgrid-dev), or set SERVESIM_SIMGRID to a servesim-simgrid executable");
#endif
}

void check_simgrid_supported(const Scenario& scenario) {
  if (scenario.workload.closed && scenario.workload.closed->users > kMaxUsers) {
    throw ScenarioError("workload.closed.users",
                        "the SimGrid engine runs one actor per closed-loop user and supports at most " +
                            std::to_string(kMaxUsers) + ", got " +
                            std::to_string(scenario.workload.closed->users) +
                            "; use the native engine");
  }
}

ReplicationResult run_simgrid_replication(const SimgridRun& run, int index, double warmup,
                                          double interval,
                                          const std::function<void(double)>& on_interval) {
  double simulated = 0.0;
  ChildOptions options;
  options.timeout_s = run.timeout_s;
  options.on_line = [&](std::string_view line) {
    if (line.substr(0, std::string_view(kProgressPrefix).size()) != kProgressPrefix) return false;
    const std::string value(line.substr(std::string_view(kProgressPrefix).size()));
    char* end = nullptr;
    const double t = std::strtod(value.c_str(), &end);
    if (end == value.c_str() || !std::isfinite(t)) return false;
    simulated = t;
    if (on_interval) on_interval(simulated);
    return true;
  };
  options.on_tick = [&] {
    if (on_interval) on_interval(simulated);
  };
  const std::vector<std::string> arguments{"--replication", std::to_string(index),
                                           "--warmup",      seconds_text(warmup),
                                           "--interval",    seconds_text(interval),
                                           "--progress",    "-"};
  const ChildExit exit = run_child(run.executable, arguments, run.scenario_json, options);

  const std::string who = "the SimGrid engine (" + run.executable + ", replication " +
                          std::to_string(index) + ")";
  if (exit.timed_out) {
    throw EngineError(who + " did not finish within the " + seconds_text(run.timeout_s) +
                      " s time limit and was killed");
  }
  if (exit.signal != 0) {
    throw EngineError(who + " crashed: killed by signal " + std::to_string(exit.signal) + " (" +
                      ::strsignal(exit.signal) + ")" + quoted_errors(exit.errors));
  }
  if (exit.exit_code != 0) {
    throw EngineError(who + " failed with exit code " + std::to_string(exit.exit_code) +
                      quoted_errors(exit.errors));
  }
  ReplicationResult result;
  try {
    result = replication_from_engine_output(exit.output);
  } catch (const EngineError& error) {
    throw EngineError(who + ": " + error.what());
  }
  if (result.index != index) {
    throw EngineError(who + " answered for replication " + std::to_string(result.index));
  }
  return result;
}

}  // namespace servesim::detail
