// Comparison cases with long-lived connections (cases.<name>.connections) and
// task queues (brokers, task_workers, enqueue phases): each run is the
// scenario one would write by hand, so it simulates to the same result with
// the same seed, and bad input names the comparison's field.

#include <catch2/catch.hpp>

#include <string>

#include "io/scenario_writer.hpp"
#include "servesim/io/comparison_parser.hpp"
#include "servesim/io/result_json.hpp"
#include "servesim/io/scenario_parser.hpp"
#include "servesim/sim/simulate.hpp"
#include "support/require_error.hpp"

using namespace servesim;
using servesim::test::require_scenario_error;

namespace {

// A chat case (WebSockets beside a REST call) and an offload case (a Celery
// task published, 202 at once), on Gunicorn sync and Uvicorn.
std::string patterns_text(const std::string& room_extra = "", const std::string& offload_task = "render",
                          const std::string& sync_kind = "gunicorn-sync") {
  return "name: patterns\n"
         "hosts: {app: {cores: 2}, jobs: {cores: 2}}\n"
         "deployments:\n"
         "  sync: {host: app, kind: " + sync_kind + ", workers: 3, framework: none}\n"
         "  async: {host: app, kind: uvicorn, workers: 1, framework: none}\n"
         "brokers: {redis: {command_time: 300us}}\n"
         "task_workers:\n"
         "  celery: {host: jobs, concurrency: 2, tasks: {render: [{cpu: {dist: exponential, mean: 5ms}}]}}\n"
         "cases:\n"
         "  chat:\n"
         "    style: async\n"
         "    phases: [{cpu: 1ms}, {io: 5ms}]\n"
         "    connections:\n"
         "      room: {count: 200, messages: 0.5, phases: [{cpu: 300us}, {blocking_io: 1ms}]" + room_extra + "}\n"
         "  offload: {style: async, phases: [{cpu: 2ms}, {enqueue: {task: " + offload_task + "}}]}\n"
         "users: [20, 50]\n"
         "think_time: {dist: exponential, mean: 200ms}\n"
         "run: {duration: 20s, warmup: 2s, replications: 2, seed: 7}\n";
}

// The runs of the comparison above, written as scenario files.
std::string chat_by_hand(const std::string& kind, const std::string& server, const std::string& blocking) {
  return "name: 'patterns: " + server + ", chat, 50 users'\n"
         "hosts: {app: {cores: 2}, jobs: {cores: 2}}\n"
         "servers: {" + server + ": {host: app, kind: " + kind + ", workers: " +
         (kind == "uvicorn" ? "1" : "3") + ", framework: none}}\n"
         "brokers: {redis: {command_time: 300us}}\n"
         "task_workers:\n"
         "  celery: {host: jobs, concurrency: 2, tasks: {render: [{cpu: {dist: exponential, mean: 5ms}}]}}\n"
         "endpoints:\n"
         "  chat: {" + std::string(kind == "uvicorn" ? "style: async, " : "") +
         "phases: [{cpu: 1ms}, {io: 5ms}]}\n"
         "connections:\n"
         "  room: {server: " + server + ", count: 200, messages: 0.5, phases: [{cpu: 300us}, {" + blocking +
         ": 1ms}]}\n"
         "workload:\n"
         "  closed: {users: 50, think_time: {dist: exponential, mean: 200ms}}\n"
         "run: {duration: 20s, warmup: 2s, replications: 2, seed: 7}\n";
}

}  // namespace

TEST_CASE("a case's connections and task queues give the scenario written by hand", "[io][comparison]") {
  const Comparison c = parse_comparison(patterns_text(), "patterns.yaml");
  REQUIRE(c.connections.count("chat") == 1);
  CHECK(c.connections.at("chat").at(0).server.empty());
  CHECK(c.connections.count("offload") == 0);
  // Uvicorn runs a message on its loop: the blocking call stalls it, as in the
  // case. A sync worker runs it on its own thread: an ordinary wait.
  for (const auto& [kind, server, blocking] : {std::tuple<std::string, std::string, std::string>{
                                                   "uvicorn", "async", "blocking_io"},
                                               {"gunicorn-sync", "sync", "io"}}) {
    INFO(server);
    const Scenario generated = c.scenario(server, "chat", 50);
    const Scenario written = parse_scenario(chat_by_hand(kind, server, blocking));
    CHECK(detail::scenario_to_json(generated) == detail::scenario_to_json(written));
    // Same model, same seed: the same numbers, to the last digit.
    const Result from_comparison = simulate(generated);
    CHECK(to_json(from_comparison) == to_json(simulate(written)));
    REQUIRE(from_comparison.connections.size() == 1);
    // 200 sockets: Uvicorn holds them all; 3 sync workers hold 3 (flask-sock).
    CHECK(from_comparison.connections[0].mean_open.value == Approx(kind == "uvicorn" ? 200.0 : 3.0).epsilon(0.01));
  }
  const Scenario offload = c.scenario("sync", "offload", 20);
  CHECK(offload.connections.empty());
  REQUIRE(offload.task_workers.size() == 1);
  const Result tasks = simulate(offload);
  REQUIRE(tasks.task_workers.size() == 1);
  CHECK(tasks.task_workers[0].completed > 0);
}

TEST_CASE("bad connections and tasks in a comparison name the case's field", "[io][comparison]") {
  // The default room, with one setting changed.
  auto room = [](const std::string& from, const std::string& to) {
    std::string text = patterns_text();
    text.replace(text.find(from), from.size(), to);
    return text;
  };
  require_scenario_error([&] { (void)parse_comparison(room("messages: 0.5", "messages: 0")); },
                         "cases.chat.connections.room.messages", "got 0");
  require_scenario_error([] { (void)parse_comparison(patterns_text(", server: sync")); },
                         "cases.chat.connections.room.server", "remove 'server'");
  require_scenario_error([] { (void)parse_comparison(patterns_text(", chunks: 4")); },
                         "cases.chat.connections.room.chunks", "belongs to kind stream");
  require_scenario_error([&] { (void)parse_comparison(room("{blocking_io: 1ms}", "{call: api}")); },
                         "cases.chat.connections.room.phases[1].call", "a message runs cpu, cpu_nogil, io");
  require_scenario_error([&] { (void)parse_comparison(room("count: 200", "count: 0")); },
                         "cases.chat.connections.room.count", "got 0");
  require_scenario_error([] { (void)parse_comparison(patterns_text("", "rendr")); },
                         "cases.offload.phases[1].enqueue", "no task named 'rendr'; did you mean 'render'?");
  require_scenario_error([] { (void)parse_comparison(patterns_text("", "render", "gunicorn-gthread")); },
                         "cases.chat.connections.room", "cannot run on gunicorn-gthread (deployment 'sync')");
  std::string no_pool_host = patterns_text();
  no_pool_host.replace(no_pool_host.find("host: jobs, "), 12, "");
  require_scenario_error([&] { (void)parse_comparison(no_pool_host); }, "task_workers.celery.host",
                         "required field is missing");
  std::string misspelt = patterns_text();
  misspelt.replace(misspelt.find("    connections:"), 16, "    conections:");
  require_scenario_error([&] { (void)parse_comparison(misspelt); }, "cases.chat.conections",
                         "did you mean 'connections'?");
}
