"""Runs that must end: Ctrl-C stops any run within a second, a clock that
stops advancing is an error naming the field, traces are read with bounds,
and a long run is announced before it starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import servesim as ss
import yaml

# 1e9 simulated seconds at 100 req/s: each of its 100 progress intervals would
# take minutes; only the engine's own polling can stop it promptly.
ENDLESS: dict[str, Any] = {
    "name": "endless",
    "hosts": {"app": {"cores": 2}},
    "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 2, "framework": "none"}},
    "endpoints": {"work": {"phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
    "workload": {"open": {"rate": 100}},
    "run": {"duration": 1e9, "replications": 2},
}
CANCEL_LATENCY_S = 1.0  # the bar: every run stops within a second of SIGINT


def interrupt_after(seconds: float) -> list[float]:
    """Sends this process SIGINT after `seconds`; the list receives when."""
    sent: list[float] = []

    def fire() -> None:
        sent.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    threading.Timer(seconds, fire).start()
    return sent


@pytest.mark.parametrize("engine", ["native", "simgrid"])
def test_ctrl_c_stops_a_long_run_within_a_second(engine: str) -> None:
    if not ss.engine_available(engine):
        pytest.skip(f"the {engine} engine is not available here")
    sent = interrupt_after(0.5)
    with pytest.raises(KeyboardInterrupt), pytest.warns(RuntimeWarning, match="this run simulates about"):
        ss.simulate(ENDLESS, engine=engine, threads=2)
    assert time.monotonic() - sent[0] < CANCEL_LATENCY_S


def test_cli_exits_130_within_a_second_of_sigint(tmp_path: Path) -> None:
    path = tmp_path / "endless.yaml"
    path.write_text(yaml.safe_dump(ENDLESS))
    child = subprocess.Popen([sys.executable, "-m", "servesim", "run", str(path)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)  # past the interpreter's start and the run's
    sent = time.monotonic()
    child.send_signal(signal.SIGINT)
    _, errors = child.communicate(timeout=30)
    assert time.monotonic() - sent < CANCEL_LATENCY_S
    assert child.returncode == 130
    assert "this run simulates about" in errors  # announced before it started


def hang(**changes: Any) -> dict[str, Any]:
    """Ten users without think time against one endpoint: a closed loop."""
    data: dict[str, Any] = {
        "name": "hang", "hosts": {"app": {"cores": 1}},
        "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 2, "framework": "none"}},
        "endpoints": {"e": {"phases": [{"cpu": "10ms"}]}},
        "workload": {"closed": {"users": 10}},
        "run": {"duration": 60},
    }
    for key, value in changes.items():
        data[key] = value
    return data


@pytest.mark.parametrize(("data", "path"), [
    # Killed 1 ns after it starts, sent again at once: 1e9 cycles per simulated second.
    (hang(servers={"web": {"host": "app", "kind": "gunicorn-sync", "workers": 2, "framework": "none",
                           "timeout": "1ns", "boot_time": 0}}), "servers.web.timeout"),
    # About a nanosecond per request, just past what validation rejects.
    (hang(servers={"web": {"host": "app", "kind": "uvicorn", "framework": "none"}},
          endpoints={"e": {"phases": [{"io": {"dist": "uniform", "low": 0, "high": "2.2ns"}}]}}),
     "endpoints.e.phases[0].io"),
], ids=["worker-timeout-1ns", "uniform-0-2ns"])
def test_a_clock_that_stops_advancing_names_the_field(data: dict[str, Any], path: str) -> None:
    start = time.monotonic()
    with pytest.raises(ss.ScenarioError, match="the simulated clock does not advance") as caught:
        ss.simulate(data, threads=1)
    assert caught.value.path == path
    assert time.monotonic() - start < 30


def test_validation_rejects_a_closed_loop_of_a_nanosecond() -> None:
    data = hang(servers={"web": {"host": "app", "kind": "uvicorn", "framework": "none"}},
                endpoints={"e": {"phases": [{"io": {"dist": "empirical", "samples": [0, 0, 0, 1e-300]}}]}})
    with pytest.raises(ss.ScenarioError, match="users that never think") as caught:
        ss.Scenario.from_dict(data)
    assert caught.value.path == "workload.closed.think_time"


def trace_scenario(tmp_path: Path, trace: str) -> Path:
    data = {"hosts": {"app": {"cores": 1}},
            "servers": {"web": {"host": "app", "framework": "none"}},
            "endpoints": {"e": {"phases": [{"cpu": "1ms"}]}},
            "workload": {"open": {"trace": trace}}, "run": {"duration": 10}}
    path = tmp_path / "trace.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_trace_that_is_not_a_regular_file_is_refused(tmp_path: Path, device: str) -> None:
    with pytest.raises(ss.ScenarioError, match="is not a regular file") as caught:
        ss.Scenario.from_yaml(trace_scenario(tmp_path, device))
    assert caught.value.path == "workload.open.trace"


def test_a_directory_trace_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ss.ScenarioError, match="is not a regular file"):
        ss.Scenario.from_yaml(trace_scenario(tmp_path, str(tmp_path)))


@pytest.mark.parametrize(("content", "where"), [
    (b"0.0\n0.5\n\xff\xfe1.0\n", "line 3, column 1: byte 0xFF is not UTF-8 text"),
    (b"time\n0.0\n1.0\x00\n", "line 3, column 4: byte 0x00 is a control character"),
])
def test_undecodable_trace_bytes_name_their_line(tmp_path: Path, content: bytes, where: str) -> None:
    (tmp_path / "arrivals.csv").write_bytes(content)
    with pytest.raises(ss.ScenarioError, match=where):
        ss.Scenario.from_yaml(trace_scenario(tmp_path, "arrivals.csv"))


def test_a_trace_over_the_size_bound_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "arrivals.csv"
    with big.open("wb") as file:
        file.truncate(300 << 20)  # sparse: 300 MiB of zeros, never written
    with pytest.raises(ss.ScenarioError, match="at most 256 MiB"):
        ss.Scenario.from_yaml(trace_scenario(tmp_path, "arrivals.csv"))


def test_a_short_run_is_not_announced(recwarn: pytest.WarningsRecorder) -> None:
    ss.simulate({**ENDLESS, "run": {"duration": 10}}, threads=1)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_cancel_simulations_stops_runs_on_other_threads() -> None:
    # Ctrl-C reaches the main thread only; an executor's runs stop through this.
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            ss.simulate(ENDLESS, threads=1)
        except BaseException as error:  # noqa: BLE001 - the test inspects it
            outcome.append(error)

    with pytest.warns(RuntimeWarning):
        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.5)
        cancelled = time.monotonic()
        ss.cancel_simulations()
        worker.join(timeout=10)
    assert time.monotonic() - cancelled < CANCEL_LATENCY_S
    assert len(outcome) == 1 and isinstance(outcome[0], KeyboardInterrupt)
    ss.simulate({**ENDLESS, "run": {"duration": 1}}, threads=1)  # later runs are unaffected


def overloaded(rate: float = 2000.0) -> dict[str, Any]:
    """Two uvicorn processes on four cores, 10 ms of CPU per request: 200 req/s."""
    return {"name": "overloaded", "hosts": {"app": {"cores": 4}},
            "servers": {"web": {"host": "app", "kind": "uvicorn", "workers": 2, "framework": "none"}},
            "endpoints": {"e": {"phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
            "workload": {"open": {"rate": rate}}, "run": {"duration": 100, "replications": 2}}


def test_overload_is_reported_in_every_form(tmp_path: Path, run_cli) -> None:
    result = ss.simulate(overloaded())
    assert result.stable is False
    stability = result.stability
    assert stability is not None and stability.resource == "servers.web.event_loop"
    # Two event loops of 10 ms a request serve 200 req/s; 1,800 req/s more are offered.
    assert stability.capacity == pytest.approx(200, rel=0.05)
    assert stability.excess_rate == pytest.approx(1800, rel=0.1)
    assert result.to_dict()["stability"]["stable"] is False
    assert all(not rep["stability"]["stable"] for rep in result.to_dict()["replications"])
    assert "stable" in result.summary() and "NO" in result.summary()
    path = tmp_path / "overloaded.yaml"
    path.write_text(yaml.safe_dump(overloaded()))
    completed = run_cli("run", str(path))
    assert completed.returncode == 0
    assert "servesim: warning: overloaded: servers.web.event_loop at its limit" in completed.stderr


def test_a_stable_run_says_so() -> None:
    result = ss.simulate(overloaded(rate=100.0))
    assert result.stable is True
    assert (result.stability.stable, result.stability.resource) == (True, "")
    assert (result.stability.capacity, result.stability.excess_rate) == (0.0, 0.0)
