#include "servesim/io/scenario_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <vector>

#include "io/distribution_parser.hpp"
#include "io/field_reader.hpp"
#include "io/plan_parser.hpp"
#include "io/ranges.hpp"
#include "io/section_parsers.hpp"
#include "core/messages.hpp"
#include "io/yaml_document.hpp"
#include "io/yaml_field.hpp"
#include "model/enum_names.hpp"
#include "servesim/errors.hpp"
#include "servesim/model/framework.hpp"
#include "servesim/model/memory.hpp"
#include "core/names.hpp"

namespace servesim {
namespace {

using detail::names_of;

using detail::Bound;
using detail::YamlField;

// With exactly one candidate a reference may be left out; otherwise it is required.
std::string reference(const YamlField& map, const std::string& key,
                      const std::vector<std::string>& names, const char* kind) {
  if (auto field = map.optional(key)) return field->as_string();
  if (names.size() == 1) return names.front();
  map.child(key).fail("required field is missing (there are " + std::to_string(names.size()) +
                      " " + kind + ": " + detail::join(names) + ")");
}

FrameworkPreset framework_preset(const YamlField& f, ServerKind kind) {
  std::string name = "flask";
  if (auto framework = f.optional("framework")) name = framework->as_string();
  const auto found = find_framework_preset(name, kind);
  if (!found) {
    auto known = names_of(framework_presets());
    f.child("framework").fail("unknown framework '" + name + "'" + detail::did_you_mean(name, known) +
                              " (known: " + detail::join(known) + ")");
  }
  return *found;
}

Phase parse_phase(const YamlField& f);

std::vector<Phase> parse_phases(const YamlField& f) {
  std::vector<Phase> phases;
  for (const auto& item : f.items("a list of phases like [{cpu: 10ms}, {io: 20ms}]")) {
    phases.push_back(parse_phase(item));
  }
  return phases;
}

// {db: pg} or {db: {database: pg, query: 5ms}}
void parse_db(const YamlField& value, Phase& phase) {
  phase.has_duration = false;
  if (value.is_scalar()) {
    phase.target = value.as_string();
    return;
  }
  value.expect_keys({"database", "query"}, "a database name, or a map like {database: pg, query: 5ms}");
  phase.target = value.required("database").as_string();
  if (auto query = value.optional("query")) {
    phase.duration = detail::parse_distribution(*query);
    phase.has_duration = true;
  }
}

// {call: payments} or {call: {service: payments}}
void parse_call(const YamlField& value, Phase& phase) {
  if (value.is_scalar()) {
    phase.target = value.as_string();
    return;
  }
  value.expect_keys({"service"}, "a service name, or a map like {service: payments}");
  phase.target = value.required("service").as_string();
}

// {hit_ratio: 0.9, hit: [...], miss: [...]}, with `store: redis` a command
// at that store first; `store` alone is one command (a SET after a miss).
void parse_cache(const YamlField& value, Phase& phase) {
  value.expect_keys({"store", "hit_ratio", "hit", "miss"},
                    "a map like {store: redis, hit_ratio: 0.9, hit: [{io: 1ms}], miss: [{db: pg}]}");
  if (auto store = value.optional("store")) phase.target = store->as_string();
  if (phase.target.empty() || value.optional("hit_ratio")) {
    phase.hit_ratio = value.required("hit_ratio").as_number(Bound::non_negative);
  }
  if (auto hit = value.optional("hit")) phase.hit = parse_phases(*hit);
  if (auto miss = value.optional("miss")) phase.miss = parse_phases(*miss);
}

// {cpu_nogil: 40ms}, or {cpu_nogil: {time: 40ms, threads: 4}}: 40 ms of CPU
// split over 4 threads (a map with neither key is a distribution).
void parse_native(const YamlField& value, Phase& phase) {
  if (!value.is_map() || (!value.optional("threads") && !value.optional("time"))) {
    phase.duration = detail::parse_distribution(value);
    return;
  }
  value.expect_keys({"time", "threads"}, "a distribution, or a map like {time: 40ms, threads: 4}");
  phase.duration = detail::parse_distribution(value.required("time"));
  if (auto threads = value.optional("threads")) phase.threads = threads->as_int(1);
}

// {enqueue: report} or {enqueue: {task: report, wait: true}}
void parse_enqueue(const YamlField& value, Phase& phase) {
  phase.has_duration = false;
  if (value.is_scalar()) {
    phase.target = value.as_string();
    return;
  }
  value.expect_keys({"task", "wait"}, "a task name, or a map like {task: build_report, wait: false}");
  phase.target = value.required("task").as_string();
  if (auto wait = value.optional("wait")) {
    const std::string text = wait->is_scalar() ? wait->as_string() : "";
    if (text == "true" || text == "True" || text == "TRUE") {
      phase.wait = true;
    } else if (text != "false" && text != "False" && text != "FALSE") {
      wait->fail("must be true (hold the request until the task has run) or false (answer once it is "
                 "published), got " + wait->describe());
    }
  }
}

Phase parse_phase(const YamlField& f) {
  const char* shape = "a one-key map like {cpu: 10ms} or {io: 20ms}";
  f.expect_map(shape);
  auto entries = f.entries();
  if (entries.size() != 1) f.fail(std::string("must be ") + shape + ", got " + f.describe());
  const auto& [kind, value] = entries.front();
  const auto known = detail::enum_names<PhaseKind>();
  const auto phase_kind = detail::enum_value<PhaseKind>(kind);
  if (!phase_kind) {
    value.fail("unknown phase kind" + detail::did_you_mean(kind, known) + " (known: " + detail::join(known) + ")");
  }
  Phase phase;
  phase.kind = *phase_kind;
  switch (phase.kind) {
    case PhaseKind::db: parse_db(value, phase); break;
    case PhaseKind::call: parse_call(value, phase); break;
    case PhaseKind::cache: parse_cache(value, phase); break;
    case PhaseKind::enqueue: parse_enqueue(value, phase); break;
    case PhaseKind::cpu_nogil: parse_native(value, phase); break;
    case PhaseKind::infer:  // {infer: llm}: the model server's batches time it
      phase.has_duration = false;
      phase.target = value.as_string();
      break;
    default: phase.duration = detail::parse_distribution(value); break;
  }
  return phase;
}

EndpointStyle parse_style(const YamlField& f) {
  const std::string style = f.as_string();
  if (auto value = detail::enum_value<EndpointStyle>(style)) return *value;
  f.fail("must be 'sync' (a plain def) or 'async' (an async def), got '" + style + "'");
}

std::string default_scenario_name(const std::string& origin) {
  std::string stem = std::filesystem::path(origin).stem().string();
  return stem.empty() ? Scenario{}.name : stem;
}

}  // namespace

namespace detail {

Host parse_host(const std::string& name, const YamlField& f) {
  Host host;
  host.name = name;
  detail::read_section(f, host, detail::host_fields(), "a map like {cores: 4, speed: 1.0}");
  if (auto stalls = f.optional("stalls")) {
    detail::read_section(*stalls, host.stalls, detail::stalls_fields(), "a map like {share: 0.02, length: 3ms}");
  }
  return host;
}

Server parse_server(const std::string& name, const YamlField& f, const std::vector<Host>& hosts) {
  const auto fields = detail::server_fields();
  f.expect_keys(detail::field_keys(fields), "a map like {host: app, kind: gunicorn-sync, workers: 4}");
  Server server;
  server.name = name;
  server.host = reference(f, "host", names_of(hosts), "hosts");
  if (auto kind = f.optional("kind")) server.kind = detail::parse_enum<ServerKind>(*kind);
  detail::reject_other_kinds(f, fields, server.kind);
  // The preset first: explicit overheads override it.
  const FrameworkPreset preset = framework_preset(f, server.kind);
  server.framework_overhead = Distribution::constant(preset.overhead_s);
  server.connection_overhead = Distribution::constant(preset.connection_overhead_s);
  server.thread_handoff = Distribution::constant(preset.thread_handoff_s);
  server.wait_overhead = Distribution::constant(preset.wait_overhead_s);
  server.wait_crowding = preset.wait_crowding_s;
  server.memory = memory_preset(preset.name);
  detail::read_fields(f, server, fields);
  if (auto memory = f.optional("memory")) {
    detail::read_section(*memory, server.memory, detail::memory_fields(), "a map like {process: 80MB, thread: 1MB, connection: 64KB}");
  }
  if (auto python = f.optional("python")) server.python = detail::parse_enum<PythonBuild>(*python);
  return server;
}

Endpoint parse_endpoint(const std::string& name, const YamlField& f, const std::vector<std::string>& targets) {
  const auto fields = detail::endpoint_fields();
  f.expect_keys(detail::field_keys(fields), "a map like {server: web, phases: [{cpu: 10ms}]}");
  Endpoint endpoint;
  endpoint.name = name;
  endpoint.server = reference(f, "server", targets, "servers");
  if (auto style = f.optional("style")) endpoint.style = parse_style(*style);
  YamlField phases = f.required("phases");
  endpoint.phases = parse_phases(phases);
  if (endpoint.phases.empty()) phases.fail("must list at least one phase");
  detail::read_fields(f, endpoint, fields);
  return endpoint;
}

ConnectionGroup parse_connection_group(const std::string& name, const YamlField& f,
                                       const std::vector<std::string>& servers) {
  const auto fields = detail::connection_fields();
  f.expect_keys(detail::field_keys(fields),
                "a map like {server: api, kind: websocket, count: 1000, messages: 0.5, phases: [{cpu: 1ms}]}");
  ConnectionGroup group;
  group.name = name;
  group.server = reference(f, "server", servers, "servers");
  if (auto kind = f.optional("kind")) group.kind = detail::parse_enum<ConnectionKind>(*kind);
  const bool websocket = group.kind == ConnectionKind::websocket;
  for (const char* key : websocket ? std::vector<const char*>{"chunks", "chunk_gap"}
                                   : std::vector<const char*>{"messages", "hold"}) {
    if (f.optional(key)) {
      f.child(key).fail(websocket ? "belongs to kind stream (a streaming response's chunks); a websocket has messages"
                                  : "belongs to kind websocket; a stream sends `chunks` chunks `chunk_gap` apart");
    }
  }
  if (f.optional("hold") && f.optional("count")) {
    f.child("hold").fail("a counted population stays open all run; hold goes with open_rate");
  }
  if (f.optional("reconnect_delay") && f.optional("open_rate")) {
    f.child("reconnect_delay").fail("an open_rate group's dropped connections are gone; reconnect_delay goes with count");
  }
  YamlField phases = f.required("phases");
  group.phases = parse_phases(phases);
  if (group.phases.empty()) phases.fail("must list at least one phase");
  detail::read_fields(f, group, fields);
  return group;
}

TaskPool parse_task_pool(const std::string& name, const YamlField& f, const std::vector<Host>& hosts,
                         const std::vector<Broker>& brokers) {
  const auto fields = detail::task_pool_fields();
  f.expect_keys(detail::field_keys(fields),
                "a map like {host: workers, broker: redis, concurrency: 4, tasks: {report: [{cpu: 2s}]}}");
  TaskPool pool;
  pool.name = name;
  pool.host = reference(f, "host", names_of(hosts), "hosts");
  pool.broker = reference(f, "broker", names_of(brokers), "brokers");
  detail::read_fields(f, pool, fields);
  for (const auto& [task, phases] : f.required("tasks").named_entries("task", "{build_report: [{cpu: 2s}, {db: pg}]}")) {
    pool.tasks.push_back(Task{task, parse_phases(phases)});
  }
  return pool;
}

RunConfig parse_run(const YamlField& f) {
  RunConfig run;
  detail::read_section(f, run, detail::run_fields(), "a map like {duration: 60s, warmup: 5s}");
  if (auto warmup = f.optional("warmup")) {
    if (warmup->is_scalar() && warmup->as_string() == "auto") {
      run.warmup_mode = WarmupMode::mser5;
    } else if (!warmup->is_scalar() || !detail::parse_duration(warmup->as_string())) {
      warmup->fail("must be a duration >= 0 or 'auto', got " + warmup->describe());
    } else {
      run.warmup = warmup->as_duration(Bound::non_negative);
    }
  }
  if (auto seed = f.optional("seed")) run.seed = seed->as_uint64();
  return run;
}

}  // namespace detail

namespace {
Scenario parse_fields(const YAML::Node& root, const std::string& origin_name);
}  // namespace

Scenario parse_scenario(std::string_view text, std::string_view origin) {
  const std::string origin_name(origin);
  YAML::Node root = detail::load_yaml_document(text, origin_name);
  std::vector<UncertainInput> ranges = root.IsMap() ? detail::take_ranges(root) : std::vector<UncertainInput>{};
  try {
    Scenario scenario = parse_fields(root, origin_name);
    scenario.uncertain = std::move(ranges);
    return scenario;
  } catch (const ScenarioError& e) {
    // A range where the format takes no number: say so, with the parser's reason.
    for (const UncertainInput& in : ranges) {
      if (e.path() == in.path) {
        throw ScenarioError(in.path, "only rates and distribution parameters take a range {low, mid, high} "
                                     "(read here as its mid, " + detail::format_number(in.mid) + "): " + e.detail());
      }
    }
    throw;
  }
}

namespace {

Scenario parse_fields(const YAML::Node& root, const std::string& origin_name) {
  YamlField doc(root, "");
  if (doc.is_empty() || !doc.is_map()) {
    throw ScenarioError(origin_name,
                        "a scenario must be a map with hosts, servers, endpoints and workload, "
                        "got " + doc.describe());
  }
  doc.expect_keys({"name", "hosts", "servers", "balancers", "databases", "services", "caches", "brokers",
                   "task_workers", "model_servers", "endpoints", "connections", "workload", "run", "plan"});

  Scenario scenario;
  scenario.name = default_scenario_name(origin_name);
  if (auto name = doc.optional("name")) scenario.name = name->as_string();
  for (const auto& [name, f] : doc.required("hosts").named_entries("host")) {
    scenario.hosts.push_back(detail::parse_host(name, f));
  }
  for (const auto& [name, f] : doc.required("servers").named_entries("server")) {
    scenario.servers.push_back(detail::parse_server(name, f, scenario.hosts));
  }
  for (const auto& [name, f] : doc.optional_named_entries("balancers", "balancer")) {
    scenario.balancers.push_back(detail::parse_balancer(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("databases", "database")) {
    scenario.databases.push_back(detail::parse_database(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("services", "service")) {
    scenario.services.push_back(detail::parse_service(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("caches", "cache")) {
    scenario.caches.push_back(detail::parse_cache_store(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("brokers", "broker")) {
    scenario.brokers.push_back(detail::parse_broker(name, f));
  }
  for (const auto& [name, f] : doc.optional_named_entries("task_workers", "task pool")) {
    scenario.task_workers.push_back(detail::parse_task_pool(name, f, scenario.hosts, scenario.brokers));
  }
  for (const auto& [name, f] : doc.optional_named_entries("model_servers", "model server")) {
    scenario.model_servers.push_back(detail::parse_model_server(name, f));
  }
  auto targets = names_of(scenario.servers);
  for (const Balancer& balancer : scenario.balancers) targets.push_back(balancer.name);
  for (const auto& [name, f] : doc.required("endpoints").named_entries("endpoint")) {
    scenario.endpoints.push_back(detail::parse_endpoint(name, f, targets));
  }
  const auto servers = names_of(scenario.servers);
  for (const auto& [name, f] : doc.optional_named_entries("connections", "connection group")) {
    scenario.connections.push_back(detail::parse_connection_group(name, f, servers));
  }
  const std::filesystem::path base = origin_name.empty() ? std::filesystem::path(".")
                                                         : std::filesystem::path(origin_name).parent_path();
  scenario.workload = detail::parse_workload(doc.required("workload"), base);
  if (auto run = doc.optional("run")) scenario.run = detail::parse_run(*run);
  if (auto plan = doc.optional("plan")) scenario.plan = detail::parse_plan(*plan);
  scenario.validate();
  return scenario;
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ignored;
  if (!std::filesystem::exists(path, ignored)) throw ScenarioError(name, "no such file");
  if (std::filesystem::is_directory(path, ignored)) {
    throw ScenarioError(name, "is a directory, not a scenario file");
  }
  std::ifstream file(path, std::ios::binary);
  std::string text{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
  if (!file.is_open() || file.bad()) throw ScenarioError(name, "cannot read the file");
  return parse_scenario(text, name);
}

}  // namespace servesim
