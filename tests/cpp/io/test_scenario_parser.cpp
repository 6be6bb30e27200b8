// Tests for io/scenario_parser.hpp: the scenario file format
// (docs/scenario-format.md) and its error messages.

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "servesim/errors.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/model/framework.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::require_scenario_error;
using servesim::test::with;
using Catch::Matchers::Contains;

namespace {

const std::filesystem::path kSourceDir = SERVESIM_SOURCE_DIR;

// A small valid scenario the error tests break one field at a time.
const std::string kParserScenario = R"(
hosts:
  app: {cores: 4}
servers:
  web: {host: app, workers: 2}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 10}
)";

// The distribution of the one cpu phase of kParserScenario, given as `spec`.
Distribution cpu_distribution(const std::string& spec) {
  Scenario s = parse_scenario(with(kParserScenario, "{cpu: 10ms}", "{cpu: " + spec + "}"));
  return s.endpoints.at(0).phases.at(0).duration;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path);
  REQUIRE(file);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

void require_same_distribution(const Distribution& a, const Distribution& b) {
  CHECK(a.kind() == b.kind());
  CHECK(a.mean() == b.mean());
  CHECK(a.cv() == b.cv());
}

void require_same(const Scenario& a, const Scenario& b) {
  CHECK(a.name == b.name);
  REQUIRE(a.hosts.size() == b.hosts.size());
  for (std::size_t i = 0; i < a.hosts.size(); ++i) {
    CHECK(a.hosts[i].name == b.hosts[i].name);
    CHECK(a.hosts[i].cores == b.hosts[i].cores);
    CHECK(a.hosts[i].speed == b.hosts[i].speed);
  }
  REQUIRE(a.servers.size() == b.servers.size());
  for (std::size_t i = 0; i < a.servers.size(); ++i) {
    CHECK(a.servers[i].name == b.servers[i].name);
    CHECK(a.servers[i].host == b.servers[i].host);
    CHECK(a.servers[i].kind == b.servers[i].kind);
    CHECK(a.servers[i].workers == b.servers[i].workers);
    CHECK(a.servers[i].backlog == b.servers[i].backlog);
    require_same_distribution(a.servers[i].framework_overhead, b.servers[i].framework_overhead);
  }
  REQUIRE(a.endpoints.size() == b.endpoints.size());
  for (std::size_t i = 0; i < a.endpoints.size(); ++i) {
    CHECK(a.endpoints[i].name == b.endpoints[i].name);
    CHECK(a.endpoints[i].server == b.endpoints[i].server);
    REQUIRE(a.endpoints[i].phases.size() == b.endpoints[i].phases.size());
    for (std::size_t j = 0; j < a.endpoints[i].phases.size(); ++j) {
      CHECK(a.endpoints[i].phases[j].kind == b.endpoints[i].phases[j].kind);
      require_same_distribution(a.endpoints[i].phases[j].duration,
                                b.endpoints[i].phases[j].duration);
    }
  }
  REQUIRE(a.workload.open.has_value() == b.workload.open.has_value());
  if (a.workload.open) {
    CHECK(a.workload.open->rate == b.workload.open->rate);
    CHECK(a.workload.open->arrivals == b.workload.open->arrivals);
  }
  REQUIRE(a.workload.closed.has_value() == b.workload.closed.has_value());
  REQUIRE(a.workload.mix.size() == b.workload.mix.size());
  CHECK(a.workload.client_timeout == b.workload.client_timeout);
  CHECK(a.run.duration == b.run.duration);
  CHECK(a.run.warmup_mode == b.run.warmup_mode);
  CHECK(a.run.warmup == b.run.warmup);
  CHECK(a.run.replications == b.run.replications);
  CHECK(a.run.seed == b.run.seed);
  CHECK(a.run.interval == b.run.interval);
}

}  // namespace

TEST_CASE("the two-sync-workers example parses to the M/M/2 model it describes") {
  // Expected values: the fields written in scenarios/two-sync-workers.yaml,
  // defaults from docs/scenario-format.md for the rest.
  Scenario s = load_scenario(kSourceDir / "scenarios/two-sync-workers.yaml");
  CHECK(s.name == "two-sync-workers");
  REQUIRE(s.hosts.size() == 1);
  CHECK(s.hosts[0].name == "app");
  CHECK(s.hosts[0].cores == 4);
  CHECK(s.hosts[0].speed == 1.0);
  REQUIRE(s.servers.size() == 1);
  CHECK(s.servers[0].name == "web");
  CHECK(s.servers[0].host == "app");
  CHECK(s.servers[0].kind == ServerKind::gunicorn_sync);
  CHECK(s.servers[0].workers == 2);
  CHECK(Scenario::backlog_of(s.servers[0]) == 2048);
  CHECK(s.servers[0].framework_overhead.kind() == DistributionKind::constant);
  CHECK(s.servers[0].framework_overhead.mean() == 0.0);
  REQUIRE(s.endpoints.size() == 1);
  CHECK(s.endpoints[0].name == "work");
  CHECK(s.endpoints[0].server == "web");
  REQUIRE(s.endpoints[0].phases.size() == 1);
  CHECK(s.endpoints[0].phases[0].kind == PhaseKind::cpu);
  CHECK(s.endpoints[0].phases[0].duration.kind() == DistributionKind::exponential);
  CHECK(s.endpoints[0].phases[0].duration.mean() == Approx(0.010));
  REQUIRE(s.workload.open);
  CHECK_FALSE(s.workload.closed);
  CHECK(s.workload.open->rate == 160.0);
  CHECK(s.workload.open->arrivals == ArrivalProcess::poisson);
  CHECK(s.workload.mix.empty());
  CHECK_FALSE(s.workload.client_timeout);
  CHECK(s.run.duration == 2000.0);
  CHECK(s.run.warmup_mode == WarmupMode::fixed);
  CHECK(s.run.warmup == 100.0);
  CHECK(s.run.replications == 4);
  CHECK(s.run.seed == 7u);
  CHECK(s.run.interval == 0.0);
}

TEST_CASE("a JSON scenario parses to the same Scenario as its YAML form") {
  const std::string json = R"({
    "name": "two-sync-workers",
    "hosts": {"app": {"cores": 4}},
    "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 2,
                        "framework": "none"}},
    "endpoints": {"work": {"server": "web",
                           "phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
    "workload": {"open": {"rate": 160}},
    "run": {"duration": 2000, "warmup": "100s", "replications": 4, "seed": 7}
  })";
  require_same(parse_scenario(json),
               load_scenario(kSourceDir / "scenarios/two-sync-workers.yaml"));
}

TEST_CASE("the example in docs/scenario-format.md is a valid scenario") {
  // The first ```yaml block of the format reference; its values are stated there.
  std::string doc = read_text(kSourceDir / "docs/scenario-format.md");
  auto start = doc.find("```yaml\n");
  REQUIRE(start != std::string::npos);
  start += 8;
  auto end = doc.find("```", start);
  REQUIRE(end != std::string::npos);
  Scenario s = parse_scenario(doc.substr(start, end - start));
  CHECK(s.name == "two-sync-workers");
  CHECK(s.servers.at(0).workers == 2);
  CHECK(s.endpoints.size() == 2);
  CHECK(s.workload.mix.size() == 2);
  CHECK(s.run.interval == 10.0);
}

TEST_CASE("omitted fields take their documented defaults") {
  // Defaults from docs/scenario-format.md: cores 1, speed 1.0, gunicorn-sync,
  // 1 worker, backlog 2048, the flask preset's costs, run 60 s, 1 replication, seed 1.
  const std::string minimal = R"(
hosts: {app: {}}
servers: {web: {}}
endpoints: {work: {phases: [{io: 20ms}]}}
workload: {closed: {users: 5}}
)";
  SECTION("without an origin the name is 'scenario'") {
    CHECK(parse_scenario(minimal).name == "scenario");
  }
  SECTION("with an origin the name is the file stem") {
    CHECK(parse_scenario(minimal, "plans/minimal.yaml").name == "minimal");
  }
  Scenario s = parse_scenario(minimal);
  CHECK(s.hosts.at(0).cores == 1);
  CHECK(s.hosts.at(0).speed == 1.0);
  CHECK(s.servers.at(0).host == "app");
  CHECK(s.servers.at(0).kind == ServerKind::gunicorn_sync);
  CHECK(s.servers.at(0).workers == 1);
  CHECK_FALSE(s.servers.at(0).backlog);  // gunicorn's default, 2048, from backlog_of
  CHECK(Scenario::backlog_of(s.servers.at(0)) == 2048);
  const FrameworkPreset flask = *find_framework_preset("flask");
  CHECK(s.servers.at(0).framework_overhead.mean() == Approx(flask.overhead_s));
  CHECK(s.servers.at(0).connection_overhead.mean() == Approx(flask.connection_overhead_s));
  CHECK(s.servers.at(0).thread_handoff.mean() == Approx(flask.thread_handoff_s));
  CHECK(s.servers.at(0).wait_overhead.mean() == Approx(flask.wait_overhead_s));
  CHECK(s.endpoints.at(0).server == "web");
  CHECK(s.endpoints.at(0).phases.at(0).kind == PhaseKind::io);
  CHECK(s.endpoints.at(0).phases.at(0).duration.mean() == Approx(0.020));
  CHECK(s.workload.closed->users == 5);
  CHECK(s.workload.closed->think_time.mean() == 0.0);
  CHECK(s.run.duration == 60.0);
  CHECK(s.run.warmup == 0.0);
  CHECK(s.run.replications == 1);
  CHECK(s.run.seed == 1u);
}

TEST_CASE("every optional field is read") {
  const std::string text = with(with(with(kParserScenario, "{cores: 4}", "{cores: 4, speed: 2.5}"),
                                     "{host: app, workers: 2}",
                                     "{host: app, workers: 2.0, backlog: 64, framework: django}"),
                                "open: {rate: 10}",
                                "open: {rate: 10, arrivals: constant}\n  mix: {work: 2}\n"
                                "  client_timeout: 1.5s\nrun: {duration: 2m, warmup: auto, "
                                "replications: 3, seed: 18446744073709551615, interval: 500ms}");
  Scenario s = parse_scenario(text);
  CHECK(s.hosts[0].speed == 2.5);
  CHECK(s.servers[0].workers == 2);
  CHECK(s.servers[0].backlog == 64);
  // Expected: the django preset, 345 us (model/framework.cpp).
  CHECK(s.servers[0].framework_overhead.mean() == Approx(0.000345));
  CHECK(s.workload.open->arrivals == ArrivalProcess::constant);
  REQUIRE(s.workload.mix.size() == 1);
  CHECK(s.workload.mix[0].endpoint == "work");
  CHECK(s.workload.mix[0].weight == 2.0);
  CHECK(s.workload.client_timeout == Approx(1.5));
  CHECK(s.run.duration == 120.0);
  CHECK(s.run.warmup_mode == WarmupMode::mser5);
  CHECK(s.run.replications == 3);
  CHECK(s.run.seed == 18446744073709551615u);
  CHECK(s.run.interval == Approx(0.5));
}

TEST_CASE("durations accept seconds and the units ns, us, ms, s, m, h") {
  // Expected: the number times the unit's length in seconds.
  CHECK(cpu_distribution("3").mean() == 3.0);
  CHECK(cpu_distribution("0.25").mean() == 0.25);
  CHECK(cpu_distribution("100ns").mean() == Approx(100e-9));
  CHECK(cpu_distribution("250us").mean() == Approx(250e-6));
  CHECK(cpu_distribution("5ms").mean() == Approx(0.005));
  CHECK(cpu_distribution("0.5s").mean() == Approx(0.5));
  CHECK(cpu_distribution("2m").mean() == Approx(120.0));
  CHECK(cpu_distribution("1h").mean() == Approx(3600.0));
  CHECK(cpu_distribution("1e3ms").mean() == Approx(1.0));
  CHECK(cpu_distribution("'7 ms'").mean() == Approx(0.007));
}

TEST_CASE("every distribution form parses to its family and mean") {
  using K = DistributionKind;
  SECTION("a scalar is a constant") {
    // Expected mean: the value, 7 ms.
    auto d = cpu_distribution("7ms");
    CHECK(d.kind() == K::constant);
    CHECK(d.mean() == Approx(0.007));
  }
  SECTION("constant {value}") {
    // Expected mean: value = 5 ms.
    auto d = cpu_distribution("{dist: constant, value: 5ms}");
    CHECK(d.kind() == K::constant);
    CHECK(d.mean() == Approx(0.005));
  }
  SECTION("exponential {mean}") {
    // Expected mean: 10 ms as given.
    auto d = cpu_distribution("{dist: exponential, mean: 10ms}");
    CHECK(d.kind() == K::exponential);
    CHECK(d.mean() == Approx(0.010));
  }
  SECTION("uniform {low, high}") {
    // Expected mean: (low + high) / 2 = (2 + 6) / 2 = 4 ms.
    auto d = cpu_distribution("{dist: uniform, low: 2ms, high: 6ms}");
    CHECK(d.kind() == K::uniform);
    CHECK(d.mean() == Approx(0.004));
  }
  SECTION("lognormal {mean, cv}") {
    // Expected mean: 10 ms as given.
    auto d = cpu_distribution("{dist: lognormal, mean: 10ms, cv: 1.5}");
    CHECK(d.kind() == K::lognormal);
    CHECK(d.mean() == Approx(0.010));
    CHECK(d.cv() == Approx(1.5));
  }
  SECTION("lognormal {p50, p99}") {
    // Expected mean: median * exp(sigma^2 / 2) with sigma = ln(p99 / p50) / z_0.99,
    // z_0.99 = 2.3263478740 (standard normal quantile).
    auto d = cpu_distribution("{dist: lognormal, p50: 10ms, p99: 100ms}");
    double sigma = std::log(10.0) / 2.3263478740408408;
    CHECK(d.kind() == K::lognormal);
    CHECK(d.mean() == Approx(0.010 * std::exp(sigma * sigma / 2)).epsilon(1e-6));
  }
  SECTION("gamma {mean, cv}") {
    // Expected mean: 20 ms as given.
    auto d = cpu_distribution("{dist: gamma, mean: 20ms, cv: 0.5}");
    CHECK(d.kind() == K::gamma);
    CHECK(d.mean() == Approx(0.020));
  }
  SECTION("pareto {mean, cv}") {
    // Expected mean: 30 ms as given.
    auto d = cpu_distribution("{dist: pareto, mean: 30ms, cv: 2}");
    CHECK(d.kind() == K::pareto);
    CHECK(d.mean() == Approx(0.030));
  }
  SECTION("pareto {alpha, scale}") {
    // Expected mean: alpha * scale / (alpha - 1) = 3 * 10 ms / 2 = 15 ms.
    auto d = cpu_distribution("{dist: pareto, alpha: 3, scale: 10ms}");
    CHECK(d.kind() == K::pareto);
    CHECK(d.mean() == Approx(0.015));
  }
  SECTION("hyperexponential {mean, cv}") {
    // Expected mean: 40 ms as given.
    auto d = cpu_distribution("{dist: hyperexponential, mean: 40ms, cv: 3}");
    CHECK(d.kind() == K::hyperexponential);
    CHECK(d.mean() == Approx(0.040));
  }
  SECTION("empirical {samples}") {
    // Expected mean: the sample mean, (1 + 2 + 6) / 3 = 3 ms.
    auto d = cpu_distribution("{dist: empirical, samples: [1ms, 2ms, 6ms]}");
    CHECK(d.kind() == K::empirical);
    CHECK(d.mean() == Approx(0.003));
  }
  SECTION("empirical {edges, weights}") {
    // Expected mean: weighted bin midpoints, (1 * 5 ms + 3 * 20 ms) / 4 = 16.25 ms.
    auto d = cpu_distribution("{dist: empirical, edges: [0, 10ms, 30ms], weights: [1, 3]}");
    CHECK(d.kind() == K::empirical);
    CHECK(d.mean() == Approx(0.01625));
  }
  SECTION("think_time and framework_overhead take distributions too") {
    // Expected means: 1 s think time, 0.2 ms overhead, as given.
    Scenario s = parse_scenario(with(
        with(kParserScenario, "open: {rate: 10}", "closed: {users: 3, think_time: {dist: exponential, mean: 1s}}"),
        "workers: 2", "workers: 2, framework_overhead: {dist: gamma, mean: 200us, cv: 0.3}"));
    CHECK(s.workload.closed->think_time.kind() == K::exponential);
    CHECK(s.workload.closed->think_time.mean() == Approx(1.0));
    CHECK(s.servers[0].framework_overhead.kind() == K::gamma);
    CHECK(s.servers[0].framework_overhead.mean() == Approx(0.0002));
  }
}

TEST_CASE("missing required fields are named") {
  require_error(with(kParserScenario, "hosts:\n  app: {cores: 4}\n", ""), "hosts", "required field is missing");
  require_error(with(kParserScenario, "workload:\n  open: {rate: 10}\n", ""), "workload",
                "required field is missing");
  require_error(with(kParserScenario, "{rate: 10}", "{arrivals: poisson}"), "workload.open.rate",
                "required field is missing");
  require_error(with(kParserScenario, ", phases: [{cpu: 10ms}]", ""), "endpoints.work.phases",
                "required field is missing");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: exponential}}"),
                "endpoints.work.phases[0].cpu.mean", "required field is missing");
  SECTION("a server's host may only be left out when there is one host") {
    require_error(with(with(kParserScenario, "app: {cores: 4}", "app: {cores: 4}\n  db: {}"), "host: app, ", ""),
                  "servers.web.host", "required field is missing (there are 2 hosts: app, db)");
  }
}

TEST_CASE("values of the wrong type are named with the value") {
  require_error(with(kParserScenario, "cores: 4", "cores: four"), "hosts.app.cores",
                "must be an integer >= 1, got 'four'");
  require_error(with(kParserScenario, "workers: 2", "workers: 2.5"), "servers.web.workers",
                "must be an integer >= 1, got 2.5");
  require_error(with(kParserScenario, "rate: 10", "rate: fast"), "workload.open.rate",
                "must be a number > 0, got 'fast'");
  require_error(with(kParserScenario, "rate: 10", "rate: [10]"), "workload.open.rate",
                "must be a number > 0, got a list");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: 5 parsecs}"), "endpoints.work.phases[0].cpu",
                "got '5 parsecs'");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: [1, 2]}"), "endpoints.work.phases[0].cpu",
                "must be a duration or a map with 'dist'");
  require_error(kParserScenario + "run: {seed: -1}\n", "run.seed", "must be an integer >= 0, got -1");
  SECTION("a boolean or a list where a map is expected") {
    require_error(with(kParserScenario, "hosts:\n  app: {cores: 4}", "hosts: true"), "hosts",
                  "must be a map of host names to their settings, got 'true'");
    require_error(with(kParserScenario, "web: {host: app, workers: 2}", "web: [app, 2]"), "servers.web",
                  "must be a map like {host: app, kind: gunicorn-sync, workers: 4}, got a list");
    require_error(with(kParserScenario, "open: {rate: 10}", "open: yes"), "workload.open",
                  "got 'yes'");
    require_error(with(kParserScenario, "[{cpu: 10ms}]", "{cpu: 10ms}"), "endpoints.work.phases",
                  "must be a list of phases");
    require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: 10ms, io: 5ms}"), "endpoints.work.phases[0]",
                  "must be a one-key map");
    require_error("- hosts\n- servers\n", "", "a scenario must be a map");
  }
}

TEST_CASE("zero and negative values are rejected with the value") {
  require_error(with(kParserScenario, "workers: 2", "workers: 0"), "servers.web.workers",
                "must be an integer >= 1, got 0");
  require_error(with(kParserScenario, "cores: 4", "cores: -2"), "hosts.app.cores",
                "must be an integer >= 1, got -2");
  require_error(with(kParserScenario, "rate: 10", "rate: 0"), "workload.open.rate",
                "must be a number > 0, got 0");
  require_error(with(kParserScenario, "cores: 4", "cores: 4, speed: -1"), "hosts.app.speed",
                "must be a number > 0, got -1");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: -5ms}"), "endpoints.work.phases[0].cpu",
                "must be a duration >= 0, got '-5ms'");
  require_error(kParserScenario + "run: {duration: 0s}\n", "run.duration", "must be a duration > 0, got '0s'");
  require_error(kParserScenario + "run: {warmup: -1s}\n", "run.warmup", "must be a duration >= 0, got '-1s'");
  require_error(kParserScenario + "run: {warmup: autoo}\n", "run.warmup",
                "must be a duration >= 0 or 'auto', got 'autoo'");
  require_error(kParserScenario + "run: {replications: 0}\n", "run.replications",
                "must be an integer >= 1, got 0");
  require_error(with(kParserScenario, "open: {rate: 10}", "closed: {users: 0}"), "workload.closed.users",
                "must be an integer >= 1, got 0");
}

TEST_CASE("unknown keys get a suggestion when one is close, else the valid keys") {
  require_error(with(kParserScenario, "workers: 2", "workrs: 2"), "servers.web.workrs",
                "unknown key; did you mean 'workers'?");
  require_error(with(kParserScenario, "{cores: 4}", "{cors: 4}"), "hosts.app.cors",
                "unknown key; did you mean 'cores'?");
  require_error(kParserScenario + "rnu: {seed: 3}\n", "rnu", "unknown key; did you mean 'run'?");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: exponential, maen: 1ms}}"),
                "endpoints.work.phases[0].cpu.maen", "did you mean 'mean'?");
  require_error(with(kParserScenario, "workers: 2", "colour: blue"), "servers.web.colour",
                "unknown key; valid keys: host, kind, workers, replicas, backlog, framework, framework_overhead, "
                "connection_overhead, switch_interval, python, free_threaded_slowdown, timeout");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{gpu: 10ms}"), "endpoints.work.phases[0].gpu",
                "unknown phase kind; did you mean 'cpu'?");
}

TEST_CASE("unknown names in enumerations get a suggestion and the known names") {
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: expo, mean: 10ms}}"),
                "endpoints.work.phases[0].cpu.dist",
                "unknown distribution 'expo'; did you mean 'exponential'? (known: constant, "
                "exponential, uniform, lognormal, gamma, pareto, hyperexponential, empirical)");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: weibull, mean: 10ms}}"),
                "endpoints.work.phases[0].cpu.dist", "unknown distribution 'weibull' (known: ");
  require_error(with(kParserScenario, "workers: 2", "workers: 2, framework: fask"), "servers.web.framework",
                "unknown framework 'fask'; did you mean 'flask'?");
  require_error(with(kParserScenario, "workers: 2", "workers: 2, kind: gunicorn_sync"), "servers.web.kind",
                "did you mean 'gunicorn-sync'?");
  require_error(with(kParserScenario, "rate: 10", "rate: 10, arrivals: poison"), "workload.open.arrivals",
                "did you mean 'poisson'?");
}

TEST_CASE("distribution parameters the family rejects are reported at the distribution") {
  // The factory's own message (servesim::Error) gets the field's path.
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: uniform, low: 6ms, high: 2ms}}"),
                "endpoints.work.phases[0].cpu", "");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: pareto, alpha: 0.5, scale: 1ms}}"),
                "endpoints.work.phases[0].cpu", "alpha");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: lognormal, mean: 1ms, p99: 5ms}}"),
                "endpoints.work.phases[0].cpu", "give either {mean, cv} or {p50, p99}, not both");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{cpu: {dist: empirical, samples: []}}"),
                "endpoints.work.phases[0].cpu", "samples");
}

TEST_CASE("cross-references and ranges are checked by Scenario::validate after parsing") {
  require_error(with(kParserScenario, "host: app", "host: ap"), "servers.web.host",
                "no host named 'ap'; did you mean 'app'?");
  require_error(with(kParserScenario, "server: web", "server: db"), "endpoints.work.server",
                "no server named 'db'");
  require_error(with(kParserScenario, "open: {rate: 10}", "open: {rate: 10}\n  mix: {wrok: 1}"),
                "workload.mix.wrok", "no endpoint named 'wrok'; did you mean 'work'?");
  require_error(with(kParserScenario, "open: {rate: 10}", "open: {rate: 10}\n  closed: {users: 2}"),
                "workload", "not both");
  require_error(with(kParserScenario, "open: {rate: 10}", "client_timeout: 1s"), "workload",
                "one of 'open'");
  require_error(kParserScenario + "run: {duration: 100s, warmup: 100s}\n", "run.warmup",
                "must be shorter than run.duration (100 s), got 100 s");
}

TEST_CASE("text that is not YAML is reported with its line and column") {
  const std::string broken = "hosts: {app: [cores: 4}\nservers: ]\n";
  SECTION("without an origin the path is empty") {
    require_error(broken, "", "not valid YAML");
  }
  SECTION("with an origin the path is the file name") {
    require_scenario_error([&] { (void)parse_scenario(broken, "broken.yaml"); }, "broken.yaml", "line 1, column");
  }
  SECTION("an empty document") { require_error("", "", "got an empty value"); }
}

TEST_CASE("an unreadable scenario file is reported with its name") {
  const auto missing = std::filesystem::temp_directory_path() / "servesim-no-such-scenario.yaml";
  const std::string message = require_scenario_error([&] { (void)load_scenario(missing); }, missing.string(), "");
  CHECK_THAT(message, Contains("servesim-no-such-scenario.yaml"));
  CHECK_THROWS_AS(load_scenario(std::filesystem::temp_directory_path()), ScenarioError);
}

TEST_CASE("YAML aliases cannot expand a small file into millions of values") {
  // Found by tests/fuzz: 60 endpoints x 330 phases x 330 samples, all aliases
  // of one list, is 6.5 million values from 3 KB; parsing took minutes and
  // gigabytes before the expansion was bounded.
  std::string endpoints = "{e0: {phases: &p [&q {io: {dist: empirical, samples: &s [&z 1ms";
  for (int i = 1; i < 330; ++i) endpoints += ", *z";
  endpoints += "]}}";
  for (int i = 1; i < 330; ++i) endpoints += ", *q";
  endpoints += "]}";
  for (int i = 1; i < 60; ++i) endpoints += ", e" + std::to_string(i) + ": {phases: *p}";
  endpoints += "}";
  const std::string laughs = with(kParserScenario, "work: {server: web, phases: [{cpu: 10ms}]}", endpoints);
  require_error(laughs, "", "YAML aliases (*name) expand the document to more than");
  // An alias inside its own anchor is a cycle: infinitely deep, so the
  // nesting limit stops the walk.
  CHECK_THROWS_WITH(parse_scenario("hosts: &h {app: *h}\n"),
                    Catch::Matchers::StartsWith("hosts.app.app.app") && Catch::Matchers::Contains("the limit is 64"));
  SECTION("moderate reuse is fine") {
    // Expected: 3 endpoints sharing one aliased phase list parse normally.
    const Scenario s = parse_scenario(with(kParserScenario, "work: {server: web, phases: [{cpu: 10ms}]}",
                                           "{a: {phases: &p [{cpu: 1ms}, {io: 2ms}]}, "
                                           "b: {phases: *p}, c: {phases: *p}}"));
    REQUIRE(s.endpoints.size() == 3);
    CHECK(s.endpoints[2].phases.size() == 2);
  }
}

TEST_CASE("The Python server runtimes parse as the issue's examples write them") {
  const std::string uvicorn = R"(
name: fastapi-io-bound
hosts:
  app: {cores: 1}
servers:
  api: {host: app, kind: uvicorn, workers: 1, framework: fastapi}
endpoints:
  orders: {server: api, style: async, phases: [{cpu: 1ms}, {io: 50ms}]}
workload:
  closed: {users: 128, think_time: 0s}
run: {duration: 60s, warmup: 5s, replications: 3, seed: 1}
)";
  SECTION("uvicorn with an async endpoint") {
    const Scenario s = parse_scenario(uvicorn);
    CHECK(s.servers[0].kind == ServerKind::uvicorn);
    CHECK(s.servers[0].thread_pool == 40);
    CHECK(Scenario::keepalive_of(s.servers[0]) == 5.0);
    CHECK(s.style_of(s.endpoints[0]) == EndpointStyle::async);
    CHECK(s.endpoints[0].phases[1].kind == PhaseKind::io);
  }
  SECTION("gthread") {
    const Scenario s = parse_scenario(with(with(uvicorn, "kind: uvicorn, workers: 1, framework: fastapi",
                                                "kind: gunicorn-gthread, workers: 2, threads: 8, framework: flask"),
                                           "style: async, ", ""));
    CHECK(s.servers[0].kind == ServerKind::gunicorn_gthread);
    CHECK(s.servers[0].threads == 8);
    CHECK(s.style_of(s.endpoints[0]) == EndpointStyle::sync);
  }
  SECTION("sync workers") {
    const Scenario s = parse_scenario(with(with(uvicorn, "kind: uvicorn, workers: 1", "kind: gunicorn-sync, workers: 8"),
                                           "style: async, ", ""));
    CHECK(s.servers[0].workers == 8);
    CHECK(s.servers[0].timeout == 30.0);
  }
  SECTION("a blocking call in async def, background work, native code") {
    const Scenario s = parse_scenario(with(uvicorn, "[{cpu: 1ms}, {io: 50ms}]",
                                           "[{cpu: 1ms}, {blocking_io: 10ms}, {cpu_nogil: 2ms}, {background: 1ms}]"));
    CHECK(s.endpoints[0].phases[1].kind == PhaseKind::blocking_io);
    CHECK(s.endpoints[0].phases[2].kind == PhaseKind::cpu_nogil);
    CHECK(s.endpoints[0].phases[3].kind == PhaseKind::background);
  }
  SECTION("every server setting") {
    const Scenario s = parse_scenario(with(uvicorn, "workers: 1, framework: fastapi",
                                           "workers: 2, framework_overhead: 100us, limit_concurrency: 100, thread_pool: 8, "
                                           "keepalive: 1s, switch_interval: 1ms, connection_overhead: 50us, "
                                           "thread_handoff: 20us, wait_overhead: {dist: exponential, mean: 30us}"));
    CHECK(*s.servers[0].limit_concurrency == 100);
    CHECK(s.servers[0].thread_pool == 8);
    CHECK(Scenario::keepalive_of(s.servers[0]) == 1.0);
    CHECK(s.servers[0].switch_interval == Approx(0.001));
    CHECK(s.servers[0].connection_overhead.mean() == Approx(50e-6));
    CHECK(s.servers[0].thread_handoff.mean() == Approx(20e-6));
    CHECK(s.servers[0].wait_overhead.kind() == DistributionKind::exponential);
    CHECK(s.servers[0].wait_overhead.mean() == Approx(30e-6));
  }
  SECTION("a bad wait_overhead is named") {
    require_error(with(uvicorn, "workers: 1", "workers: 1, wait_overhead: -30us"), "servers.api.wait_overhead",
                  ">= 0");
    require_error(with(uvicorn, "workers: 1", "workers: 1, wait_overhead: {dist: exponential}"),
                  "servers.api.wait_overhead.mean", "required field is missing");
  }
}

TEST_CASE("Runtime settings a server kind cannot take are rejected by name") {
  const std::string gthread = with(kParserScenario, "workers: 2", "kind: gunicorn-gthread, workers: 2");
  const std::string uvicorn = with(kParserScenario, "workers: 2", "kind: uvicorn, workers: 2");
  require_error(with(kParserScenario, "workers: 2", "kind: tornado"), "servers.web.kind",
                "unknown server kind 'tornado' (known: gunicorn-sync, gunicorn-gthread, gunicorn-gevent, uvicorn, "
                "hypercorn, granian, gunicorn-uvicorn)");
  require_error(with(kParserScenario, "workers: 2", "workers: 2, threads: 8"), "servers.web.threads",
                "gunicorn-sync servers have no 'threads' setting (it belongs to gunicorn-gthread)");
  require_error(with(gthread, "workers: 2", "workers: 2, limit_concurrency: 5"), "servers.web.limit_concurrency",
                "gunicorn-gthread servers have no 'limit_concurrency' setting (it belongs to uvicorn)");
  require_error(with(uvicorn, "workers: 2", "workers: 2, thread_pool: 0"), "servers.web.thread_pool",
                "must be an integer >= 1, got 0");
  require_error(with(gthread, "workers: 2", "workers: 2, threads: 0"), "servers.web.threads",
                "must be an integer >= 1, got 0");
  require_error(with(uvicorn, "workers: 2", "workers: 2, switch_interval: 0ms"), "servers.web.switch_interval",
                "must be a duration > 0");
  require_error(with(kParserScenario, "phases: [{cpu: 10ms}]", "style: async, phases: [{cpu: 10ms}]"), "endpoints.work.style",
                "async endpoints need an event loop (kind uvicorn); server 'web' is gunicorn-sync");
  require_error(with(kParserScenario, "{cpu: 10ms}", "{blocking_io: 10ms}"), "endpoints.work.phases[0].blocking_io",
                "gunicorn-sync has no event loop to stall");
  require_error(with(uvicorn, "phases: [{cpu: 10ms}]", "style: sync, phases: [{blocking_io: 10ms}]"),
                "endpoints.work.phases[0].blocking_io", "this endpoint runs on a thread (style sync); there, use io");
  require_error(with(gthread, "{cpu: 10ms}", "{background: 10ms}"), "endpoints.work.phases[0].background",
                "work after the response needs uvicorn");
  require_error(with(uvicorn, "phases:", "style: coroutine, phases:"), "endpoints.work.style",
                "must be 'sync' (a plain def) or 'async' (an async def), got 'coroutine'");
}

TEST_CASE("names with control or invisible characters are rejected, and messages escape them") {
  // Issue 13.9: an ANSI escape, a NUL or a zero-width space made names that
  // print alike (or recolour the terminal) while naming different things.
  require_error(with(kParserScenario, "web: {host", "\"web\\e[31m\": {host"), "servers[0].name",
                "'web\\x1B[31m' holds an invisible or control character (U+001B at byte 3); names must be visible text");
  require_error(with(kParserScenario, "app: {cores: 4}", "\"a\\0pp\": {cores: 4}"), "hosts[0].name", "U+0000 at byte 1");
  require_error(with(kParserScenario, "work: {server", "\"work\\u200B\": {server"), "endpoints[0].name", "U+200B at byte 4");
  require_error("name: \"x\\e]0;title\\a\"\n" + kParserScenario, "name", "holds an invisible or control character");
  // A reference is matched, not rejected; its message escapes what it quotes.
  const std::string message = require_scenario_error(
      [&] { (void)parse_scenario(with(kParserScenario, "host: app", "host: \"ap\\ep\"")); }, "servers.web.host",
      "no host named 'ap\\x1Bp'");
  CHECK(message.find('\x1b') == std::string::npos);
  // So does an unknown key's path.
  require_error(with(kParserScenario, "workers: 2", "\"work\\ters\": 2"), "servers.web.work\\ters", "unknown key");
}
