// Tests for the workload section of the scenario format: arrival processes,
// rate profiles, traces, SLOs and retries (docs/scenario-format.md#workload),
// read correctly, and every mistake reported with the path of its field.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "servesim/io/scenario_parser.hpp"
#include "support/require_error.hpp"

using namespace servesim;
using servesim::test::require_scenario_error;

namespace {

// A valid scenario whose workload each test replaces.
std::string with_workload(const std::string& workload) {
  return R"(
hosts: {app: {cores: 2}}
servers: {web: {host: app, workers: 2}}
endpoints: {work: {phases: [{cpu: 10ms}]}}
workload: )" + workload + "\n";
}

void require_workload_error(const std::string& workload, const std::string& path, const std::string& fragment) {
  test::require_error(with_workload(workload), path, fragment);
}

// A scenario file beside a trace file holding `trace`, in a fresh directory of this
// process's own: ctest runs test cases as parallel processes, which must not share it.
class TraceFiles {
 public:
  TraceFiles()
      : dir_(std::filesystem::temp_directory_path() /
             ("servesim-test-workload-parser-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TraceFiles() { std::filesystem::remove_all(dir_); }
  TraceFiles(const TraceFiles&) = delete;
  TraceFiles& operator=(const TraceFiles&) = delete;

  std::filesystem::path scenario(const std::string& trace_file, const std::string& trace) const {
    std::ofstream(dir_ / "arrivals.txt") << trace;
    std::filesystem::path path = dir_ / "scenario.yaml";
    std::ofstream(path) << with_workload("{open: {trace: " + trace_file + "}}");
    return path;
  }

 private:
  std::filesystem::path dir_;
};

void require_file_error(const std::filesystem::path& path, const std::string& field, const std::string& fragment) {
  require_scenario_error([&] { (void)load_scenario(path); }, field, fragment);
}

}  // namespace

TEST_CASE("Workload keys are read as documented") {
  // Expected values: the fields written below; defaults from docs/scenario-format.md.
  SECTION("bursty arrivals") {
    const Scenario s = parse_scenario(
        with_workload("{open: {rate: 5, arrivals: bursty, burst: {rate: 500, duration: 2s, every: 30s}}}"));
    CHECK(s.workload.open->arrivals == ArrivalProcess::bursty);
    CHECK(s.workload.open->rate == 5.0);
    CHECK(s.workload.open->burst.rate == 500.0);
    CHECK(s.workload.open->burst.duration == 2.0);
    CHECK(s.workload.open->burst.every == 30.0);
  }
  SECTION("on/off: bursty with rate 0 outside bursts") {
    const Scenario s =
        parse_scenario(with_workload("{open: {rate: 0, arrivals: bursty, burst: {rate: 100}}}"));
    CHECK(s.workload.open->rate == 0.0);
    CHECK(s.workload.open->burst.duration == 1.0);
    CHECK(s.workload.open->burst.every == 60.0);
  }
  SECTION("profiles") {
    const Scenario ramp = parse_scenario(with_workload("{open: {profile: {ramp: {from: 10, to: 500}}}}"));
    CHECK(ramp.workload.open->profile.kind == RateProfileKind::ramp);
    CHECK(ramp.workload.open->profile.to == 500.0);
    const Scenario steps = parse_scenario(
        with_workload("{open: {profile: {steps: [{at: 0s, rate: 100}, {at: 1m, rate: 400}]}}}"));
    REQUIRE(steps.workload.open->profile.steps.size() == 2);
    CHECK(steps.workload.open->profile.steps[1].at == 60.0);
    const Scenario diurnal =
        parse_scenario(with_workload("{open: {profile: {diurnal: {min: 50, max: 500, period: 10m}}}}"));
    CHECK(diurnal.workload.open->profile.kind == RateProfileKind::diurnal);
    CHECK(diurnal.workload.open->profile.period == 600.0);
  }
  SECTION("SLOs and retries") {
    const Scenario s = parse_scenario(with_workload(
        "{open: {rate: 10}, mix: {work: {weight: 2, slo: 200ms}},"
        " retries: {attempts: 3, backoff: 50ms, multiplier: 3, max_backoff: 2s, jitter: 0.5}}"));
    REQUIRE(s.workload.mix.size() == 1);
    CHECK(s.workload.mix[0].slo == 0.2);
    CHECK(s.workload.retries.max_attempts == 3);
    CHECK(s.workload.retries.backoff == 0.05);
    CHECK(s.workload.retries.multiplier == 3.0);
    CHECK(s.workload.retries.max_backoff == 2.0);
    CHECK(s.workload.retries.jitter == 0.5);
  }
  SECTION("a trace file: plain text or CSV with a time column, comments skipped") {
    TraceFiles files;
    const Scenario plain = load_scenario(files.scenario("arrivals.txt", "# seconds\n0\n0.5\n0.5\n2.25\n"));
    CHECK(plain.workload.open->arrivals == ArrivalProcess::trace);
    CHECK(plain.workload.open->trace == std::vector<double>{0.0, 0.5, 0.5, 2.25});
    const Scenario csv = load_scenario(files.scenario("arrivals.txt", "id,timestamp\n1,0.25\n2,1.5\n"));
    CHECK(csv.workload.open->trace == std::vector<double>{0.25, 1.5});
  }
  SECTION("a trace written in the scenario, as a list of times") {
    const Scenario s = parse_scenario(with_workload("{open: {trace: [0, 0.5, 500ms, 2.25]}}"));
    CHECK(s.workload.open->arrivals == ArrivalProcess::trace);
    CHECK(s.workload.open->trace == std::vector<double>{0.0, 0.5, 0.5, 2.25});
  }
}

TEST_CASE("Bad traces are reported with the trace's path") {
  TraceFiles files;
  SECTION("a missing file") {
    require_file_error(files.scenario("nowhere.csv", "1\n"), "workload.open.trace", "cannot read the trace file");
  }
  SECTION("an empty file") {
    require_file_error(files.scenario("arrivals.txt", "# no arrivals\n"), "workload.open.trace",
                       "has no arrival times");
  }
  SECTION("unsorted times") {
    require_file_error(files.scenario("arrivals.txt", "0\n2\n1\n"), "workload.open.trace[2]",
                       "arrival times must be sorted, got 1 s after 2 s");
  }
  SECTION("a value that is not a time") {
    require_file_error(files.scenario("arrivals.txt", "0\n1\nsoon\n"), "workload.open.trace", "line 3: 'soon'");
  }
  SECTION("a negative time") {
    require_file_error(files.scenario("arrivals.txt", "-1\n2\n"), "workload.open.trace[0]", "-1");
  }
  SECTION("an empty or unsorted list of times") {
    require_workload_error("{open: {trace: []}}", "workload.open.trace", "the trace has no arrival times");
    require_workload_error("{open: {trace: [0, 2, 1]}}", "workload.open.trace[2]",
                  "arrival times must be sorted, got 1 s after 2 s");
    require_workload_error("{open: {trace: [0, soon]}}", "workload.open.trace[1]", "soon");
  }
  SECTION("arrivals other than trace beside a trace") {
    require_workload_error("{open: {arrivals: poisson, trace: arrivals.txt}}", "workload.open.arrivals",
                  "a trace gives the arrival times");
  }
  SECTION("arrivals: trace without a file") {
    require_workload_error("{open: {rate: 10, arrivals: trace}}", "workload.open.trace", "needs a trace file");
  }
}

TEST_CASE("Bad arrival processes and rate profiles are reported with their field's path") {
  SECTION("an unknown arrival process") {
    require_workload_error("{open: {rate: 10, arrivals: burst}}", "workload.open.arrivals", "did you mean 'bursty'?");
  }
  SECTION("bursty without a burst, a burst without bursty") {
    require_workload_error("{open: {rate: 10, arrivals: bursty}}", "workload.open.burst", "needs a burst");
    require_workload_error("{open: {rate: 10, burst: {rate: 100}}}", "workload.open.burst", "is for arrivals: bursty");
  }
  SECTION("a burst rate of 0") {
    require_workload_error("{open: {rate: 10, arrivals: bursty, burst: {rate: 0}}}", "workload.open.burst.rate", "got 0");
  }
  SECTION("a profile with two shapes, or an unknown one") {
    require_workload_error("{open: {profile: {ramp: {from: 1, to: 2}, diurnal: {min: 1, max: 2}}}}",
                  "workload.open.profile", "must be one of");
    require_workload_error("{open: {profile: {sine: {min: 1, max: 2}}}}", "workload.open.profile.sine", "unknown key");
  }
  SECTION("a rate beside a profile") {
    require_workload_error("{open: {rate: 10, profile: {ramp: {from: 1, to: 2}}}}", "workload.open.rate",
                  "a profile sets the rate");
  }
  SECTION("a profile with constant arrivals") {
    require_workload_error("{open: {arrivals: constant, profile: {ramp: {from: 1, to: 2}}}}", "workload.open.profile",
                  "needs poisson arrivals");
  }
  SECTION("a ramp from 0 to 0, or to a negative rate") {
    require_workload_error("{open: {profile: {ramp: {from: 0, to: 0}}}}", "workload.open.profile.ramp",
                  "cannot both be 0");
    require_workload_error("{open: {profile: {ramp: {from: 5, to: -1}}}}", "workload.open.profile.ramp.to", "got -1");
  }
  SECTION("steps: the first not at 0, out of order, all at rate 0") {
    require_workload_error("{open: {profile: {steps: [{at: 5s, rate: 10}]}}}", "workload.open.profile.steps[0].at",
                  "must start at 0s");
    require_workload_error("{open: {profile: {steps: [{at: 0s, rate: 10}, {at: 20s, rate: 5}, {at: 10s, rate: 1}]}}}",
                  "workload.open.profile.steps[2].at", "increasing time order, got 10 s after 20 s");
    require_workload_error("{open: {profile: {steps: [{at: 0s, rate: 0}]}}}", "workload.open.profile.steps",
                  "at least one step needs a rate > 0");
  }
  SECTION("diurnal: min above max, a period of 0") {
    require_workload_error("{open: {profile: {diurnal: {min: 500, max: 50}}}}", "workload.open.profile.diurnal.min",
                  "must be <= max (50), got 500");
    require_workload_error("{open: {profile: {diurnal: {min: 5, max: 50, period: 0s}}}}",
                  "workload.open.profile.diurnal.period", "must be a duration > 0, got '0s'");
  }
}

TEST_CASE("Bad retries and SLOs are reported with their field's path") {
  SECTION("attempts 0, in a file and from C++") {
    require_workload_error("{open: {rate: 10}, retries: {attempts: 0}}", "workload.retries.attempts",
                  "must be an integer >= 1, got 0");
    Scenario s = parse_scenario(with_workload("{open: {rate: 10}}"));
    s.workload.retries.max_attempts = 0;
    require_scenario_error([&] { s.validate(); }, "workload.retries.attempts", "must be an integer >= 1, got 0");
  }
  SECTION("attempts past 100") {
    require_workload_error("{open: {rate: 10}, retries: {attempts: 101}}", "workload.retries.attempts",
                  "retries multiply the load");
  }
  SECTION("a multiplier below 1, a jitter above 1, a negative backoff") {
    require_workload_error("{open: {rate: 10}, retries: {attempts: 2, multiplier: 0.5}}", "workload.retries.multiplier",
                  "must be a number >= 1, got 0.5");
    require_workload_error("{open: {rate: 10}, retries: {attempts: 2, jitter: 1.5}}", "workload.retries.jitter",
                  "must be a probability in [0, 1], got 1.5");
    require_workload_error("{open: {rate: 10}, retries: {attempts: 2, backoff: -1s}}", "workload.retries.backoff", "-1");
  }
  SECTION("an SLO of 0") {
    require_workload_error("{open: {rate: 10}, mix: {work: {slo: 0ms}}}", "workload.mix.work.slo", "must be a duration > 0, got '0ms'");
  }
}
