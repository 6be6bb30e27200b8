"""The native engine through ss.simulate: queueing-theory oracles, determinism, options."""

from __future__ import annotations

import math
import threading
import time
from pathlib import Path

import pytest
import servesim as ss


def mmc_mean_response(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean response time W of an M/M/c queue (Erlang C), seconds.

    P(wait) = [a^c / c! / (1 - rho)] / [sum_{k<c} a^k / k! + a^c / c! / (1 - rho)]
    with a = lambda / mu and rho = a / c; W = P(wait) / (c mu - lambda) + 1 / mu.
    """
    offered = arrival_rate / service_rate
    rho = offered / servers
    assert rho < 1
    tail = offered**servers / math.factorial(servers) / (1 - rho)
    head = sum(offered**k / math.factorial(k) for k in range(servers))
    p_wait = tail / (head + tail)
    return p_wait / (servers * service_rate - arrival_rate) + 1 / service_rate


@pytest.fixture(scope="module")
def mm2_result(two_sync_path: Path) -> ss.Result:
    # 8 replications of 600 s (570 s measured) instead of the file's 4 x 2000 s.
    scenario = ss.Scenario.from_yaml(two_sync_path).replace(
        run={"duration": 600, "warmup": 30, "replications": 8})
    return ss.simulate(scenario)


def test_mm2_mean_response_matches_erlang_c(mm2_result: ss.Result) -> None:
    # M/M/2, lambda = 160/s, mu = 100/s: a = 1.6, rho = 0.8, P(wait) = 0.7111,
    # W = 0.7111 / 40 + 0.01 = 27.78 ms (Erlang C, e.g. Kleinrock vol. 1, sec. 3.5).
    expected = mmc_mean_response(160.0, 100.0, 2)
    assert expected == pytest.approx(0.0277778, rel=1e-5)
    # Tolerance from the run length: the relative asymptotic variance of the mean
    # response estimate of an M/M/1 at rho = 0.8 is 2(1+rho)/(rho(1-rho)^2) = 112.5
    # service times (Whitt 1989); M/M/2 relaxes faster, so M/M/1 with mu = 200/s
    # bounds it. 8 x 570 s gives 912,000 service times: relative sd
    # sqrt(112.5 / 912000) = 1.1 % (measured over 60 seeds: 1.0 %). 4 % is ~4 sigma.
    assert mm2_result.latency.mean == pytest.approx(expected, rel=0.04)


def test_mm2_throughput_and_utilizations(mm2_result: ss.Result) -> None:
    # Stable queue: throughput = lambda = 160 req/s; Poisson counts over 8 x 570 s
    # have relative sd 1/sqrt(729600) = 0.12 %, so 1 % is ample.
    assert mm2_result.throughput == pytest.approx(160.0, rel=0.01)
    # Busy fraction of the 2 workers = rho = lambda / (c mu) = 0.8; CPU = 1.6 busy
    # cores of 4 = 0.4. Both are time averages of a 0/1 process with a relaxation
    # time of a few service times: sd well below 1 %, tolerance 3 %.
    assert mm2_result.worker_busy["web"].value == pytest.approx(0.8, rel=0.03)
    assert mm2_result.cpu_utilization["app"].value == pytest.approx(0.4, rel=0.03)
    assert mm2_result.errors == {"client_timeout": 0, "refused": 0, "unavailable": 0, "worker_killed": 0,
                                 "pool_timeout": 0, "downstream": 0, "out_of_memory": 0}
    assert mm2_result.error_rate == 0.0


def test_mm2_littles_law(mm2_result: ss.Result) -> None:
    # L = lambda W holds exactly up to requests in flight at the window edges:
    # ~4 requests x 28 ms over 570 s, a relative error of ~1e-4.
    assert mm2_result.little.relative_error < 0.01
    assert mm2_result.little.mean_in_system == pytest.approx(
        mm2_result.throughput * mm2_result.latency.mean, rel=0.01)


def test_confidence_intervals_come_from_the_replications(mm2_result: ss.Result) -> None:
    estimate = mm2_result.throughput_ci
    assert estimate.samples == 8
    assert 0 < estimate.half_width < 0.05 * estimate.value
    assert estimate.lower < estimate.value < estimate.upper
    frame = mm2_result.to_frame()
    assert estimate.value == pytest.approx(frame["throughput_rps"].mean(), rel=1e-12)
    # 95 % Student-t half-width with 7 degrees of freedom: t = 2.3646.
    expected = 2.3646 * frame["throughput_rps"].std(ddof=1) / math.sqrt(8)
    assert estimate.half_width == pytest.approx(expected, rel=1e-3)
    assert mm2_result.ci("latency.p99") == mm2_result.latency_ci["p99"]


def test_same_seed_gives_identical_results(small_dict: dict) -> None:
    scenario = ss.Scenario.from_dict(small_dict)
    first = ss.simulate(scenario, seed=42, replications=3)
    second = ss.simulate(scenario, seed=42, replications=3)
    assert first.to_dict() == second.to_dict()
    other = ss.simulate(scenario, seed=43, replications=3)
    assert other.to_dict() != first.to_dict()


def test_results_do_not_depend_on_the_thread_count(small_dict: dict) -> None:
    scenario = ss.Scenario.from_dict(small_dict)
    results = [ss.simulate(scenario, replications=5, threads=threads).to_dict()
               for threads in (1, 2, 3, 0)]
    assert all(result == results[0] for result in results[1:])


def test_overrides_replace_the_run_settings(small_dict: dict) -> None:
    result = ss.simulate(ss.Scenario.from_dict(small_dict), seed=9, replications=3)
    assert result.seed == 9
    assert result.replications == 3
    assert len(result.to_frame()) == 3


def test_simulate_accepts_a_path_and_a_dict(small_file: Path, small_dict: dict) -> None:
    assert ss.simulate(small_file).scenario == "small"
    assert ss.simulate(small_dict).scenario == "small"


@pytest.mark.parametrize(("options", "error"), [
    ({"seed": -1}, ValueError),
    ({"seed": 2**64}, ValueError),
    ({"seed": 1.5}, TypeError),
    ({"replications": 0}, ValueError),
    ({"threads": -1}, ValueError),
])
def test_bad_options_are_rejected(small_dict: dict, options: dict, error: type) -> None:
    with pytest.raises(error):
        ss.simulate(small_dict, **options)


def test_options_are_keyword_only(small_dict: dict) -> None:
    with pytest.raises(TypeError):
        ss.simulate(small_dict, 1)  # type: ignore[misc]


def test_the_gil_is_released_while_simulating(make_scenario) -> None:
    # One long replication on one thread (~3 M requests, about half a second).
    # This thread ticks every millisecond; had the engine kept the GIL, no tick
    # could fall inside the simulation's wall-clock window.
    scenario = ss.Scenario.from_dict(make_scenario(rate=150, duration_s=20000, warmup_s=0))
    window: dict[str, float] = {}

    def run() -> None:
        window["start"] = time.perf_counter()
        ss.simulate(scenario, threads=1)
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=run)
    ticks: list[float] = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    elapsed = window["end"] - window["start"]
    if elapsed < 0.1:
        pytest.skip(f"the simulation took only {elapsed:.3f} s: too short to observe")
    inside = [tick for tick in ticks if window["start"] < tick < window["end"]]
    assert len(inside) > 20


def test_progress_callback_sees_the_run_finish(small_dict: dict) -> None:
    seen: list[float] = []
    ss.simulate(small_dict, replications=3, progress=seen.append)
    assert len(seen) >= 3 * 100  # an interval end per 1 % of each replication
    assert seen == sorted(seen)
    assert 0 < seen[0] and seen[-1] == pytest.approx(1.0)


def test_an_exception_in_the_progress_callback_cancels_the_run(make_scenario) -> None:
    # 10^7 simulated seconds at 100 req/s would take minutes; the first report,
    # after the first 100 s interval, stops it.
    long_run = make_scenario(duration_s=1e7, warmup_s=0, replications=2)
    long_run["run"]["interval"] = 100.0

    def cancel(fraction: float) -> None:
        raise RuntimeError(f"cancelled at {fraction:.2%}")

    started = time.perf_counter()
    with pytest.raises(RuntimeError, match="cancelled at"):
        ss.simulate(long_run, progress=cancel)
    assert time.perf_counter() - started < 30


def test_progress_true_draws_a_bar_on_stderr(small_dict: dict, capsys) -> None:
    ss.simulate(small_dict, progress=True)
    assert "100%" in capsys.readouterr().err


def test_progress_must_be_a_bool_or_callable(small_dict: dict) -> None:
    with pytest.raises(TypeError, match="progress must be a bool or a callable"):
        ss.simulate(small_dict, progress="yes")
