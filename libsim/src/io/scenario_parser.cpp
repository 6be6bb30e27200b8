#include "servesim/io/scenario_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <vector>

#include "io/distribution_parser.hpp"
#include "io/section_parsers.hpp"
#include "core/messages.hpp"
#include "io/yaml_field.hpp"
#include "servesim/errors.hpp"
#include "servesim/model/framework.hpp"

namespace servesim {

using detail::load_yaml;
using detail::parse_host;
using detail::parse_phases;
using detail::parse_run;
using detail::parse_server;
using detail::parse_style;

namespace {

using detail::Bound;
using detail::YamlField;

// An alias (`*name`) repeats a node without repeating its text, so a few
// kilobytes that name one long list from every phase of every endpoint expand
// to millions of values (the "billion laughs"): parsing would take minutes and
// gigabytes. A document without aliases has about as many nodes as bytes, so
// allow that plus generous room for reuse. Iterative, as an alias inside its
// own anchor makes a cycle; counting on push bounds the stack too.
constexpr std::size_t kAliasExpansionSlack = 100'000;

void check_alias_expansion(const YAML::Node& root, std::size_t text_size,
                           const std::string& origin) {
  const std::size_t limit = text_size + kAliasExpansionSlack;
  std::vector<YAML::Node> pending{root};
  std::size_t pushed = 1;
  auto push = [&](const YAML::Node& node) {
    if (++pushed > limit) {
      throw ScenarioError(origin, "YAML aliases (*name) expand the document to more than " +
                                      std::to_string(limit) + " values; repeat large lists less");
    }
    pending.push_back(node);
  };
  while (!pending.empty()) {
    const YAML::Node node = pending.back();  // a handle: copying shares the node
    pending.pop_back();
    const bool is_map = node.IsMap();
    for (const auto& child : node) {
      if (is_map) {
        push(child.first);
        push(child.second);
      } else {
        push(child);
      }
    }
  }
}

}  // namespace

namespace detail {

YAML::Node load_yaml(std::string_view text, const std::string& origin) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? std::string()
                                         : " at line " + std::to_string(e.mark.line + 1) +
                                               ", column " + std::to_string(e.mark.column + 1);
    throw ScenarioError(origin, "not valid YAML: " + e.msg + where);
  }
  check_alias_expansion(root, text.size(), origin);
  return root;
}

}  // namespace detail

namespace {

// With exactly one candidate a reference may be left out; otherwise it is required.
std::string reference(const YamlField& map, const std::string& key,
                      const std::vector<std::string>& names, const char* kind) {
  if (auto field = map.optional(key)) return field->as_string();
  if (names.size() == 1) return names.front();
  map.child(key).fail("required field is missing (there are " + std::to_string(names.size()) +
                      " " + kind + ": " + detail::join(names) + ")");
}

template <class T>
std::vector<std::string> names_of(const std::vector<T>& items) {
  std::vector<std::string> names;
  names.reserve(items.size());
  for (const auto& item : items) names.emplace_back(item.name);
  return names;
}

// `hosts`, `servers`, `endpoints`: maps from name to settings, not empty.
std::vector<std::pair<std::string, YamlField>> named_entries(const YamlField& section,
                                                             const char* kind) {
  section.expect_map(std::string("a map of ") + kind + " names to their settings");
  auto entries = section.entries();
  if (entries.empty()) section.fail(std::string("must name at least one ") + kind);
  return entries;
}

// `balancers`, `databases`, `services`: optional maps from name to settings.
std::vector<std::pair<std::string, YamlField>> optional_entries(const YamlField& doc, const std::string& key,
                                                                const char* kind) {
  auto section = doc.optional(key);
  if (!section) return {};
  section->expect_map(std::string("a map of ") + kind + " names to their settings");
  return section->entries();
}

}  // namespace

namespace detail {

Host parse_host(const std::string& name, const YamlField& f) {
  f.expect_keys({"cores", "speed"}, "a map like {cores: 4, speed: 1.0}");
  Host host;
  host.name = name;
  if (auto cores = f.optional("cores")) host.cores = cores->as_int(1);
  if (auto speed = f.optional("speed")) host.speed = speed->as_number(Bound::positive);
  return host;
}

}  // namespace detail

namespace {

FrameworkPreset framework_preset(const YamlField& f) {
  std::string name = "flask";
  if (auto framework = f.optional("framework")) name = framework->as_string();
  const auto found = find_framework_preset(name);
  if (!found) {
    auto known = names_of(framework_presets());
    f.child("framework").fail("unknown framework '" + name + "'" + detail::did_you_mean(name, known) +
                              " (known: " + detail::join(known) + ")");
  }
  return *found;
}

const std::vector<std::string>& server_kind_names() {
  static const std::vector<std::string> names{"gunicorn-sync", "gunicorn-gthread", "gunicorn-gevent",
                                              "uvicorn"};
  return names;
}

ServerKind parse_server_kind(const YamlField& f) {
  std::string kind = f.as_string();
  const auto& known = server_kind_names();
  const auto it = std::find(known.begin(), known.end(), kind);
  if (it == known.end()) {
    f.fail("unknown server kind '" + kind + "'" + detail::did_you_mean(kind, known) +
           " (known: " + detail::join(known) + ")");
  }
  return static_cast<ServerKind>(it - known.begin());
}

// Settings that belong to some server kinds only, and the kinds they belong to.
const std::vector<std::pair<std::string, std::vector<ServerKind>>>& kind_specific_settings() {
  using K = ServerKind;
  static const std::vector<std::pair<std::string, std::vector<ServerKind>>> settings{
      {"timeout", {K::gunicorn_sync}},
      {"boot_time", {K::gunicorn_sync}},
      {"threads", {K::gunicorn_gthread}},
      {"worker_connections", {K::gunicorn_gthread, K::gunicorn_gevent}},
      {"keepalive", {K::gunicorn_gthread, K::gunicorn_gevent, K::uvicorn}},
      {"limit_concurrency", {K::uvicorn}},
      {"thread_pool", {K::uvicorn}},
  };
  return settings;
}

void reject_settings_of_other_kinds(const YamlField& f, ServerKind kind) {
  for (const auto& [key, kinds] : kind_specific_settings()) {
    if (!f.has(key) || std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) continue;
    std::vector<std::string> owners;
    for (ServerKind owner : kinds) owners.push_back(server_kind_names()[static_cast<std::size_t>(owner)]);
    f.child(key).fail(server_kind_names()[static_cast<std::size_t>(kind)] + " servers have no '" + key +
                      "' setting (it belongs to " + detail::join(owners) + ")");
  }
}

}  // namespace

namespace detail {

Server parse_server(const std::string& name, const YamlField& f, const std::vector<Host>& hosts) {
  f.expect_keys({"host", "kind", "workers", "backlog", "framework", "framework_overhead",
                 "connection_overhead", "switch_interval", "timeout", "boot_time", "threads",
                 "worker_connections", "keepalive", "limit_concurrency", "thread_pool", "thread_handoff",
                 "wait_overhead"},
                "a map like {host: app, kind: gunicorn-sync, workers: 4}");
  Server server;
  server.name = name;
  server.host = reference(f, "host", names_of(hosts), "hosts");
  if (auto kind = f.optional("kind")) server.kind = parse_server_kind(*kind);
  reject_settings_of_other_kinds(f, server.kind);
  if (auto workers = f.optional("workers")) server.workers = workers->as_int(1);
  if (auto backlog = f.optional("backlog")) server.backlog = backlog->as_int(1);
  if (auto threads = f.optional("threads")) server.threads = threads->as_int(1);
  if (auto connections = f.optional("worker_connections")) server.worker_connections = connections->as_int(1);
  if (auto timeout = f.optional("timeout")) server.timeout = timeout->as_duration(Bound::non_negative);
  if (auto boot = f.optional("boot_time")) server.boot_time = boot->as_duration(Bound::non_negative);
  if (auto limit = f.optional("limit_concurrency")) server.limit_concurrency = limit->as_int(1);
  if (auto pool = f.optional("thread_pool")) server.thread_pool = pool->as_int(1);
  if (auto interval = f.optional("switch_interval")) {
    server.switch_interval = interval->as_duration(Bound::positive);
  }
  if (auto keepalive = f.optional("keepalive")) server.keepalive = keepalive->as_duration(Bound::non_negative);
  const FrameworkPreset preset = framework_preset(f);
  server.framework_overhead = Distribution::constant(preset.overhead_s);
  server.connection_overhead = Distribution::constant(preset.connection_overhead_s);
  server.thread_handoff = Distribution::constant(preset.thread_handoff_s);
  server.wait_overhead = Distribution::constant(preset.wait_overhead_s);
  if (auto overhead = f.optional("framework_overhead")) {
    server.framework_overhead = detail::parse_distribution(*overhead);
  }
  if (auto overhead = f.optional("connection_overhead")) {
    server.connection_overhead = detail::parse_distribution(*overhead);
  }
  if (auto handoff = f.optional("thread_handoff")) server.thread_handoff = detail::parse_distribution(*handoff);
  if (auto wait = f.optional("wait_overhead")) server.wait_overhead = detail::parse_distribution(*wait);
  return server;
}

}  // namespace detail

namespace {

Phase parse_phase(const YamlField& f);

}  // namespace

namespace detail {

std::vector<Phase> parse_phases(const YamlField& f) {
  std::vector<Phase> phases;
  for (const auto& item : f.items("a list of phases like [{cpu: 10ms}, {io: 20ms}]")) {
    phases.push_back(parse_phase(item));
  }
  return phases;
}

}  // namespace detail

namespace {

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

void parse_cache(const YamlField& value, Phase& phase) {
  value.expect_keys({"hit_ratio", "hit", "miss"}, "a map like {hit_ratio: 0.9, hit: [{io: 1ms}], miss: [{db: pg}]}");
  phase.hit_ratio = value.required("hit_ratio").as_number(Bound::non_negative);
  if (auto hit = value.optional("hit")) phase.hit = parse_phases(*hit);
  if (auto miss = value.optional("miss")) phase.miss = parse_phases(*miss);
}

Phase parse_phase(const YamlField& f) {
  const char* shape = "a one-key map like {cpu: 10ms} or {io: 20ms}";
  f.expect_map(shape);
  auto entries = f.entries();
  if (entries.size() != 1) f.fail(std::string("must be ") + shape + ", got " + f.describe());
  const auto& [kind, value] = entries.front();
  static const std::vector<std::string> known{"cpu", "cpu_nogil", "io", "blocking_io", "background",
                                              "db", "call", "cache"};
  const auto it = std::find(known.begin(), known.end(), kind);
  if (it == known.end()) {
    value.fail("unknown phase kind" + detail::did_you_mean(kind, known) + " (known: " +
               detail::join(known) + ")");
  }
  Phase phase;
  phase.kind = static_cast<PhaseKind>(it - known.begin());
  switch (phase.kind) {
    case PhaseKind::db: parse_db(value, phase); break;
    case PhaseKind::call: parse_call(value, phase); break;
    case PhaseKind::cache: parse_cache(value, phase); break;
    default: phase.duration = detail::parse_distribution(value); break;
  }
  return phase;
}

}  // namespace

namespace detail {

EndpointStyle parse_style(const YamlField& f) {
  const std::string style = f.as_string();
  if (style == "sync") return EndpointStyle::sync;
  if (style == "async") return EndpointStyle::async;
  f.fail("must be 'sync' (a plain def) or 'async' (an async def), got '" + style + "'");
}

}  // namespace detail

namespace {

Endpoint parse_endpoint(const std::string& name, const YamlField& f, const std::vector<std::string>& targets) {
  f.expect_keys({"server", "style", "phases", "request_bytes", "response_bytes"},
                "a map like {server: web, phases: [{cpu: 10ms}]}");
  Endpoint endpoint;
  endpoint.name = name;
  endpoint.server = reference(f, "server", targets, "servers");
  if (auto style = f.optional("style")) endpoint.style = parse_style(*style);
  YamlField phases = f.required("phases");
  endpoint.phases = parse_phases(phases);
  if (endpoint.phases.empty()) phases.fail("must list at least one phase");
  if (auto bytes = f.optional("request_bytes")) endpoint.request_bytes = bytes->as_number(Bound::non_negative);
  if (auto bytes = f.optional("response_bytes")) endpoint.response_bytes = bytes->as_number(Bound::non_negative);
  return endpoint;
}

}  // namespace

namespace detail {

RunConfig parse_run(const YamlField& f) {
  f.expect_keys({"duration", "warmup", "replications", "seed", "interval"},
                "a map like {duration: 60s, warmup: 5s}");
  RunConfig run;
  if (auto duration = f.optional("duration")) run.duration = duration->as_duration(Bound::positive);
  if (auto warmup = f.optional("warmup")) {
    if (warmup->is_scalar() && warmup->as_string() == "auto") {
      run.warmup_mode = WarmupMode::mser5;
    } else if (!warmup->is_scalar() || !detail::parse_duration(warmup->as_string())) {
      warmup->fail("must be a duration >= 0 or 'auto', got " + warmup->describe());
    } else {
      run.warmup = warmup->as_duration(Bound::non_negative);
    }
  }
  if (auto replications = f.optional("replications")) run.replications = replications->as_int(1);
  if (auto seed = f.optional("seed")) run.seed = seed->as_uint64();
  if (auto interval = f.optional("interval")) {
    run.interval = interval->as_duration(Bound::non_negative);
  }
  return run;
}

}  // namespace detail

namespace {

std::string default_name(const std::string& origin) {
  std::string stem = std::filesystem::path(origin).stem().string();
  return stem.empty() ? Scenario{}.name : stem;
}

}  // namespace

Scenario parse_scenario(std::string_view text, std::string_view origin) {
  const std::string origin_name(origin);
  YamlField doc(load_yaml(text, origin_name), "");
  if (doc.is_empty() || !doc.is_map()) {
    throw ScenarioError(origin_name,
                        "a scenario must be a map with hosts, servers, endpoints and workload, "
                        "got " + doc.describe());
  }
  doc.expect_keys({"name", "hosts", "servers", "balancers", "databases", "services", "endpoints", "workload", "run"});

  Scenario scenario;
  scenario.name = default_name(origin_name);
  if (auto name = doc.optional("name")) scenario.name = name->as_string();
  for (const auto& [name, f] : named_entries(doc.required("hosts"), "host")) {
    scenario.hosts.push_back(parse_host(name, f));
  }
  for (const auto& [name, f] : named_entries(doc.required("servers"), "server")) {
    scenario.servers.push_back(parse_server(name, f, scenario.hosts));
  }
  for (const auto& [name, f] : optional_entries(doc, "balancers", "balancer")) {
    scenario.balancers.push_back(detail::parse_balancer(name, f));
  }
  for (const auto& [name, f] : optional_entries(doc, "databases", "database")) {
    scenario.databases.push_back(detail::parse_database(name, f));
  }
  for (const auto& [name, f] : optional_entries(doc, "services", "service")) {
    scenario.services.push_back(detail::parse_service(name, f));
  }
  auto targets = names_of(scenario.servers);
  for (const Balancer& balancer : scenario.balancers) targets.push_back(balancer.name);
  for (const auto& [name, f] : named_entries(doc.required("endpoints"), "endpoint")) {
    scenario.endpoints.push_back(parse_endpoint(name, f, targets));
  }
  const std::filesystem::path base = origin_name.empty() ? std::filesystem::path(".")
                                                         : std::filesystem::path(origin_name).parent_path();
  scenario.workload = detail::parse_workload(doc.required("workload"), base);
  if (auto run = doc.optional("run")) scenario.run = parse_run(*run);
  scenario.validate();
  return scenario;
}

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
