#include "servesim/model/memory.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "core/messages.hpp"
#include "model/enum_names.hpp"

namespace servesim {
namespace {

constexpr double kKiB = 1024.0;
constexpr double kMiB = kKiB * 1024.0;

bool serves_sync(const Scenario& scenario, const Server& server) {
  return std::any_of(scenario.endpoints.begin(), scenario.endpoints.end(), [&](const Endpoint& e) {
    const auto servers = scenario.servers_of(e);
    return std::find(servers.begin(), servers.end(), &server) != servers.end() &&
           Scenario::style_on(e, server) == EndpointStyle::sync;
  });
}

// Servers on `host` other than `except`, and their static need.
double others_on(const Scenario& scenario, const Host& host, const Server* except) {
  double bytes = 0.0;
  for (const Server& s : scenario.servers) {
    if (s.host == host.name && &s != except) bytes += s.workers * static_process_memory(scenario, s);
  }
  return bytes;
}

}  // namespace

ProcessMemory memory_preset(std::string_view framework) {
  // See the header for where the numbers come from.
  if (framework == "fastapi") return {48.0 * kMiB, 1.0 * kMiB, 64.0 * kKiB};
  if (framework == "django") return {40.0 * kMiB, 1.0 * kMiB, 64.0 * kKiB};
  if (framework == "none") return {9.0 * kMiB, 1.0 * kMiB, 64.0 * kKiB};
  return ProcessMemory{};  // flask
}

int threads_per_process(const Scenario& scenario, const Server& server) {
  switch (server.kind) {
    case ServerKind::gunicorn_gthread: return server.threads + 1;
    case ServerKind::uvicorn:
    case ServerKind::hypercorn:
    case ServerKind::granian:
    case ServerKind::gunicorn_uvicorn: return serves_sync(scenario, server) ? 1 + server.thread_pool : 1;
    default: return 1;
  }
}

double static_process_memory(const Scenario& scenario, const Server& server) {
  return server.memory.process + threads_per_process(scenario, server) * server.memory.thread;
}

double static_host_memory(const Scenario& scenario, const Host& host) { return others_on(scenario, host, nullptr); }

std::string format_size(double bytes) {
  static constexpr std::array<const char*, 5> kUnits{"B", "KB", "MB", "GB", "TB"};
  std::size_t unit = 0;
  while (unit + 1 < kUnits.size() && std::fabs(bytes) >= 1024.0) {
    bytes /= 1024.0;
    ++unit;
  }
  // Three significant figures at most: 2.46 GB, 210 MB.
  const double rounded = bytes >= 100 ? std::round(bytes) : bytes >= 10 ? std::round(bytes * 10) / 10
                                                                         : std::round(bytes * 100) / 100;
  return detail::format_number(rounded) + " " + kUnits[unit];
}

namespace detail {

std::optional<double> parse_size(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) ++end;
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, value);
  if (end == 0 || ec != std::errc{} || ptr != text.data() + end) return std::nullopt;
  std::string unit;
  for (char c : text.substr(end)) {
    if (c != ' ') unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (unit.size() == 3 && unit[1] == 'I') unit.erase(1, 1);  // KiB is KB
  static constexpr std::string_view kUnits[] = {"B", "KB", "MB", "GB", "TB"};
  double scale = 1.0;
  for (std::string_view known : kUnits) {
    if (unit == known) return value * scale;
    scale *= 1024.0;
  }
  return std::nullopt;
}

void check_memory_fit(const Scenario& scenario) {
  for (const Host& host : scenario.hosts) {
    if (!host.memory) continue;
    const double need = static_host_memory(scenario, host);
    if (need <= *host.memory) continue;
    // Blame the server that needs the most; say how many of its workers fit beside the others.
    const Server* big = nullptr;
    for (const Server& s : scenario.servers) {
      if (s.host != host.name) continue;
      if (!big || s.workers * static_process_memory(scenario, s) >
                      big->workers * static_process_memory(scenario, *big)) {
        big = &s;
      }
    }
    const double each = static_process_memory(scenario, *big);
    const double others = others_on(scenario, host, big);
    const double fit = std::max(0.0, std::floor((*host.memory - others) / each));
    std::string message = format_size(*host.memory) + " holds at most " + format_number(fit) + " " +
                          server_kind_name(big->kind) + " workers of " + format_size(each);
    if (others > 0) message += " beside the other servers' " + format_size(others);
    message += " (servers." + big->name + ".workers = " + std::to_string(big->workers) + " needs " +
               format_size(big->workers * each) + ")";
    throw MemoryFitError("hosts." + host.name + ".memory", message);
  }
}

namespace {

// Uvicorn, on its own or as Gunicorn's worker (which hands it max_requests as
// limit_max_requests), closes its WebSockets at once (code 1012) when it stops
// at its request limit and drains the rest with no time limit; the engines
// hold them until graceful_timeout, as Gunicorn's gevent worker does.
void check_recycling_beside_connections(const Scenario& scenario, const Server& server) {
  const bool uvicorn_shutdown = server.kind == ServerKind::uvicorn || server.kind == ServerKind::gunicorn_uvicorn;
  if (server.max_requests == 0 || !uvicorn_shutdown) return;
  for (const ConnectionGroup& group : scenario.connections) {
    if (group.server != server.name) continue;
    throw ScenarioError("servers." + server.name + ".max_requests",
                        "not modelled beside long-lived connections on " + std::string(name_of(server.kind)) +
                            ": Uvicorn closes its WebSockets at once when it stops at its request limit, and "
                            "drains its requests with no time limit (connections '" + group.name +
                            "'); leave max_requests out, or serve the connections from gunicorn-gevent");
  }
}

}  // namespace

void check_restarts(const Scenario& scenario) {
  for (const Server& server : scenario.servers) {
    const std::string path = "servers." + server.name;
    if (server.max_requests_jitter > 0 && server.max_requests == 0) {
      throw ScenarioError(path + ".max_requests_jitter",
                          "spreads max_requests, which is 0 (never restart): set max_requests too");
    }
    // Uvicorn restarts a worker only under its multiprocess supervisor
    // (--workers > 1); a lone process exits at the limit and stays down.
    if (server.max_requests > 0 && server.kind == ServerKind::uvicorn && server.workers == 1) {
      throw ScenarioError(path + ".max_requests",
                          "a uvicorn server with one worker exits at --limit-max-requests and nothing restarts "
                          "it; use workers >= 2 (its supervisor restarts them), got " +
                              std::to_string(server.max_requests));
    }
    check_recycling_beside_connections(scenario, server);
    if (!server.memory_limit) continue;
    const double one_request =
        static_process_memory(scenario, server) + server.memory.connection + server.memory.growth_per_request;
    if (*server.memory_limit < one_request) {
      throw ScenarioError(path + ".memory_limit",
                          format_size(*server.memory_limit) + " is below what a process holds serving one request, " +
                              format_size(one_request) +
                              " (process + threads x thread + connection + growth_per_request)");
    }
  }
}

}  // namespace detail
}  // namespace servesim
