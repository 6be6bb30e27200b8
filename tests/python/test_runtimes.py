"""Python server runtimes from Python: the new server kinds, endpoint styles,
phase kinds, error kinds and GIL statistics, each checked against what the
bottleneck allows (closed loops without think time saturate it exactly)."""
from __future__ import annotations

from typing import Any

import pytest

import servesim as ss


def runtime(server: dict[str, Any], endpoint: dict[str, Any], users: int = 32,
            cores: int = 4) -> dict[str, Any]:
    return {
        "hosts": {"app": {"cores": cores}},
        "servers": {"web": {"framework": "none", **server}},
        "endpoints": {"work": endpoint},
        "workload": {"closed": {"users": users}},
        "run": {"duration": "30s", "warmup": "2s", "replications": 2, "seed": 3},
    }


def test_threads_share_one_gil_processes_do_not() -> None:
    # 10 ms of Python per request: one process of 4 threads runs one core's
    # worth (100 req/s); 4 processes use the 4 cores (400 req/s). Sync workers
    # for those: gthread keeps each keep-alive connection in the process that
    # accepted it, most of them in one.
    threads = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "gunicorn-gthread", "workers": 1, "threads": 4}, {"phases": [{"cpu": "10ms"}]})))
    processes = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "gunicorn-sync", "workers": 4}, {"phases": [{"cpu": "10ms"}]})))
    assert threads.throughput == pytest.approx(100.0, rel=0.01)
    assert processes.throughput == pytest.approx(400.0, rel=0.01)
    assert threads.gil_busy["web"].value == pytest.approx(1.0, abs=0.01)
    assert threads.cpu_utilization["app"].value == pytest.approx(0.25, abs=0.01)
    assert "gil_busy_web" in threads.to_frame().columns
    assert "GIL busy web" in threads.summary()


def test_async_io_overlaps_on_the_loop_and_a_blocking_call_does_not() -> None:
    # 1 ms on the loop, 20 ms of I/O: awaited, the loop is the bottleneck at
    # 1000 req/s; blocking, each request holds it 21 ms: 1 / 21 ms.
    awaited = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "uvicorn"}, {"style": "async", "phases": [{"cpu": "1ms"}, {"io": "20ms"}]}, users=64)))
    blocking = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "uvicorn"}, {"style": "async", "phases": [{"cpu": "1ms"}, {"blocking_io": "20ms"}]})))
    assert awaited.throughput == pytest.approx(1000.0, rel=0.01)
    assert blocking.throughput == pytest.approx(1 / 0.021, rel=0.01)


def test_every_wait_costs_what_resumes_it_wait_overhead() -> None:
    # One sync worker and one user: 1 ms of Python, two 5 ms waits each ending
    # with 0.5 ms of Python: 1 / (1 + 2 * 0.5 + 10) ms = 83.3 req/s. On the
    # loop with 64 users the Python is the bottleneck: 1 / (1 + 2 * 0.5) ms.
    phases = [{"cpu": "1ms"}, {"io": "5ms"}, {"io": "5ms"}]
    worker = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "gunicorn-sync", "wait_overhead": "0.5ms"}, {"phases": phases}, users=1)))
    loop = ss.simulate(ss.Scenario.from_dict(runtime(
        {"kind": "uvicorn", "wait_overhead": "0.5ms"}, {"style": "async", "phases": phases}, users=64)))
    assert worker.throughput == pytest.approx(1 / 0.012, rel=0.01)
    assert loop.throughput == pytest.approx(1 / 0.002, rel=0.01)


def test_limit_concurrency_answers_503_counted_as_unavailable() -> None:
    # 50 users, a limit of 10, 100 ms of awaited I/O: at most 10 in flight, so
    # at most 100 answers per second (a little less: a freed slot stays empty
    # while the loop answers 503s queued before the next accepted request).
    scenario = runtime({"kind": "uvicorn", "limit_concurrency": 10, "framework_overhead": "0.1ms"},
                       {"phases": [{"io": "100ms"}]}, users=50)
    result = ss.simulate(ss.Scenario.from_dict(scenario))
    assert 90.0 < result.throughput <= 100.0
    assert result.errors["unavailable"] > 0
    assert result.errors["refused"] == 0


def test_worker_timeout_kills_are_errors() -> None:
    scenario = runtime({"kind": "gunicorn-sync", "timeout": "1s", "boot_time": "0.5s"},
                       {"phases": [{"io": "2s"}]}, users=1)
    result = ss.simulate(ss.Scenario.from_dict(scenario))
    # A kill every 1.5 s of the 28 s measured window, in each of 2 replications.
    assert result.errors["worker_killed"] == pytest.approx(2 * 28 / 1.5, abs=2)
    assert result.completed == 0


@pytest.mark.parametrize(("server", "endpoint", "path", "message"), [
    ({"kind": "gunicorn-sync", "threads": 4}, {"phases": [{"cpu": "1ms"}]},
     "servers.web.threads", "gunicorn-sync servers have no 'threads' setting"),
    ({"kind": "gunicorn-gthread"}, {"style": "async", "phases": [{"cpu": "1ms"}]},
     "endpoints.work.style", "async endpoints need an event loop"),
    ({"kind": "gunicorn-sync"}, {"phases": [{"blocking_io": "1ms"}]},
     "endpoints.work.phases[0].blocking_io", "no event loop to stall"),
    ({"kind": "uvicorn", "thread_pool": 0}, {"phases": [{"cpu": "1ms"}]},
     "servers.web.thread_pool", "must be an integer >= 1, got 0"),
    ({"kind": "daphne"}, {"phases": [{"cpu": "1ms"}]},
     "servers.web.kind", "unknown server kind 'daphne'"),
    ({"kind": "uvicorn", "wait_overhead": "-20us"}, {"phases": [{"io": "1ms"}]},
     "servers.web.wait_overhead", "must be a duration >= 0, got '-20us'"),
])
def test_bad_runtime_settings_name_the_field(server: dict[str, Any], endpoint: dict[str, Any],
                                             path: str, message: str) -> None:
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(runtime(server, endpoint))
    assert caught.value.path == path
    assert message in str(caught.value)


RUNTIME_ESTIMATES = {
    # An async endpoint: the loop is an M/G/1 queue for 2 ms of Python, then 50 ms awaited.
    # No wait_overhead: resuming after the wait would queue for the loop a second
    # time, which the estimate leaves out (one loop wait, about 8 % here). No
    # wait_crowding either: it depends on the requests a process holds, which
    # the estimate does not know (it says so in its assumptions).
    "uvicorn-open": {
        "hosts": {"app": {"cores": 1}},
        "servers": {"api": {"kind": "uvicorn", "framework": "fastapi", "wait_overhead": "0us",
                            "wait_crowding": "0us"}},
        "endpoints": {"o": {"style": "async", "phases": [
            {"cpu": {"dist": "exponential", "mean": "2ms"}}, {"io": "50ms"}]}},
        "workload": {"open": {"rate": 300}},
    },
    # 500 wrk-style users on two loops: the loops saturate (no wait_crowding, as above).
    "uvicorn-closed": {
        "hosts": {"app": {"cores": 2}},
        "servers": {"api": {"kind": "uvicorn", "workers": 2, "framework": "fastapi", "wait_crowding": "0us"}},
        "endpoints": {"o": {"style": "async", "phases": [{"cpu": "1ms"}, {"io": "50ms"}]}},
        "workload": {"closed": {"users": 500}},
    },
    # 2 processes x 4 threads, below the 8 threads' capacity of 8 / 23.3 ms.
    "gthread-open": {
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": "gunicorn-gthread", "workers": 2, "threads": 4}},
        "endpoints": {"o": {"phases": [{"cpu": {"dist": "exponential", "mean": "3ms"}}, {"io": "20ms"}]}},
        "workload": {"open": {"rate": 200}},
    },
}


# The estimate's error on the mean response, as measured when these tests were
# written: the loop and the closed case come within 1 %; gthread's GIL, taken
# as one processor-sharing server in front of the threads, is 8 % high.
ESTIMATE_TOLERANCE = {"uvicorn-open": 0.03, "uvicorn-closed": 0.03, "gthread-open": 0.10}


@pytest.mark.parametrize("name", RUNTIME_ESTIMATES)
def test_estimate_agrees_with_the_engine_on_runtimes(name: str) -> None:
    # The estimate is an approximation (a flow-equivalent server per process):
    # throughput must match, the mean response come within the model's own
    # error, well outside the simulation's CI (4 x 200 s, under 1 %).
    spec = {**RUNTIME_ESTIMATES[name],
            "run": {"duration": "200s", "warmup": "10s", "replications": 4, "seed": 2}}
    scenario = ss.Scenario.from_dict(spec)
    estimate = ss.estimate(scenario)
    simulated = ss.simulate(scenario)
    assert estimate.throughput == pytest.approx(simulated.throughput, rel=0.01)
    assert estimate.latency.mean == pytest.approx(simulated.latency.mean, rel=ESTIMATE_TOLERANCE[name])
