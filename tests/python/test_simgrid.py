"""The SimGrid engine from Python and the shell: the same results as the native engine
within confidence intervals, and every failure of its processes as an EngineError.
(tests/simgrid/ cross-validates the engines on many more scenarios in C++.)"""

from __future__ import annotations

import json
import math
import stat
from pathlib import Path

import pytest

import servesim as ss

needs_simgrid = pytest.mark.skipif(not ss.engine_available("simgrid"),
                                   reason="servesim was built without SimGrid")


def test_engine_names_are_checked() -> None:
    assert ss.engine_available("native")
    with pytest.raises(ValueError, match="engine must be one of 'native', 'simgrid', got 'ns3'"):
        ss.engine_available("ns3")
    with pytest.raises(ValueError, match="got 'SimGrid'"):
        ss.simulate("scenarios/two-sync-workers.yaml", engine="SimGrid")
    with pytest.raises(ValueError, match="process_timeout must be a finite number of seconds > 0"):
        ss.simulate("scenarios/two-sync-workers.yaml", engine="simgrid", process_timeout=0)


@needs_simgrid
def test_simgrid_agrees_with_native_on_the_m_m_2_example(two_sync_path: Path) -> None:
    # 4 replications of 300 s (about 45,000 requests each) per engine, independent
    # seeds: the means must agree within 4 standard errors of their difference.
    scenario = ss.Scenario.from_yaml(two_sync_path).replace(
        run={"duration": 300, "warmup": 30, "replications": 4})
    native = ss.simulate(scenario, seed=1)
    simgrid = ss.simulate(scenario, seed=2, engine="simgrid")
    assert simgrid.replications == 4
    for metric, max_relative_se in (("throughput", 0.01), ("latency.mean", 0.03), ("latency.p99", 0.05)):
        a, b = native.ci(metric), simgrid.ci(metric)
        se = math.hypot(a.half_width, b.half_width) / 3.182  # 95 % half-widths, t(0.975, 3)
        assert se < max_relative_se * a.value, (metric, a, b)
        assert abs(a.value - b.value) <= 4 * se, (metric, a, b)


@needs_simgrid
def test_simgrid_fills_the_database_and_service_frames_as_native(small_dict) -> None:
    # One event loop at 200 req/s; a cache in front of a database (a pool of 2 and
    # 2 connections, M/M/2 at rho 0.4 for the misses) and of a service serving 4
    # calls at once that fails 10 % of them. 4 replications of 60 s per engine,
    # independent seeds: the frames have the same rows and columns, and their
    # means agree within 4 standard errors of the difference.
    scenario = dict(small_dict, databases={
        "pg": {"connections": 2, "query_time": {"dist": "exponential", "mean": "8ms"},
               "pool": {"size": 2, "max_overflow": 0, "timeout": "50ms"}}},
        services={"payments": {"latency": {"dist": "exponential", "mean": "20ms"},
                               "concurrency": 4, "error_rate": 0.1}})
    scenario["servers"]["web"] = {"host": "app", "kind": "uvicorn", "workers": 1, "framework": "none"}
    scenario["workload"] = {"open": {"rate": 200}}
    scenario["endpoints"]["work"]["phases"] = [
        {"cpu": "1ms"},
        {"cache": {"hit_ratio": 0.5, "hit": [{"call": "payments"}], "miss": [{"db": "pg"}]}}]
    runs = {engine: ss.simulate(scenario, seed=seed, engine=engine, replications=4)
            for engine, seed in (("native", 1), ("simgrid", 2))}
    for frame in ("databases_frame", "services_frame"):
        native, simgrid = (getattr(runs[engine], frame)() for engine in ("native", "simgrid"))
        assert list(native.columns) == list(simgrid.columns)
        assert native.iloc[:, 0].tolist() == simgrid.iloc[:, 0].tolist()
    for metric in ("database_utilization.pg", "mean_pool_wait.pg", "service_in_use.payments",
                   "latency.mean"):
        a, b = runs["native"].ci(metric), runs["simgrid"].ci(metric)
        se = math.hypot(a.half_width, b.half_width) / 3.182  # 95 % half-widths, t(0.975, 3)
        assert se < 0.1 * a.value, (metric, a, b)
        assert abs(a.value - b.value) <= 4 * se, (metric, a, b)


@needs_simgrid
def test_simgrid_results_do_not_depend_on_threads(small_dict) -> None:
    one = ss.simulate(small_dict, engine="simgrid", replications=2, threads=1)
    two = ss.simulate(small_dict, engine="simgrid", replications=2, threads=2)
    assert one.to_dict() == two.to_dict()


def _fake_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    script = tmp_path / "servesim-simgrid"
    script.write_text(f"#!/bin/sh\ncat > /dev/null\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("SERVESIM_SIMGRID", str(script))


@pytest.mark.parametrize(("body", "message"), [
    ("kill -SEGV $$", "crashed: killed by signal 11"),
    ("echo 'servesim-simgrid: no luck' >&2; exit 1", "failed with exit code 1: servesim-simgrid: no luck"),
    ("echo '{\"replications\": 3}'", "malformed: result.replications[0] is missing"),
])
def test_a_failing_engine_process_is_an_engine_error(small_dict, tmp_path, monkeypatch,
                                                     body: str, message: str) -> None:
    _fake_engine(tmp_path, monkeypatch, body)
    with pytest.raises(ss.EngineError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ss.simulate(small_dict, engine="simgrid")


def test_a_stuck_engine_process_is_killed_at_its_time_limit(small_dict, tmp_path, monkeypatch) -> None:
    _fake_engine(tmp_path, monkeypatch, "exec sleep 60")
    with pytest.raises(ss.EngineError, match="did not finish within the 0.5 s time limit"):
        ss.simulate(small_dict, engine="simgrid", process_timeout=0.5)


def test_a_missing_engine_is_unavailable(small_dict, monkeypatch) -> None:
    monkeypatch.setenv("SERVESIM_SIMGRID", "/nonexistent/servesim-simgrid")
    assert not ss.engine_available("simgrid")
    with pytest.raises(ss.EngineError, match="SimGrid engine is unavailable"):
        ss.simulate(small_dict, engine="simgrid")


@needs_simgrid
def test_cli_runs_the_simgrid_engine(run_cli, small_file: Path) -> None:
    completed = run_cli("run", small_file, "--engine", "simgrid", "--json")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)
    assert len(data["replications"]) == 2
    assert 90 < data["throughput"] < 110  # 100 req/s offered


def test_cli_engine_errors_exit_with_1(run_cli, small_file: Path, tmp_path, monkeypatch) -> None:
    _fake_engine(tmp_path, monkeypatch, "kill -SEGV $$")
    completed = run_cli("run", small_file, "--engine", "simgrid")
    assert completed.returncode == 1
    assert "crashed: killed by signal 11" in completed.stderr
    bad = run_cli("run", small_file, "--engine", "ns3")
    assert bad.returncode == 2
    assert "invalid choice: 'ns3'" in bad.stderr
