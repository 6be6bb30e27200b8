"""Load balancers from Python: how each policy splits requests, what the network
through a balancer adds to latency, how results report the split, and the errors
of a badly wired balancer. Each test says what it compares with."""
from __future__ import annotations

import json
import statistics
from typing import Any

import pytest

import servesim as ss


def farm(policy: str, *, speeds: tuple[float, ...] = (1.0, 1.0, 1.0), rate: float = 150.0,
         duration: float = 60.0, replications: int = 4, **balancer: Any) -> dict[str, Any]:
    """One single-worker sync server per speed, each on its own one-core host,
    behind balancer ``lb``; 10 ms of exponential CPU per request."""
    names = [f"web{i}" for i in range(len(speeds))]
    return {
        "name": "farm",
        "hosts": {f"host{i}": {"cores": 1, "speed": speed} for i, speed in enumerate(speeds)},
        "servers": {name: {"host": f"host{i}", "framework": "none"} for i, name in enumerate(names)},
        "balancers": {"lb": {"servers": names, "policy": policy, **balancer}},
        "endpoints": {"work": {"server": "lb", "phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
        "workload": {"open": {"rate": rate}},
        "run": {"duration": duration, "warmup": duration / 10, "replications": replications, "seed": 5},
    }


def test_round_robin_splits_exactly_evenly_and_results_show_the_split() -> None:
    # Every third request to each server: counts within one of each other in
    # every replication, a third each.
    result = ss.simulate(farm("round_robin"))
    frame = result.to_frame()
    for _, row in frame.iterrows():
        sent = [row[f"sent_lb_web{i}"] for i in range(3)]
        assert max(sent) - min(sent) <= 1
    shares = result.balancer_share["lb"]
    assert list(shares) == ["web0", "web1", "web2"]
    assert all(share.value == pytest.approx(1 / 3, abs=1e-3) for share in shares.values())
    assert result.ci("balancer_share.lb.web1") == shares["web1"]

    table = result.balancers_frame()
    assert list(table.columns) == ["balancer", "server", "sent", "share", "share_ci"]
    assert table.sent.sum() == frame[[f"sent_lb_web{i}" for i in range(3)]].to_numpy().sum()
    assert "share lb -> web2" in result.summary()
    document = json.loads(result.to_json())
    assert document["balancers"][0]["servers"][0]["name"] == "web0"
    assert document["replications"][0]["balancers"][0]["name"] == "lb"


def test_random_split_varies_binomially_across_replications() -> None:
    # Each request picks one of 2 servers with probability 1/2, so the share
    # web0 gets of n requests has variance 1/(4n). Over 40 replications the
    # sample variance over 1/(4n) is chi-squared(39)/39: mean 1, SD 0.23; 4 SDs
    # allow 0.1 to 1.9, which rules out an evened-out split (round robin: 0)
    # and a clumped one.
    result = ss.simulate(farm("random", speeds=(1.0, 1.0), rate=100.0, duration=20.0, replications=40))
    frame = result.to_frame()
    totals = frame.sent_lb_web0 + frame.sent_lb_web1
    shares = frame.sent_lb_web0 / totals
    ratio = statistics.variance(shares) / statistics.mean(1 / (4 * totals))
    assert 0.1 < ratio < 1.9
    assert abs(statistics.mean(shares) - 0.5) < 4 * (1 / (4 * totals.mean() * 40)) ** 0.5


def test_adaptive_policies_beat_round_robin_on_p99_with_a_slow_host() -> None:
    # One of three hosts runs at half speed; round robin still sends it a
    # third (rho 0.8 there), least connections and the power of two choices
    # send it less. The 95 % intervals of p99 do not overlap.
    p99 = {policy: ss.simulate(farm(policy, speeds=(1.0, 1.0, 0.5), rate=120.0, duration=200.0,
                                    replications=6)).latency_ci["p99"]
           for policy in ("round_robin", "least_connections", "power_of_two")}
    assert p99["least_connections"].upper < p99["round_robin"].lower
    assert p99["power_of_two"].upper < p99["round_robin"].lower


def test_network_adds_rtt_and_transfer_times_exactly() -> None:
    # An awaited 20 ms on uvicorn never queues; through a balancer with a
    # 4 ms round trip and 8 Mbit/s, 1,000 bytes up (1 ms) and 10,000 down
    # (10 ms) make every latency 35 ms.
    scenario = ss.Scenario.from_text("""
hosts: {app: {cores: 1}}
servers: {api: {kind: uvicorn, framework: none}}
balancers: {lb: {servers: [api], rtt: 4ms, bandwidth_mbps: 8}}
endpoints:
  orders: {server: lb, request_bytes: 1000, response_bytes: 10000, phases: [{io: 20ms}]}
workload: {open: {rate: 50}}
run: {duration: 60s, warmup: 1s, replications: 2}
""")
    result = ss.simulate(scenario)
    assert result.latency.mean == pytest.approx(0.035, rel=1e-9)
    assert result.latency.max == pytest.approx(0.035, rel=0.004)
    assert result.little.mean_response == pytest.approx(0.020, rel=1e-6)


def test_same_result_on_any_thread_count() -> None:
    scenario = ss.Scenario.from_dict(farm("power_of_two", duration=20.0, replications=3, rtt="2ms"))
    assert ss.simulate(scenario, threads=1) == ss.simulate(scenario, threads=3)


@pytest.mark.parametrize(("change", "path", "fragment"), [
    ({"balancers": {"lb": {"servers": ["web0", "web9"]}}}, "balancers.lb.servers[1]", "no server named 'web9'"),
    ({"servers": {"web1": {"host": "host7"}}}, "servers.web1.host", "no host named 'host7'"),
    ({"balancers": {"lb": {"servers": []}}}, "balancers.lb.servers", "at least one server"),
    ({"balancers": {"lb": {"policy": "weighted"}}}, "balancers.lb.policy", "unknown policy 'weighted'"),
    ({"balancers": {"lb": {"rtt": "-1ms"}}}, "balancers.lb.rtt", ""),
    ({"endpoints": {"work": {"response_bytes": -5}}}, "endpoints.work.response_bytes", ""),
])
def test_a_badly_wired_balancer_is_named(change: dict[str, Any], path: str, fragment: str) -> None:
    base = ss.Scenario.from_dict(farm("least_connections"))
    with pytest.raises(ss.ScenarioError) as caught:
        base.replace(**change)
    assert caught.value.path == path
    assert fragment in caught.value.detail
