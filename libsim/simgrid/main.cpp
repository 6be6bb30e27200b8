// servesim-simgrid: one replication of a scenario on SimGrid S4U.
//
//   servesim-simgrid [--replication N] [--warmup SECONDS] [--interval SECONDS]
//                    [--progress] FILE|-
//
// Reads the scenario (YAML or JSON) from FILE or stdin and writes the result
// JSON of servesim::to_json for one replication on stdout, with each
// endpoint's latency histogram added to the replication so that a caller can
// merge replications exactly. --warmup and --interval override run.warmup and
// run.interval (servesim::simulate chooses an automatic warm-up by a pilot
// run and passes it here). --progress writes `@progress <simulated seconds>`
// lines on stderr at every time-series interval.
//
// Exit codes: 0 success; 2 bad arguments or a scenario error (one line on
// stderr: `servesim-simgrid: <path>: <detail>`); 1 any other failure.
// SimGrid keeps global state, so each replication needs its own process.

#include <simgrid/s4u.hpp>
#include <xbt/log.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "child/simgrid_engine.hpp"
#include "io/engine_output.hpp"
#include "rules/measurement.hpp"
#include "s4u_model.hpp"
#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr const char* kProgram = "servesim-simgrid";

struct Arguments {
  std::string file;
  int replication = 0;
  std::optional<double> warmup;
  std::optional<double> interval;
  bool progress = false;
};

struct UsageError {
  std::string message;
};

double seconds_argument(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || !(value >= 0.0)) {
    throw UsageError{option + ": expected a number of seconds >= 0, got '" + text + "'"};
  }
  return value;
}

int index_argument(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  int value = -1;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < 0) {
    throw UsageError{option + ": expected an integer >= 0, got '" + text + "'"};
  }
  return value;
}

Arguments parse_arguments(const std::vector<std::string>& args) {
  Arguments parsed;
  bool have_file = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError{arg + ": missing value"};
      return args[++i];
    };
    if (arg == "--replication") {
      parsed.replication = index_argument(arg, value());
    } else if (arg == "--warmup") {
      parsed.warmup = seconds_argument(arg, value());
    } else if (arg == "--interval") {
      parsed.interval = seconds_argument(arg, value());
    } else if (arg == "--progress") {
      parsed.progress = true;
    } else if (arg.size() > 1 && arg[0] == '-' && !have_file) {
      throw UsageError{"unknown option '" + arg + "'"};
    } else if (!have_file) {
      parsed.file = arg;
      have_file = true;
    } else {
      throw UsageError{"more than one scenario file given"};
    }
  }
  if (!have_file) throw UsageError{"no scenario file given (use - for stdin)"};
  return parsed;
}

servesim::Scenario read_scenario(const std::string& file) {
  if (file != "-") return servesim::load_scenario(file);
  const std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  return servesim::parse_scenario(text, "<stdin>");
}

int run(int argc, char** argv) {
  // SimGrid reads and removes its own --cfg= and --log= options first.
  xbt_log_control_set("root.thres:critical");
  simgrid::s4u::Engine engine(&argc, argv);
  // Raw contexts switch actors fastest; the actors' call chains are shallow.
  simgrid::s4u::Engine::set_config("contexts/factory:raw");
  simgrid::s4u::Engine::set_config("contexts/stack-size:64");
  // Balancer links as the scenario states them: a transfer takes the link's
  // latency plus its bytes at the link's bandwidth. CM02 applies no latency
  // or bandwidth correction factors; a TCP window bound and the
  // acknowledgements' reverse traffic would slow transfers further.
  simgrid::s4u::Engine::set_config("network/model:CM02");
  simgrid::s4u::Engine::set_config("network/TCP-gamma:0");
  simgrid::s4u::Engine::set_config("network/crosstraffic:0");

  const Arguments args = parse_arguments(std::vector<std::string>(argv + 1, argv + argc));
  const servesim::Scenario scenario = read_scenario(args.file);
  if (args.replication >= scenario.run.replications) {
    throw UsageError{"--replication: must be below run.replications (" +
                     std::to_string(scenario.run.replications) + "), got " +
                     std::to_string(args.replication)};
  }
  servesim::detail::check_simgrid_supported(scenario);
  if (!args.warmup && scenario.run.warmup_mode == servesim::WarmupMode::mser5) {
    throw servesim::ScenarioError(
        "run.warmup", "'auto' needs a pilot run: pass --warmup, or run the scenario through "
                      "servesim (simulate(..., engine=simgrid)), which chooses it");
  }
  const double warmup = args.warmup.value_or(scenario.run.warmup);
  if (warmup >= scenario.run.duration) {
    throw UsageError{"--warmup: must be shorter than run.duration"};
  }
  const double interval =
      servesim::detail::timeline_interval(args.interval.value_or(scenario.run.interval), scenario.run.duration);

  servesim::detail::IntervalHook progress;
  if (args.progress) {
    progress = [](double simulated_time) {
      std::fprintf(stderr, "@progress %.17g\n", simulated_time);
      std::fflush(stderr);
    };
  }
  servesim::ReplicationResult replication = servesim::simgrid_engine::run_replication(
      scenario, args.replication, {warmup, interval}, progress);
  std::cout << servesim::detail::engine_output_json(scenario.name, scenario.run.seed,
                                                     std::move(replication))
            << '\n';
  std::cout.flush();
  return std::cout.good() ? EXIT_SUCCESS : kExitFailure;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const int status = run(argc, argv);
    // SimGrid's actors are still blocked at the end of the run; tearing the
    // engine down would only unwind them.
    std::_Exit(status);
  } catch (const UsageError& error) {
    std::cerr << kProgram << ": " << error.message << '\n';
    return kExitUsage;
  } catch (const servesim::ScenarioError& error) {
    std::cerr << kProgram << ": " << error.what() << '\n';
    return kExitUsage;
  } catch (const std::exception& error) {
    std::cerr << kProgram << ": " << error.what() << '\n';
    return kExitFailure;
  }
}
