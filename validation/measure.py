"""Measure real Gunicorn+Flask and Uvicorn/Hypercorn/Granian+FastAPI servers with wrk.

Each measurement point starts one server pinned to core 0 (``taskset -c 0``),
waits until it answers, drives it with ``wrk`` pinned to core 1 (a closed
workload: ``connections`` clients, no think time), and stops it. A server
given two cores (``ServerConfig.cores``) runs on cores 0-1 and wrk shares
them: its CPU time per request is recorded, so the prediction can charge it. A point is a
warm-up run (discarded) then ``repeats`` measured runs; every metric is the
median over the measured runs, which shrugs off the odd run disturbed by other
work on the machine. Rows are appended to ``validation/measurements.csv`` with
the date, the CPU model and the versions of everything that matters.

Servers run in their own process group, which is killed on the way out, also
on Ctrl-C, SIGTERM and errors: no server outlives the script.

Usage::

    python validation/measure.py                  # the full grid (15-30 min)
    python validation/measure.py --quick          # one short run per config (about 2 min)
    python validation/measure.py --only uvicorn-async-io --duration 3
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import ctypes
import dataclasses
import datetime
import importlib.metadata
import json
import os
import platform
import resource
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
WRK_SCRIPT = HERE / "wrk_report.lua"
MEASUREMENTS = HERE / "measurements.csv"

# The servesim kinds of the servers that serve the FastAPI app.
ASGI_KINDS = ("uvicorn", "hypercorn", "granian", "gunicorn-uvicorn")

SERVER_CORE = "0"
CLIENT_CORE = "1"
# The machine's cores: a server given all of them shares them with wrk.
MACHINE_CORES = os.cpu_count() or 1
# wrk's per-request timeout: far above any latency in the grid, so a slow
# answer is a slow answer and not an error; the simulated clients never give up.
WRK_TIMEOUT_S = 30


@dataclasses.dataclass(frozen=True)
class ServerConfig:
    """A server deployment: the process layout and the app it serves.

    Attributes
    ----------
    kind : str
        ``gunicorn-sync``, ``gunicorn-gthread`` (both serving the Flask app) or
        one of the ASGI servers serving the FastAPI app: ``uvicorn``,
        ``hypercorn``, ``granian``, ``gunicorn-uvicorn`` (Gunicorn running
        ``uvicorn_worker.UvicornWorker``); the servesim server kinds.
    workers : int
        Worker processes.
    threads : int
        Threads per process (``gunicorn-gthread`` only).
    app : str
        The framework served, when not the kind's own (Flask on ``gunicorn-sync``
        and ``gunicorn-gthread``, FastAPI on the ASGI servers): ``django``
        (apps/django_app.py) on ``gunicorn-sync`` or ``gunicorn-gthread``.
    cores : int
        Cores the server may run on: 1 (core 0; wrk has core 1 to itself) or
        the machine's every core, which wrk then shares.
    """

    kind: str
    workers: int = 1
    threads: int = 1
    app: str = ""
    cores: int = 1

    def __post_init__(self) -> None:
        if self.kind not in ("gunicorn-sync", "gunicorn-gthread", *ASGI_KINDS):
            raise ValueError(f"kind: unknown server kind {self.kind!r}")
        if self.workers < 1 or self.threads < 1:
            raise ValueError(f"workers and threads must be >= 1, got {self.workers}, {self.threads}")
        if self.threads != 1 and self.kind != "gunicorn-gthread":
            raise ValueError(f"threads: only gunicorn-gthread has threads, got {self.threads}")
        if self.app not in ("", "django"):
            raise ValueError(f"app: unknown framework {self.app!r}; known: 'django' (or '' for the kind's own)")
        if self.app == "django" and self.kind not in ("gunicorn-sync", "gunicorn-gthread"):
            raise ValueError(f"app: django is served by gunicorn-sync or gunicorn-gthread, not {self.kind}")
        if self.cores not in (1, MACHINE_CORES):
            raise ValueError(f"cores: 1 or all {MACHINE_CORES} of this machine's cores, got {self.cores}")

    @property
    def cpus(self) -> list[str]:
        """The cores the server runs on, as /proc/stat and taskset number them."""
        return [str(core) for core in range(self.cores)] if self.cores > 1 else [SERVER_CORE]

    @property
    def client_cpus(self) -> list[str]:
        """The cores wrk runs on: its own, or the server's when the server has them all."""
        return self.cpus if self.cores > 1 else [CLIENT_CORE]

    @property
    def framework(self) -> str:
        if self.app:
            return self.app
        return "fastapi" if self.kind in ASGI_KINDS else "flask"

    def command(self, port: int) -> list[str]:
        """The server's command line (without the taskset prefix).

        Each server with its defaults (event loop, HTTP parser, keep-alive),
        access logs off (Hypercorn's and Granian's are off by default).
        """
        bind = f"127.0.0.1:{port}"
        if self.kind == "uvicorn":
            return [sys.executable, "-m", "uvicorn", "fastapi_app:app", "--app-dir", str(APPS),
                    "--host", "127.0.0.1", "--port", str(port), "--workers", str(self.workers),
                    "--no-access-log", "--log-level", "warning"]
        if self.kind == "hypercorn":
            # Its default worker class: asyncio's own loop, h11 for HTTP/1 (pure Python).
            return [sys.executable, "-m", "hypercorn", "fastapi_app:app", "--bind", bind,
                    "--workers", str(self.workers), "--log-level", "warning"]
        if self.kind == "granian":
            # Defaults: one Rust runtime thread per worker, uvloop (--loop auto picks it).
            return [sys.executable, "-m", "granian", "fastapi_app:app", "--interface", "asgi",
                    "--host", "127.0.0.1", "--port", str(port), "--workers", str(self.workers),
                    "--log-level", "warning"]
        worker_class = {"gunicorn-sync": "sync", "gunicorn-gthread": "gthread",
                        "gunicorn-uvicorn": "uvicorn_worker.UvicornWorker"}[self.kind]
        app = {"fastapi": "fastapi_app:app", "flask": "flask_app:app", "django": "django_app:app"}[self.framework]
        command = [sys.executable, "-m", "gunicorn", app, "--chdir", str(APPS),
                   "--bind", bind, "--workers", str(self.workers), "--worker-class", worker_class,
                   "--graceful-timeout", "5", "--log-level", "warning"]
        if self.kind == "gunicorn-gthread":
            command += ["--threads", str(self.threads)]
        return command


@dataclasses.dataclass(frozen=True)
class Point:
    """One measurement: a server, an endpoint's work and wrk's connections.

    Attributes
    ----------
    config : str
        Name of the configuration this point belongs to (a row group in the
        comparison table).
    server : ServerConfig
    endpoint : str
        Path on the app: ``/zero``, ``/work`` (Flask), ``/zero_def``, ``/async``,
        ``/def``, ``/blocking`` (FastAPI).
    cpu_ms, io_ms : float
        The endpoint's work in ms (ignored by the zero endpoints).
    connections : int
        wrk connections, i.e. concurrent closed-loop users.
    connection_close : bool
        Send ``Connection: close`` so every request opens a new connection.
    """

    config: str
    server: ServerConfig
    endpoint: str
    cpu_ms: float = 0.0
    io_ms: float = 0.0
    connections: int = 1
    connection_close: bool = False

    @property
    def style(self) -> str:
        """servesim's endpoint style: ``sync`` for a plain ``def``, ``async`` for ``async def``."""
        if self.server.kind not in ASGI_KINDS:
            return "sync"
        return "sync" if self.endpoint in ("/def", "/zero_def") else "async"

    def path(self) -> str:
        if self.endpoint in ("/zero", "/zero_def"):
            return self.endpoint
        return f"{self.endpoint}?cpu_ms={self.cpu_ms:g}&io_ms={self.io_ms:g}"


# --------------------------------------------------------------------------- processes

# SIGINT too: a shell starts background jobs with SIGINT ignored, Ctrl-C must still stop them.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _raise_keyboard_interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers() -> None:
    """Turn SIGINT/SIGTERM/SIGHUP into KeyboardInterrupt so ``finally`` blocks stop servers."""
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _raise_keyboard_interrupt)


# sched_setattr(2) system call numbers; elsewhere no slice is requested.
_SCHED_SETATTR = {"x86_64": 314, "aarch64": 274}
# The shortest time slice Linux grants a normal task (EEVDF custom slice, 6.12+).
SLICE_NS = 100_000


def request_short_slice() -> bool:
    """Ask the scheduler to give the calling process short time slices.

    Linux's EEVDF scheduler lets a running task finish its slice (about
    3 ms here) before a task that wakes up takes the core, even when the
    running task is a build under ``nice 19``. A server wakes up for every
    request, so a niced neighbour on its core delayed every request: measured
    here, a zero-work Gunicorn sync worker fell from about 3,400 to under
    1,200 req/s while niced builds got three quarters of its core. A task
    with a shorter slice than the running one preempts it on wake-up, so
    servers and wrk ask for 0.1 ms. Their priority and share of the core
    are unchanged (nice 0, SCHED_OTHER): this restores what the server would
    see on a core of its own. The measuring process asks once; servers, their
    workers and threads, and wrk inherit it. Returns False where the kernel
    or the platform does not support it.
    """
    number = _SCHED_SETATTR.get(platform.machine())
    if number is None:
        return False
    # struct sched_attr: size, policy (SCHED_OTHER), flags, nice, priority,
    # runtime (the requested slice, ns), deadline, period, util_min, util_max.
    attr = ctypes.create_string_buffer(struct.pack("IIQiIQQQII", 56, 0, 0, 0, 0, SLICE_NS, 0, 0, 0, 0))
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.syscall(number, 0, attr, 0) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _kill_group(process: subprocess.Popen, grace_s: float = 8.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after `grace_s`."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        pass
    # The group may hold workers even after the master exited.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)


def _proc_stat_fields() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of ``/proc/<pid>/stat`` after the command name) of every live process.

    The fields from 0: state ppid pgrp session .. flags(6) .. utime(11) stime(12)
    cutime(13) cstime(14) .. nice(16). A process that exits while listed is passed over.
    """
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        yield int(entry), fields


def group_cpu_split(pgid: int) -> tuple[float, float]:
    """User and system CPU seconds of every live process in process group `pgid`."""
    ticks = os.sysconf("SC_CLK_TCK")
    user = system = 0
    for _, fields in _proc_stat_fields():
        if int(fields[2]) == pgid:
            user += int(fields[11])
            system += int(fields[12])
    return user / ticks, system / ticks


def group_thread_cpu_seconds(pgid: int, name_prefix: str) -> float:
    """User + system CPU seconds of the live threads of group `pgid` whose name starts with `name_prefix`.

    Granian's Rust runtime threads are named ``tokio-rt-worker``: they parse
    and write HTTP outside the GIL, so their share of a request's CPU is what
    could run on another core than the event loop.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid, fields in _proc_stat_fields():
        if int(fields[2]) != pgid:
            continue
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{tid}/stat") as stat:
                    text = stat.read()
                name = text[text.index("(") + 1:text.rindex(")")]
                if name.startswith(name_prefix):
                    thread_fields = text.rsplit(")", 1)[1].split()
                    total += int(thread_fields[11]) + int(thread_fields[12])
    return total / ticks


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in process group `pgid`."""
    return sum(group_cpu_split(pgid))


_PF_KTHREAD = 0x00200000


def autogroup_enabled() -> bool:
    """Whether the scheduler groups processes by session (``kernel.sched_autogroup_enabled``).

    With autogroups, nice ranks processes only within one session: a build
    under ``nice 19`` in another session gets as much of the server's core as
    the server (measured here: a saturated server lost half its throughput).
    """
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as flag:
            return flag.read().strip() == "1"
    except OSError:
        return False


def foreign_cpu_seconds(exclude_pgids: Sequence[int]) -> dict[int, float]:
    """CPU seconds so far of every other process, by pid.

    Leaves out the process groups in `exclude_pgids`, this process and kernel
    threads, and includes the time of reaped children, so a compiler that
    starts and exits within a run still counts through its parent.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    me = os.getpid()
    seconds = {}
    for pid, fields in _proc_stat_fields():
        # Kernel threads (softirq, workqueues) largely carry the servers' own network work.
        if pid == me or int(fields[2]) in exclude_pgids or int(fields[6]) & _PF_KTHREAD:
            continue
        seconds[pid] = sum(int(value) for value in fields[11:15]) / ticks
    return seconds


def foreign_cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds other processes used between two `foreign_cpu_seconds` samples."""
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


def warn_about_autogroups() -> None:
    if autogroup_enabled():
        print("warning: kernel.sched_autogroup_enabled=1: niced builds in other sessions take the "
              "server's core as if they were not niced, so every run waits for a machine with no "
              "other work (sysctl -w kernel.sched_autogroup_enabled=0 makes nice effective)",
              file=sys.stderr)


def core_seconds(core: str) -> dict[str, float]:
    """CPU seconds of one core so far from /proc/stat, by column (user, nice, ...)."""
    ticks = os.sysconf("SC_CLK_TCK")
    names = ("user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal")
    with open("/proc/stat") as stat:
        for line in stat:
            if line.startswith(f"cpu{core} "):
                return {name: int(value) / ticks for name, value in zip(names, line.split()[1:9])}
    raise RuntimeError(f"no cpu{core} line in /proc/stat")


def cores_seconds(cores: Sequence[str]) -> dict[str, float]:
    """CPU seconds so far of several cores together, by column (`core_seconds` summed)."""
    samples = [core_seconds(core) for core in cores]
    return {name: sum(sample[name] for sample in samples) for name in samples[0]}


def core_busy(before: dict[str, float], after: dict[str, float], niced: bool = False) -> float:
    """Busy seconds of a core between two `core_seconds` samples, niced work only if `niced`."""
    columns = ("user", "system", "irq", "softirq") + (("nice",) if niced else ())
    return sum(after[name] - before[name] for name in columns)


def core_total(before: dict[str, float], after: dict[str, float]) -> float:
    return sum(after.values()) - sum(before.values())


def other_work(before: dict[str, float], after: dict[str, float], server_user: float,
               server_system: float) -> float:
    """Seconds the server's core ran anything but the server, between two samples.

    The server's processes' CPU time includes the kernel's network work done
    on their behalf, so on a quiet machine this is about 0. Niced work counts
    only with autogroups (see `autogroup_enabled`). /proc/stat counts the
    kernel time of niced processes as ``system``, not ``nice``: without
    autogroups the foreign kernel time counts in the proportion of foreign
    user time that is not niced (measured: niced builds spend 8-14 % of the
    core in the kernel, which would otherwise reject every run of a server
    that idles while it waits).
    """
    def delta(name: str) -> float:
        return after[name] - before[name]

    user = max(delta("user") - server_user, 0.0)
    kernel = max(delta("system") + delta("irq") + delta("softirq") - server_system, 0.0)
    niced = delta("nice")
    if autogroup_enabled():
        return user + niced + kernel
    not_niced = user / (user + niced) if user + niced > 0 else 1.0
    return user + kernel * not_niced


def wait_until_quiet(pgid: int, cpus: Sequence[str], max_wait_s: float, threshold: float = 0.03) -> float:
    """Wait until other work uses under `threshold` of the server's cores `cpus`.

    Returns the seconds waited (at most `max_wait_s`, after which it gives up).
    """
    waited = 0.0
    while waited < max_wait_s:
        core_before, (user_before, system_before) = cores_seconds(cpus), group_cpu_split(pgid)
        time.sleep(1.0)
        waited += 1.0
        user_after, system_after = group_cpu_split(pgid)
        busy = other_work(core_before, cores_seconds(cpus), user_after - user_before,
                          system_after - system_before)
        if busy < threshold * len(cpus):
            break
    return waited


@contextlib.contextmanager
def running_server(server: ServerConfig, startup_timeout_s: float = 30.0) -> Iterator[tuple[int, int]]:
    """Start `server` on its cores in its own process group; yield (port, pgid); stop it."""
    port = free_port()
    log = tempfile.TemporaryFile(mode="w+")
    process = subprocess.Popen(
        ["taskset", "-c", ",".join(server.cpus), *server.command(port)],
        cwd=APPS, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = time.monotonic() + startup_timeout_s
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"{server} exited with {process.returncode}:\n{log.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/zero", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not answer within {startup_timeout_s} s")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        _kill_group(process)
        log.close()


# --------------------------------------------------------------------------- wrk

def run_wrk(port: int, point: Point, duration_s: int) -> dict:
    """One wrk run against `point`; wrk's JSON summary (latencies in us).

    Adds ``client_user_s`` and ``client_system_s``, wrk's own CPU time (it is
    this process's only child reaped during the run).
    """
    command = ["taskset", "-c", ",".join(point.server.client_cpus), "wrk", "-t1", f"-c{point.connections}",
               f"-d{duration_s}s", f"--timeout={WRK_TIMEOUT_S}s", "-s", str(WRK_SCRIPT)]
    if point.connection_close:
        command += ["-H", "Connection: close"]
    command.append(f"http://127.0.0.1:{port}{point.path()}")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(command, capture_output=True, text=True, check=False,
                               timeout=duration_s + WRK_TIMEOUT_S + 30, start_new_session=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    for line in completed.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            summary = json.loads(line[len("WRK_JSON "):])
            summary["client_user_s"] = after.ru_utime - before.ru_utime
            summary["client_system_s"] = after.ru_stime - before.ru_stime
            return summary
    raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}")


def measure_point(point: Point, duration_s: int = 5, warmup_s: int = 2, repeats: int = 3,
                  quiet_wait_s: float = 600.0) -> dict:
    """Measure `point`: a warm-up run, then `repeats` runs; medians of each metric.

    Other work on the server's core takes it away from the server: a run
    during which the core spent more than 5 % of the time on anything but the
    server (`other_work`) is thrown away and redone once the core is quiet
    again, waiting up to `quiet_wait_s` each time (0: never wait, keep every
    run). Niced work is tolerated unless autogroups are on (see
    `autogroup_enabled`), as a shared build machine is never free of it, but
    it is not harmless: measured here, builds under ``nice 19`` on both cores
    cut a saturated zero-work Gunicorn worker's throughput by 5-20 %, since a
    server thread waking for the next request may wait for the niced task's
    time slice to end; endpoints that run milliseconds per wake-up suffer
    much less. ``disturbed_runs`` counts the runs thrown away;
    ``niced_on_core`` is the niced work's share of the server's core and
    ``background_cpu`` all other processes' CPU (cores, on either core),
    medians over the kept runs.

    ``cpu_per_request_us`` (the server processes' CPU time per request,
    kernel network work done on their behalf included) does not depend on
    the share of the core the server got, so calibration can accept niced
    neighbours.

    Returns
    -------
    dict
        One CSV row (see `FIELDS`): throughput in req/s, latencies in ms,
        ``server_cpu_util`` the server processes' CPU time per second,
        ``core_util`` the busy fraction of the server's core (kernel work included),
        ``tokio_cpu_per_request_us`` (Granian only) the part of ``cpu_per_request_us``
        its Rust runtime threads ran, outside the GIL.
    """
    short_slices = request_short_slice()
    cpus = point.server.cpus
    # wrk on the server's cores is the measurement's own work, not a disturbance.
    shares_cores = point.server.client_cpus == cpus
    with running_server(point.server) as (port, pgid):
        if warmup_s > 0:
            run_wrk(port, point, warmup_s)
        runs: list[dict] = []
        disturbed = 0
        while len(runs) < repeats:
            if quiet_wait_s > 0:
                wait_until_quiet(pgid, cpus, quiet_wait_s)
            foreign_before = foreign_cpu_seconds([pgid])
            user_before, system_before = group_cpu_split(pgid)
            tokio_before = group_thread_cpu_seconds(pgid, "tokio")
            core_before = cores_seconds(cpus)
            summary = run_wrk(port, point, duration_s)
            core_after = cores_seconds(cpus)
            seconds = summary["duration_us"] / 1e6
            summary["throughput"] = summary["requests"] / seconds
            user_after, system_after = group_cpu_split(pgid)
            server_user, server_system = user_after - user_before, system_after - system_before
            server_cpu = server_user + server_system
            summary["server_cpu_util"] = server_cpu / seconds
            summary["cpu_per_request_us"] = server_cpu / max(summary["requests"], 1) * 1e6
            tokio_cpu = group_thread_cpu_seconds(pgid, "tokio") - tokio_before
            summary["tokio_cpu_per_request_us"] = tokio_cpu / max(summary["requests"], 1) * 1e6
            client_cpu = summary["client_user_s"] + summary["client_system_s"]
            summary["client_cpu_per_request_us"] = client_cpu / max(summary["requests"], 1) * 1e6
            summary["core_util"] = core_busy(core_before, core_after) / max(core_total(core_before, core_after), 1e-9)
            summary["niced_on_core"] = (core_after["nice"] - core_before["nice"]) / seconds / len(cpus)
            # wrk, reaped by this process, is never among the foreign processes.
            summary["background_cpu"] = foreign_cpu_between(foreign_before, foreign_cpu_seconds([pgid])) / seconds
            if shares_cores:
                server_user += summary["client_user_s"]
                server_system += summary["client_system_s"]
            disturbing = other_work(core_before, core_after, server_user, server_system) / seconds / len(cpus)
            if quiet_wait_s > 0 and disturbing > 0.05 and disturbed < 10 * repeats:
                disturbed += 1
                continue
            runs.append(summary)

    def median(key: str) -> float:
        return statistics.median(run[key] for run in runs)

    throughputs = [run["throughput"] for run in runs]
    return {
        **environment(),
        "config": point.config,
        "server": point.server.kind,
        "workers": point.server.workers,
        "threads": point.server.threads,
        "framework": point.server.framework,
        "endpoint": point.endpoint,
        "style": point.style,
        "cpu_ms": point.cpu_ms,
        "io_ms": point.io_ms,
        "connections": point.connections,
        "connection_close": int(point.connection_close),
        "duration_s": duration_s,
        "repeats": repeats,
        "throughput_rps": round(median("throughput"), 2),
        "throughput_min_rps": round(min(throughputs), 2),
        "throughput_max_rps": round(max(throughputs), 2),
        "p50_ms": round(median("latency_p50_us") / 1e3, 4),
        "p90_ms": round(median("latency_p90_us") / 1e3, 4),
        "p99_ms": round(median("latency_p99_us") / 1e3, 4),
        "mean_ms": round(median("latency_mean_us") / 1e3, 4),
        "requests": int(sum(run["requests"] for run in runs)),
        "errors": int(sum(run["errors"] for run in runs)),
        "server_cpu_util": round(median("server_cpu_util"), 4),
        "cpu_per_request_us": round(median("cpu_per_request_us"), 2),
        "tokio_cpu_per_request_us": round(median("tokio_cpu_per_request_us"), 2) if point.server.kind == "granian" else "",
        "core_util": round(median("core_util"), 4),
        "disturbed_runs": disturbed,
        "niced_on_core": round(median("niced_on_core"), 4),
        "background_cpu": round(median("background_cpu"), 4),
        "autogroup": int(autogroup_enabled()),
        "sched_slice_us": SLICE_NS // 1000 if short_slices else 0,
        "server_cores": point.server.cores,
        "client_cpu_per_request_us": round(median("client_cpu_per_request_us"), 2),
    }


# --------------------------------------------------------------------------- environment

def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


def cpu_model() -> str:
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def environment() -> dict:
    """Date, CPU model and versions: what a measured number depends on."""
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu_model": cpu_model(),
        "python": platform.python_version(),
        "flask": _version("flask"),
        "django": _version("django"),
        "gunicorn": _version("gunicorn"),
        "fastapi": _version("fastapi"),
        "starlette": _version("starlette"),
        "uvicorn": _version("uvicorn"),
        "uvloop": _version("uvloop"),
        "httptools": _version("httptools"),
        "hypercorn": _version("hypercorn"),
        "h11": _version("h11"),
        "granian": _version("granian"),
        "uvicorn_worker": _version("uvicorn-worker"),
    }


FIELDS = [
    "date", "cpu_model", "python", "flask", "django", "gunicorn", "fastapi", "starlette", "uvicorn", "uvloop", "httptools",
    "hypercorn", "h11", "granian", "uvicorn_worker", "config", "server", "workers", "threads", "framework", "endpoint", "style", "cpu_ms", "io_ms",
    "connections", "connection_close", "duration_s", "repeats",
    "throughput_rps", "throughput_min_rps", "throughput_max_rps",
    "p50_ms", "p90_ms", "p99_ms", "mean_ms", "requests", "errors", "server_cpu_util", "cpu_per_request_us", "tokio_cpu_per_request_us", "core_util",
    "disturbed_runs", "niced_on_core", "background_cpu", "autogroup", "sched_slice_us",
    # Since 2026-12-08: earlier rows are one-core points and leave these empty.
    "server_cores", "client_cpu_per_request_us",
]


def extend_header(path: Path) -> None:
    """Give `path` measure.py's columns, where its header lacks the latest ones.

    Only the header line changes: older rows stay shorter, and a CSV reader
    reads their missing trailing columns as empty.
    """
    with path.open(newline="") as source:  # keep the rows' line endings (csv writes \r\n)
        lines = source.readlines()
    lines[0] = ",".join(FIELDS) + "\r\n"
    with path.open("w", newline="") as out:
        out.writelines(lines)


def append_rows(rows: Sequence[dict], path: Path = MEASUREMENTS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    new_file = not path.exists() or path.stat().st_size == 0
    if not new_file:
        with path.open(newline="") as existing:
            header = next(csv.reader(existing), [])
        if header != FIELDS and header == FIELDS[:len(header)]:
            extend_header(path)
        elif header != FIELDS:
            raise SystemExit(f"{path}: its columns {header} are not measure.py's {FIELDS}; "
                             "add the missing columns to the file (empty for old rows) or write a new file")
    with path.open("a", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=FIELDS)
        if new_file:
            writer.writeheader()
        writer.writerows(rows)


# --------------------------------------------------------------------------- the grid

SYNC4 = ServerConfig("gunicorn-sync", workers=4)
SYNC8 = ServerConfig("gunicorn-sync", workers=8)
SYNC2 = ServerConfig("gunicorn-sync", workers=2)
GTHREAD_1x8 = ServerConfig("gunicorn-gthread", workers=1, threads=8)
GTHREAD_2x8 = ServerConfig("gunicorn-gthread", workers=2, threads=8)
GTHREAD_1x4 = ServerConfig("gunicorn-gthread", workers=1, threads=4)
UVICORN = ServerConfig("uvicorn", workers=1)
UVICORN2 = ServerConfig("uvicorn", workers=2)
HYPERCORN = ServerConfig("hypercorn", workers=1)
GRANIAN = ServerConfig("granian", workers=1)
GUNICORN_UVICORN = ServerConfig("gunicorn-uvicorn", workers=1)
GUNICORN_UVICORN2 = ServerConfig("gunicorn-uvicorn", workers=2)
GTHREAD_2x4 = ServerConfig("gunicorn-gthread", workers=2, threads=4)
HYPERCORN2 = ServerConfig("hypercorn", workers=2)
GRANIAN2 = ServerConfig("granian", workers=2)


def on_all_cores(server: ServerConfig) -> ServerConfig:
    """`server` given every core of the machine (wrk shares them)."""
    return dataclasses.replace(server, cores=MACHINE_CORES)


def _points(config: str, server: ServerConfig, endpoint: str, cpu_ms: float, io_ms: float,
            connections: Sequence[int]) -> list[Point]:
    return [Point(config, server, endpoint, cpu_ms, io_ms, c) for c in connections]


def grid() -> list[Point]:
    """Every configuration of the comparison, at several concurrency levels.

    Work sizes are chosen so that each configuration is seen below, near and
    past its capacity: I/O-bound (1 ms CPU + 50 ms wait), CPU-bound (5 ms CPU)
    and mixed (2 ms CPU + 20 ms wait) endpoints.
    """
    return [
        *_points("sync-4w-mixed", SYNC4, "/work", 2, 20, [1, 4, 32]),
        *_points("sync-8w-io", SYNC8, "/work", 1, 50, [8, 64]),
        *_points("sync-2w-cpu", SYNC2, "/work", 5, 0, [1, 16]),
        *_points("gthread-1x8-io", GTHREAD_1x8, "/work", 1, 50, [1, 8, 64]),
        *_points("gthread-2x8-mixed", GTHREAD_2x8, "/work", 2, 20, [4, 32]),
        *_points("gthread-1x4-cpu", GTHREAD_1x4, "/work", 5, 0, [4]),
        *_points("uvicorn-async-io", UVICORN, "/async", 1, 50, [1, 32, 256]),
        *_points("uvicorn-async-cpu", UVICORN, "/async", 5, 0, [1, 16]),
        *_points("uvicorn-async-mixed", UVICORN2, "/async", 2, 20, [4, 64]),
        *_points("uvicorn-def-io", UVICORN, "/def", 1, 50, [16, 64]),
        *_points("uvicorn-blocking", UVICORN, "/blocking", 1, 10, [1, 8]),
        # The other ASGI servers (issue 17): the same FastAPI endpoints, I/O-bound
        # below and near capacity, CPU-bound saturated, and a def in the thread pool.
        *_points("hypercorn-async-io", HYPERCORN, "/async", 1, 50, [1, 32]),
        *_points("hypercorn-async-cpu", HYPERCORN, "/async", 5, 0, [16]),
        *_points("hypercorn-def-io", HYPERCORN, "/def", 1, 50, [16]),
        *_points("granian-async-io", GRANIAN, "/async", 1, 50, [1, 32]),
        *_points("granian-async-cpu", GRANIAN, "/async", 5, 0, [16]),
        *_points("granian-def-io", GRANIAN, "/def", 1, 50, [16]),
        *_points("gunicorn-uvicorn-async-io", GUNICORN_UVICORN, "/async", 1, 50, [1, 32]),
        *_points("gunicorn-uvicorn-async-cpu", GUNICORN_UVICORN, "/async", 5, 0, [16]),
        *_points("gunicorn-uvicorn-async-mixed", GUNICORN_UVICORN2, "/async", 2, 20, [4]),
        # Two server cores, wrk sharing them (issue 15): processes against GIL-bound
        # threads, one event loop against one per core, every server kind.
        *_points("sync-2w-cpu-2c", on_all_cores(SYNC2), "/work", 5, 0, [2, 16]),
        *_points("sync-4w-mixed-2c", on_all_cores(SYNC4), "/work", 2, 20, [4, 32]),
        *_points("gthread-1x4-cpu-2c", on_all_cores(GTHREAD_1x4), "/work", 5, 0, [4]),
        *_points("gthread-2x4-cpu-2c", on_all_cores(GTHREAD_2x4), "/work", 5, 0, [8]),
        *_points("uvicorn-async-cpu-2c", on_all_cores(UVICORN), "/async", 5, 0, [16]),
        *_points("uvicorn2-async-cpu-2c", on_all_cores(UVICORN2), "/async", 5, 0, [16]),
        *_points("uvicorn2-async-mixed-2c", on_all_cores(UVICORN2), "/async", 2, 20, [4, 64]),
        *_points("hypercorn2-async-cpu-2c", on_all_cores(HYPERCORN2), "/async", 5, 0, [16]),
        *_points("granian2-async-cpu-2c", on_all_cores(GRANIAN2), "/async", 5, 0, [16]),
        *_points("gunicorn-uvicorn2-async-cpu-2c", on_all_cores(GUNICORN_UVICORN2), "/async", 5, 0, [16]),
    ]


def quick_grid() -> list[Point]:
    """One point per server kind and endpoint style: proves the harness works."""
    return [
        Point("sync-4w-mixed", SYNC4, "/work", 2, 20, 4),
        Point("gthread-1x8-io", GTHREAD_1x8, "/work", 1, 50, 8),
        Point("uvicorn-async-io", UVICORN, "/async", 1, 50, 16),
        Point("uvicorn-def-io", UVICORN, "/def", 1, 50, 16),
        Point("uvicorn-blocking", UVICORN, "/blocking", 1, 10, 8),
        Point("hypercorn-async-io", HYPERCORN, "/async", 1, 50, 16),
        Point("granian-async-io", GRANIAN, "/async", 1, 50, 16),
        Point("gunicorn-uvicorn-async-io", GUNICORN_UVICORN, "/async", 1, 50, 16),
        Point("uvicorn2-async-mixed-2c", on_all_cores(UVICORN2), "/async", 2, 20, 4),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one short run per server kind")
    parser.add_argument("--only", action="append", default=[], metavar="CONFIG",
                        help="measure only this configuration (repeatable)")
    parser.add_argument("--duration", type=int, default=None, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up run")
    parser.add_argument("--repeats", type=int, default=None, help="measured runs per point")
    parser.add_argument("--out", type=Path, default=MEASUREMENTS, help="CSV to append to")
    args = parser.parse_args(argv)

    points = quick_grid() if args.quick else grid()
    if args.only:
        known = {point.config for point in points}
        unknown = sorted(set(args.only) - known)
        if unknown:
            parser.error(f"--only: unknown configuration(s) {unknown}; known: {sorted(known)}")
        points = [point for point in points if point.config in args.only]
    duration = args.duration if args.duration is not None else (2 if args.quick else 3)
    warmup = args.warmup if args.warmup is not None else 1
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)

    install_signal_handlers()
    warn_about_autogroups()
    try:
        for index, point in enumerate(points, 1):
            row = measure_point(point, duration, warmup, repeats)
            append_rows([row], args.out)
            print(f"[{index}/{len(points)}] {point.config} c={point.connections}: "
                  f"{row['throughput_rps']:.1f} req/s, p50 {row['p50_ms']:.2f} ms, "
                  f"p99 {row['p99_ms']:.2f} ms, errors {row['errors']}, "
                  f"core {row['core_util']:.0%}", flush=True)
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
