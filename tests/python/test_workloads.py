"""Realistic load from Python: rate profiles, traces, retries, SLO goodput and the
time-series frame, checked against independent references; bad workload input."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import servesim as ss
import yaml


def pool(*, workers: int = 2, service_ms: float = 10.0, open_: dict[str, Any],
         duration_s: float = 120.0, interval_s: float = 1.0, **workload: Any) -> dict[str, Any]:
    """Sync workers with exponential CPU work on as many cores, under an open workload."""
    return {
        "name": "pool",
        "hosts": {"app": {"cores": workers}},
        "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": workers,
                            "framework_overhead": "0ms"}},
        "endpoints": {"work": {"server": "web", "phases": [
            {"cpu": {"dist": "exponential", "mean": f"{service_ms}ms"}}]}},
        "workload": {"open": open_, **workload},
        "run": {"duration": duration_s, "warmup": 0, "interval": interval_s, "seed": 2},
    }


def test_a_ramp_finds_the_knee_at_c_over_s() -> None:
    # 2 workers x 10 ms saturate at c / S = 200 req/s. The rate ramps 0 -> 400
    # req/s over 100 s; past 200 the queue grows like the fluid 2 (t - t*)^2,
    # 40 waiting 4.5 s later (at 1.09 c / S), while below it an M/M/2 queue at
    # rho = 0.9 holds 7.7. So the first interval with more than 40 waiting is
    # within 10 % of c / S, and the pool then completes c / S.
    result = ss.simulate(ss.Scenario.from_dict(pool(open_={"profile": {"ramp": {"from": 0, "to": 400}}},
                                                    duration_s=100)))
    frame = result.timeline_frame()
    knee = frame[frame["queue_web"] > 40].iloc[0]
    knee_rate = 400 * (knee["start_s"] + knee["end_s"]) / 2 / 100
    assert 0.9 * 200 < knee_rate < 1.1 * 200
    late = frame[frame["start_s"] >= 70]
    assert late["throughput_rps"].mean() == pytest.approx(200, rel=0.03)
    assert late["busy_web"].min() == pytest.approx(1.0)
    assert late["cpu_app"].min() == pytest.approx(1.0)


def test_a_retry_storm_outlives_the_burst_that_started_it() -> None:
    # 100 req/s at a pool completing 200, with a 10 s burst at 300 that queues
    # more work than clients wait for (1 s). Without retries the queue drains
    # and the pool recovers. With 4 attempts and no backoff, every attempt of a
    # request times out behind abandoned work, so each client request costs
    # 4 attempts: 400 per second, twice what the pool completes, so the queue
    # never drains and no one is answered in time: a self-sustaining storm.
    steps = [{"at": 0, "rate": 100}, {"at": 20, "rate": 300}, {"at": 30, "rate": 100}]
    base = pool(open_={"profile": {"steps": steps}}, interval_s=5, client_timeout="1s",
                mix={"work": {"slo": "1s"}})
    calm = ss.simulate(ss.Scenario.from_dict(base)).timeline_frame()
    storm_result = ss.simulate(ss.Scenario.from_dict(base).replace(
        workload={"retries": {"attempts": 4, "backoff": 0}}))
    storm = storm_result.timeline_frame()
    after = slice(12, None)  # from 60 s on, well after the burst
    assert calm["goodput_rps"][after].mean() == pytest.approx(100, rel=0.05)
    assert calm["arrival_rps"][after].mean() == pytest.approx(100, rel=0.05)
    assert storm["arrival_rps"][after].mean() == pytest.approx(4 * 100, rel=0.05)
    assert storm["retries"][after].sum() == pytest.approx(3 / 4 * storm["arrivals"][after].sum(), rel=0.02)
    assert storm["goodput_rps"][after].max() == 0.0
    assert storm_result.retries > 0 and storm_result.failure_rate > 0.5
    assert "retries" in storm_result.summary()


def test_goodput_is_the_mm1_response_time_tail() -> None:
    # M/M/1 at 80 of 100 req/s: T is exponential with rate mu - lambda = 20/s, so
    # a 30 ms SLO is met with probability 1 - exp(-0.6) = 0.451: goodput 36.1 req/s.
    # Within 4 standard errors of the 8 replications (t quantile 2.365 for 7 degrees
    # of freedom), and the run is long enough for a standard error below 2 %.
    data = pool(workers=1, open_={"rate": 80}, duration_s=500, interval_s=50,
                mix={"work": {"slo": "30ms"}})
    data["run"].update({"warmup": 10, "replications": 8})
    result = ss.simulate(ss.Scenario.from_dict(data))
    expected = 80 * (1 - math.exp(-0.6))
    standard_error = result.goodput_ci.half_width / 2.365
    assert standard_error < 0.02 * expected
    assert abs(result.goodput - expected) <= 4 * standard_error
    assert result.ci("goodput.work") == result.endpoint_goodput["work"]
    row = result.endpoints_frame().iloc[0]
    assert row["goodput_rps"] == pytest.approx(result.goodput)
    assert result.to_frame()["goodput_rps"].mean() == pytest.approx(result.goodput)
    assert "goodput (within SLO)" in result.summary()


def test_a_trace_is_replayed_exactly(tmp_path: Path) -> None:
    # 500 arrival times, 60 of them after the 20 s run: exactly 440 arrivals.
    times = [i * 0.05 for i in range(500)]
    (tmp_path / "arrivals.txt").write_text("".join(f"{t:.2f}\n" for t in times))
    data = pool(open_={"trace": "arrivals.txt"}, duration_s=20)
    (tmp_path / "trace.yaml").write_text(yaml.safe_dump(data))
    result = ss.simulate(tmp_path / "trace.yaml")
    sent = sum(t <= 20 for t in times)
    assert sent == 401  # 0, 0.05, ..., 20.00
    assert result.to_frame()["arrivals"].tolist() == [sent]
    assert result.timeline_frame()["arrivals"].sum() == sent


@pytest.mark.parametrize(("workload", "path", "message"), [
    ({"open": {"rate": 10}, "retries": {"attempts": 0}}, "workload.retries.attempts", ">= 1, got 0"),
    ({"open": {"rate": 10}, "retries": {"attempts": 2, "jitter": 2}}, "workload.retries.jitter", "got 2"),
    ({"open": {"profile": {"ramp": {"from": 0, "to": 0}}}}, "workload.open.profile.ramp", "both be 0"),
    ({"open": {"profile": {"steps": [{"at": "1s", "rate": 5}]}}}, "workload.open.profile.steps[0].at",
     "must start at 0s"),
    ({"open": {"profile": {"diurnal": {"min": 9, "max": 3}}}}, "workload.open.profile.diurnal.min",
     "must be <= max"),
    ({"open": {"rate": 10, "arrivals": "bursty"}}, "workload.open.burst", "needs a burst"),
])
def test_bad_workloads_name_the_field(workload: dict[str, Any], path: str, message: str) -> None:
    data = pool(open_={"rate": 1})
    data["workload"] = workload
    with pytest.raises(ss.ScenarioError, match=message) as error:
        ss.Scenario.from_dict(data)
    assert error.value.path == path


@pytest.mark.parametrize(("trace", "path", "message"), [
    (None, "workload.open.trace", "cannot read the trace file"),
    ("", "workload.open.trace", "has no arrival times"),
    ("0\n2\n1\n", "workload.open.trace[2]", "must be sorted, got 1 s after 2 s"),
])
def test_bad_traces_name_the_field(tmp_path: Path, trace: str | None, path: str, message: str) -> None:
    if trace is not None:
        (tmp_path / "arrivals.txt").write_text(trace)
    (tmp_path / "trace.yaml").write_text(yaml.safe_dump(pool(open_={"trace": "arrivals.txt"})))
    with pytest.raises(ss.ScenarioError, match=message) as error:
        ss.Scenario.from_yaml(tmp_path / "trace.yaml")
    assert error.value.path == path
