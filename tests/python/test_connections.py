"""Long-lived connections (WebSockets, streaming responses) from Python: the example
chat's 10,000 connections, their memory, and the records and errors users see."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]
CHAT = REPO_ROOT / "scenarios" / "websocket-chat.yaml"
RECYCLING = REPO_ROOT / "scenarios" / "websocket-recycling.yaml"


def test_the_chat_example_holds_10000_connections_in_seconds() -> None:
    scenario = ss.Scenario.from_yaml(CHAT)
    start = time.perf_counter()
    result = ss.simulate(scenario.replace(run={"replications": 2}), threads=1)
    elapsed = time.perf_counter() - start
    assert elapsed < 10.0, f"{elapsed:.1f} s for 10,000 connections"
    assert result.connections_open["chat"].value == pytest.approx(10_000)
    # 10,000 x 0.05 msg/s: a Poisson count of 27,500 per replication (SE 0.6 %).
    assert result.message_rate["chat"].value == pytest.approx(500.0, rel=0.03)
    chat = result.record.connections[0]
    assert chat.server == "api" and chat.refused == 0
    # FastAPI's preset holds 64 KiB a connection; the host's memory counts it.
    assert chat.memory.value == pytest.approx(10_000 * 64 * 1024)
    host = result.record.hosts[0]
    assert host.memory - host.static_memory >= chat.memory.value
    # A message: 400 us of Python and a 2 ms await; its p99 waits behind others on the loop.
    assert 0.0024 < chat.message_latency.mean.value < 0.004
    assert result.message_p99["chat"].value > chat.message_latency.p50.value
    # The stream group: 2 responses a second of 40 chunks each, 80 chunks a second.
    assert result.message_rate["answers"].value == pytest.approx(80.0, rel=0.1)


def test_a_websocket_on_gthread_is_an_error_naming_the_field() -> None:
    data = {
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": "gunicorn-gthread", "threads": 8}},
        "endpoints": {"index": {"phases": [{"cpu": "1ms"}]}},
        "connections": {"chat": {"count": 10, "messages": 1, "phases": [{"cpu": "1ms"}]}},
        "workload": {"open": {"rate": 10}},
    }
    with pytest.raises(ss.ScenarioError) as error:
        ss.Scenario.from_dict(data)
    assert error.value.path == "connections.chat.server"
    assert "cannot run on gunicorn-gthread" in error.value.detail


def test_connection_records_are_in_the_json_document() -> None:
    scenario = ss.Scenario.from_dict({
        "hosts": {"app": {"cores": 1}},
        "servers": {"api": {"kind": "uvicorn", "limit_concurrency": 50}},
        "endpoints": {"health": {"phases": [{"cpu": "0s"}]}},
        "connections": {"chat": {"count": 80, "messages": 1, "phases": [{"cpu": "100us"}]}},
        "workload": {"open": {"rate": 1}},
        "run": {"duration": "10s", "seed": 3},
    })
    result = ss.simulate(scenario)
    group = result.to_dict()["connections"][0]
    assert group["name"] == "chat"
    assert group["opened"] == 50 and group["refused"] == 30
    assert group["mean_open"] == pytest.approx(50.0)
    assert set(ss.records.ConnectionSummary.fields) <= {key.removesuffix("_ci") for key in group}


def test_recycled_gevent_workers_holding_websockets_sit_out_their_graceful_timeout() -> None:
    # 4 gevent workers recycled every ~1,000 requests keep their WebSockets until
    # graceful_timeout kills them. At Gunicorn's 30 s the others take all the REST
    # load and retire sooner, until all four retire at once and the backlog refuses;
    # at 5 s the REST side is whole (200 req/s offered: 162,000 Poisson arrivals over
    # the 3 x 270 s measured, a 0.25 % SE) and connections drop about twice as often.
    scenario = ss.Scenario.from_yaml(RECYCLING)
    slow = ss.simulate(scenario.replace(servers={"api": {"graceful_timeout": "30s"}}), threads=1)
    fast = ss.simulate(scenario, threads=1)  # the file's 5 s
    for result in (slow, fast):
        chat = result.record.connections[0]
        assert result.errors["worker_killed"] == 0  # REST requests end long before the timeout
        assert chat.dropped > 0
        assert 0.85 * 2000 < chat.mean_open.value < 2000  # clients reconnect after 2 s
    assert slow.errors["refused"] > 0 and slow.record.throughput.value < 0.95 * 200
    assert fast.errors["refused"] == 0
    assert fast.record.throughput.value == pytest.approx(200.0, rel=0.01)
    assert fast.record.connections[0].dropped > 1.5 * slow.record.connections[0].dropped
