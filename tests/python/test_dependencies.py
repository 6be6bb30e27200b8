"""Databases, connection pools, downstream services and caches from Python: results
checked against closed forms (Erlang C, a saturated bottleneck, a binomial error
fraction, a cache's mixture), the frames and summary that report them, and the
messages for bad input."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]


def erlang_c(servers: int, load: float) -> float:
    """P(wait) in an M/M/c queue (Kleinrock, Queueing Systems I, 3.5)."""
    top = load ** servers / math.factorial(servers) * servers / (servers - load)
    return top / (sum(load ** k / math.factorial(k) for k in range(servers)) + top)


def with_dependencies(phases: list[dict[str, Any]], *, kind: str = "uvicorn", rate: float = 100.0,
                      databases: dict[str, Any] | None = None,
                      services: dict[str, Any] | None = None, **run: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "deps",
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": kind, "framework": "none",
                            **({"threads": 64} if kind == "gunicorn-gthread" else {})}},
        "endpoints": {"work": {"phases": phases}},
        "workload": {"open": {"rate": rate}},
        "run": {"duration": "200s", "warmup": "10s", "replications": 4, "seed": 9, **run},
    }
    if databases:
        data["databases"] = databases
    if services:
        data["services"] = services
    return data


def test_a_pool_in_front_of_a_fast_database_waits_as_erlang_c() -> None:
    # Pool of 3 (no overflow), a database with 6 connections that never
    # queues, exponential 10 ms queries at 240/s: M/M/3 at a = 2.4.
    # 4 x 190 s x 240/s = 182 k checkouts: P(wait) within about 1 %.
    data = with_dependencies(
        [{"db": "pg"}], kind="gunicorn-gthread", rate=240.0,
        databases={"pg": {"connections": 6, "query_time": {"dist": "exponential", "mean": "10ms"},
                          "pool": {"size": 3, "max_overflow": 0}}})
    result = ss.simulate(ss.Scenario.from_dict(data))
    p_wait = erlang_c(3, 2.4)
    frame = result.databases_frame().set_index("database")
    assert frame.loc["pg", "pool_wait_fraction"] == pytest.approx(p_wait, rel=0.03)
    assert result.mean_pool_wait["pg"].value == pytest.approx(p_wait / (300 - 240), rel=0.05)
    assert result.database_utilization["pg"].value == pytest.approx(2.4 / 6, rel=0.02)
    assert frame.loc["pg", "mean_queue_length"] == 0.0
    assert frame.loc["pg", "pool_timeouts"] == 0
    assert frame.loc["pg", "queries"] == result.completed


def test_a_saturated_database_bounds_throughput_and_fills_its_queue() -> None:
    # 30 users without think time, a database of 2 connections and 10 ms
    # queries: it completes 200 queries/s, and by Little's law a request
    # takes 30 / 200 s = 150 ms.
    data = with_dependencies([{"db": "pg"}], databases={"pg": {"connections": 2, "query_time": "10ms"}})
    data["workload"] = {"closed": {"users": 30}}
    result = ss.simulate(ss.Scenario.from_dict(data))
    assert result.throughput == pytest.approx(200.0, rel=0.01)
    assert result.latency.mean == pytest.approx(0.150, rel=0.01)
    assert result.database_utilization["pg"].value == pytest.approx(1.0, abs=1e-3)
    assert "database busy pg" in result.summary()
    assert "database_utilization_pg" in result.to_frame().columns


def test_downstream_errors_are_a_binomial_fraction() -> None:
    # Each call fails with probability 0.05: about 76 k requests, so the
    # fraction is within 4 binomial standard errors (0.0032) of 0.05.
    data = with_dependencies([{"call": "payments"}],
                             services={"payments": {"latency": "20ms", "error_rate": 0.05}})
    result = ss.simulate(ss.Scenario.from_dict(data))
    attempts = result.completed + sum(result.errors.values())
    fraction = result.errors["downstream"] / attempts
    assert abs(fraction - 0.05) <= 4 * math.sqrt(0.05 * 0.95 / attempts)
    services = result.services_frame().set_index("service")
    assert services.loc["payments", "errors"] == result.errors["downstream"]
    # Uncapped: calls in progress = rate x latency (Little), none waiting.
    assert result.service_in_use["payments"].value == pytest.approx(100 * 0.020, rel=0.02)
    assert services.loc["payments", "mean_queue_length"] == 0.0
    assert result.ci("service_in_use.payments").samples == 4


def test_a_cache_splits_latency_as_its_mixture() -> None:
    # Hits 2 ms, misses 30 ms, hit ratio 0.75, no queueing: mean
    # 0.75 x 2 + 0.25 x 30 = 9 ms, median 2 ms, p90 30 ms.
    data = with_dependencies([{"cache": {"hit_ratio": 0.75, "hit": [{"io": "2ms"}],
                                         "miss": [{"io": "30ms"}]}}])
    result = ss.simulate(ss.Scenario.from_dict(data))
    assert result.latency.mean == pytest.approx(0.009, rel=0.02)
    assert result.latency.p50 == pytest.approx(0.002, rel=0.005)
    assert result.latency.p90 == pytest.approx(0.030, rel=0.005)


def test_same_seed_same_dependency_results() -> None:
    data = with_dependencies(
        [{"cache": {"hit_ratio": 0.5, "miss": [{"db": "pg"}]}}, {"call": "payments"}], rate=150.0,
        databases={"pg": {"connections": 1, "query_time": {"dist": "exponential", "mean": "5ms"},
                          "pool": {"size": 1, "max_overflow": 0, "timeout": "10ms"}}},
        services={"payments": {"latency": {"dist": "exponential", "mean": "10ms"}, "concurrency": 2,
                               "error_rate": 0.1}},
        duration="30s", warmup="0s")
    scenario = ss.Scenario.from_dict(data)
    assert scenario.databases == ["pg"] and scenario.services == ["payments"]
    first = ss.simulate(scenario, threads=1)
    again = ss.simulate(scenario, threads=3)
    assert first == again
    assert first.errors["pool_timeout"] > 0 and first.errors["downstream"] > 0


BASE_DATABASES = {"pg": {"pool": {"size": 2}}}
BASE_SERVICES = {"payments": {"latency": "50ms"}}


@pytest.mark.parametrize(("phases", "databases", "path", "fragment"), [
    ([{"db": "mysql"}], BASE_DATABASES, "endpoints.work.phases[0].db",
     "no database named 'mysql' (known: pg)"),
    ([{"db": "pg"}], {"pg": {"pool": {"size": 0}}}, "databases.pg.pool.size",
     "must be an integer >= 1, got 0"),
    ([{"cache": {"hit_ratio": 1.2, "hit": [{"io": "1ms"}]}}], BASE_DATABASES,
     "endpoints.work.phases[0].cache.hit_ratio", "must be a probability in [0, 1], got 1.2"),
    ([{"call": "payment"}], BASE_DATABASES, "endpoints.work.phases[0].call",
     "no service named 'payment'; did you mean 'payments'?"),
    ([{"cache": {"hit_ratio": 0.5, "miss": [{"call": "billing"}]}}], BASE_DATABASES,
     "endpoints.work.phases[0].cache.miss[0].call", "no service named 'billing'"),
])
def test_bad_dependencies_name_the_field(phases: list[dict[str, Any]], databases: dict[str, Any],
                                         path: str, fragment: str) -> None:
    data = with_dependencies(phases, databases=databases, services=BASE_SERVICES)
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(data)
    assert caught.value.path == path
    assert fragment in caught.value.detail


def test_the_drivers_example_finds_the_pool_that_binds() -> None:
    # scenarios/db-drivers.yaml: the same endpoint and load three ways. Each
    # process needs 3.75 connections on average (125 req/s x 30 ms): asyncpg's
    # 10 per loop hardly wait (Erlang C(10, 3.75) 0.6 %), psycopg_pool's 4 per
    # process mostly do (C(4, 3.75) 0.87 in M/M/4; lognormal queries), and a
    # Gunicorn sync worker's SQLAlchemy pool never waits (one request at a time).
    result = ss.simulate(ss.Scenario.from_yaml(REPO_ROOT / "scenarios" / "db-drivers.yaml"))
    pools = result.databases_frame().set_index("database")
    assert pools.loc["pg-asyncpg", "pool_wait_fraction"] < 0.01
    assert pools.loc["pg-psycopg", "pool_wait_fraction"] > 0.5
    assert pools.loc["pg-sqlalchemy", "pool_wait_fraction"] == 0.0
    # Every setup sends the same queries: 250/s x 30 ms on 20 connections.
    for database in pools.index:
        assert pools.loc[database, "utilization"] == pytest.approx(250 * 0.030 / 20, rel=0.05)
    latency = result.endpoints_frame().set_index("endpoint")["latency_mean_s"]
    assert latency["orders-async"] < 0.7 * latency["orders-flask"]
    assert latency["orders-async"] < 0.7 * latency["orders-def"]
    assert sum(result.errors.values()) == 0


def test_a_driver_that_does_not_fit_the_endpoint_is_an_error() -> None:
    # asyncpg must be awaited: a def endpoint on Uvicorn runs in the thread pool.
    data = with_dependencies([{"db": "pg"}], databases={"pg": {"pool": {"driver": "asyncpg"}}})
    data["endpoints"]["work"]["style"] = "sync"
    with pytest.raises(ss.ScenarioError, match=r"endpoints\.work\.phases\[0\]\.db: database 'pg' uses driver "
                                               r"asyncpg, which must be awaited"):
        ss.Scenario.from_dict(data)
    data["endpoints"]["work"]["style"] = "async"
    ss.Scenario.from_dict(data)  # an async def awaits it
