#include "servesim/analytic/estimate.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>
#include <unsupported/Eigen/SpecialFunctions>

#include "servesim/analytic/mva.hpp"
#include "model/enum_names.hpp"
#include "servesim/errors.hpp"

namespace servesim {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string number(double value) {
  std::ostringstream os;
  os.precision(4);
  os << value;
  return os.str();
}

/// Mean demands of one request (mix-weighted), seconds at the host's speed, by resource.
struct Demands {
  double gil_cpu = 0.0;     ///< Python code: needs the GIL and a core
  double nogil_cpu = 0.0;   ///< native code: a core only
  double io = 0.0;          ///< waiting on the network
  double blocking_io = 0.0;  ///< stalls an event loop
  double background = 0.0;  ///< loop work after the response
  double mean = 0.0;        ///< E[S]: time holding a slot without contention
  double scv = 0.0;         ///< squared CV of S
};

Demands demands_of(const Scenario& s, const Server& server, double speed) {
  std::vector<std::pair<const Endpoint*, double>> mix;
  mix.reserve(std::max(s.endpoints.size(), s.workload.mix.size()));
  if (s.workload.mix.empty()) {
    for (const Endpoint& e : s.endpoints) mix.emplace_back(&e, 1.0);
  } else {
    for (const MixEntry& m : s.workload.mix) mix.emplace_back(s.find_endpoint(m.endpoint), m.weight);
  }
  double weights = 0.0;
  for (const auto& entry : mix) weights += entry.second;
  Demands d;
  double second_moment = 0.0;
  const auto moments = [](const Distribution& x, double scale) {
    const double m = x.mean() * scale;
    return std::pair{m, m * x.cv() * m * x.cv()};
  };
  // Python code: on a free-threaded server it needs no GIL and takes the build's slowdown longer.
  const double python = Scenario::python_time_factor(server) / speed;
  double& python_cpu = server.python == PythonBuild::free_threaded ? d.nogil_cpu : d.gil_cpu;
  for (const auto& [endpoint, weight] : mix) {
    const double w = weight / weights;
    auto [mean, variance] = moments(server.framework_overhead, python);
    python_cpu += w * mean;
    if (server.kind == ServerKind::gunicorn_sync) {  // sync closes every connection
      const auto [m, v] = moments(server.connection_overhead, python);
      python_cpu += w * m;
      mean += m;
      variance += v;
    }
    for (const Phase& phase : endpoint->phases) {
      const bool python_code = phase.kind == PhaseKind::cpu || phase.kind == PhaseKind::background;
      const double scale = python_code ? python : phase.kind == PhaseKind::cpu_nogil ? 1.0 / speed : 1.0;
      const auto [m, v] = moments(phase.duration, scale);
      switch (phase.kind) {
        case PhaseKind::cpu: python_cpu += w * m; break;
        case PhaseKind::cpu_nogil: d.nogil_cpu += w * m; break;
        case PhaseKind::io: d.io += w * m; break;
        case PhaseKind::blocking_io: d.blocking_io += w * m; break;
        case PhaseKind::background: d.background += w * m; continue;  // not in the response
        case PhaseKind::db:
        case PhaseKind::call:
        case PhaseKind::cache:
        case PhaseKind::enqueue:
        case PhaseKind::infer: continue;  // rejected by require_modelled()
      }
      mean += m;
      variance += v;
      if (phase.kind == PhaseKind::io || phase.kind == PhaseKind::blocking_io) {
        // Resuming after the wait is Python code (the engines' wait_overhead).
        const auto [wm, wv] = moments(server.wait_overhead, python);
        python_cpu += w * wm;
        mean += wm;
        variance += wv;
      }
    }
    d.mean += w * mean;
    second_moment += w * (variance + mean * mean);
  }
  d.scv = d.mean > 0.0 ? std::max(0.0, second_moment / (d.mean * d.mean) - 1.0) : 0.0;
  return d;
}

/// One process's (or the whole sync pool's) model: `slots` requests in service over a
/// product-form subnetwork, up to `capacity` requests in all.
struct Pool {
  int processes = 1;
  int slots = 1;
  int capacity = 1;  ///< max requests in the process, slots included; overflow is an error
  bool unbounded = false;  ///< no limit: capacity is only a truncation of the chain
  std::vector<MvaStation> stations;
  std::string error_kind = "refused";
  double loop_demand = 0.0;  ///< event-loop kinds: loop work per request, for its busy fraction
};

/// Survival function of a gamma distribution of mean m and squared CV scv (constant if 0).
double gamma_survival(double m, double scv, double x) {
  if (x <= 0.0) return 1.0;
  if (scv < 1e-9) return x < m ? 1.0 : 0.0;
  const double shape = 1.0 / scv;
  return Eigen::numext::igammac(shape, x / (m * scv));
}

double gamma_density(double m, double scv, double x) {
  const double shape = 1.0 / scv;
  const double scale = m * scv;
  return std::exp((shape - 1.0) * std::log(x) - x / scale - std::lgamma(shape) - shape * std::log(scale));
}

/// P(T > t) for T = W + S: W = 0 with probability 1 - p_wait, else gamma(wait_mean,
/// wait_scv); S gamma(service_mean, service_scv); independent.
struct ResponseTail {
  double p_wait, wait_mean, wait_scv, service_mean, service_scv;

  [[nodiscard]] double operator()(double t) const {
    const double no_wait = gamma_survival(service_mean, service_scv, t);
    if (p_wait <= 0.0) return no_wait;
    double waited = 0.0;
    if (service_scv < 1e-9) {
      waited = t < service_mean ? 1.0 : gamma_survival(wait_mean, wait_scv, t - service_mean);
    } else {
      // P(W > t) + integral_0^t f_W(w) P(S > t - w) dw, by 64-point Gauss–Legendre.
      waited = gamma_survival(wait_mean, wait_scv, t);
      static const auto nodes = gauss_legendre();
      double integral = 0.0;
      for (const auto& [x, weight] : nodes) {
        const double w = 0.5 * t * (x + 1.0);
        integral += weight * gamma_density(wait_mean, wait_scv, w) *
                    gamma_survival(service_mean, service_scv, t - w);
      }
      waited += 0.5 * t * integral;
    }
    return (1.0 - p_wait) * no_wait + p_wait * std::min(1.0, waited);
  }

  /// Nodes and weights on [-1, 1], by Newton on the Legendre polynomial.
  static std::vector<std::pair<double, double>> gauss_legendre() {
    constexpr int n = 64;
    std::vector<std::pair<double, double>> nodes;
    nodes.reserve(n);
    for (int i = 1; i <= n; ++i) {
      double x = std::cos(std::numbers::pi * (i - 0.25) / (n + 0.5));
      double derivative = 1.0;
      for (int iteration = 0; iteration < 100; ++iteration) {
        double p0 = 1.0, p1 = x;
        for (int k = 2; k <= n; ++k) {
          const double p2 = ((2.0 * k - 1.0) * x * p1 - (k - 1.0) * p0) / k;
          p0 = p1;
          p1 = p2;
        }
        derivative = n * (x * p1 - p0) / (x * x - 1.0);
        const double step = p1 / derivative;
        x -= step;
        if (std::abs(step) < 1e-16) break;
      }
      nodes.emplace_back(x, 2.0 / ((1.0 - x * x) * derivative * derivative));
    }
    return nodes;
  }

  [[nodiscard]] double quantile(double p) const {
    double lo = 0.0, hi = std::max(service_mean + wait_mean, 1e-9);
    while ((*this)(hi) > 1.0 - p) {
      lo = hi;
      hi *= 2.0;
    }
    for (int i = 0; i < 80 && hi - lo > 1e-12 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      ((*this)(mid) > 1.0 - p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }
};

/// The server-kind specific part: slots, capacity and subnetwork of one process.
Pool pool_of(const Scenario& s, const Server& server, const Host& host, const Demands& d,
             const std::string& path, std::vector<std::string>& assumptions, std::string& model) {
  Pool pool;
  const std::string kind = detail::server_kind_name(server.kind);  // as the file names it
  const auto require_cores = [&](const std::string& what) {
    if (server.workers > host.cores) {
      throw NotApplicableError(path + ".workers: the estimate needs at most one " + what +
                               " process per core (" + std::to_string(host.cores) + " on host '" +
                               host.name + "'), got " + std::to_string(server.workers) +
                               "; processes sharing cores are simulated");
    }
  };
  const int backlog = Scenario::backlog_of(server);
  switch (server.kind) {
    case ServerKind::gunicorn_sync: {
      pool.slots = server.workers;
      pool.capacity = server.workers + backlog;
      pool.stations.push_back({"cpu", MvaStation::Kind::multi_server, d.gil_cpu + d.nogil_cpu,
                               std::min(host.cores, server.workers)});
      pool.stations.push_back({"io", MvaStation::Kind::delay, d.io + d.blocking_io, 1});
      model = "gunicorn sync pool as an M/G/c/K queue: c = " + std::to_string(server.workers) +
              " workers, K = workers + backlog " + std::to_string(pool.capacity) +
              "; its service rate with n busy workers from exact MVA of CPU (" +
              std::to_string(host.cores) + " cores, processor sharing) and I/O (delay)";
      if (host.cores < server.workers && d.gil_cpu + d.nogil_cpu > 0.0) {
        assumptions.push_back("busy workers share " + std::to_string(host.cores) +
                              " cores: flow-equivalent server, exact for exponential phases");
      }
      break;
    }
    case ServerKind::gunicorn_gthread: {
      require_cores("gthread");
      pool.processes = server.workers;
      pool.slots = server.threads;
      pool.capacity = server.worker_connections + backlog / server.workers;
      pool.stations.push_back({"io", MvaStation::Kind::delay, d.io, 1});
      if (server.python == PythonBuild::free_threaded) {
        // No GIL: a process's threads share its cores; exact only if processes split them evenly.
        if (host.cores % server.workers != 0) {
          throw NotApplicableError(path + ".workers: free-threaded processes sharing " +
                                   std::to_string(host.cores) + " cores unevenly are simulated");
        }
        const int cores = host.cores / server.workers;
        pool.stations.push_back({"cpu", MvaStation::Kind::multi_server, d.nogil_cpu, std::min(cores, server.threads)});
        model = "gunicorn gthread, free-threaded: per process, " + std::to_string(server.threads) +
                " threads on " + std::to_string(cores) + " cores (processor sharing) and I/O as a delay";
        break;
      }
      pool.stations.push_back({"gil", MvaStation::Kind::queue, d.gil_cpu, 1});
      pool.stations.push_back({"nogil", MvaStation::Kind::delay, d.nogil_cpu, 1});
      model = "gunicorn gthread: per process, " + std::to_string(server.threads) +
              " threads in front of the GIL as one server (cpu phases) and I/O as a delay";
      assumptions.push_back("the GIL is a processor-sharing server: the " +
                            number(server.switch_interval * 1e3) +
                            " ms switch interval and its convoy effect are left out");
      break;
    }
    case ServerKind::gunicorn_gevent:
    case ServerKind::uvicorn:
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: {
      require_cores(kind);
      pool.processes = server.workers;
      pool.loop_demand = d.gil_cpu + d.nogil_cpu + d.blocking_io + d.background;
      pool.stations.push_back({"loop", MvaStation::Kind::queue, pool.loop_demand, 1});
      pool.stations.push_back({"io", MvaStation::Kind::delay, d.io, 1});
      if (server.kind == ServerKind::gunicorn_gevent) {
        pool.slots = server.worker_connections;
        pool.capacity = server.worker_connections + backlog / server.workers;
        model = "gunicorn gevent: per process, up to " + std::to_string(pool.slots) +
                " connections on one loop (a processor-sharing server for code) and I/O as a delay";
      } else if (server.limit_concurrency) {
        pool.slots = pool.capacity = *server.limit_concurrency;
        pool.error_kind = "unavailable";
        model = kind + ": per process, up to limit_concurrency " + std::to_string(pool.slots) +
                " requests (503 beyond) on one event loop (a processor-sharing server) and I/O "
                "as a delay";
      } else {
        pool.unbounded = true;
        model = kind + ": per process, an open network of the event loop (a processor-sharing "
                "server) and I/O (a delay)";
      }
      if (d.background > 0.0) {
        assumptions.push_back("background work loads the loop; it is not in the response time");
      }
      if (d.blocking_io > 0.0) assumptions.push_back("blocking_io holds the event loop like cpu");
      if (d.io > 0.0 && server.wait_overhead.mean() > 0.0) {
        assumptions.push_back("wait_overhead loads the loop, but the queue a request joins again to resume "
                              "after its wait is left out: the mean response is low by about one loop "
                              "wait per io phase");
      }
      if (d.io + d.blocking_io > 0.0 && server.wait_crowding > 0.0) {
        assumptions.push_back("wait_crowding is left out (it depends on the requests a process holds): "
                              "the loop's load is low by wait_crowding times those per wait");
      }
      for (std::size_t i = 0; i < s.endpoints.size(); ++i) {
        if (is_asgi(server.kind) && s.style_of(s.endpoints[i]) == EndpointStyle::sync) {
          throw NotApplicableError("endpoints." + s.endpoints[i].name +
                                   ".style: sync endpoints on " + kind + " run in a thread pool that "
                                   "contends with the loop for the GIL; no analytic model here, "
                                   "simulate it");
        }
      }
      break;
    }
  }
  if (pool.processes > 1) {
    assumptions.push_back("requests spread evenly over the " + std::to_string(pool.processes) +
                          " processes");
  }
  return pool;
}

/// Rejects what no model here describes, naming the field.
void require_modelled(const Scenario& s) {
  const auto reject = [](const std::string& path, const std::string& why) {
    throw NotApplicableError(path + ": " + why + "; simulate it");
  };
  if (!s.balancers.empty()) reject("balancers", "the estimate models one server without a load balancer");
  for (const Endpoint& endpoint : s.endpoints) {
    for (std::size_t i = 0; i < endpoint.phases.size(); ++i) {
      const PhaseKind kind = endpoint.phases[i].kind;
      if (kind == PhaseKind::db || kind == PhaseKind::call || kind == PhaseKind::cache || kind == PhaseKind::enqueue ||
          kind == PhaseKind::infer) {
        reject("endpoints." + endpoint.name + ".phases[" + std::to_string(i) + "]",
               "databases, downstream calls, caches, task queues and model servers have no analytic model here");
      }
      if (endpoint.phases[i].threads > 1) {
        reject("endpoints." + endpoint.name + ".phases[" + std::to_string(i) + "].cpu_nogil.threads",
               "native code on several threads has no analytic model here");
      }
    }
  }
  if (s.workload.open) {
    const OpenWorkload& open = *s.workload.open;
    if (open.arrivals == ArrivalProcess::bursty || open.arrivals == ArrivalProcess::trace) {
      reject("workload.open.arrivals", "bursty and traced arrivals are not a renewal process");
    }
    if (open.profile.kind != RateProfileKind::constant) {
      reject("workload.open.profile", "a time-varying rate has no steady state");
    }
  }
}

}  // namespace

Prediction estimate(const Scenario& s) {
  s.validate();
  if (s.servers.size() != 1) {
    throw NotApplicableError("servers: the estimate models one server, got " +
                             std::to_string(s.servers.size()) + "; simulate several");
  }
  require_modelled(s);
  const Server& server = s.servers.front();
  const Host& host = *s.find_host(server.host);
  const std::string path = "servers." + server.name;
  Prediction e;
  e.scenario = s.name;
  e.server = server.name;
  e.host = host.name;
  const Demands d = demands_of(s, server, Scenario::effective_speed(host));
  Pool pool = pool_of(s, server, host, d, path, e.assumptions, e.model);
  if (host.stalls.share > 0.0) {
    e.assumptions.push_back("the host's stalls lengthen CPU demands by 1 / (1 - share) on average; their "
                            "variance is not in the queueing formulas");
  }

  // Arrivals per process and the chain's birth rates.
  const bool open = s.workload.open.has_value();
  double rate = 0.0;
  int users = 0;
  double think = 0.0;
  if (open) {
    rate = s.workload.open->rate / pool.processes;
    e.offered_rate = s.workload.open->rate;
  } else {
    users = std::max(1, static_cast<int>(std::lround(static_cast<double>(s.workload.closed->users) /
                                                     pool.processes)));
    think = s.workload.closed->think_time.mean();
    e.model += "; closed: " + std::to_string(s.workload.closed->users) + " users";
  }

  // Service rate of the process with n = 1..slots requests in service: exact MVA of its
  // subnetwork with n users and no think time. An unbounded pool never needs more slots than
  // the chain can hold, so it is cut where the rate has flattened.
  if (pool.unbounded) pool.slots = open ? 4'096 : users;
  if (!open) pool.slots = std::min(pool.slots, users);
  // Closed users can never exceed their number: an unbounded process holds them all.
  if (pool.unbounded && !open) pool.capacity = users;
  const std::vector<MvaResult> curve = mva_exact_curve(pool.stations, pool.slots, 0.0);
  std::vector<double> service_rate(static_cast<std::size_t>(pool.slots) + 1, 0.0);
  for (int n = 1; n <= pool.slots; ++n) service_rate[n] = curve[n - 1].throughput;
  const double full_rate = service_rate[pool.slots];
  e.saturation_rate = pool.processes * (pool.unbounded && open ? 1.0 / std::max(pool.loop_demand, 1e-300)
                                                               : full_rate);
  if (pool.unbounded && open) {
    if (rate >= full_rate) {
      throw UnstableSystemError(
          "estimate: the offered " + number(s.workload.open->rate) + " req/s reach the saturation rate " +
          number(e.saturation_rate) + " req/s of '" + server.name +
          "', which has no limit_concurrency: its queue grows without bound");
    }
    // Truncate the geometric tail beyond the slots where its mass is below 1e-16.
    const double ratio = rate / full_rate;
    const double extra = std::ceil(std::log(1e-16) / std::log(ratio));
    pool.capacity = pool.slots + static_cast<int>(std::min(extra, 1e6));
  }
  if (!open && think == 0.0 && pool.capacity < users) {
    throw NotApplicableError("workload.closed.think_time: " + std::to_string(users) +
                             " users per process without think time against a limit of " +
                             std::to_string(pool.capacity) +
                             " retry errors as fast as they come back; simulate it");
  }

  // Birth-death chain on n = 0..K in log space: birth lambda (open) or (N - n) / Z (closed).
  const auto chain = [&](int population) {
    const int top = open ? pool.capacity : std::min(pool.capacity, population);
    std::vector<double> log_p(static_cast<std::size_t>(top) + 1, 0.0);
    for (int n = 1; n <= top; ++n) {
      const double birth = open ? rate : (think > 0.0 ? (population - n + 1) / think : kInfinity);
      log_p[n] = log_p[n - 1] + std::log(birth / service_rate[std::min(n, pool.slots)]);
    }
    if (!open && think == 0.0) {  // everyone always in the server
      std::fill(log_p.begin(), log_p.end(), -kInfinity);
      log_p.back() = 0.0;
    }
    const double peak = *std::max_element(log_p.begin(), log_p.end());
    std::vector<double> p(log_p.size());
    double total = 0.0;
    for (std::size_t n = 0; n < p.size(); ++n) total += (p[n] = std::exp(log_p[n] - peak));
    for (double& x : p) x /= total;
    return p;
  };
  const std::vector<double> p = chain(users);
  double in_service = 0.0, waiting = 0.0, completions = 0.0;
  for (std::size_t n = 0; n < p.size(); ++n) {
    const int k = static_cast<int>(n);
    in_service += std::min(k, pool.slots) * p[n];
    waiting += std::max(0, k - pool.slots) * p[n];
    completions += service_rate[std::min(k, pool.slots)] * p[n];
  }
  // What an arriving request finds: PASTA for Poisson arrivals; for a closed workload the
  // arrival theorem, i.e. weights p_n (N - n) (the birth rates), or N - 1 others when Z = 0.
  const int top = static_cast<int>(p.size()) - 1;
  std::vector<double> seen = p;
  if (!open) {
    if (think == 0.0) {
      std::fill(seen.begin(), seen.end(), 0.0);
      seen[std::max(0, top - 1)] = 1.0;
    } else {
      for (int n = 0; n <= top; ++n) seen[n] = p[n] * (users - n);
    }
  }
  double seen_total = 0.0;
  for (double x : seen) seen_total += x;
  for (double& x : seen) x /= seen_total;
  const double lost = top == pool.capacity ? seen[top] : 0.0;  // refused at capacity
  double p_wait = 0.0, wait_first = 0.0, wait_second = 0.0;
  for (int n = pool.slots; n <= top && n < pool.capacity; ++n) {
    const double k = n - pool.slots + 1.0;  // departures to wait for, each at full_rate
    const double q = seen[n] / (1.0 - lost);
    p_wait += q;
    wait_first += q * k / full_rate;
    wait_second += q * k * (k + 1.0) / (full_rate * full_rate);
  }

  // Allen–Cunneen: waits scale with (ca² + cs²) / 2; exact (factor 1) for M/M/c.
  double factor = 1.0;
  if (open && p_wait > 0.0) {
    const double arrival_scv = s.workload.open->arrivals == ArrivalProcess::poisson ? 1.0 : 0.0;
    factor = (arrival_scv + d.scv) / 2.0;
    if (std::abs(factor - 1.0) > 1e-12) {
      e.assumptions.push_back("waits scaled by Allen–Cunneen's (ca² + cs²) / 2 = " + number(factor) +
                              " for the service-time CV " + number(std::sqrt(d.scv)));
    }
  }
  const double throughput_per_process = completions;
  e.throughput = pool.processes * throughput_per_process;
  e.mean_in_system = pool.processes * (in_service + factor * waiting);
  e.mean_queue_length = pool.processes * factor * waiting;
  e.queued_fraction = p_wait;
  const double service_time = in_service / throughput_per_process;  // E[S] under contention
  const double mean_wait = factor * waiting / throughput_per_process;
  e.latency.mean = service_time + mean_wait;
  e.error_rate = lost;
  if (open) {
    e.saturated = s.workload.open->rate >= e.saturation_rate;
  } else {
    e.offered_rate = e.throughput / (1.0 - lost);
    e.saturation_population = (d.mean + think) * e.saturation_rate;
  }
  e.error_kind = pool.error_kind;
  e.worker_busy_fraction = pool.loop_demand > 0.0 ? throughput_per_process * pool.loop_demand
                                                  : in_service / pool.slots;
  const double cpu = d.gil_cpu + d.nogil_cpu + (pool.loop_demand > 0.0 ? d.background : 0.0);
  e.cpu_utilization = std::min(1.0, e.throughput * cpu / host.cores);

  const double conditional_wait = p_wait > 0.0 ? wait_first / p_wait : 0.0;
  const double wait_scv = p_wait > 0.0 ? std::max(1e-6, wait_second / p_wait /
                                                            (conditional_wait * conditional_wait) - 1.0)
                                       : 1.0;
  const ResponseTail tail{p_wait, factor * conditional_wait, wait_scv, service_time, d.scv};
  e.latency.p50 = tail.quantile(0.50);
  e.latency.p90 = tail.quantile(0.90);
  e.latency.p95 = tail.quantile(0.95);
  e.latency.p99 = tail.quantile(0.99);
  e.latency.p999 = tail.quantile(0.999);
  e.latency.max = kInfinity;
  e.assumptions.push_back("percentiles from gamma fits of the wait and of the time in service (exact "
                          "for exponential work without CPU contention)");

  if (s.workload.client_timeout && *s.workload.client_timeout <= e.latency.p99) {
    throw NotApplicableError("workload.client_timeout: " + number(*s.workload.client_timeout) +
                             " s is below the estimated p99 " + number(e.latency.p99) +
                             " s, so timeouts and retries shape the result; simulate it");
  }
  if (s.workload.retries.max_attempts > 1 && e.error_rate > 1e-6) {
    throw NotApplicableError("workload.retries: errors are retried and add load the estimate "
                             "leaves out; simulate it");
  }
  if (s.workload.client_timeout) {
    e.assumptions.push_back("client timeouts (" + number(*s.workload.client_timeout) +
                            " s) are rare at the estimated p99 and left out");
  }
  if (server.kind == ServerKind::gunicorn_sync && server.timeout > 0.0 &&
      e.latency.p999 - mean_wait >= server.timeout) {
    e.assumptions.push_back("some requests run past the worker timeout; killed workers are left out");
  }
  if (e.saturated) {
    e.assumptions.push_back("overloaded: the backlog stays full and the excess is " + e.error_kind);
  }
  return e;
}

}  // namespace servesim
