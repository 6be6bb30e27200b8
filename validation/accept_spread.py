"""Measure which process of a multi-process server holds each wrk connection.

Keep-alive servers keep a connection in the process that accepted it, so how
the accepts spread decides how many of a client's connections each process
serves (issue 15). For each configuration this starts the server (on core 0,
or on both cores with wrk sharing them, as measure.py does), then runs wrk ``repeats`` times (a fresh
set of connections each run); one second into each run ``ss -tnp`` lists the
server's established connections with the process holding each. With
``--restart`` the server is started afresh for every run.

Rows go to ``validation/accept_spread.csv``: the configuration, the run, the
connections per process (largest first) and wrk's throughput.

Usage::

    python validation/accept_spread.py                       # the default set, 10 runs each
    python validation/accept_spread.py --only gthread-2x4 --repeats 20 --connections 8
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import measure  # noqa: E402  (the harness next to this file)

OUT = measure.HERE / "accept_spread.csv"
FIELDS = ("date", "config", "kind", "workers", "threads", "server_cores", "reuse_port", "restart", "connections",
          "work", "run", "per_process", "requests_per_s")


@dataclasses.dataclass(frozen=True)
class Setup:
    """A server as measure.py starts it, optionally with Gunicorn's ``--reuse-port``."""

    server: measure.ServerConfig
    reuse_port: bool = False

    def command(self, port: int) -> list[str]:
        return [*self.server.command(port), *(["--reuse-port"] if self.reuse_port else [])]

    @property
    def cpus(self) -> list[str]:
        return self.server.cpus

    def __str__(self) -> str:
        return f"{self.server}{' reuse_port' if self.reuse_port else ''}"


SETUPS = {
    "gthread-2x4": Setup(measure.ServerConfig("gunicorn-gthread", workers=2, threads=4)),
    "gthread-2x4-reuse-port": Setup(measure.ServerConfig("gunicorn-gthread", workers=2, threads=4), True),
    "uvicorn-2w": Setup(measure.ServerConfig("uvicorn", workers=2)),
    "gunicorn-uvicorn-2w": Setup(measure.ServerConfig("gunicorn-uvicorn", workers=2)),
    "gunicorn-uvicorn-2w-reuse-port": Setup(measure.ServerConfig("gunicorn-uvicorn", workers=2), True),
    # The server on both cores, wrk sharing them (measure.py's two-core points).
    "gthread-2x4-2c": Setup(measure.ServerConfig("gunicorn-gthread", workers=2, threads=4, cores=2)),
    "uvicorn-2w-2c": Setup(measure.ServerConfig("uvicorn", workers=2, cores=2)),
    "gunicorn-uvicorn-2w-2c": Setup(measure.ServerConfig("gunicorn-uvicorn", workers=2, cores=2)),
}

_PID = re.compile(r"pid=(\d+)")


def connections_per_process(port: int) -> list[int]:
    """Established server-side connections on `port`, counted per process, largest first."""
    listing = subprocess.run(["ss", "-tnpH", "state", "established", f"( sport = :{port} )"],
                             capture_output=True, text=True, check=True).stdout
    owners = Counter(match.group(1) for line in listing.splitlines() if (match := _PID.search(line)))
    return sorted(owners.values(), reverse=True)


def one_run(port: int, setup: Setup, connections: int, duration_s: int, work: str) -> tuple[list[int], float]:
    """A wrk run; the connections per process one second in, and the requests per second."""
    path = ("/work?" if setup.server.framework == "flask" else "/async?") + work
    command = ["taskset", "-c", ",".join(setup.server.client_cpus), "wrk", "-t1", f"-c{connections}", f"-d{duration_s}s",
               "-s", str(measure.WRK_SCRIPT), f"http://127.0.0.1:{port}{path}"]
    wrk = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           start_new_session=True)
    time.sleep(1.0)
    split = connections_per_process(port)
    out, err = wrk.communicate(timeout=duration_s + 30)
    summary = next((json.loads(line[len("WRK_JSON "):]) for line in out.splitlines()
                    if line.startswith("WRK_JSON ")), None)
    if summary is None:
        raise RuntimeError(f"wrk failed: {err or out}")
    return split, summary["requests"] / (summary["duration_us"] / 1e6)


def measure_setup(name: str, setup: Setup, connections: int, repeats: int, duration_s: int,
                  restart: bool, work: str) -> list[dict]:
    rows = []
    date = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")

    def row(run: int, split: list[int], rps: float) -> dict:
        return {"date": date, "config": name, "kind": setup.server.kind, "workers": setup.server.workers,
                "threads": setup.server.threads, "server_cores": setup.server.cores, "reuse_port": setup.reuse_port, "restart": restart,
                "connections": connections, "work": work, "run": run, "per_process": "/".join(map(str, split)),
                "requests_per_s": round(rps, 1)}

    runs = range(repeats)
    if restart:
        for run in runs:
            with measure.running_server(setup) as (port, _pgid):  # type: ignore[arg-type]
                rows.append(row(run, *one_run(port, setup, connections, duration_s, work)))
    else:
        with measure.running_server(setup) as (port, _pgid):  # type: ignore[arg-type]
            for run in runs:
                rows.append(row(run, *one_run(port, setup, connections, duration_s, work)))
    for r in rows:
        print(f"{name:32s} c={connections:<3d} run {r['run']:2d}: {r['per_process']:>8s}  "
              f"{r['requests_per_s']:8.1f} req/s", flush=True)
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], choices=sorted(SETUPS))
    parser.add_argument("--connections", type=int, action="append", default=[])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--restart", action="store_true", help="a fresh server for every run")
    parser.add_argument("--work", default="cpu_ms=2&io_ms=20", help="the endpoint's query: its CPU and wait")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    measure.install_signal_handlers()
    rows = []
    for name in args.only or list(SETUPS):
        for connections in args.connections or [4, 8, 32]:
            rows += measure_setup(name, SETUPS[name], connections, args.repeats, args.duration, args.restart,
                                 args.work)
    new_file = not args.out.exists()
    with args.out.open("a", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
