"""Sweeps: grids, paired lists, the on-disk cache and resuming after Ctrl-C, executors
(threads, a Dask cluster), errors, and ``servesim sweep`` / ``servesim run --set``."""

from __future__ import annotations

import concurrent.futures
import fcntl
import json
import math
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import servesim as ss


@pytest.fixture
def base(make_scenario: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """One server, exponential 10 ms of CPU per request on 4 cores: an M/M/c queue."""
    return make_scenario(duration_s=120.0, warmup_s=10.0, replications=3, seed=5)


class CountingExecutor(concurrent.futures.ThreadPoolExecutor):
    """Threads that count the points they were given."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> concurrent.futures.Future[Any]:
        self.submitted += 1
        return super().submit(fn, *args, **kwargs)


def test_a_grid_has_one_row_per_point_and_matches_mmc(base: dict[str, Any]) -> None:
    frame = ss.sweep(base, {"workload.open.rate": [40, 120], "servers.web.workers": [1, 2]},
                     progress=False)
    # Every combination, the last path varying fastest.
    assert frame[["workload.open.rate", "servers.web.workers"]].values.tolist() == [
        [40, 1], [40, 2], [120, 1], [120, 2]]
    for column in ("throughput_rps", "throughput_ci_rps", "goodput_rps", "latency_p50_s",
                   "latency_p50_ci_s", "latency_p90_s", "latency_p99_s", "latency_p99_ci_s",
                   "error_rate", "cpu_utilization_app", "worker_busy_web", "worker_busy_ci_web"):
        assert column in frame.columns
    for row in frame.itertuples():
        rate, workers = row[1], row[2]
        if rate >= 100 * workers:
            continue  # 120 req/s on one 10 ms worker: unstable, no steady state to compare
        # M/M/c mean response (Erlang C): 3 x 110 s of measured time, within 4 half-widths
        # of the 95 % interval or 3 %, whichever is wider.
        expected = ss.analytic.mmc(rate, 100.0, workers).mean_response
        tolerance = max(4 * row.latency_mean_ci_s, 0.03 * expected)
        assert abs(row.latency_mean_s - expected) < tolerance, (rate, workers)
        assert abs(row.throughput_rps - rate) < max(4 * row.throughput_ci_rps, 0.03 * rate)
        assert row.worker_busy_web == pytest.approx(rate / (100 * workers), rel=0.05)


def test_a_point_is_the_same_simulation_as_simulate(base: dict[str, Any]) -> None:
    frame = ss.sweep(base, {"servers.web.workers": [3], "run.duration": ["60s"]}, progress=False,
                     seed=11)
    changed = {**base, "servers": {"web": {**base["servers"]["web"], "workers": 3}},
               "run": {**base["run"], "duration": "60s"}}
    result = ss.simulate(ss.Scenario.from_dict(changed), seed=11)
    assert frame.loc[0, "throughput_rps"] == result.throughput
    assert frame.loc[0, "latency_p99_s"] == result.latency.p99
    assert frame.loc[0, "completed"] == result.completed


def test_zip_pairs_the_lists(base: dict[str, Any]) -> None:
    frame = ss.sweep(base, {"workload.open.rate": [50, 100, 150], "servers.web.workers": [1, 2, 3]},
                     zip=True, progress=False)
    assert frame[["workload.open.rate", "servers.web.workers"]].values.tolist() == [
        [50, 1], [100, 2], [150, 3]]
    with pytest.raises(ValueError, match=r"workload.open.rate: 3, servers.web.workers: 2"):
        ss.sweep(base, {"workload.open.rate": [50, 100, 150], "servers.web.workers": [1, 2]}, zip=True)


@pytest.mark.parametrize(("over", "error", "message"), [
    ({"servers.api.workers": [2]}, ss.ScenarioError,
     r"^servers\.api: no server named 'api' \(servers: web\) \(at the point servers\.api\.workers=2\)$"),
    ({"servers.web.wrkers": [2]}, ss.ScenarioError, r"servers\.web\.wrkers: unknown key; did you mean 'workers'"),
    ({"servers.web.workers": [2, 0]}, ss.ScenarioError,
     r"^servers\.web\.workers: must be an integer >= 1, got 0 \(at the point servers\.web\.workers=0\)$"),
    ({"workload.open.rate.mean": [2]}, ss.ScenarioError, r"^workload\.open\.rate: is not a section with fields; cannot set 'mean'"),
    ({"servers.web.workers": []}, ValueError, r"over\['servers\.web\.workers'\]: no values"),
    ({"servers.web.workers": 4}, TypeError, r"over\['servers\.web\.workers'\]: expected a list of values"),
    ({"servers.web.kind": "uvicorn"}, TypeError, r"expected a list of values, got str"),
    ({}, ValueError, r"over: expected a non-empty mapping"),
])
def test_bad_grids_are_refused_before_simulating(base: dict[str, Any], over: dict[str, Any],
                                                 error: type[Exception], message: str) -> None:
    executor = CountingExecutor()
    with pytest.raises(error, match=message):
        ss.sweep(base, over, executor=executor, progress=False)
    assert executor.submitted == 0


def test_the_cache_keeps_points_and_a_rerun_computes_only_the_missing(
        base: dict[str, Any], tmp_path: Path) -> None:
    over = {"workload.open.rate": [20, 40, 60], "run.duration": ["30s"]}
    first = CountingExecutor()
    frame = ss.sweep(base, over, executor=first, cache_dir=tmp_path, progress=False)
    assert first.submitted == 3 and len(list(tmp_path.glob("*.json"))) == 3

    again = CountingExecutor()
    pd.testing.assert_frame_equal(ss.sweep(base, over, executor=again, cache_dir=tmp_path,
                                           progress=False), frame)
    assert again.submitted == 0

    # A lost point (as after Ctrl-C) is the only one simulated again, with the same numbers.
    sorted(tmp_path.glob("*.json"))[0].unlink()
    resumed = CountingExecutor()
    pd.testing.assert_frame_equal(ss.sweep(base, over, executor=resumed, cache_dir=tmp_path,
                                           progress=False), frame)
    assert resumed.submitted == 1

    # Another seed is another simulation: nothing reused.
    reseeded = CountingExecutor()
    ss.sweep(base, over, executor=reseeded, cache_dir=tmp_path, progress=False, seed=99)
    assert reseeded.submitted == 3


def test_ctrl_c_keeps_finished_points_and_the_rerun_completes_them(
        base: dict[str, Any], tmp_path: Path) -> None:
    scenario = tmp_path / "base.yaml"
    scenario.write_text(yaml.safe_dump(base))
    cache = tmp_path / "cache"
    # Eight points of a second or so each (3 x 5,000 s at 100+ req/s: 1.5 to 2.5 million
    # requests), one at a time.
    rates = [100, 110, 120, 130, 140, 150, 160, 170]
    args = [sys.executable, "-m", "servesim", "sweep", str(scenario), "--threads", "1",
            "--set", "workload.open.rate=" + ",".join(map(str, rates)),
            "--set", "servers.web.workers=4", "--set", "run.duration=5000s", "--cache-dir", str(cache)]
    # SIGINT as a terminal's Ctrl-C sends it; a test run started in the background (`cmd &`)
    # would otherwise pass on SIGINT ignored, and Python leaves an ignored SIGINT alone.
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while len(list(cache.glob("*.json"))) < 2 and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.02)
    child.send_signal(signal.SIGINT)
    stdout, stderr = child.communicate(timeout=60)
    if child.returncode == 0:
        pytest.skip("the sweep finished before it could be interrupted")
    assert child.returncode == 130, stderr
    assert stdout == "" and stderr.endswith("servesim: interrupted\n")
    kept = len(list(cache.glob("*.json")))
    assert 2 <= kept < len(rates)
    assert not list(cache.glob("*.tmp"))  # no half-written point

    rerun = CountingExecutor()
    frame = ss.sweep(str(scenario), {"workload.open.rate": rates, "servers.web.workers": [4],
                                     "run.duration": ["5000s"]},
                     executor=rerun, cache_dir=cache, progress=False)
    assert rerun.submitted == len(rates) - kept
    assert frame["workload.open.rate"].tolist() == rates


def test_runs_on_a_dask_cluster_of_two_processes(base: dict[str, Any]) -> None:
    distributed = pytest.importorskip("distributed")
    over = {"workload.open.rate": [30, 60, 90], "run.duration": ["30s"]}
    local = ss.sweep(base, over, progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_cluster = ss.sweep(base, over, executor=client, progress=False)
        # The points ran in the workers' processes, not here.
        assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(on_cluster, local)


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def base_file(base: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(yaml.safe_dump(base))
    return path


def test_cli_sweep_table_csv_and_json(run_cli, base_file: Path, tmp_path: Path) -> None:
    grid = ["--set", "workload.open.rate=40,80", "--set", "run.duration=30s,60s", "--zip"]
    completed = run_cli("sweep", base_file, *grid)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].split() == ["workload.open.rate", "run.duration", "req/s", "p50", "ms", "p99",
                                "ms", "errors", "%"]
    assert [line.split()[:2] for line in lines[1:]] == [["40", "30s"], ["80", "60s"]]
    assert completed.stderr == ""  # no progress bar in a pipe

    csv = tmp_path / "out" / "points.csv"
    completed = run_cli("sweep", base_file, *grid, "--json", "--csv", csv)
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert document["over"] == ["workload.open.rate", "run.duration"]
    assert [point["workload.open.rate"] for point in document["points"]] == [40, 80]
    frame = pd.read_csv(csv)
    assert frame["throughput_rps"].tolist() == [point["throughput_rps"] for point in document["points"]]
    assert completed.stderr == f"servesim: wrote {csv}\n"


def test_cli_sweep_shows_a_bar_on_a_terminal(base_file: Path) -> None:
    controller, terminal = pty.openpty()
    # A terminal 100 columns wide: tqdm draws nothing on one of zero columns.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    try:
        completed = subprocess.run([sys.executable, "-m", "servesim", "sweep", str(base_file),
                                    "--set", "workload.open.rate=40,80", "--set", "run.duration=30s"],
                                   stdout=subprocess.PIPE, stderr=terminal, text=True, timeout=120,
                                   check=False)
        os.close(terminal)
        shown = b""
        while chunk := _read(controller):
            shown += chunk
    finally:
        os.close(controller)
    assert completed.returncode == 0
    assert b"sweep: 100%" in shown and b"2/2" in shown


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, 65536)
    except OSError:  # the terminal's other end is closed
        return b""


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "servers.web.workers=0,2"],
     "servers.web.workers: must be an integer >= 1, got 0 (at the point servers.web.workers=0)"),
    (["--set", "servers.api.workers=2"],
     "servers.api: no server named 'api' (servers: web) (at the point servers.api.workers=2)"),
    (["--set", "run.duration=1s", "--set", "run.duration=2s"], None),
    ([], None),
])
def test_cli_sweep_bad_grid_exits_2(run_cli, base_file: Path, args: list[str], message: str | None) -> None:
    completed = run_cli("sweep", base_file, *args)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    if message is not None:
        assert completed.stderr == f"servesim: {base_file}: {message}\n"


def test_cli_run_set_overrides_fields(run_cli, base_file: Path) -> None:
    completed = run_cli("run", base_file, "--json", "--set", "run.duration=30s",
                        "--set", "run.replications=1", "--set", "workload.open.rate=50")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert len(document["replications"]) == 1
    assert document["replications"][0]["measured_duration"] == pytest.approx(20.0)  # 30 s - 10 s warm-up
    assert math.isclose(document["throughput"], 50, rel_tol=0.15)

    several = run_cli("run", base_file, "--set", "workload.open.rate=50,60")
    assert several.returncode == 2
    assert several.stderr == ("servesim: --set workload.open.rate: run takes one value per path, got 2; "
                              "servesim sweep runs several\n")
