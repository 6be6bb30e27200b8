"""Overload soak: every server kind offered 10x its capacity for 1e8 events
stays under a stated memory bound.

Each case runs in its own process (so its peak resident memory is its own):
two worker processes on two cores, exponential 10 ms of Python CPU per
request (capacity 200 req/s), Poisson arrivals at 2,000 req/s. A short pilot
measures events per simulated second; the soak then runs long enough for
the target number of events. What bounds memory, per kind:

- gunicorn-sync: the accept backlog (2,048), then refused;
- gunicorn-gthread / gevent: worker_connections (1,000) per process, then
  the backlog, then refused;
- uvicorn: 65,536 connections per process (its open-file limit), then the
  backlog, then refused; with limit_concurrency the excess gets 503s; with a
  client timeout and retries the abandoned requests still hold connections.

The bound is the child's resident memory before simulating (the interpreter
and the library) plus 400 bytes (twice DESIGN.md's 200) per request the caps
allow in the system, plus 64 MB for the result and allocator slack.

    python bench/bench_overload.py [--quick] [--events N] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CAPACITY = 200.0  # req/s: 2 processes x 1 / 10 ms
OVERLOAD = 10.0
BACKLOG = 2048
MAX_CONNECTIONS = 65_536  # per process (libsim/src/sim/engine.cpp)
BYTES_PER_REQUEST = 400
SLACK_BYTES = 64 << 20

# name -> (server settings, workload extras, requests the caps allow in the system)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], int]] = {
    "gunicorn-sync": ({"kind": "gunicorn-sync"}, {}, WORKERS + BACKLOG),
    "gunicorn-gthread": ({"kind": "gunicorn-gthread", "threads": 4}, {}, WORKERS * 1000 + BACKLOG),
    "gunicorn-gevent": ({"kind": "gunicorn-gevent"}, {}, WORKERS * 1000 + BACKLOG),
    "uvicorn": ({"kind": "uvicorn"}, {}, WORKERS * MAX_CONNECTIONS + BACKLOG),
    "uvicorn-limit-concurrency": ({"kind": "uvicorn", "limit_concurrency": 100}, {},
                                  WORKERS * MAX_CONNECTIONS + BACKLOG),
    "uvicorn-client-timeout": ({"kind": "uvicorn"},
                               {"client_timeout": "1s", "retries": {"attempts": 3, "backoff": 0}},
                               WORKERS * MAX_CONNECTIONS + BACKLOG),
}


def scenario(case: str, duration: float) -> dict[str, Any]:
    server, workload, _ = CASES[case]
    return {"name": f"overload-{case}", "hosts": {"app": {"cores": WORKERS}},
            "servers": {"web": {"host": "app", "workers": WORKERS, "framework": "none", **server}},
            "endpoints": {"work": {"phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
            "workload": {"open": {"rate": OVERLOAD * CAPACITY}, **workload},
            "run": {"duration": duration, "replications": 1, "seed": 1}}


def max_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def run_one(case: str, events: float) -> dict[str, Any]:
    """In the child: a pilot for the event rate, then the soak; peak memory."""
    import servesim as ss

    baseline = max_rss_bytes()
    pilot = ss.simulate(scenario(case, 20.0), threads=1)
    per_second = pilot.to_dict()["replications"][0]["events"] / 20.0
    duration = events / per_second
    start = time.perf_counter()
    result = ss.simulate(scenario(case, duration), threads=1)
    elapsed = time.perf_counter() - start
    replication = result.to_dict()["replications"][0]
    return {"case": case, "events": replication["events"], "simulated_s": duration,
            "wall_s": elapsed, "throughput": result.throughput,
            "errors": replication["errors"]["total"],
            "baseline_bytes": baseline, "peak_bytes": max_rss_bytes(),
            "bound_bytes": baseline + BYTES_PER_REQUEST * CASES[case][2] + SLACK_BYTES}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e6 events per case (CI smoke mode)")
    parser.add_argument("--events", type=float, default=None, help="events per case (default 1e8)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "overload.json")
    parser.add_argument("--one", choices=sorted(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    events = args.events or (1e6 if args.quick else 1e8)
    if args.one:
        print(json.dumps(run_one(args.one, events)))
        return 0

    print(f"every server kind at {OVERLOAD:g}x capacity ({OVERLOAD * CAPACITY:g} req/s offered, "
          f"{CAPACITY:g} served), {events:.0e} events each")
    print(f"{'case':<28}{'events':>10}{'simulated':>12}{'wall':>8}{'served':>9}"
          f"{'peak MB':>9}{'bound MB':>10}")
    rows = []
    failed = False
    for case in CASES:
        child = subprocess.run([sys.executable, __file__, "--one", case, "--events", str(events)],
                               capture_output=True, text=True, check=False)
        if child.returncode != 0:
            print(f"{case}: failed\n{child.stderr}", file=sys.stderr)
            failed = True
            continue
        row = json.loads(child.stdout)
        rows.append(row)
        ok = row["peak_bytes"] <= row["bound_bytes"]
        failed |= not ok
        print(f"{case:<28}{row['events']:>10.2e}{row['simulated_s']:>11.0f}s{row['wall_s']:>7.1f}s"
              f"{row['throughput']:>9.1f}{row['peak_bytes'] / 1e6:>9.1f}{row['bound_bytes'] / 1e6:>10.1f}"
              f"{'' if ok else '  OVER THE BOUND'}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"events": events, "cases": rows}, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
