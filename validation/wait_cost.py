"""Where a wait's CPU cost comes from: a server's CPU per request as the waits in flight grow.

One server pinned to core 0, one endpoint with fixed work (``cpu_ms`` of CPU,
then ``io_ms`` awaited or slept), wrk on core 1 with 1 to 512 connections.
Each run records the server processes' CPU time per request (as measure.py
does: user + system, which includes the kernel's loopback work) and, with
``perf stat`` attached to the server's threads for the run, kernel events per
request: system calls, ``epoll_wait`` calls, futex calls, context switches,
page faults; ``perf record`` of the ``epoll_wait`` returns gives how many
ready sockets each poll returned. Hardware counters (cache misses, cycles)
are not available in this VM (``perf stat -e cache-misses``: not supported).

The rows with ``io_ms = 0`` are the same server at the same connections with
no wait, so (with wait) - (without) is what the waits cost at that
concurrency, whatever else the connections cost.

Writes ``validation/wait_cost.csv`` (appends), with the versions measure.py records.

Usage::

    python validation/wait_cost.py --server uvicorn-async   # about 2 min
    python validation/wait_cost.py --server uvicorn-def --server gthread
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402
from measure import Point, ServerConfig  # noqa: E402

OUT = measure.HERE / "wait_cost.csv"

# (server, endpoint, CPU ms, waits in ms, connections): the grid's misses' servers.
SERIES = {
    "uvicorn-async": (ServerConfig("uvicorn"), "/async", 1.0, (0.0, 20.0, 50.0), (1, 16, 64, 256, 512)),
    "uvicorn-def": (ServerConfig("uvicorn"), "/def", 1.0, (0.0, 50.0), (1, 16, 32, 64, 128, 256)),
    "gthread": (ServerConfig("gunicorn-gthread", workers=1, threads=8), "/work", 1.0, (0.0, 20.0), (1, 8, 16, 32, 64)),
    # The loop's points again, closer together, for the shape of the growth.
    "uvicorn-async-shape": (ServerConfig("uvicorn"), "/async", 1.0, (0.0, 50.0), (32, 64, 128, 256, 512)),
}

# A sitecustomize that turns Python's cyclic garbage collector off in the server (--no-gc).
NO_GC = "import gc\ngc.disable()\n"

# Tracepoints and software events per run; `raw_syscalls:sys_enter` is every system call.
EVENTS = ("context-switches", "page-faults", "raw_syscalls:sys_enter", "syscalls:sys_enter_epoll_wait",
          "syscalls:sys_enter_epoll_pwait", "syscalls:sys_enter_futex", "syscalls:sys_enter_sendto",
          "syscalls:sys_enter_recvfrom", "syscalls:sys_enter_write", "syscalls:sys_enter_read")
POLL_RETURNS = ("syscalls:sys_exit_epoll_wait", "syscalls:sys_exit_epoll_pwait")

FIELDS = [*measure.FIELDS[:15], "series", "server", "threads", "endpoint", "cpu_ms", "io_ms", "connections",
          "duration_s", "throughput_rps", "p50_ms", "p99_ms", "cpu_per_request_us", "core_util",
          "waits_in_flight", "niced_on_core",
          "syscalls_per_request", "polls_per_request", "ready_per_poll", "futex_per_request",
          "switches_per_request", "faults_per_request", "reads_per_request", "writes_per_request"]


def server_tids(pgid: int) -> list[int]:
    """Every thread of every process in group `pgid` (perf attaches to threads)."""
    tids = []
    for pid, fields in measure._proc_stat_fields():  # noqa: SLF001 - the harness's own /proc walker
        if int(fields[2]) == pgid:
            tids += [int(t) for t in Path(f"/proc/{pid}/task").iterdir() for t in [t.name]]
    return tids


def perf_counts(stat_file: Path) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in stat_file.read_text().splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0].replace(".", "").isdigit():
            counts[parts[2]] = float(parts[0])
    return counts


def mean_poll_return(record_file: Path) -> float:
    """Mean number of ready events an epoll_wait returned (perf script's ``ret: 0x..``)."""
    script = subprocess.run(["perf", "script", "-i", str(record_file)], capture_output=True, text=True, check=False)
    returns = [int(m.group(1), 16) for m in re.finditer(r"ret: (0x[0-9a-f]+)", script.stdout)]
    returns = [r for r in returns if r < 1 << 31]  # -EINTR and other errors
    return statistics.fmean(returns) if returns else 0.0


def run(point: Point, pgid: int, port: int, duration_s: int) -> dict:
    """One measured wrk run with perf attached to the server's threads."""
    measure.wait_until_quiet(pgid, 60.0)
    tids = ",".join(map(str, server_tids(pgid)))
    with tempfile.TemporaryDirectory() as scratch:
        stat_file, record_file = Path(scratch) / "stat.csv", Path(scratch) / "poll.data"
        perf_stat = subprocess.Popen(["perf", "stat", "-x,", "-o", str(stat_file), "-e", ",".join(EVENTS),
                                      "-t", tids, "--", "sleep", str(duration_s)])
        perf_record = subprocess.Popen(["perf", "record", "-q", "-o", str(record_file), "-e", ",".join(POLL_RETURNS),
                                        "-t", tids, "--", "sleep", str(duration_s)],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        core_before, (user_before, system_before) = measure.core_seconds(measure.SERVER_CORE), measure.group_cpu_split(pgid)
        summary = measure.run_wrk(port, point, duration_s)
        core_after, (user_after, system_after) = measure.core_seconds(measure.SERVER_CORE), measure.group_cpu_split(pgid)
        perf_stat.wait()
        perf_record.wait()
        counts = perf_counts(stat_file)
        ready = mean_poll_return(record_file)
    requests = max(summary["requests"], 1)
    seconds = summary["duration_us"] / 1e6
    throughput = summary["requests"] / seconds

    def per_request(*names: str) -> float:
        return round(sum(counts.get(name, 0.0) for name in names) / requests, 3)

    return {
        "throughput_rps": round(throughput, 2),
        "p50_ms": round(summary["latency_p50_us"] / 1e3, 3),
        "p99_ms": round(summary["latency_p99_us"] / 1e3, 3),
        "cpu_per_request_us": round((user_after - user_before + system_after - system_before) / requests * 1e6, 2),
        "core_util": round(measure.core_busy(core_before, core_after)
                           / max(measure.core_total(core_before, core_after), 1e-9), 4),
        # Little's law on the wait alone: requests per second times the wait.
        "waits_in_flight": round(throughput * point.io_ms / 1e3, 2),
        "niced_on_core": round((core_after["nice"] - core_before["nice"]) / seconds, 4),
        "syscalls_per_request": per_request("raw_syscalls:sys_enter"),
        "polls_per_request": per_request("syscalls:sys_enter_epoll_wait", "syscalls:sys_enter_epoll_pwait"),
        "ready_per_poll": round(ready, 2),
        "futex_per_request": per_request("syscalls:sys_enter_futex"),
        "switches_per_request": per_request("context-switches"),
        "faults_per_request": per_request("page-faults"),
        "reads_per_request": per_request("syscalls:sys_enter_recvfrom", "syscalls:sys_enter_read"),
        "writes_per_request": per_request("syscalls:sys_enter_sendto", "syscalls:sys_enter_write"),
    }


def measure_series(name: str, duration_s: int, repeats: int, gc: bool = True) -> list[dict]:
    server, endpoint, cpu_ms, waits, connections = SERIES[name]
    measure.request_short_slice()
    rows = []
    with measure.running_server(server) as (port, pgid):
        for c in connections:
            for io_ms in waits:
                point = Point(f"wait-cost-{name}", server, endpoint, cpu_ms, io_ms, c)
                measure.run_wrk(port, point, 1)  # warm-up: the connections' coroutines and buffers exist
                runs = [run(point, pgid, port, duration_s) for _ in range(repeats)]
                best = sorted(runs, key=lambda r: r["cpu_per_request_us"])[len(runs) // 2]
                row = {**measure.environment(), "series": name if gc else f"{name}-no-gc", "server": server.kind, "threads": server.threads,
                       "endpoint": endpoint, "cpu_ms": cpu_ms, "io_ms": io_ms, "connections": c,
                       "duration_s": duration_s, **best}
                print(f"{name} c={c} io={io_ms:g}: {row['throughput_rps']} req/s, "
                      f"{row['cpu_per_request_us']} us/req, {row['syscalls_per_request']} syscalls, "
                      f"{row['polls_per_request']} polls ({row['ready_per_poll']} ready), "
                      f"{row['switches_per_request']} switches, {row['futex_per_request']} futex", flush=True)
                rows.append(row)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", action="append", choices=sorted(SERIES), required=True)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measured run")
    parser.add_argument("--repeats", type=int, default=1, help="runs per point (the median's row is kept)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--no-gc", action="store_true",
                        help="turn the server's cyclic garbage collector off (is the cost the GC's?)")
    parser.add_argument("--connections", type=int, action="append", default=[],
                        help="only these connection counts (repeatable)")
    args = parser.parse_args(argv)
    measure.install_signal_handlers()
    if args.no_gc:
        site = Path(tempfile.mkdtemp(prefix="wait-cost-nogc-"))
        (site / "sitecustomize.py").write_text(NO_GC)
        os.environ["PYTHONPATH"] = str(site)
    if args.connections:
        for name, (server, endpoint, cpu_ms, waits, connections) in SERIES.items():
            SERIES[name] = (server, endpoint, cpu_ms, waits, tuple(c for c in connections if c in args.connections))
    new_file = not args.out.exists()
    with args.out.open("a", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
        if new_file:
            writer.writeheader()
        for name in args.server:
            writer.writerows(measure_series(name, args.duration, args.repeats, gc=not args.no_gc))
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
