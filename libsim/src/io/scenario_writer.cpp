#include "io/scenario_writer.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <type_traits>

#include "model/enum_names.hpp"
#include "model/fields.hpp"

namespace servesim::detail {
namespace {

// nlohmann::ordered_json keeps the scenario's order of hosts, servers and
// endpoints, which names the engines' random streams.
using nlohmann::ordered_json;

ordered_json distribution_json(const Distribution& d) {
  ordered_json out = {{"dist", std::string(to_string(d.kind()))}};
  for (const Distribution::Parameter& p : d.parameters()) {
    const std::string name(p.name);
    const bool list = name == "samples" || name == "edges" || name == "weights";
    if (list) {
      out[name] = p.values;
    } else {
      out[name] = p.values.front();
    }
  }
  return out;
}

// A size in bytes as the parser reads it back, exactly: "83886080B".
std::string size_text(double bytes) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17gB", bytes);
  return text;
}

// The described, non-custom fields of `record` (model/fields.hpp), into
// `out`; an unset optional is left out, and so is a setting that `kind` does
// not have (it does not affect the model, and the parser would reject it).
template <class R>
void write_fields(ordered_json& out, const R& record, std::span<const Field<R>> fields,
                  std::optional<ServerKind> kind = std::nullopt) {
  for (const Field<R>& field : fields) {
    if (kind && !has_kind(field.kinds, *kind)) continue;
    const std::string key(field.key);
    std::visit(
        [&](auto member) {
          using M = decltype(member);
          if constexpr (std::is_same_v<M, Distribution R::*>) {
            out[key] = distribution_json(record.*member);
          } else if constexpr (std::is_same_v<M, int R::*> || std::is_same_v<M, double R::*>) {
            out[key] = field.type == FieldType::size ? ordered_json(size_text(record.*member))
                                                     : ordered_json(record.*member);
          } else if constexpr (!std::is_same_v<M, std::monostate>) {
            if (!(record.*member)) return;
            const auto value = *(record.*member);
            out[key] = field.type == FieldType::size ? ordered_json(size_text(value)) : ordered_json(value);
          }
        },
        field.member);
  }
}

// A phase in the parser's shape: a timed one as {kind: distribution}, a
// query as {db: {database, query}} (the query time only when the phase sets
// it), a call as {call: {service}}, a cache lookup with its sub-phases.
ordered_json phase_json(const Phase& p) {
  switch (p.kind) {
    case PhaseKind::db: {
      ordered_json query = {{"database", p.target}};
      if (p.has_duration) query["query"] = distribution_json(p.duration);
      return {{"db", std::move(query)}};
    }
    case PhaseKind::call: return {{"call", {{"service", p.target}}}};
    case PhaseKind::cache: {
      ordered_json hit = ordered_json::array();
      ordered_json miss = ordered_json::array();
      for (const Phase& h : p.hit) hit.push_back(phase_json(h));
      for (const Phase& m : p.miss) miss.push_back(phase_json(m));
      ordered_json cache = {{"hit_ratio", p.hit_ratio}, {"hit", std::move(hit)}, {"miss", std::move(miss)}};
      if (!p.target.empty()) cache["store"] = p.target;
      return {{"cache", std::move(cache)}};
    }
    case PhaseKind::enqueue: return {{"enqueue", {{"task", p.target}, {"wait", p.wait}}}};
    case PhaseKind::infer: return {{"infer", p.target}};
    case PhaseKind::cpu_nogil:
      if (p.threads > 1) return {{"cpu_nogil", {{"time", distribution_json(p.duration)}, {"threads", p.threads}}}};
      return {{"cpu_nogil", distribution_json(p.duration)}};
    default: return {{std::string(name_of(p.kind)), distribution_json(p.duration)}};
  }
}

ordered_json balancer_json(const Balancer& b) {
  ordered_json out = {{"servers", b.servers}, {"policy", std::string(name_of(b.policy))}};
  write_fields(out, b, balancer_fields());
  return out;
}

ordered_json profile_json(const RateProfile& p) {
  switch (p.kind) {
    case RateProfileKind::constant: break;
    case RateProfileKind::ramp: return {{"ramp", {{"from", p.from}, {"to", p.to}}}};
    case RateProfileKind::steps: {
      ordered_json steps = ordered_json::array();
      for (const RateStep& step : p.steps) steps.push_back({{"at", step.at}, {"rate", step.rate}});
      return {{"steps", std::move(steps)}};
    }
    case RateProfileKind::diurnal:
      return {{"diurnal", {{"min", p.min}, {"max", p.max}, {"period", p.period}}}};
  }
  return ordered_json::object();
}

// A trace is written out as its list of times, whatever file it came from.
ordered_json open_json(const OpenWorkload& open) {
  if (open.arrivals == ArrivalProcess::trace) return {{"trace", open.trace}};
  ordered_json out = {{"arrivals", std::string(name_of(open.arrivals))}};
  if (open.profile.kind == RateProfileKind::constant) {
    out["rate"] = open.rate;
  } else {
    out["profile"] = profile_json(open.profile);
  }
  if (open.arrivals == ArrivalProcess::bursty) {
    write_fields(out["burst"], open.burst, burst_fields());
  }
  return out;
}

ordered_json server_json(const Server& s) {
  ordered_json out = {{"host", s.host}, {"kind", std::string(name_of(s.kind))}};
  write_fields(out, s, server_fields(), s.kind);
  write_fields(out["memory"], s.memory, memory_fields());
  if (s.python != PythonBuild::standard) out["python"] = std::string(name_of(s.python));
  return out;
}

}  // namespace

std::string scenario_to_json(const Scenario& scenario) {
  ordered_json hosts = ordered_json::object();
  for (const Host& h : scenario.hosts) {
    write_fields(hosts[h.name], h, host_fields());
    if (h.stalls.share > 0.0) write_fields(hosts[h.name]["stalls"], h.stalls, stalls_fields());
  }

  ordered_json servers = ordered_json::object();
  for (const Server& s : scenario.servers) servers[s.name] = server_json(s);

  ordered_json databases = ordered_json::object();
  for (const Database& d : scenario.databases) {
    write_fields(databases[d.name], d, database_fields());
    write_fields(databases[d.name]["pool"], d.pool, pool_fields());
    if (d.pool.driver != PoolDriver::sqlalchemy) databases[d.name]["pool"]["driver"] = std::string(name_of(d.pool.driver));
  }

  ordered_json services = ordered_json::object();
  for (const Service& v : scenario.services) {
    write_fields(services[v.name], v, service_fields());
  }

  ordered_json caches = ordered_json::object();
  for (const Cache& c : scenario.caches) write_fields(caches[c.name], c, cache_fields());

  ordered_json brokers = ordered_json::object();
  for (const Broker& b : scenario.brokers) write_fields(brokers[b.name], b, broker_fields());

  ordered_json model_servers = ordered_json::object();
  for (const ModelServer& m : scenario.model_servers) write_fields(model_servers[m.name], m, model_server_fields());

  ordered_json task_workers = ordered_json::object();
  for (const TaskPool& pool : scenario.task_workers) {
    ordered_json& out = task_workers[pool.name];
    out = {{"host", pool.host}, {"broker", pool.broker}, {"tasks", ordered_json::object()}};
    write_fields(out, pool, task_pool_fields());
    for (const Task& task : pool.tasks) {
      ordered_json phases = ordered_json::array();
      for (const Phase& p : task.phases) phases.push_back(phase_json(p));
      out["tasks"][task.name] = std::move(phases);
    }
  }

  ordered_json balancers = ordered_json::object();
  for (const Balancer& b : scenario.balancers) balancers[b.name] = balancer_json(b);

  ordered_json endpoints = ordered_json::object();
  for (const Endpoint& e : scenario.endpoints) {
    ordered_json phases = ordered_json::array();
    for (const Phase& p : e.phases) phases.push_back(phase_json(p));
    ordered_json& endpoint = endpoints[e.name];
    endpoint = {{"server", e.server}, {"phases", std::move(phases)}};
    if (e.style) endpoint["style"] = std::string(name_of(*e.style));
    write_fields(endpoint, e, endpoint_fields());
  }

  // Only the kind's own settings: the parser rejects the other kind's.
  ordered_json connections = ordered_json::object();
  for (const ConnectionGroup& g : scenario.connections) {
    ordered_json phases = ordered_json::array();
    for (const Phase& p : g.phases) phases.push_back(phase_json(p));
    ordered_json& group = connections[g.name];
    group = {{"server", g.server}, {"kind", std::string(name_of(g.kind))}, {"phases", std::move(phases)}};
    write_fields(group, g, connection_fields());
    const bool websocket = g.kind == ConnectionKind::websocket;
    for (const char* key : {"chunks", "chunk_gap"}) if (websocket) group.erase(key);
    for (const char* key : {"messages", "hold"}) if (!websocket) group.erase(key);
    group.erase(g.count ? "hold" : "reconnect_delay");
  }

  const Workload& w = scenario.workload;
  ordered_json workload = ordered_json::object();
  if (w.open) workload["open"] = open_json(*w.open);
  if (w.closed) {
    write_fields(workload["closed"], *w.closed, closed_fields());
  }
  if (!w.mix.empty()) {
    ordered_json mix = ordered_json::object();
    for (const MixEntry& entry : w.mix) {
      // Repeated entries add up, as in the engines.
      const double weight = entry.weight + (mix.contains(entry.endpoint) ? mix[entry.endpoint]["weight"].get<double>() : 0.0);
      mix[entry.endpoint] = {{"weight", weight}};
      if (entry.slo) mix[entry.endpoint]["slo"] = *entry.slo;
    }
    workload["mix"] = std::move(mix);
  }
  if (w.client_timeout) workload["client_timeout"] = *w.client_timeout;
  write_fields(workload["retries"], w.retries, retry_fields());

  const RunConfig& r = scenario.run;
  ordered_json run = {{"seed", r.seed}};
  write_fields(run, r, run_fields());
  if (r.warmup_mode == WarmupMode::mser5) {
    run["warmup"] = "auto";
  } else {
    run["warmup"] = r.warmup;
  }

  ordered_json doc = {{"name", scenario.name}, {"hosts", std::move(hosts)},
              {"servers", std::move(servers)}, {"balancers", std::move(balancers)},
              {"databases", std::move(databases)}, {"services", std::move(services)},
              {"endpoints", std::move(endpoints)},
              {"workload", std::move(workload)}, {"run", std::move(run)}};
  if (!scenario.caches.empty()) doc["caches"] = std::move(caches);
  if (!scenario.connections.empty()) doc["connections"] = std::move(connections);
  if (!scenario.brokers.empty()) doc["brokers"] = std::move(brokers);
  if (!scenario.task_workers.empty()) doc["task_workers"] = std::move(task_workers);
  if (!scenario.model_servers.empty()) doc["model_servers"] = std::move(model_servers);
  return doc.dump();
}

}  // namespace servesim::detail
