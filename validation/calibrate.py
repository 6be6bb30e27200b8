"""Calibrate servesim's framework presets against real servers on this machine.

With one worker process pinned to one core and enough wrk connections to keep
it saturated, the CPU cost of one request is the server processes' CPU time
(user and system, which includes the kernel's network work done on their
behalf) divided by the requests served; on a machine of its own that equals
1 / throughput, and unlike throughput it does not change when other work
takes a share of the core. On the zero-work endpoints that cost is the
framework's and the server's own overhead, which the presets model:

- per-request overhead: Gunicorn ``gthread`` + Flask and Uvicorn + FastAPI
  (``async def`` and plain ``def``) with keep-alive connections (wrk's default);
- per-connection overhead: the same with ``Connection: close`` (every request
  opens a TCP connection: accept, set-up and tear-down in the kernel, the
  server's connection bookkeeping) minus the keep-alive cost;
- Gunicorn ``sync``, which closes every connection itself, as a check that
  request + connection overhead add up;
- the endpoints with query parameters and 0 ms of work, and with 5 ms of CPU:
  checks that the burnt CPU is what was asked for;
- per-wait overhead: the same endpoints waiting ``WAIT_MS`` (``cpu_ms=0``,
  ``io_ms=2``: ``time.sleep`` on Gunicorn sync and gthread and in Uvicorn's
  thread pool, ``await asyncio.sleep`` on its loop) minus the 0 ms ones
  measured just before: the timer, the wake-up, the event loop's poll and
  re-acquiring the GIL that every wait costs;
- the machine's CPU stalls (a scenario's ``hosts.X.stalls``): one connection
  on an endpoint with 5 ms of CPU, no queueing, on Uvicorn and on Gunicorn
  sync. Other work on the core takes it from the server now and then for a
  time slice; the median request meets no stall, so mean - p50 is the stall
  time per request and p99 - p50 the length of the stalls that the slowest
  1 % meet (`stalls_of`);
- the GIL: 4 threads of one ``gthread`` process running CPU-bound requests
  against 1 thread (throughput ratio = share of the core Python code keeps);
- the crowding of waits (``wait_crowding``): Uvicorn's ``async def`` with
  1 ms of CPU, with and without a 50 ms wait, at 64 and 256 connections
  (each connection a request the saturated process holds, with about as many
  waits in flight at both): how much more a wait costs per request held is
  the growth of (with wait - without) over the 192 more requests
  (validation/wait_cost.py measures the whole curve and its kernel counts).

Writes ``validation/calibration.json`` (raw rows and the derived numbers) and
prints the values for ``libsim/src/model/framework.cpp``.

Usage::

    python validation/calibrate.py               # about 5 min
    python validation/calibrate.py --duration 2 --repeats 1   # a rough look
    python validation/calibrate.py --only sync_work0 --only sync_io2   # re-measure some rows
    python validation/calibrate.py --server granian   # FastAPI on Granian only
    python validation/calibrate.py --django           # Django on Gunicorn only
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
from measure import Point, ServerConfig  # noqa: E402

CALIBRATION = measure.HERE / "calibration.json"

SYNC1 = ServerConfig("gunicorn-sync", workers=1)
SYNC2 = ServerConfig("gunicorn-sync", workers=2)
GTHREAD_1x1 = ServerConfig("gunicorn-gthread", workers=1, threads=1)
GTHREAD_1x4 = ServerConfig("gunicorn-gthread", workers=1, threads=4)
GTHREAD_1x8 = ServerConfig("gunicorn-gthread", workers=1, threads=8)
UVICORN1 = ServerConfig("uvicorn", workers=1)
# The other ASGI servers, each calibrated as Uvicorn is: (row prefix, server).
OTHER_ASGI = {
    "hypercorn": ServerConfig("hypercorn", workers=1),
    "granian": ServerConfig("granian", workers=1),
    "gunicorn_uvicorn": ServerConfig("gunicorn-uvicorn", workers=1),
}

# Django on Gunicorn, calibrated as Flask is.
DJANGO_SYNC1 = ServerConfig("gunicorn-sync", workers=1, app="django")
DJANGO_GTHREAD_1x4 = ServerConfig("gunicorn-gthread", workers=1, threads=4, app="django")

# Connections that keep one worker saturated without a deep queue.
SATURATING = 16
GIL_WORK_MS = 10.0
# The wait of the per-wait calibration: long enough that every request
# really sleeps (a timer, a wake-up), short enough that the processes stay
# busy and serve thousands of requests per run.
WAIT_MS = 2.0
# The crowding rows: held requests (connections of a saturated process) and the wait.
CROWD_CONNECTIONS = (64, 256)
CROWD_WAIT_MS = 50.0


def calibration_points() -> dict[str, Point]:
    """The named measurements that the derived numbers are computed from."""
    return {
        "sync_zero": Point("calibrate", SYNC1, "/zero", connections=SATURATING),
        "gthread1_zero": Point("calibrate", GTHREAD_1x1, "/zero", connections=SATURATING),
        "gthread4_zero": Point("calibrate", GTHREAD_1x4, "/zero", connections=SATURATING),
        "gthread4_zero_close": Point("calibrate", GTHREAD_1x4, "/zero", connections=SATURATING,
                                     connection_close=True),
        "uvicorn_zero": Point("calibrate", UVICORN1, "/zero", connections=SATURATING),
        "uvicorn_zero_def": Point("calibrate", UVICORN1, "/zero_def", connections=SATURATING),
        "uvicorn_zero_close": Point("calibrate", UVICORN1, "/zero", connections=SATURATING,
                                    connection_close=True),
        # Each 0 ms endpoint right before the same endpoint with a wait, so the
        # difference is measured in the same conditions.
        "sync_work0": Point("calibrate", SYNC1, "/work", 0, 0, SATURATING),
        "sync_io2": Point("calibrate", SYNC1, "/work", 0, WAIT_MS, SATURATING),
        "gthread4_work0": Point("calibrate", GTHREAD_1x4, "/work", 0, 0, SATURATING),
        "gthread4_io2": Point("calibrate", GTHREAD_1x4, "/work", 0, WAIT_MS, SATURATING),
        "uvicorn_async0": Point("calibrate", UVICORN1, "/async", 0, 0, SATURATING),
        "uvicorn_async_io2": Point("calibrate", UVICORN1, "/async", 0, WAIT_MS, SATURATING),
        "uvicorn_def0": Point("calibrate", UVICORN1, "/def", 0, 0, SATURATING),
        "uvicorn_def_io2": Point("calibrate", UVICORN1, "/def", 0, WAIT_MS, SATURATING),
        "sync_cpu5": Point("calibrate", SYNC1, "/work", 5, 0, 4),
        "uvicorn_async_cpu5": Point("calibrate", UVICORN1, "/async", 5, 0, 4),
        # One connection on 5 ms of CPU and no wait: no queueing and nothing
        # but CPU, so the latency's spread is the stalls' (`stalls_of`). The
        # sync server has the grid's 2 workers: one serves, as with 1.
        "stalls_uvicorn_cpu5_c1": Point("calibrate", UVICORN1, "/async", 5, 0, 1),
        "stalls_sync_cpu5_c1": Point("calibrate", SYNC2, "/work", 5, 0, 1),
        **crowding_points(),
        "gil_1_thread": Point("calibrate", GTHREAD_1x1, "/work", GIL_WORK_MS, 0, 1),
        "gil_4_threads": Point("calibrate", GTHREAD_1x4, "/work", GIL_WORK_MS, 0, 4),
        **{name: point for prefix, server in OTHER_ASGI.items() for name, point in asgi_points(prefix, server).items()},
        **django_points(),
        # Uvicorn's rows again, on the day the other ASGI servers were measured:
        # the machine's per-request costs move between sessions (see `same_day_scale`).
        **{f"reference_{name}": point for name, point in asgi_points("uvicorn", UVICORN1).items()
           if name in REFERENCE_ROWS},
    }


def crowding_points() -> dict[str, Point]:
    """Uvicorn ``async def`` (1 ms of CPU) without and with a wait, at each of
    CROWD_CONNECTIONS: the rows `wait_crowding` comes from (`derive`)."""
    return {f"crowd_uvicorn_c{c}_io{wait:g}": Point("calibrate", UVICORN1, "/async", 1, wait, c)
            for c in CROWD_CONNECTIONS for wait in (0.0, CROWD_WAIT_MS)}


def django_points() -> dict[str, Point]:
    """The rows Django's preset comes from, as Flask's (`presets`), and Flask's `/zero`
    rows again beside them (``django_day_``: the machine's costs move between days)."""
    return {
        "django_sync_zero": Point("calibrate", DJANGO_SYNC1, "/zero", connections=SATURATING),
        "django_gthread4_zero": Point("calibrate", DJANGO_GTHREAD_1x4, "/zero", connections=SATURATING),
        "django_gthread4_zero_close": Point("calibrate", DJANGO_GTHREAD_1x4, "/zero", connections=SATURATING,
                                            connection_close=True),
        "django_sync_work0": Point("calibrate", DJANGO_SYNC1, "/work", 0, 0, SATURATING),
        "django_sync_io2": Point("calibrate", DJANGO_SYNC1, "/work", 0, WAIT_MS, SATURATING),
        "django_gthread4_work0": Point("calibrate", DJANGO_GTHREAD_1x4, "/work", 0, 0, SATURATING),
        "django_gthread4_io2": Point("calibrate", DJANGO_GTHREAD_1x4, "/work", 0, WAIT_MS, SATURATING),
        "django_day_sync_zero": Point("calibrate", SYNC1, "/zero", connections=SATURATING),
        "django_day_gthread4_zero": Point("calibrate", GTHREAD_1x4, "/zero", connections=SATURATING),
        "django_day_gthread4_zero_close": Point("calibrate", GTHREAD_1x4, "/zero", connections=SATURATING,
                                                connection_close=True),
    }


# The Uvicorn rows measured again beside the other ASGI servers.
REFERENCE_ROWS = ("uvicorn_zero", "uvicorn_zero_def", "uvicorn_zero_close", "uvicorn_async0")


def asgi_points(prefix: str, server: ServerConfig) -> dict[str, Point]:
    """The rows FastAPI's preset on an ASGI server comes from, as Uvicorn's (`presets`)."""
    return {
        f"{prefix}_zero": Point("calibrate", server, "/zero", connections=SATURATING),
        f"{prefix}_zero_def": Point("calibrate", server, "/zero_def", connections=SATURATING),
        f"{prefix}_zero_close": Point("calibrate", server, "/zero", connections=SATURATING, connection_close=True),
        f"{prefix}_async0": Point("calibrate", server, "/async", 0, 0, SATURATING),
        f"{prefix}_async_io2": Point("calibrate", server, "/async", 0, WAIT_MS, SATURATING),
        f"{prefix}_def0": Point("calibrate", server, "/def", 0, 0, SATURATING),
        f"{prefix}_def_io2": Point("calibrate", server, "/def", 0, WAIT_MS, SATURATING),
    }


def derive(rows: dict[str, dict]) -> dict[str, float]:
    """Per-request and per-connection CPU seconds from the servers' CPU time per request."""

    def cost(name: str) -> float:
        return rows[name]["cpu_per_request_us"] * 1e-6

    derived = {
        # Framework + server per request, keep-alive connections.
        "flask_gthread_request_s": cost("gthread4_zero"),
        "flask_gthread1_request_s": cost("gthread1_zero"),
        "fastapi_async_request_s": cost("uvicorn_zero"),
        "fastapi_def_request_s": cost("uvicorn_zero_def"),
        # Gunicorn sync closes the connection after each response.
        "flask_sync_request_with_connection_s": cost("sync_zero"),
        # One TCP connection per request, less the keep-alive request.
        "gthread_connection_s": cost("gthread4_zero_close") - cost("gthread4_zero"),
        "uvicorn_connection_s": cost("uvicorn_zero_close") - cost("uvicorn_zero"),
        # The same endpoints with two query parameters parsed (and validated by FastAPI).
        "flask_sync_work0_s": cost("sync_work0"),
        "flask_gthread_work0_s": cost("gthread4_work0"),
        "fastapi_async_work0_s": cost("uvicorn_async0"),
        "fastapi_def_work0_s": cost("uvicorn_def0"),
        # One wait of WAIT_MS: the endpoint's cost less its 0 ms cost.
        "flask_sync_wait_s": cost("sync_io2") - cost("sync_work0"),
        "flask_gthread_wait_s": cost("gthread4_io2") - cost("gthread4_work0"),
        "fastapi_async_wait_s": cost("uvicorn_async_io2") - cost("uvicorn_async0"),
        "fastapi_def_wait_s": cost("uvicorn_def_io2") - cost("uvicorn_def0"),
        # 5 ms of requested CPU: the measured cost less the 0 ms endpoint's.
        "sync_cpu5_burnt_s": cost("sync_cpu5") - cost("sync_work0"),
        "uvicorn_cpu5_burnt_s": cost("uvicorn_async_cpu5") - cost("uvicorn_async0"),
        # Useful work of 4 CPU-bound threads in one process per CPU second,
        # relative to 1 thread's: what GIL hand-overs cost.
        "gil_4_threads_efficiency": cost("gil_1_thread") / cost("gil_4_threads"),
        # The same from throughput (1 / CPU-bound throughput), for comparison.
        "gil_4_threads_throughput_ratio": rows["gil_4_threads"]["throughput_rps"]
        / rows["gil_1_thread"]["throughput_rps"],
    }
    if all(name in rows for name in crowding_points()):
        # A wait's cost at each crowding: the endpoint with it less the one without.
        low, high = CROWD_CONNECTIONS
        wait_at = {c: cost(f"crowd_uvicorn_c{c}_io{CROWD_WAIT_MS:g}") - cost(f"crowd_uvicorn_c{c}_io0")
                   for c in CROWD_CONNECTIONS}
        derived["fastapi_async_wait_crowded_low_s"] = wait_at[low]
        derived["fastapi_async_wait_crowded_high_s"] = wait_at[high]
        derived["fastapi_async_wait_crowding_s"] = (wait_at[high] - wait_at[low]) / (high - low)
    # The stalls each one-connection CPU row shows (`stalls_of`).
    for server in ("uvicorn", "sync"):
        share, length = stalls_of(rows[f"stalls_{server}_cpu5_c1"])
        derived[f"stalls_{server}_share"] = share
        derived[f"stalls_{server}_length_s"] = length
    if all(f"reference_{name}" in rows for name in REFERENCE_ROWS):
        # Uvicorn's zero-work request then, over the same request on the other servers' day.
        derived["same_day_scale"] = cost("uvicorn_zero") / cost("reference_uvicorn_zero")
        derived["fastapi_reference_async_request_s"] = cost("reference_uvicorn_zero")
        derived["fastapi_reference_def_request_s"] = cost("reference_uvicorn_zero_def")
        derived["reference_connection_s"] = cost("reference_uvicorn_zero_close") - cost("reference_uvicorn_zero")
        derived["fastapi_reference_async_work0_s"] = cost("reference_uvicorn_async0")
    for prefix in OTHER_ASGI:
        if f"{prefix}_zero" not in rows:
            continue  # not measured yet: `--server` measures them
        derived[f"fastapi_{prefix}_async_request_s"] = cost(f"{prefix}_zero")
        derived[f"fastapi_{prefix}_def_request_s"] = cost(f"{prefix}_zero_def")
        derived[f"{prefix}_connection_s"] = cost(f"{prefix}_zero_close") - cost(f"{prefix}_zero")
        derived[f"fastapi_{prefix}_async_work0_s"] = cost(f"{prefix}_async0")
        derived[f"fastapi_{prefix}_def_work0_s"] = cost(f"{prefix}_def0")
        derived[f"fastapi_{prefix}_async_wait_s"] = cost(f"{prefix}_async_io2") - cost(f"{prefix}_async0")
        derived[f"fastapi_{prefix}_def_wait_s"] = cost(f"{prefix}_def_io2") - cost(f"{prefix}_def0")
    if "django_sync_zero" in rows:
        # Flask's zero-work request then, over the same request on Django's day.
        derived["django_same_day_scale"] = cost("sync_zero") / cost("django_day_sync_zero")
        derived["django_connection_s"] = cost("django_gthread4_zero_close") - cost("django_gthread4_zero")
        derived["django_sync_request_s"] = cost("django_sync_zero") - derived["django_connection_s"]
        derived["django_gthread_request_s"] = cost("django_gthread4_zero")
        derived["django_sync_wait_s"] = cost("django_sync_io2") - cost("django_sync_work0")
        derived["django_gthread_wait_s"] = cost("django_gthread4_io2") - cost("django_gthread4_work0")
    # Gunicorn sync's request machinery (one connection per request), net of the
    # connection: compare with gthread's to see what the thread pool costs.
    derived["flask_sync_request_s"] = (derived["flask_sync_request_with_connection_s"]
                                       - derived["gthread_connection_s"])
    return derived


# The quantile of the one-connection latency whose distance from the median
# measures the stalls' length.
STALL_QUANTILE = 0.99


def poisson_quantile(mean: float, q: float) -> int:
    """The smallest k with P(N <= k) >= q, N Poisson of `mean`."""
    k, term = 0, math.exp(-mean)
    total = term
    while total < q:
        k += 1
        term *= mean / k
        total += term
    return k


def stalls_of(row: dict) -> tuple[float, float]:
    """The CPU stalls one connection on a CPU-only endpoint shows: (share, length in s).

    A request of c seconds of CPU meets N stalls of length L, N Poisson of
    mean m = r c (servesim's ``hosts.X.stalls``, rules/stalls.hpp). When most
    requests meet none (m < ln 2), the median request ran undisturbed, so
    mean - p50 = m L is the stall time per request, and p99 - p50 = k L, k
    the 0.99 quantile of N. The share is the stall time over the time a
    request runs or is stalled; c is the server's CPU time per request, which
    the stalls (others' work) do not count in.
    """
    cpu = row["cpu_per_request_us"] * 1e-6
    stalled = (row["mean_ms"] - row["p50_ms"]) * 1e-3
    spread = (row["p99_ms"] - row["p50_ms"]) * 1e-3
    if not 0.0 < stalled < spread:
        raise ValueError(f"{row['config']} {row['endpoint']} c={row['connections']}: mean - p50 = "
                         f"{stalled * 1e3:.3f} ms and p99 - p50 = {spread * 1e3:.3f} ms show no stalls")
    stalls = 1
    for _ in range(10):  # k depends on m = stalled / L, L on k: a few rounds settle it
        length = spread / stalls
        stalls = max(1, poisson_quantile(stalled / length, STALL_QUANTILE))
        if spread / stalls == length:
            break
    if stalled / length > math.log(2.0):
        raise ValueError(f"{row['config']} c={row['connections']}: {stalled / length:.2f} stalls per request; "
                         "the median request is stalled too, so mean - p50 does not measure them")
    return stalled / (cpu + stalled), length


def machine_stalls(derived: dict[str, float]) -> dict[str, float]:
    """``hosts.X.stalls`` for this machine: the mean of the one-connection rows' estimates."""
    servers = ("uvicorn", "sync")
    return {
        "share": round(sum(derived[f"stalls_{s}_share"] for s in servers) / len(servers), 4),
        "length_s": round(sum(derived[f"stalls_{s}_length_s"] for s in servers) / len(servers), 5),
    }


def presets(derived: dict[str, float]) -> dict[str, dict[str, float]]:
    """The FrameworkPreset values (CPU seconds, rounded to 1 us) for framework.cpp.

    Flask's request overhead is the sync worker's, net of the connection it
    opens for every request (priced by gthread with and without keep-alive);
    gthread's extra per request over that is its thread hand-off. FastAPI's
    is an ``async def`` on the loop; a plain ``def`` adds the thread pool's
    hand-off. A preset has one per-wait cost for both of the framework's
    ways of running code (sync and gthread; ``async def`` and ``def``): the
    mean of the two. FastAPI's ``wait_crowding`` is the ``async def`` wait's
    growth per request held (measured on Uvicorn only: a ``def`` wait in its
    thread pool did not grow, validation/README.md); its ``wait_overhead`` is
    then what the 2 ms wait at SATURATING connections cost less SATURATING
    times that, so the model's wait at the calibration point costs what it
    measured. The other servers' and Flask's are not measured: 0.
    """
    def us(seconds: float) -> float:
        return round(seconds, 6)

    # The other ASGI servers were measured on another day than Uvicorn's preset, when the
    # same Uvicorn request cost `same_day_scale` times less or more: their costs are
    # scaled by it, so every FastAPI preset is on the reference machine of Uvicorn's.
    scale = derived.get("same_day_scale", 1.0)

    def asgi(prefix: str) -> dict[str, float]:
        fastapi = f"fastapi_{prefix}"
        request = derived[f"{fastapi}_async_request_s"]
        wait = (derived[f"{fastapi}_async_wait_s"] + derived[f"{fastapi}_def_wait_s"]) / 2
        return {
            "overhead_s": us(scale * request),
            "connection_overhead_s": us(scale * max(0.0, derived[f"{prefix}_connection_s"])),
            "thread_handoff_s": us(scale * (derived[f"{fastapi}_def_request_s"] - request)),
            # A wait that measured cheaper than none is noise around a cost near 0.
            "wait_overhead_s": us(scale * max(0.0, wait)),
            "wait_crowding_s": 0.0,
        }

    # A wait that cost less with more requests held is noise around no growth.
    crowding = max(0.0, derived.get("fastapi_async_wait_crowding_s", 0.0))
    others = {f"fastapi-{prefix.replace('_', '-')}": asgi(prefix)
              for prefix in OTHER_ASGI if f"fastapi_{prefix}_async_request_s" in derived}
    if "django_same_day_scale" in derived:
        # Django was measured on another day than Flask's preset: scaled as the ASGI servers are.
        django_scale = derived["django_same_day_scale"]
        django_wait = (derived["django_sync_wait_s"] + derived["django_gthread_wait_s"]) / 2
        others["django"] = {
            "overhead_s": us(django_scale * derived["django_sync_request_s"]),
            "connection_overhead_s": us(django_scale * max(0.0, derived["django_connection_s"])),
            "thread_handoff_s": us(django_scale * max(0.0, derived["django_gthread_request_s"]
                                                       - derived["django_sync_request_s"])),
            "wait_overhead_s": us(django_scale * max(0.0, django_wait)),
            "wait_crowding_s": 0.0,
        }
    return {
        "flask": {
            "overhead_s": us(derived["flask_sync_request_s"]),
            "connection_overhead_s": us(derived["gthread_connection_s"]),
            "thread_handoff_s": us(derived["flask_gthread_request_s"] - derived["flask_sync_request_s"]),
            "wait_overhead_s": us((derived["flask_sync_wait_s"] + derived["flask_gthread_wait_s"]) / 2),
            "wait_crowding_s": 0.0,
        },
        "fastapi": {
            "overhead_s": us(derived["fastapi_async_request_s"]),
            "connection_overhead_s": us(derived["uvicorn_connection_s"]),
            "thread_handoff_s": us(derived["fastapi_def_request_s"] - derived["fastapi_async_request_s"]),
            "wait_overhead_s": us(max(0.0, (derived["fastapi_async_wait_s"] + derived["fastapi_def_wait_s"]) / 2
                                      - SATURATING * crowding)),
            "wait_crowding_s": round(crowding, 9),
        },
        # FastAPI on each other ASGI server (framework.cpp's server presets), derived as above.
        **others,
    }


def write(path: Path, rows: dict[str, dict], method: dict) -> dict:
    """Derive the costs and presets from `rows` and write calibration.json."""
    derived = derive(rows)
    # Rows measured before Starlette was recorded have no starlette key.
    environment = {key: rows["sync_zero"].get(key, "") for key in (
        "date", "cpu_model", "python", "flask", "gunicorn", "fastapi", "starlette", "uvicorn", "uvloop",
        "httptools")}
    # The other ASGI servers were measured on their own dates, with their own versions.
    for prefix in OTHER_ASGI:
        if f"{prefix}_zero" in rows:
            environment[f"{prefix}_rows"] = {key: rows[f"{prefix}_zero"].get(key, "") for key in (
                "date", "python", "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "hypercorn", "h11",
                "granian", "gunicorn", "uvicorn_worker")}
    if "django_sync_zero" in rows:
        environment["django_rows"] = {key: rows["django_sync_zero"].get(key, "") for key in (
            "date", "python", "django", "flask", "gunicorn")}
    document = {"environment": environment, "method": method, "presets": presets(derived),
                "stalls": machine_stalls(derived), "derived": derived, "rows": rows}
    path.write_text(json.dumps(document, indent=2) + "\n")
    return document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=4, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of warm-up run")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per point (median)")
    parser.add_argument("--out", type=Path, default=CALIBRATION)
    parser.add_argument("--derive-only", action="store_true",
                        help="measure nothing: recompute the derived numbers and presets of --out")
    parser.add_argument("--only", action="append", default=[], metavar="NAME",
                        help="measure only this row (repeatable); the others are kept from --out")
    parser.add_argument("--server", action="append", default=[], choices=sorted(OTHER_ASGI),
                        help="measure only this ASGI server's rows (repeatable), as --only")
    parser.add_argument("--django", action="store_true",
                        help="measure only Django's rows (and Flask's beside them), as --only")
    args = parser.parse_args(argv)
    points = calibration_points()
    if args.django:
        args.only += list(django_points())
    for prefix in args.server:
        args.only += list(asgi_points(prefix, OTHER_ASGI[prefix]))
    unknown = sorted(set(args.only) - set(points))
    if unknown:
        parser.error(f"--only: unknown row(s) {unknown}; known: {sorted(points)}")
    if args.derive_only:
        document = json.loads(args.out.read_text())
        document = write(args.out, document["rows"], document["method"])
        print(json.dumps({"presets": document["presets"], "stalls": document["stalls"]}, indent=2))
        return 0

    measure.install_signal_handlers()
    measure.warn_about_autogroups()
    rows: dict[str, dict] = {}
    if args.only:
        kept = json.loads(args.out.read_text())["rows"]
        rows = {name: kept[name] for name in points if name in kept and name not in args.only}
    try:
        for name, point in points.items():
            if args.only and name not in args.only:
                continue
            rows[name] = measure.measure_point(point, args.duration, args.warmup, args.repeats)
            row = rows[name]
            print(f"{name:22s} {row['cpu_per_request_us']:8.1f} us CPU/request; "
                  f"{row['throughput_rps']:8.1f} req/s = {1e6 / row['throughput_rps']:7.1f} us/request "
                  f"(core {row['core_util']:.0%}, background {row['background_cpu']:.2f} cores, "
                  f"spread {row['throughput_min_rps']:.0f}-{row['throughput_max_rps']:.0f})",
                  flush=True)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130

    rows = {name: rows[name] for name in points if name in rows}
    document = write(args.out, rows, {
        "duration_s": args.duration, "warmup_s": args.warmup, "repeats": args.repeats,
        "statistic": "median over repeats of the server processes' CPU time per request"})
    print(f"\nwrote {args.out}")
    for key, value in document["derived"].items():
        unit = "" if key.startswith("gil") or key.endswith(("_share", "_scale")) else " us"
        print(f"  {key:40s} {value * (1 if unit == '' else 1e6):9.3f}{unit}")
    print(json.dumps({"presets": document["presets"], "stalls": document["stalls"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
