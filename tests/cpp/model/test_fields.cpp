// Tests for model/fields.hpp: the field descriptions drive parsing, checks and
// writing, so each is checked once here for what all three rely on.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "io/scenario_writer.hpp"
#include "model/fields.hpp"
#include "support/require_error.hpp"
#include "support/scenario_text.hpp"

using namespace servesim;
using servesim::test::require_error;
using servesim::test::with;
using servesim::detail::FieldType;
using servesim::detail::has_kind;
using servesim::detail::balancer_fields;
using servesim::detail::broker_fields;
using servesim::detail::burst_fields;
using servesim::detail::cache_fields;
using servesim::detail::closed_fields;
using servesim::detail::connection_fields;
using servesim::detail::database_fields;
using servesim::detail::endpoint_fields;
using servesim::detail::host_fields;
using servesim::detail::memory_fields;
using servesim::detail::model_server_fields;
using servesim::detail::pool_fields;
using servesim::detail::retry_fields;
using servesim::detail::run_fields;
using servesim::detail::server_fields;
using servesim::detail::service_fields;
using servesim::detail::stalls_fields;
using servesim::detail::task_pool_fields;

namespace {

const std::string kFieldsScenario = R"(
hosts:
  app: {cores: 4}
servers:
  web: {host: app, workers: 2}
endpoints:
  work: {server: web, phases: [{cpu: 10ms}]}
workload:
  open: {rate: 10}
)";

std::string docs_text() {
  std::ifstream file(std::filesystem::path(SERVESIM_SOURCE_DIR) / "docs" / "scenario-format.md");
  REQUIRE(file);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

// Keys are unique, and each is documented in the format's reference.
template <class R>
void check_description(std::span<const detail::Field<R>> fields, const std::string& docs) {
  std::set<std::string_view> keys;
  for (const detail::Field<R>& field : fields) {
    INFO(field.key);
    CHECK(keys.insert(field.key).second);
    const std::string key(field.key);
    CHECK((docs.find("`" + key) != std::string::npos || docs.find("." + key + "`") != std::string::npos));
    CHECK((field.type == FieldType::custom) == std::holds_alternative<std::monostate>(field.member));
  }
}

}  // namespace

TEST_CASE("every section's description has unique, documented keys", "[model][fields]") {
  const std::string docs = docs_text();
  check_description(host_fields(), docs);
  check_description(stalls_fields(), docs);
  check_description(server_fields(), docs);
  check_description(memory_fields(), docs);
  check_description(database_fields(), docs);
  check_description(pool_fields(), docs);
  check_description(service_fields(), docs);
  check_description(cache_fields(), docs);
  check_description(connection_fields(), docs);
  check_description(broker_fields(), docs);
  check_description(model_server_fields(), docs);
  check_description(task_pool_fields(), docs);
  check_description(balancer_fields(), docs);
  check_description(endpoint_fields(), docs);
  check_description(closed_fields(), docs);
  check_description(burst_fields(), docs);
  check_description(retry_fields(), docs);
  check_description(run_fields(), docs);
}

TEST_CASE("integer settings say their upper limit", "[model][fields]") {
  // Issue 13.8: `backlog: 1e12` said "must be an integer >= 1, got 1e12".
  require_error(with(kFieldsScenario, "workers: 2", "workers: 2, backlog: 1e12"), "servers.web.backlog",
                "must be <= 2147483647 (the largest integer a setting holds), got 1e12");
  require_error(with(kFieldsScenario, "workers: 2", "workers: 2, backlog: 0"), "servers.web.backlog",
                "must be an integer >= 1, got 0");
  require_error(with(kFieldsScenario, "workers: 2", "workers: 2.5"), "servers.web.workers", "must be an integer >= 1, got 2.5");
  require_error(with(kFieldsScenario, "{rate: 10}", "{rate: 10}\n  retries: {attempts: 101}"), "workload.retries.attempts",
                "must be <= 100 (retries multiply the load), got 101");
}

TEST_CASE("validate checks a scenario built in C++ against the same descriptions", "[model][fields]") {
  Scenario s = parse_scenario(kFieldsScenario);
  SECTION("a range") {
    // The parser's message, with the value as the struct holds it.
    s.servers[0].backlog = 0;
    CHECK_THROWS_WITH(s.validate(), "servers.web.backlog: must be an integer >= 1, got 0");
  }
  SECTION("a probability") {
    s.workload.retries.jitter = 1.5;
    CHECK_THROWS_WITH(s.validate(), "workload.retries.jitter: must be a probability in [0, 1], got 1.5");
  }
  SECTION("a setting of another kind, left at its default, is fine; changed, it is not") {
    s.servers[0].thread_pool = 40;
    CHECK_NOTHROW(s.validate());
    s.servers[0].limit_concurrency = 5;
    CHECK_THROWS_WITH(s.validate(), "servers.web.limit_concurrency: gunicorn-sync servers have no "
                                    "'limit_concurrency' setting (it belongs to uvicorn)");
  }
}

TEST_CASE("the writer writes a kind's own settings, and only those", "[model][fields]") {
  Scenario s = parse_scenario(with(kFieldsScenario, "workers: 2", "kind: uvicorn, workers: 2, limit_concurrency: 7"));
  const std::string json = detail::scenario_to_json(s);
  for (const detail::Field<Server>& field : server_fields()) {
    // Unset optionals are left out.
    if (field.type == FieldType::custom || field.key == "keepalive" || field.key == "free_threaded_slowdown" ||
        field.key == "memory_limit" || field.key == "backlog") {
      continue;
    }
    INFO(field.key);
    CHECK((json.find("\"" + std::string(field.key) + "\"") != std::string::npos) ==
          has_kind(field.kinds, ServerKind::uvicorn));
  }
  CHECK(parse_scenario(json).servers[0].limit_concurrency == 7);
}
