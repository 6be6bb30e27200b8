"""The native engine on Python server runtimes: speed with an event loop and
the GIL, and per-request cost as a closed workload grows to 10,000+ users.

Three models, each simulated on one thread, best of several rounds:

- uvicorn: one event loop per process, 4 processes on 4 cores, an async
  endpoint of exponential 2 ms on the loop (holding the GIL) and 20 ms of
  awaited I/O, Poisson arrivals at 1000 req/s;
- gthread: 2 processes x 8 threads on 2 cores, 5 ms of Python per request,
  so threads wait for their GIL and the switch interval forces hand-overs;
- closed: the uvicorn model driven by 100 and by 10,000 users (think time
  chosen so both offer the same load): the time per simulated request must
  not grow with the number of users.

Each model's throughput is checked against what its bottleneck allows, so a
fast but wrong engine fails rather than impresses.

    python bench/bench_runtimes.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import servesim as ss

ROOT = Path(__file__).resolve().parent.parent


def uvicorn(workload: dict[str, Any], duration: float) -> ss.Scenario:
    return ss.Scenario.from_dict({
        "name": "uvicorn-async",
        "hosts": {"app": {"cores": 4}},
        "servers": {"api": {"kind": "uvicorn", "workers": 4, "framework": "fastapi"}},
        "endpoints": {"orders": {"style": "async", "phases": [
            {"cpu": {"dist": "exponential", "mean": "2ms"}},
            {"io": {"dist": "exponential", "mean": "20ms"}}]}},
        "workload": workload,
        "run": {"duration": duration, "warmup": 0, "replications": 1, "seed": 3},
    })


def gthread(duration: float) -> ss.Scenario:
    return ss.Scenario.from_dict({
        "name": "gthread-gil",
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": "gunicorn-gthread", "workers": 2, "threads": 8, "framework": "flask"}},
        "endpoints": {"report": {"phases": [{"cpu": {"dist": "exponential", "mean": "5ms"}},
                                            {"io": {"dist": "exponential", "mean": "5ms"}}]}},
        "workload": {"open": {"rate": 300}},
        "run": {"duration": duration, "warmup": 0, "replications": 1, "seed": 3},
    })


def measure(scenario: ss.Scenario, rounds: int) -> tuple[float, ss.Result]:
    """Best simulated requests per wall second over `rounds`, and the last result."""
    best, result = 0.0, None
    for _ in range(rounds):
        start = time.perf_counter()
        result = ss.simulate(scenario, threads=1)
        best = max(best, result.completed / (time.perf_counter() - start))
    assert result is not None
    return best, result


def check(name: str, measured: float, expected: float, tolerance: float) -> None:
    if abs(measured - expected) > tolerance * expected:
        raise SystemExit(f"{name}: throughput {measured:.1f} req/s, expected {expected:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke mode)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "runtimes.json",
                        help="where to write the measurements")
    args = parser.parse_args()
    duration, rounds = (200.0, 2) if args.quick else (3_000.0, 3)

    loop_speed, loop = measure(uvicorn({"open": {"rate": 1000}}, duration), rounds)
    check("uvicorn", loop.throughput, 1000.0, 0.02)  # stable: everything offered is served
    gil_speed, threads = measure(gthread(duration), rounds)
    check("gthread", threads.throughput, 300.0, 0.03)
    # Same offered load, 1000 req/s: N users / (think + response) with response ~ 25 ms.
    few_speed, few = measure(uvicorn({"closed": {"users": 100, "think_time": "75ms"}}, duration), rounds)
    many_speed, many = measure(uvicorn({"closed": {"users": 10_000, "think_time": "9.975s"}}, duration), rounds)
    for name, result in (("100 users", few), ("10,000 users", many)):
        check(name, result.throughput, 1000.0, 0.05)

    rows = [("uvicorn, async + GIL", loop_speed), ("gthread, GIL switches", gil_speed),
            ("closed, 100 users", few_speed), ("closed, 10,000 users", many_speed)]
    print(f"native engine, one thread, best of {rounds} rounds of {duration:,.0f} simulated s")
    print(f"{'model':<24} {'simulated req/s':>16}")
    for name, speed in rows:
        print(f"{name:<24} {speed:>16,.0f}")
    print(f"time per request, 10,000 users vs 100: {few_speed / many_speed:.2f}x")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "quick": args.quick,
        "uvicorn_requests_per_second": loop_speed,
        "gthread_requests_per_second": gil_speed,
        "closed_100_users_requests_per_second": few_speed,
        "closed_10000_users_requests_per_second": many_speed,
        "cost_ratio_10000_vs_100_users": few_speed / many_speed,
    }, indent=2))


if __name__ == "__main__":
    main()
