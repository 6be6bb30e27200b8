"""Plans and saturation under uncertainty: scenarios whose inputs are ranges
{low, mid, high, confidence}, checked against the plain answer (ranges collapsed),
independent re-sampling, and the closed form of an M/M/c pool."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

import servesim as ss

CPU_MEAN = "endpoints.work.phases[0].cpu.mean"


def pool(cpu_mean: object = "10ms", rate: object = 100, workers: int = 2) -> dict:
    """A sync pool of exponential CPU work: M/M/c with c = min(workers, cores)."""
    return {
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": workers, "framework": "none"}},
        "endpoints": {"work": {"phases": [{"cpu": {"dist": "exponential", "mean": cpu_mean}}]}},
        "workload": {"open": {"rate": rate}},
        "run": {"duration": 60, "warmup": 5, "seed": 3},
    }


QUESTION = {"target": {"rate": 300}, "slo": {"p99": "100ms"}, "cost": {"core": 1, "worker": 0.1},
            "space": {"hosts.app.cores": [1, 2, 4, 8], "servers.web.workers": range(1, 9)}}


def split_lognormal(low: float, mid: float, high: float, confidence: float, z: np.ndarray) -> np.ndarray:
    """The documented sampling distribution, written independently of the C++ one."""
    zc = NormalDist().inv_cdf((1 + confidence) / 2)
    return np.where(z >= 0, mid * np.exp(z * math.log(high / mid) / zc), mid * np.exp(z * math.log(mid / low) / zc))


def test_ranges_parse_into_mids_and_uncertain_inputs() -> None:
    s = ss.Scenario.from_dict(pool({"low": "5ms", "mid": "10ms", "high": "20ms"}))
    assert s.uncertain == [{"path": CPU_MEAN, "low": 0.005, "mid": 0.01, "high": 0.02, "confidence": 0.9}]


@pytest.mark.parametrize(("change", "path", "message"), [
    ({"cpu_mean": {"low": "20ms", "mid": "10ms", "high": "5ms"}}, CPU_MEAN, "low <= mid <= high, got low 0.02"),
    ({"rate": {"low": 80, "mid": 100, "high": 120, "confidence": 1.2}}, "workload.open.rate.confidence",
     "got '1.2'"),
])
def test_bad_ranges_name_the_path_and_value(change: dict, path: str, message: str) -> None:
    with pytest.raises(ss.ScenarioError, match=message) as raised:
        ss.Scenario.from_dict(pool(**change))
    assert raised.value.path == path


def test_a_range_on_a_non_numeric_field_is_rejected() -> None:
    data = pool()
    data["servers"]["web"]["kind"] = {"low": 1, "mid": 2, "high": 3}
    with pytest.raises(ss.ScenarioError, match="only rates and distribution parameters take a range") as raised:
        ss.Scenario.from_dict(data)
    assert raised.value.path == "servers.web.kind"


def test_collapsed_ranges_give_the_plain_plan_exactly() -> None:
    plain = ss.plan(pool(), **QUESTION)
    collapsed = ss.plan(pool({"low": "10ms", "mid": "10ms", "high": "10ms"},
                             {"low": 300, "mid": 300, "high": 300}), draws=20, **QUESTION)
    assert collapsed.draws == 20 and collapsed.draws_met == 20
    assert collapsed.settings == plain.settings
    assert collapsed.cost == plain.cost
    assert plain.result is not None and collapsed.result is not None
    assert collapsed.result.latency.p99 == plain.result.latency.p99
    assert list(collapsed.candidates["verdict"]) == list(plain.candidates["verdict"])
    assert collapsed.simulations == plain.simulations  # identical draws are simulated once


def test_the_plan_meets_the_slo_in_the_stated_share_of_fresh_draws() -> None:
    # CPU time known to a factor ~1.5 either way, traffic within +-10 % of the target.
    cpu = {"low": "7ms", "mid": "10ms", "high": "15ms", "confidence": 0.9}
    rate = {"low": 270, "mid": 300, "high": 330, "confidence": 0.9}
    planned = ss.plan(pool(cpu, rate), draws=20, confidence=0.9, **QUESTION)
    plain = ss.plan(pool(), **QUESTION)
    assert planned.feasible
    assert planned.draws_met >= 18
    assert planned.cost >= plain.cost  # uncertainty never makes the plan cheaper
    assert planned.risk_driver == CPU_MEAN  # the wider range moves p99 most
    assert list(planned.sensitivity["path"]) == [CPU_MEAN, "workload.open.rate"]

    # 60 fresh scenarios, drawn here with numpy (not the planner's sampler), each
    # simulated on its own seed: the share meeting p99 <= 100 ms. If the plan's true
    # share were exactly 0.9 the count would have a binomial sd of sqrt(60 * 0.09) = 2.3;
    # 3 sd below 54 is 47.
    z = np.random.default_rng(2024).standard_normal((60, 2))
    cpus = split_lognormal(0.007, 0.010, 0.015, 0.9, z[:, 0])
    rates = split_lognormal(270, 300, 330, 0.9, z[:, 1])
    met = 0
    for i, (c, r) in enumerate(zip(cpus, rates)):
        drawn = ss.with_overrides(planned.scenario, {CPU_MEAN: float(c), "workload.open.rate": float(r)})
        result = ss.simulate(drawn, replications=1, seed=1000 + i)
        met += result.latency.p99 <= 0.1 and result.throughput >= 0.95 * r
    assert met >= 47


def test_saturation_spread_over_a_rate_range_is_c_over_es_and_its_overload_chance() -> None:
    # M/M/2, E[S] = 10 ms: saturates at c / E[S] = 200 req/s whatever the offered rate,
    # and the offered rate exceeds it with probability P(rate > 200) under the range.
    rate = {"low": 150, "mid": 190, "high": 240, "confidence": 0.8}
    found = ss.find_saturation(pool(rate=rate), tolerance=0.05, draws=20, seed=5)
    assert found.spread is not None
    for q in (found.spread.q05, found.spread.q50, found.spread.q95):
        assert q == pytest.approx(200, rel=0.05)
    zc = NormalDist().inv_cdf(0.9)
    p_over = 1 - NormalDist().cdf(math.log(200 / 190) / (math.log(240 / 190) / zc))
    # 20 Latin-hypercube draws (strata of 5 %) and an answer within 5 % of 200.
    assert found.spread.overload_probability == pytest.approx(p_over, abs=0.12)
    assert len(found.spread.draws) == 20


def test_saturation_spread_over_a_service_time_range_follows_c_over_s() -> None:
    # With a 90 % range [8, 12.5] ms on E[S], each draw saturates at 2 / E[S]_d and the
    # answer's 5 % / 50 % / 95 % quantiles are 2 / 12.5 ms, 2 / 10 ms, 2 / 8 ms.
    cpu = {"low": "8ms", "mid": "10ms", "high": "12.5ms", "confidence": 0.9}
    found = ss.find_saturation(pool(cpu), tolerance=0.05, draws=20, seed=5)
    assert found.spread is not None
    draws = found.spread.draws
    for s, load in zip(draws[CPU_MEAN], draws["load"]):
        assert load == pytest.approx(2 / s, rel=0.06)
    assert found.spread.q50 == pytest.approx(200, rel=0.06)
    # Quantiles of 20 draws at the tails interpolate between strata 5 % wide: 10 %.
    assert found.spread.q05 == pytest.approx(160, rel=0.1)
    assert found.spread.q95 == pytest.approx(250, rel=0.1)
