"""Property tests (Hypothesis): invariants of every simulation, and bad input
that must always end in ScenarioError, never in a crash or another exception."""

from __future__ import annotations

import math
import resource
import string
import time
from typing import Any

import pytest
import servesim as ss
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BACKLOG = 2048  # Gunicorn's default, which small_scenario() keeps

PROPERTY_SETTINGS = settings(max_examples=30, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])

workers = st.integers(min_value=1, max_value=4)
cores = st.integers(min_value=1, max_value=4)
mean_service_ms = st.floats(min_value=1.0, max_value=50.0)
seeds = st.integers(min_value=0, max_value=2**64 - 1)


def capacity(n_workers: int, n_cores: int, mean_ms: float) -> float:
    """Requests per second the server completes when saturated: each busy worker
    needs a core, so min(workers, cores) requests are in service at full speed."""
    return min(n_workers, n_cores) / (mean_ms / 1000.0)


def check_invariants(result: ss.Result, n_workers: int, duration_s: float, warmup_s: float) -> None:
    assert result.completed >= 0
    assert 0.0 <= result.error_rate <= 1.0
    for estimate in [*result.cpu_utilization.values(), *result.worker_busy.values()]:
        assert -1e-9 <= estimate.value <= 1.0 + 1e-9
    for replication in result.to_dict()["replications"]:
        errors = replication["errors"]
        # Completions in the window answer requests that arrived in it or were in
        # flight when it opened: at most every worker and every backlog slot.
        assert replication["completed"] + errors["total"] <= (
            replication["arrivals"] + n_workers + BACKLOG)
        assert errors["total"] == errors["refused"] + errors["client_timeout"]
        assert replication["measured_duration"] == pytest.approx(duration_s - warmup_s)
        assert replication["throughput"] == pytest.approx(
            replication["completed"] / replication["measured_duration"])
        latency = replication["latency"]
        ordered = [latency[key] for key in ("p50", "p90", "p95", "p99", "p999")]
        assert all(value >= 0 for value in ordered)
        assert ordered == sorted(ordered)
        if replication["completed"]:
            # Quantiles sit at bucket midpoints, within the histogram's relative error.
            assert latency["p999"] <= latency["max"] * 1.01
            assert latency["mean"] <= latency["max"]
        for server in replication["servers"]:
            assert -1e-9 <= server["worker_busy_fraction"] <= 1.0 + 1e-9
            assert 0 <= server["mean_queue_length"] <= BACKLOG
        for host in replication["hosts"]:
            assert -1e-9 <= host["cpu_utilization"] <= 1.0 + 1e-9
        timeline = replication["timeline"]
        assert sum(interval["arrivals"] for interval in timeline) >= replication["arrivals"]


@PROPERTY_SETTINGS
@given(n_workers=workers, n_cores=cores, mean_ms=mean_service_ms,
       load=st.floats(min_value=0.05, max_value=0.8), seed=seeds)
def test_stable_systems(make_scenario, n_workers: int, n_cores: int, mean_ms: float,
                        load: float, seed: int) -> None:
    rate = load * capacity(n_workers, n_cores, mean_ms)
    # About 20,000 requests: long enough for Little's law to hold within 5 %
    # (its error comes from requests in flight at the window edges, ~ W / T).
    duration = max(20000.0 / rate, 20.0)
    warmup = duration / 20
    data = make_scenario(workers=n_workers, cores=n_cores, rate=rate, mean_service_ms=mean_ms,
                         duration_s=duration, warmup_s=warmup, replications=2, seed=seed)
    result = ss.simulate(data)
    check_invariants(result, n_workers, duration, warmup)
    assert result.errors == {"client_timeout": 0, "refused": 0, "unavailable": 0, "worker_killed": 0,
                                 "pool_timeout": 0, "downstream": 0, "out_of_memory": 0}
    assert result.throughput == pytest.approx(rate, rel=0.1)
    assert result.little.relative_error < 0.05
    assert ss.simulate(data).to_dict() == result.to_dict()  # deterministic


@PROPERTY_SETTINGS
@given(n_workers=workers, n_cores=cores, mean_ms=mean_service_ms,
       load=st.floats(min_value=1.5, max_value=4.0), seed=seeds)
def test_overloaded_systems_report_saturation(make_scenario, n_workers: int, n_cores: int,
                                              mean_ms: float, load: float, seed: int) -> None:
    service_rate = capacity(n_workers, n_cores, mean_ms)
    # Long enough for the backlog to fill: the queue grows at (load - 1) x capacity.
    duration = 3 * BACKLOG / ((load - 1) * service_rate) + 10 * mean_ms / 1000
    data = make_scenario(workers=n_workers, cores=n_cores, rate=load * service_rate,
                         mean_service_ms=mean_ms, duration_s=duration, warmup_s=0, seed=seed)
    result = ss.simulate(data)
    check_invariants(result, n_workers, duration, 0.0)
    assert result.worker_busy["web"].value > 0.9
    assert result.errors["refused"] > 0
    assert result.throughput <= service_rate * 1.1


def invalid_number(maximum: float) -> st.SearchStrategy[float]:
    """Numbers <= maximum, and the non-finite ones."""
    return st.floats(max_value=maximum) | st.sampled_from([math.nan, -math.inf, math.inf])


def set_at(node: Any, path: tuple, value: Any) -> None:
    """Sets the value at `path` (keys and list indices) of a nested dict, in place."""
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


# (field path in small_scenario(), invalid values)
INVALID_FIELDS: list[tuple[tuple[str, ...], st.SearchStrategy[Any]]] = [
    (("servers", "web", "workers"), st.integers(max_value=0)),
    (("servers", "web", "workers"), st.text(string.ascii_letters, min_size=1)),
    (("servers", "web", "backlog"), st.integers(max_value=0)),
    (("hosts", "app", "cores"), st.integers(max_value=0)),
    (("workload", "open", "rate"), invalid_number(0.0)),
    (("run", "duration"), invalid_number(0.0)),
    (("run", "replications"), st.integers(max_value=0)),
    (("run", "seed"), st.integers(max_value=-1)),
]


@settings(max_examples=25, deadline=None)
@pytest.mark.parametrize(("path", "values"), INVALID_FIELDS,
                         ids=[".".join(path) for path, _ in INVALID_FIELDS])
@given(data=st.data())
def test_invalid_values_raise_scenario_error(make_scenario, path: tuple[str, ...],
                                             values: st.SearchStrategy[Any], data) -> None:
    scenario = make_scenario()
    set_at(scenario, path, data.draw(values))
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(scenario)
    assert caught.value.path == ".".join(path)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)


def leaf_paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    if isinstance(node, dict):
        return [prefix] + [path for key, value in node.items()
                           for path in leaf_paths(value, (*prefix, key))]
    if isinstance(node, list):
        return [prefix] + [path for index, value in enumerate(node)
                           for path in leaf_paths(value, (*prefix, index))]
    return [prefix]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_mutation_parses_or_raises_scenario_error(make_scenario, data) -> None:
    scenario = make_scenario()
    paths = [path for path in leaf_paths(scenario) if path]
    path = data.draw(st.sampled_from(paths))
    set_at(scenario, path, data.draw(json_values))
    try:
        parsed = ss.Scenario.from_dict(scenario)
    except ss.ScenarioError as error:
        assert str(error)  # a message, and nothing but a ScenarioError
    else:
        assert parsed.duration > 0


# -- simulator against the analytic models ---------------------------------------------------
# Each property draws scenarios a queueing model solves exactly, simulates them briefly with
# 8 replications, and requires the simulated mean within t(0.9995, 7) = 5.41 standard errors
# of the model (the standard error from the replications' spread: a false alarm 1 time in
# 1,000 per check; derandomized examples and fixed seeds make each outcome repeatable), and
# the run precise enough (standard error <= 4 %) for the comparison to mean something.

T_975_7DOF = 2.3646242510102993  # Student t quantile behind an 8-replication 95 % half-width
T_9995_7DOF = 5.407882520861032
REPLICATIONS = 8
CROSS_CHECK = settings(max_examples=10, deadline=None, derandomize=True,
                       suppress_health_check=[HealthCheck.too_slow])


def assert_matches(estimate: ss.ConfidenceInterval, exact: float, what: str) -> None:
    standard_error = estimate.half_width / T_975_7DOF
    assert standard_error <= 0.04 * exact, f"{what}: run too noisy ({estimate}) for {exact:.6g}"
    assert abs(estimate.value - exact) <= T_9995_7DOF * standard_error, f"{what}: simulated {estimate}, model {exact:.6g}"


def open_pool(n_workers: int, n_cores: int, rate: float, work: dict, requests: int) -> dict:
    return {"name": "cross-check", "hosts": {"app": {"cores": n_cores}},
            "servers": {"web": {"host": "app", "workers": n_workers, "framework": "none"}},
            "endpoints": {"work": {"phases": [{"cpu": work}]}},
            "workload": {"open": {"rate": rate}},
            "run": {"duration": requests / rate, "warmup": requests / rate / 20, "replications": REPLICATIONS}}


@CROSS_CHECK
@given(n_workers=st.integers(1, 8), mean_ms=st.floats(1.0, 50.0),
       load=st.floats(0.1, 0.8), seed=seeds)
def test_mmc_pools_match_erlang_c(n_workers: int, mean_ms: float, load: float, seed: int) -> None:
    # Sync workers with exponential CPU and a core each: M/M/c (Erlang C), the estimate
    # being exact for it too.
    rate = load * n_workers / (mean_ms / 1000)
    data = open_pool(n_workers, n_workers, rate, {"dist": "exponential", "mean": f"{mean_ms}ms"},
                     20_000)
    data["run"]["seed"] = seed
    exact = ss.analytic.mmc(rate, 1000 / mean_ms, n_workers)
    estimate = ss.estimate(data)
    assert estimate.latency.mean == pytest.approx(exact.mean_response, rel=1e-9)
    assert estimate.latency.p99 == pytest.approx(
        ss.analytic.mmc_response_quantile(rate, 1000 / mean_ms, n_workers, 0.99), rel=1e-6)
    result = ss.simulate(data)
    assert_matches(result.latency_ci["mean"], exact.mean_response, "mean response")
    if exact.wait_probability > 0.2:  # rarer waits need longer runs to be seen precisely
        assert_matches(result.queued_fraction["web"], exact.wait_probability, "P(wait)")


@CROSS_CHECK
@given(mean_ms=st.floats(1.0, 50.0), cv=st.floats(0.3, 2.0), load=st.floats(0.1, 0.7), seed=seeds)
def test_single_worker_matches_pollaczek_khinchine(mean_ms: float, cv: float, load: float,
                                                   seed: int) -> None:
    # One sync worker, gamma CPU of any CV: M/G/1, whose mean response Pollaczek–Khinchine
    # gives exactly; the estimate's Allen–Cunneen factor reduces to it at c = 1.
    rate = load / (mean_ms / 1000)
    data = open_pool(1, 2, rate, {"dist": "gamma", "mean": f"{mean_ms}ms", "cv": cv}, 30_000)
    data["run"]["seed"] = seed
    exact = ss.analytic.mg1_mean_response(rate, mean_ms / 1000, cv)
    assert ss.estimate(data).latency.mean == pytest.approx(exact, rel=1e-9)
    assert exact == pytest.approx(ss.analytic.ggc(rate, mean_ms / 1000, 1, service_cv=cv).mean_response)
    assert_matches(ss.simulate(data).latency_ci["mean"], exact, "mean response")


@CROSS_CHECK
@given(n_workers=st.integers(1, 6), users=st.integers(1, 60), mean_ms=st.floats(2.0, 40.0),
       think_ms=st.floats(10.0, 500.0), seed=seeds)
def test_closed_pools_match_the_machine_repairman(n_workers: int, users: int, mean_ms: float,
                                                  think_ms: float, seed: int) -> None:
    # N users with exponential think time against c sync workers of exponential CPU, a core
    # each: M/M/c//N, solved by its birth-death chain and by exact MVA alike.
    exact = ss.analytic.mmcn(users, think_ms / 1000, 1000 / mean_ms, n_workers)
    mva = ss.analytic.mva([ss.analytic.Station("pool", mean_ms / 1000, "multi_server", n_workers)],
                          users, think_ms / 1000)
    assert mva.throughput == pytest.approx(exact.throughput, rel=1e-9)
    data = {"name": "closed", "hosts": {"app": {"cores": n_workers}},
            "servers": {"web": {"host": "app", "workers": n_workers, "framework": "none"}},
            "endpoints": {"work": {"phases": [{"cpu": {"dist": "exponential", "mean": f"{mean_ms}ms"}}]}},
            "workload": {"closed": {"users": users,
                                    "think_time": {"dist": "exponential", "mean": f"{think_ms}ms"}}},
            "run": {"duration": 15_000 / exact.throughput, "warmup": 750 / exact.throughput,
                    "replications": REPLICATIONS, "seed": seed}}
    assert ss.estimate(data).throughput == pytest.approx(exact.throughput, rel=1e-9)
    result = ss.simulate(data)
    assert_matches(result.throughput_ci, exact.throughput, "throughput")
    assert_matches(result.latency_ci["mean"], exact.mean_response, "mean response")


@settings(max_examples=50, deadline=None)
@given(rate=st.floats(max_value=0.0) | st.sampled_from([math.nan, math.inf]),
       servers=st.integers(min_value=-2**31, max_value=0))
def test_analytic_bad_input_names_the_argument(rate: float, servers: int) -> None:
    with pytest.raises(ss.Error, match="service_rate"):
        ss.analytic.mmc(1.0, rate, 2)
    with pytest.raises(ss.Error, match="servers must be >= 1"):
        ss.analytic.mmc(1.0, 2.0, servers)
    with pytest.raises(ss.UnstableSystemError, match="utilization must be < 1"):
        ss.analytic.erlang_c(2, arrival_rate=5.0, service_rate=2.0)


# -- generated scenarios: any server kind, phase, distribution and workload -------------------
# Each either simulates, with the result's invariants holding, or raises ScenarioError; never
# another exception, never a hang (a bounded number of events), never unbounded memory.

MAX_REQUESTS = 20_000  # per replication: the generator keeps rate x duration under it


def durations(max_ms: float) -> st.SearchStrategy[Any]:
    """Phase and think times as the file writes them, degenerate ones included
    (zero, a nanosecond, point masses at zero)."""
    ms = st.floats(min_value=0.0, max_value=max_ms)
    return st.one_of(
        ms.map(lambda v: f"{v}ms"),
        st.sampled_from(["0s", "1ns", 0]),
        st.builds(lambda m: {"dist": "exponential", "mean": f"{m}ms"}, st.floats(0.001, max_ms)),
        st.builds(lambda lo, span: {"dist": "uniform", "low": f"{lo}ms", "high": f"{lo + span}ms"}, ms, ms),
        st.builds(lambda m, cv: {"dist": "lognormal", "mean": f"{m}ms", "cv": cv},
                  st.floats(0.001, max_ms), st.floats(0.1, 3.0)),
        st.lists(st.sampled_from([0.0, 1e-300, 0.001, 0.01]), min_size=1, max_size=4).map(
            lambda samples: {"dist": "empirical", "samples": samples}),
    )


PHASE_KINDS = ["cpu", "cpu_nogil", "io", "blocking_io"]


@st.composite
def generated_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["gunicorn-sync", "gunicorn-gthread", "gunicorn-gevent", "uvicorn", "hypercorn",
                                 "granian", "gunicorn-uvicorn"]))
    server: dict[str, Any] = {"host": "app", "kind": kind, "workers": draw(st.integers(1, 3)),
                              "framework": draw(st.sampled_from(["none", "flask", "fastapi"]))}
    if kind == "gunicorn-gthread":
        server["threads"] = draw(st.integers(1, 4))
    if kind == "uvicorn" and draw(st.booleans()):
        server["limit_concurrency"] = draw(st.integers(1, 50))
    if kind in ("gunicorn-sync", "gunicorn-uvicorn") and draw(st.booleans()):
        server["timeout"] = draw(st.sampled_from(["1ns", "1ms", "50ms", "30s"]))
        server["boot_time"] = draw(st.sampled_from([0, "1ms", "1s"]))
    phases = draw(st.lists(st.builds(lambda k, d: {k: d}, st.sampled_from(PHASE_KINDS), durations(30.0)),
                           min_size=1, max_size=3))
    workload: dict[str, Any]
    duration = draw(st.floats(1.0, 20.0))
    if draw(st.booleans()):
        rate = draw(st.floats(1.0, 5000.0))
        duration = min(duration, MAX_REQUESTS / rate)
        workload = {"open": {"rate": rate}}
    else:
        users = draw(st.integers(1, 30))
        think_ms = draw(st.floats(1.0, 100.0))  # a cycle of >= 1 ms: at most users x 1000 req/s
        duration = min(duration, MAX_REQUESTS * think_ms / 1000 / users)
        workload = {"closed": {"users": users, "think_time": {"dist": "exponential", "mean": f"{think_ms}ms"}}}
    if draw(st.booleans()):
        workload["client_timeout"] = draw(st.sampled_from(["1ms", "20ms", "1s"]))
        workload["retries"] = {"max_attempts": draw(st.integers(1, 3)), "backoff": draw(st.sampled_from([0, "5ms"]))}
    return {"name": "generated", "hosts": {"app": {"cores": draw(st.integers(1, 4))}},
            "servers": {"web": server}, "endpoints": {"e": {"phases": phases}},
            "workload": workload,
            "run": {"duration": duration, "replications": 2, "seed": draw(seeds)}}


def check_generated_result(result: ss.Result, data: dict[str, Any]) -> None:
    for estimate in [*result.cpu_utilization.values(), *result.worker_busy.values(), *result.gil_busy.values()]:
        assert estimate.value is None or -1e-9 <= estimate.value <= 1.0 + 1e-9
    assert sum(result.errors.values()) == result.to_dict()["errors"]["total"]
    for replication in result.to_dict()["replications"]:
        errors = replication["errors"]
        assert errors["total"] == sum(count for kind, count in errors.items() if kind != "total")
        latency = replication["latency"]
        ordered = [latency[key] for key in ("p50", "p90", "p95", "p99", "p999")]
        if None in ordered:  # a replication that completed nothing has no percentiles at all
            assert set(ordered) == {None}
        else:
            assert ordered == sorted(ordered)
        # No hang: events bounded by the requests the generator allows, each a few dozen events
        # (phases, GIL switches, timers, retries).
        assert replication["events"] <= 200 * MAX_REQUESTS
    stability = result.stability
    assert stability is not None
    if (stability.stable and result.completed > 2_000 and not result.retries
            and result.latency.mean * 100 < data["run"]["duration"]):
        # Little's law within the error of requests in flight at the window's edges (~ W / T).
        assert result.little.relative_error < 0.1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=generated_scenarios())
def test_generated_scenarios_simulate_or_raise_scenario_error(data: dict[str, Any]) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.monotonic()
    try:
        scenario = ss.Scenario.from_dict(data)
        result = ss.simulate(scenario, threads=2)
    except ss.ScenarioError as error:
        assert error.path  # names the field
    else:
        check_generated_result(result, data)
    assert time.monotonic() - start < 60
    # Bounded memory: a few thousand requests in flight at most (ru_maxrss is in KiB).
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 256 * 1024
