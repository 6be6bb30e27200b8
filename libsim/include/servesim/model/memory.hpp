#pragma once
/// @file memory.hpp
/// Resident memory of server processes and whether a deployment fits its
/// hosts' RAM: the static part (processes and their threads), which
/// Scenario::validate() checks, and what simulate() reports per host.

#include <optional>
#include <string>
#include <string_view>

#include "servesim/errors.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * A framework's default ProcessMemory (a server naming `framework: fastapi`
 * takes it unless its `memory:` section says otherwise). Measured on
 * 2026-12-07 (VmRSS of idle workers after one request, Python 3.11, the
 * validation/apps apps): a Flask worker under Gunicorn 30 MB, a FastAPI
 * worker under Uvicorn 48 MB, a bare interpreter 9 MB; a Django 5.2 worker
 * under Gunicorn (startproject's default middleware and apps, no database
 * driver loaded) 40 MB. Per thread and per connection are estimates (an idle
 * thread measured 0.1 MB; 1 MB allows for deeper stacks).
 * Unknown names get Flask's numbers.
 */
[[nodiscard]] ProcessMemory memory_preset(std::string_view framework);

/// Threads one process of `server` runs: 1 on sync and gevent, `threads` + 1
/// (the pool and the main thread) on gthread, 1 + `thread_pool` on uvicorn if
/// it serves a `sync` endpoint (else 1).
[[nodiscard]] int threads_per_process(const Scenario& scenario, const Server& server);

/// Bytes one process of `server` holds before any request: process + threads x thread.
[[nodiscard]] double static_process_memory(const Scenario& scenario, const Server& server);

/// A host's static memory need: over the servers on it, workers x static_process_memory.
/// Replicas each run on their own copy of the host, so one replica counts.
[[nodiscard]] double static_host_memory(const Scenario& scenario, const Host& host);

/// `83886080` -> "80 MB", `2147483648` -> "2 GB" (1024-based units, as `free` and `ps` show).
[[nodiscard]] std::string format_size(double bytes);

namespace detail {

/// Bytes in a size with a unit: "80MB", "1.5 GB", "64KiB", "512B"; KB, MB,
/// GB and TB are 1024-based (KiB, MiB, GiB, TiB are the same); empty if not a size.
[[nodiscard]] std::optional<double> parse_size(std::string_view text);

/// A deployment that does not fit its host's RAM (plan() rejects such a
/// candidate for "memory" rather than as invalid).
class MemoryFitError : public ScenarioError {
 public:
  using ScenarioError::ScenarioError;
};

/// Throws MemoryFitError at `hosts.NAME.memory` if a host's servers need more than its memory.
void check_memory_fit(const Scenario& scenario);

/// Throws ScenarioError at the servers' restart settings that cannot work:
/// a `memory_limit` below what a process holds serving one request,
/// `max_requests_jitter` without `max_requests`, and `max_requests` on a
/// one-process uvicorn (nothing restarts it).
void check_restarts(const Scenario& scenario);

}  // namespace detail
}  // namespace servesim
