#include "io/scenario_writer.hpp"

#include <nlohmann/json.hpp>

#include <string>

#include "model/kind_names.hpp"

namespace servesim::detail {
namespace {

// nlohmann::ordered_json keeps the scenario's order of hosts, servers and
// endpoints, which names the engines' random streams.
using json = nlohmann::ordered_json;

json distribution_json(const Distribution& d) {
  json out = {{"dist", std::string(to_string(d.kind()))}};
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

// A phase in the parser's shape: a timed one as {kind: distribution}, a
// query as {db: {database, query}} (the query time only when the phase sets
// it), a call as {call: {service}}, a cache lookup with its sub-phases.
json phase_json(const Phase& p) {
  switch (p.kind) {
    case PhaseKind::db: {
      json query = {{"database", p.target}};
      if (p.has_duration) query["query"] = distribution_json(p.duration);
      return {{"db", std::move(query)}};
    }
    case PhaseKind::call: return {{"call", {{"service", p.target}}}};
    case PhaseKind::cache: {
      json hit = json::array();
      json miss = json::array();
      for (const Phase& h : p.hit) hit.push_back(phase_json(h));
      for (const Phase& m : p.miss) miss.push_back(phase_json(m));
      return {{"cache", {{"hit_ratio", p.hit_ratio}, {"hit", std::move(hit)}, {"miss", std::move(miss)}}}};
    }
    default: return {{phase_kind_name(p.kind), distribution_json(p.duration)}};
  }
}

const char* policy_name(BalancingPolicy policy) {
  switch (policy) {
    case BalancingPolicy::round_robin: return "round_robin";
    case BalancingPolicy::least_connections: return "least_connections";
    case BalancingPolicy::power_of_two: return "power_of_two";
    case BalancingPolicy::random: return "random";
  }
  return "unknown";
}

json balancer_json(const Balancer& b) {
  json out = {{"servers", b.servers}, {"policy", policy_name(b.policy)}, {"rtt", b.rtt}};
  if (b.bandwidth_mbps) out["bandwidth_mbps"] = *b.bandwidth_mbps;
  return out;
}

const char* arrivals_name(ArrivalProcess arrivals) {
  switch (arrivals) {
    case ArrivalProcess::poisson: return "poisson";
    case ArrivalProcess::constant: return "constant";
    case ArrivalProcess::bursty: return "bursty";
    case ArrivalProcess::trace: return "trace";
  }
  return "unknown";
}

json profile_json(const RateProfile& p) {
  switch (p.kind) {
    case RateProfileKind::constant: break;
    case RateProfileKind::ramp: return {{"ramp", {{"from", p.from}, {"to", p.to}}}};
    case RateProfileKind::steps: {
      json steps = json::array();
      for (const RateStep& step : p.steps) steps.push_back({{"at", step.at}, {"rate", step.rate}});
      return {{"steps", std::move(steps)}};
    }
    case RateProfileKind::diurnal:
      return {{"diurnal", {{"min", p.min}, {"max", p.max}, {"period", p.period}}}};
  }
  return json::object();
}

// A trace is written out as its list of times, whatever file it came from.
json open_json(const OpenWorkload& open) {
  if (open.arrivals == ArrivalProcess::trace) return {{"trace", open.trace}};
  json out = {{"arrivals", arrivals_name(open.arrivals)}};
  if (open.profile.kind == RateProfileKind::constant) {
    out["rate"] = open.rate;
  } else {
    out["profile"] = profile_json(open.profile);
  }
  if (open.arrivals == ArrivalProcess::bursty) {
    out["burst"] = {{"rate", open.burst.rate}, {"duration", open.burst.duration}, {"every", open.burst.every}};
  }
  return out;
}

// The parser accepts a kind's own settings only; the others do not affect
// the model (a gthread server's `timeout` is never used), so they are left out.
json server_json(const Server& s) {
  json out = {{"host", s.host},
              {"kind", server_kind_name(s.kind)},
              {"workers", s.workers},
              {"backlog", s.backlog},
              {"switch_interval", s.switch_interval},
              {"framework_overhead", distribution_json(s.framework_overhead)},
              {"connection_overhead", distribution_json(s.connection_overhead)},
              {"thread_handoff", distribution_json(s.thread_handoff)},
              {"wait_overhead", distribution_json(s.wait_overhead)}};
  switch (s.kind) {
    case ServerKind::gunicorn_sync:
      out["timeout"] = s.timeout;
      out["boot_time"] = s.boot_time;
      break;
    case ServerKind::gunicorn_gthread:
      out["threads"] = s.threads;
      out["worker_connections"] = s.worker_connections;
      break;
    case ServerKind::gunicorn_gevent: out["worker_connections"] = s.worker_connections; break;
    case ServerKind::uvicorn:
      out["thread_pool"] = s.thread_pool;
      if (s.limit_concurrency) out["limit_concurrency"] = *s.limit_concurrency;
      break;
  }
  if (s.kind != ServerKind::gunicorn_sync && s.keepalive) out["keepalive"] = *s.keepalive;
  if (s.replicas != 1) out["replicas"] = s.replicas;
  return out;
}

}  // namespace

std::string scenario_to_json(const Scenario& scenario) {
  json hosts = json::object();
  for (const Host& h : scenario.hosts) hosts[h.name] = {{"cores", h.cores}, {"speed", h.speed}};

  json servers = json::object();
  for (const Server& s : scenario.servers) servers[s.name] = server_json(s);

  json databases = json::object();
  for (const Database& d : scenario.databases) {
    databases[d.name] = {{"connections", d.connections},
                         {"query_time", distribution_json(d.query_time)},
                         {"pool", {{"size", d.pool.size}, {"max_overflow", d.pool.max_overflow}, {"timeout", d.pool.timeout}}}};
  }

  json services = json::object();
  for (const Service& v : scenario.services) {
    services[v.name] = {{"latency", distribution_json(v.latency)}, {"error_rate", v.error_rate}};
    if (v.concurrency) services[v.name]["concurrency"] = *v.concurrency;
  }

  json balancers = json::object();
  for (const Balancer& b : scenario.balancers) balancers[b.name] = balancer_json(b);

  json endpoints = json::object();
  for (const Endpoint& e : scenario.endpoints) {
    json phases = json::array();
    for (const Phase& p : e.phases) phases.push_back(phase_json(p));
    endpoints[e.name] = {{"server", e.server},
                         {"phases", std::move(phases)},
                         {"request_bytes", e.request_bytes},
                         {"response_bytes", e.response_bytes}};
    if (e.style) endpoints[e.name]["style"] = *e.style == EndpointStyle::sync ? "sync" : "async";
  }

  const Workload& w = scenario.workload;
  json workload = json::object();
  if (w.open) workload["open"] = open_json(*w.open);
  if (w.closed) {
    workload["closed"] = {{"users", w.closed->users},
                          {"think_time", distribution_json(w.closed->think_time)}};
  }
  if (!w.mix.empty()) {
    json mix = json::object();
    for (const MixEntry& entry : w.mix) {
      // Repeated entries add up, as in the engines.
      const double weight = entry.weight + (mix.contains(entry.endpoint) ? mix[entry.endpoint]["weight"].get<double>() : 0.0);
      mix[entry.endpoint] = {{"weight", weight}};
      if (entry.slo) mix[entry.endpoint]["slo"] = *entry.slo;
    }
    workload["mix"] = std::move(mix);
  }
  if (w.client_timeout) workload["client_timeout"] = *w.client_timeout;
  const RetryPolicy& retry = w.retries;
  workload["retries"] = {{"attempts", retry.max_attempts},     {"backoff", retry.backoff},
                         {"multiplier", retry.multiplier},     {"max_backoff", retry.max_backoff},
                         {"jitter", retry.jitter}};

  const RunConfig& r = scenario.run;
  json run = {{"duration", r.duration}, {"replications", r.replications}, {"seed", r.seed},
              {"interval", r.interval}};
  if (r.warmup_mode == WarmupMode::mser5) {
    run["warmup"] = "auto";
  } else {
    run["warmup"] = r.warmup;
  }

  const json doc = {{"name", scenario.name}, {"hosts", std::move(hosts)},
                    {"servers", std::move(servers)}, {"balancers", std::move(balancers)},
                    {"databases", std::move(databases)}, {"services", std::move(services)},
                    {"endpoints", std::move(endpoints)},
                    {"workload", std::move(workload)}, {"run", std::move(run)}};
  return doc.dump();
}

}  // namespace servesim::detail
