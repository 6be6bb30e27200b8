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
- the per-request overhead's spread: one connection on an endpoint with 1 ms
  of CPU and a 50 ms wait, no queueing, so p99 - p50 of the latency is the
  request's own variation; ``overhead_cv`` is the CV of the lognormal of the
  preset's mean with that p99 - p50 (at most about 15, the most a lognormal
  of that mean can spread);
- the GIL: 4 threads of one ``gthread`` process running CPU-bound requests
  against 1 thread (throughput ratio = share of the core Python code keeps).

Writes ``validation/calibration.json`` (raw rows and the derived numbers) and
prints the values for ``libsim/src/model/framework.cpp``.

Usage::

    python validation/calibrate.py               # about 5 min
    python validation/calibrate.py --duration 2 --repeats 1   # a rough look
    python validation/calibrate.py --only sync_work0 --only sync_io2   # re-measure some rows
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
GTHREAD_1x1 = ServerConfig("gunicorn-gthread", workers=1, threads=1)
GTHREAD_1x4 = ServerConfig("gunicorn-gthread", workers=1, threads=4)
GTHREAD_1x8 = ServerConfig("gunicorn-gthread", workers=1, threads=8)
UVICORN1 = ServerConfig("uvicorn", workers=1)

# Connections that keep one worker saturated without a deep queue.
SATURATING = 16
GIL_WORK_MS = 10.0
# The wait of the per-wait calibration: long enough that every request
# really sleeps (a timer, a wake-up), short enough that the processes stay
# busy and serve thousands of requests per run.
WAIT_MS = 2.0


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
        # One connection on the lightest endpoint with work (1 ms of CPU, a 50 ms
        # wait): no queueing, so the latency's spread (p99 - p50) is the request's
        # own, which the presets' overhead_cv puts in the per-request overhead.
        "flask_io_c1": Point("calibrate", GTHREAD_1x8, "/work", 1, 50, 1),
        "fastapi_io_c1": Point("calibrate", UVICORN1, "/async", 1, 50, 1),
        "gil_1_thread": Point("calibrate", GTHREAD_1x1, "/work", GIL_WORK_MS, 0, 1),
        "gil_4_threads": Point("calibrate", GTHREAD_1x4, "/work", GIL_WORK_MS, 0, 4),
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
    # The spread of one-connection latencies (p99 - p50), in seconds.
    for framework in ("flask", "fastapi"):
        row = rows[f"{framework}_io_c1"]
        derived[f"{framework}_spread_s"] = (row["p99_ms"] - row["p50_ms"]) * 1e-3
    # Gunicorn sync's request machinery (one connection per request), net of the
    # connection: compare with gthread's to see what the thread pool costs.
    derived["flask_sync_request_s"] = (derived["flask_sync_request_with_connection_s"]
                                       - derived["gthread_connection_s"])
    return derived


# The standard normal's 0.99 quantile.
Z99 = 2.3263478740408408


def lognormal_spread(mean: float, cv: float) -> float:
    """p99 - p50 of a lognormal of this mean and coefficient of variation."""
    sigma = math.sqrt(math.log1p(cv * cv))
    p50 = mean / math.sqrt(1.0 + cv * cv)
    return p50 * math.expm1(Z99 * sigma)


def overhead_cv(mean: float, spread: float) -> float:
    """The CV of a lognormal overhead of `mean` whose p99 - p50 is `spread` (seconds).

    p99 - p50 rises with the CV up to about 15 x the mean (at sigma = 2.33,
    CV 14.9) and falls after; a spread beyond that maximum gets the CV of the
    maximum, the most a lognormal of this mean can spread.
    """
    low, high = 0.0, math.sqrt(math.expm1(Z99 * Z99))
    if spread >= lognormal_spread(mean, high):
        return high
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if lognormal_spread(mean, middle) < spread else (low, middle)
    return (low + high) / 2


def presets(derived: dict[str, float]) -> dict[str, dict[str, float]]:
    """The FrameworkPreset values (CPU seconds, rounded to 1 us) for framework.cpp.

    Flask's request overhead is the sync worker's, net of the connection it
    opens for every request (priced by gthread with and without keep-alive);
    gthread's extra per request over that is its thread hand-off. FastAPI's
    is an ``async def`` on the loop; a plain ``def`` adds the thread pool's
    hand-off. A preset has one per-wait cost for both of the framework's
    ways of running code (sync and gthread; ``async def`` and ``def``): the
    mean of the two. The per-request overhead's CV is the lognormal's whose
    p99 - p50 is the one-connection spread (`overhead_cv`).
    """
    def us(seconds: float) -> float:
        return round(seconds, 6)

    return {
        "flask": {
            "overhead_s": us(derived["flask_sync_request_s"]),
            "connection_overhead_s": us(derived["gthread_connection_s"]),
            "thread_handoff_s": us(derived["flask_gthread_request_s"] - derived["flask_sync_request_s"]),
            "wait_overhead_s": us((derived["flask_sync_wait_s"] + derived["flask_gthread_wait_s"]) / 2),
            "overhead_cv": round(overhead_cv(derived["flask_sync_request_s"], derived["flask_spread_s"]), 2),
        },
        "fastapi": {
            "overhead_s": us(derived["fastapi_async_request_s"]),
            "connection_overhead_s": us(derived["uvicorn_connection_s"]),
            "thread_handoff_s": us(derived["fastapi_def_request_s"] - derived["fastapi_async_request_s"]),
            "wait_overhead_s": us((derived["fastapi_async_wait_s"] + derived["fastapi_def_wait_s"]) / 2),
            "overhead_cv": round(overhead_cv(derived["fastapi_async_request_s"], derived["fastapi_spread_s"]), 2),
        },
    }


def write(path: Path, rows: dict[str, dict], method: dict) -> dict:
    """Derive the costs and presets from `rows` and write calibration.json."""
    derived = derive(rows)
    # Rows measured before Starlette was recorded have no starlette key.
    environment = {key: rows["sync_zero"].get(key, "") for key in (
        "date", "cpu_model", "python", "flask", "gunicorn", "fastapi", "starlette", "uvicorn", "uvloop",
        "httptools")}
    document = {"environment": environment, "method": method, "presets": presets(derived),
                "derived": derived, "rows": rows}
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
    args = parser.parse_args(argv)
    points = calibration_points()
    unknown = sorted(set(args.only) - set(points))
    if unknown:
        parser.error(f"--only: unknown row(s) {unknown}; known: {sorted(points)}")
    if args.derive_only:
        document = json.loads(args.out.read_text())
        document = write(args.out, document["rows"], document["method"])
        print(json.dumps(document["presets"], indent=2))
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
        unit = "" if key.startswith("gil") else " us"
        print(f"  {key:40s} {value * (1 if unit == '' else 1e6):9.3f}{unit}")
    print(json.dumps(document["presets"], indent=2))

    return 0


if __name__ == "__main__":
    sys.exit(main())
