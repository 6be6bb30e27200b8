// Comparison files: read by the scenario's own section parsers, so errors
// carry the comparison's paths; every run is an ordinary scenario.

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "io/scenario_writer.hpp"
#include "servesim/io/comparison_parser.hpp"
#include "servesim/io/documents.hpp"
#include "support/require_error.hpp"

using namespace servesim;
using servesim::test::require_scenario_error;

namespace {

// Gunicorn sync against Uvicorn on one host, one case with a blocking call.
std::string comparison_text(const std::string& deployments_extra = "", const std::string& cases_extra = "",
                            const std::string& tail = "") {
  return "name: small\n"
         "hosts: {app: {cores: 8}}\n"
         "deployments:\n"
         "  sync: {kind: gunicorn-sync, workers: 3, framework: none" + deployments_extra + "}\n"
         "  async: {kind: uvicorn, workers: 2, framework: none}\n"
         "cases:\n"
         "  call: {style: async, phases: [{cpu: 2ms}, {blocking_io: 18ms}]" + cases_extra + "}\n"
         "users: [10, 400]\n"
         "think_time: 1s\n" + tail;
}

}  // namespace

TEST_CASE("a comparison file builds one scenario per run", "[io][comparison]") {
  const Comparison c = parse_comparison(comparison_text(), "dir/small-file.yaml");
  CHECK(c.name == "small");
  CHECK(c.users == std::vector<int>{10, 400});
  REQUIRE(c.deployments.size() == 2);
  CHECK(c.deployments[0].workers == 3);
  CHECK(c.think_time.mean() == Approx(1.0));

  // Gunicorn runs the endpoint on a thread: no style, the blocking call is an io wait.
  const Scenario sync = c.scenario("sync", "call", 400);
  CHECK(sync.name == "small: sync, call, 400 users");
  REQUIRE(sync.servers.size() == 1);
  REQUIRE(sync.endpoints.size() == 1);
  CHECK(sync.endpoints[0].server == "sync");
  CHECK_FALSE(sync.endpoints[0].style.has_value());
  CHECK(sync.endpoints[0].phases[1].kind == PhaseKind::io);
  REQUIRE(sync.workload.closed.has_value());
  CHECK(sync.workload.closed->users == 400);
  CHECK_NOTHROW(sync.validate());

  // An async def on Uvicorn keeps the call that stalls its loop.
  const Scenario loop = c.scenario("async", "call", 10);
  CHECK(loop.endpoints[0].style == EndpointStyle::async);
  CHECK(loop.endpoints[0].phases[1].kind == PhaseKind::blocking_io);

  // A run is a scenario like any other: its JSON parses back to the same model.
  CHECK(detail::scenario_to_json(parse_scenario(detail::scenario_to_json(sync))) == detail::scenario_to_json(sync));
}

TEST_CASE("the file name is the default comparison name", "[io][comparison]") {
  std::string text = comparison_text();
  text.erase(0, text.find('\n') + 1);
  CHECK(parse_comparison(text, "dir/my-comparison.yaml").name == "my-comparison");
  CHECK(parse_comparison(text).name == "comparison");
}

TEST_CASE("comparison errors name the comparison's fields", "[io][comparison]") {
  // The scenario parser's own checks, at the comparison's paths.
  std::string no_workers = comparison_text();
  no_workers.replace(no_workers.find("workers: 3"), 10, "workers: 0");
  require_scenario_error([&] { (void)parse_comparison(no_workers); }, "deployments.sync.workers",
                         "must be an integer >= 1, got 0");
  require_scenario_error([] { (void)parse_comparison(comparison_text(", threads: 4")); },
                         "deployments.sync.threads", "gunicorn-sync servers have no 'threads'");
  require_scenario_error([] { (void)parse_comparison(comparison_text(", host: ap")); },
                         "deployments.sync.host", "no host named 'ap'; did you mean 'app'?");
  require_scenario_error([] { (void)parse_comparison(comparison_text("", ", server: sync")); },
                         "cases.call.server", "a case runs on every deployment");
  require_scenario_error([] { (void)parse_comparison(comparison_text("", ", phase: []")); },
                         "cases.call.phase", "did you mean 'phases'?");
  require_scenario_error([] { (void)parse_comparison(comparison_text("", "", "run: {duration: 10, warmup: 20}\n")); },
                         "run.warmup", "must be shorter than run.duration");
  require_scenario_error([] { (void)parse_comparison(comparison_text("", "", "client_timeout: -1s\n")); },
                         "client_timeout", "-1s");
  require_scenario_error([] { (void)parse_comparison(comparison_text("", "", "question: 3\n")); },
                         "question", "must be a string, got 3");
  // Background work needs Uvicorn, and the sync deployment is Gunicorn.
  std::string background = comparison_text();
  background.replace(background.find("{blocking_io: 18ms}"), 19, "{background: 5ms}");
  require_scenario_error([&] { (void)parse_comparison(background); }, "cases.call.phases[1].background",
                         "deployment 'sync' is gunicorn-sync");
}

TEST_CASE("users are listed once each, within the scenario's bounds", "[io][comparison]") {
  auto with_users = [](const std::string& users) {
    std::string text = comparison_text();
    text.replace(text.find("users: [10, 400]"), 16, "users: " + users);
    return text;
  };
  CHECK(parse_comparison(with_users("25")).users == std::vector<int>{25});
  require_scenario_error([&] { (void)parse_comparison(with_users("0")); }, "users", "got 0");
  require_scenario_error([&] { (void)parse_comparison(with_users("[100, many]")); }, "users[1]", "got 'many'");
  require_scenario_error([&] { (void)parse_comparison(with_users("[100, 100]")); }, "users[1]", "100 is listed twice");
  require_scenario_error([&] { (void)parse_comparison(with_users("[]")); }, "users", "at least one");
  require_scenario_error([&] { (void)parse_comparison(with_users("[10, 20000000]")); }, "cases.call", "20000000 users");
}

TEST_CASE("a scenario file given as a comparison says what it is", "[io][comparison]") {
  const std::string scenario = "hosts: {app: {cores: 1}}\nservers: {web: {}}\n"
                               "endpoints: {e: {phases: [{cpu: 1ms}]}}\nworkload: {open: {rate: 1}}\n";
  require_scenario_error([&] { (void)parse_comparison(scenario, "s.yaml"); }, "s.yaml",
                         "this is a scenario file");
}

TEST_CASE("the example comparison files parse", "[io][comparison]") {
  const auto dir = std::filesystem::path(SERVESIM_SOURCE_DIR) / "scenarios";
  const Comparison flagship = load_comparison(dir / "flask_vs_fastapi.yaml");
  CHECK(flagship.cases.size() == 6);
  CHECK(flagship.connections.count("chat") == 1);
  CHECK(flagship.task_workers.size() == 1);
  CHECK(flagship.users == std::vector<int>{100, 1000, 10000});
  CHECK_FALSE(load_comparison(dir / "flask_vs_fastapi_postgres.yaml").databases.empty());
}

TEST_CASE("documents read as the C++ parsers read them", "[io][documents]") {
  // Unquoted numbers, booleans and nulls are JSON values; units and quoted text stay text.
  CHECK(document_to_json("a: 5\nb: 5ms\nc: '5'\nd: 2.5\ne: ~\nf: true\ng: [1, x]\n") ==
        R"({"a":5,"b":"5ms","c":"5","d":2.5,"e":null,"f":true,"g":[1,"x"]})");
  require_scenario_error([] { (void)document_to_json("a: [1,\n", "f.yaml"); }, "f.yaml", "not valid YAML");
}

TEST_CASE("a key given twice is refused rather than read two ways", "[io][documents]") {
  require_scenario_error([] { (void)document_to_json("servers:\n  web: {workers: 2, workers: 8}\n"); },
                         "servers.web.workers", "appears twice in one map, at line 2, column 9 and at line 2, column 21");
}
