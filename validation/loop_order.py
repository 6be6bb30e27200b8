"""Record the order in which a saturated Uvicorn event loop serves its connections.

Runs Uvicorn (one worker, uvloop, httptools) with apps/loop_trace.py, which
records when the loop reads each request (``data_received``, called from the
loop's I/O poll) and when the app starts and ends it, drives it with wrk
(closed loop, keep-alive connections, no think time) and prints what the trace
says about the loop's order:

- polls: a run of reads with no request run between them is one I/O poll; the
  requests it read run as one batch, in the order it read them;
- a request *missed a poll* when a poll came after its connection's previous
  response was written and did not read it (its next request had not yet
  arrived); ``gap`` is how long after that response the missed poll came;
- a request was *overtaken* by those the loop ran before it although their
  connections' previous responses were written after its own.

The latency here runs from the connection's previous response to this one's
(the server's view of wrk's latency, less wrk's turnaround).

    python validation/loop_order.py --connections 16 --cpu-ms 5 --duration 3
    /work/coord/buildslot --whole-machine .venv/bin/python validation/loop_order.py

Both processes are pinned as measure.py pins them (server core 0, wrk core 1).
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import measure  # noqa: E402


@dataclass
class Served:
    """One request as the server saw it; times in ns (CLOCK_MONOTONIC)."""

    port: int
    read: int
    poll: int      # index of the poll that read it
    position: int  # its place among that poll's reads, from 0
    start: int = 0
    end: int = 0
    previous_end: int = 0  # the connection's previous response, 0 for its first request


def parse(events: list[tuple[str, int, int]]) -> tuple[list[Served], list[int]]:
    """The requests, in the order they were read, and each poll's time (its first read)."""
    served: list[Served] = []
    polls: list[int] = []
    open_by_port: dict[int, Served] = {}
    last_end: dict[int, int] = {}
    previous_kind = ""
    for kind, t, port in sorted(events, key=lambda e: e[1]):
        if kind == "read":
            if previous_kind != "read":
                polls.append(t)
            request = Served(port, t, len(polls) - 1, 0, previous_end=last_end.get(port, 0))
            if previous_kind == "read":
                request.position = served[-1].position + 1
            served.append(request)
            open_by_port[port] = request
        elif kind == "start" and port in open_by_port:
            open_by_port[port].start = t
        elif kind == "end" and port in open_by_port:
            open_by_port.pop(port).end = t
            last_end[port] = t
        previous_kind = kind
    return [r for r in served if r.end and r.previous_end], polls


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def analyse(served: list[Served], polls: list[int]) -> dict:
    """The order's statistics (times in ms); see the module's docstring."""
    by_start = sorted(served, key=lambda r: r.start)
    previous_ends = [r.previous_end for r in by_start]
    rows = []
    for index, request in enumerate(by_start):
        first_poll = bisect.bisect_right(polls, request.previous_end)
        missed = request.poll - first_poll
        # Served before it although their previous response came after its own.
        overtaken = sum(1 for other in previous_ends[max(0, index - 64):index] if other > request.previous_end)
        gap = (polls[first_poll] - request.previous_end) / 1e6 if first_poll < len(polls) else float("nan")
        rows.append((request, (request.end - request.previous_end) / 1e6, missed, overtaken, gap))
    batch = [sum(1 for r in served if r.poll == p) for p in {r.poll for r in served}]
    latency = [row[1] for row in rows]
    caught = [row for row in rows if row[2] == 0]
    missed = [row for row in rows if row[2] > 0]
    slow = [row for row in rows if row[1] >= percentile(latency, 0.99)]
    durations = [(r.end - r.start) / 1e6 for r in by_start]
    gaps = [(b.start - a.end) / 1e6 for a, b in zip(by_start, by_start[1:])]
    return {
        "requests": len(rows),
        "run_ms_p50": percentile(durations, 0.50),
        "run_ms_p99": percentile(durations, 0.99),
        "run_ms_max": max(durations),
        "between_runs_ms_p99": percentile(gaps, 0.99),
        "between_runs_ms_max": max(gaps),
        "polls": len(batch),
        "batch_mean": statistics.fmean(batch),
        "latency_p50": percentile(latency, 0.50),
        "latency_p90": percentile(latency, 0.90),
        "latency_p99": percentile(latency, 0.99),
        "missed_fraction": len(missed) / len(rows),
        "missed_twice_or_more": sum(1 for row in rows if row[2] > 1) / len(rows),
        "latency_p50_caught": percentile([row[1] for row in caught], 0.50),
        "latency_p50_missed": percentile([row[1] for row in missed], 0.50),
        "gap_p50_missed_us": percentile([row[4] * 1e3 for row in missed], 0.50),
        "gap_p90_missed_us": percentile([row[4] * 1e3 for row in missed], 0.90),
        "gap_p10_caught_us": percentile([row[4] * 1e3 for row in caught], 0.10),
        "overtaken_mean_missed": statistics.fmean([row[3] for row in missed]) if missed else 0.0,
        "overtaken_mean_caught": statistics.fmean([row[3] for row in caught]),
        "slowest_1pct_missed": sum(1 for row in slow if row[2] > 0) / max(len(slow), 1),
        "slowest_1pct_overtaken_mean": statistics.fmean([row[3] for row in slow]) if slow else 0.0,
        # Where a request that missed a poll lands in the poll that reads it:
        # its place counted from the end of that poll's reads (0: read last).
        "slowest": [
            {"latency_ms": row[1], "missed_polls": row[2], "overtaken": row[3], "gap_us": row[4] * 1e3,
             "position": row[0].position, "read_in_poll_of": sum(1 for r in served if r.poll == row[0].poll)}
            for row in sorted(rows, key=lambda row: -row[1])[:12]],
        "missed_from_last_p50": percentile(
            [sum(1 for r in served if r.poll == row[0].poll) - 1 - row[0].position for row in missed], 0.50),
    }


def run(connections: int, cpu_ms: float, io_ms: float, duration_s: int, endpoint: str, trace: Path) -> dict:
    short = measure.request_short_slice()
    port = measure.free_port()
    env = dict(os.environ, LOOP_TRACE_OUT=str(trace))
    server = subprocess.Popen(
        ["taskset", "-c", measure.SERVER_CORE, sys.executable, "-m", "uvicorn", "loop_trace:app",
         "--app-dir", str(measure.APPS), "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"],
        cwd=measure.APPS, env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/zero", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.1)
        point = measure.Point("loop-order", measure.UVICORN, endpoint, cpu_ms, io_ms, connections)
        measure.run_wrk(port, point, 1)
        begin = time.perf_counter_ns()
        wrk = measure.run_wrk(port, point, duration_s)
        finish = time.perf_counter_ns()
    finally:
        measure._kill_group(server)
    print(json.dumps({"connections": connections, "cpu_ms": cpu_ms, "io_ms": io_ms, "endpoint": endpoint,
                      "short_slices": short, "wrk_throughput": wrk["requests"] / (wrk["duration_us"] / 1e6),
                      "wrk_ms": {k: v / 1e3 for k, v in wrk.items() if k.startswith("latency")}}))
    (trace.parent / (trace.name + ".window")).write_text(f"{begin} {finish}\n")
    return analyse_trace(trace, begin, finish)


def analyse_trace(trace: Path, begin: int, finish: int) -> dict:
    """The statistics of the requests in `trace` answered between `begin` and `finish` (ns)."""
    events = [tuple(json.loads(line)) for line in trace.read_text().splitlines()]
    served, polls = parse(events)
    window = [r for r in served if begin <= r.previous_end and r.end <= finish]
    return analyse(window, polls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--cpu-ms", type=float, default=5.0)
    parser.add_argument("--io-ms", type=float, default=0.0)
    parser.add_argument("--endpoint", default="/async", help="/async or /blocking")
    parser.add_argument("--duration", type=int, default=3, help="seconds of the measured wrk run")
    parser.add_argument("--trace", type=Path, default=Path("build/loop_trace.jsonl"),
                        help="where the server's events are kept (and the run's window, in TRACE.window)")
    parser.add_argument("--analyse-only", action="store_true", help="analyse --trace again without measuring")
    args = parser.parse_args()
    trace = args.trace.resolve()
    if args.analyse_only:
        begin, finish = map(int, (trace.parent / (trace.name + ".window")).read_text().split())
        result = analyse_trace(trace, begin, finish)
    else:
        trace.parent.mkdir(parents=True, exist_ok=True)
        result = run(args.connections, args.cpu_ms, args.io_ms, args.duration, args.endpoint, trace)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
