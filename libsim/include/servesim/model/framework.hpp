#pragma once
/// @file framework.hpp
/// Per-request CPU cost of web frameworks (routing, request parsing,
/// validation, response serialization), used when a server names a framework
/// instead of giving `framework_overhead` explicitly.

#include <optional>
#include <string_view>
#include <vector>

#include "servesim/core/distribution.hpp"
#include "servesim/model/scenario.hpp"

namespace servesim {

/**
 * A named framework and its mean CPU costs at speed 1.0, which a server
 * naming the framework takes as its `framework_overhead`,
 * `connection_overhead`, `thread_handoff` and `wait_overhead` (see Server).
 *
 * `flask` and `fastapi` are measured on the reference machine with the
 * servers they run on (Flask on Gunicorn, FastAPI on Uvicorn with uvloop and
 * httptools) by validation/calibrate.py; validation/calibration.json keeps
 * the measurements, with the date and the versions. `django` is Django 5.2 on Gunicorn.
 */
struct FrameworkPreset {
  std::string_view name;
  /**
   * CPU seconds per request on a kept-alive connection, read and answered on
   * one thread (a Gunicorn sync worker, an `async def` on Uvicorn's loop):
   * the server's HTTP parsing and response writing, the framework's routing,
   * request and response objects and JSON serialization, and the kernel's
   * loopback network work for the request and its response.
   */
  double overhead_s;
  /**
   * CPU seconds per new TCP connection: accept, set-up and tear-down in the
   * kernel and the server's connection bookkeeping (measured as the cost of
   * `Connection: close` requests over kept-alive ones).
   */
  double connection_overhead_s;
  /**
   * CPU seconds per request passed to another thread and back: Gunicorn
   * gthread's poller to a pool thread, Uvicorn's loop to its thread pool for
   * a plain `def` endpoint (measured against a sync worker and an `async def`).
   */
  double thread_handoff_s;
  /**
   * CPU seconds per `io` or `blocking_io` wait, charged when it ends: the
   * timer, the wake-up, the event loop's poll, re-acquiring the GIL
   * (measured as the cost of endpoints that wait 2 ms over ones that do not,
   * with the server's core saturated).
   */
  double wait_overhead_s;
  /**
   * CPU seconds a wait costs more per request its process holds when it
   * ends (measured by validation/wait_cost.py as the growth of a wait's
   * cost from 64 to 256 connections; wait_overhead_s is what is left at none).
   */
  double wait_crowding_s;
};

/// Every known preset, in a stable order.
[[nodiscard]] const std::vector<FrameworkPreset>& framework_presets();

/// The preset called `name` (`flask`, `fastapi`, `django`, `none`), if known.
[[nodiscard]] std::optional<FrameworkPreset> find_framework_preset(std::string_view name);

/**
 * The preset called `name` as it costs on a server of `kind`: FastAPI's
 * costs measured on that server where validation/calibrate.py measured them
 * (Hypercorn, Granian, Gunicorn with Uvicorn workers: each parses HTTP its own
 * way), the framework's own preset otherwise.
 *
 * Example: `find_framework_preset("fastapi", ServerKind::hypercorn)->overhead_s`.
 */
[[nodiscard]] std::optional<FrameworkPreset> find_framework_preset(std::string_view name, ServerKind kind);

}  // namespace servesim
