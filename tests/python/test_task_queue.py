"""Task queues (brokers: and task_workers:, Celery/RQ) from Python: the records a run
reports, the pool against Erlang C, and errors that name the field."""

from __future__ import annotations

import json
from typing import Any

import pytest

import servesim as ss


def offload(rate: float, wait: bool = False, **pool: Any) -> dict[str, Any]:
    """A Flask app whose one endpoint publishes a 100 ms (exponential, no CPU) task to 4
    Celery processes through an instant broker."""
    celery = {"host": "jobs", "concurrency": 4,
              "tasks": {"report": [{"io": {"dist": "exponential", "mean": "100ms"}}]}, **pool}
    return {
        "name": "offload",
        "hosts": {"app": {"cores": 2}, "jobs": {"cores": 4}},
        "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 32, "framework": "none"}},
        "brokers": {"redis": {"command_time": "0s"}},
        "task_workers": {"celery": celery},
        "endpoints": {"export": {"server": "web", "phases": [{"enqueue": {"task": "report", "wait": wait}}]}},
        "workload": {"open": {"rate": rate}},
        "run": {"duration": "400s", "warmup": "20s", "replications": 4, "seed": 9},
    }


def test_a_pool_waits_as_erlang_c_and_reports_its_records() -> None:
    # 24 tasks/s on 4 workers of 10/s: rho = 0.6, M/M/4. 4 x 380 s give some 36,000
    # tasks; the mean wait's standard error is a few % of it, so 15 % is > 4 SE.
    result = ss.simulate(ss.Scenario.from_dict(offload(24.0)))
    exact = ss.analytic.mmc(24.0, 10.0, 4)
    pool = result.record.task_workers[0]
    assert pool.name == "celery"
    assert result.task_pool_utilization["celery"].value == pytest.approx(0.6, abs=0.02)
    assert pool.wait.mean.value == pytest.approx(exact.mean_wait, rel=0.15)
    assert pool.mean_queue_length.value == pytest.approx(exact.mean_queue_length, rel=0.15)
    assert pool.run.mean.value == pytest.approx(0.1, rel=0.03)
    assert pool.throughput.value == pytest.approx(24.0, rel=0.03)
    assert result.stability.stable
    assert result.record.brokers[0].messages > 0
    # wait: false answers once the broker has the task.
    assert result.latency.mean < 1e-3
    document = json.loads(result.to_json())
    assert document["task_workers"][0]["name"] == "celery"
    assert set(document["task_workers"][0]["wait"]) >= {"mean", "p50", "p99"}
    assert document["brokers"][0]["name"] == "redis"


def test_waiting_for_the_result_adds_the_wait_and_the_run_to_the_latency() -> None:
    result = ss.simulate(ss.Scenario.from_dict(offload(24.0, wait=True)))
    pool = result.record.task_workers[0]
    assert result.latency.mean == pytest.approx(pool.wait.mean.value + pool.run.mean.value, rel=0.02)


def test_an_overloaded_pool_is_unstable_at_its_concurrency() -> None:
    data = offload(50.0)
    data["run"] = {"duration": "200s", "warmup": "10s", "replications": 2, "seed": 3}
    result = ss.simulate(ss.Scenario.from_dict(data))
    assert not result.stability.stable
    assert result.stability.resource == "task_workers.celery.concurrency"
    assert result.record.task_workers[0].queue_growth.value == pytest.approx(10.0, rel=0.25)


@pytest.mark.parametrize(("change", "path", "fragment"), [
    (lambda d: d["endpoints"]["export"]["phases"][0]["enqueue"].update(task="reprot"),
     "endpoints.export.phases[0].enqueue.task", "no task named 'reprot'"),
    (lambda d: d["task_workers"]["celery"].update(broker="rabbit"),
     "task_workers.celery.broker", "no broker named 'rabbit'"),
    (lambda d: d["task_workers"]["celery"].update(concurrency=0),
     "task_workers.celery.concurrency", "must be an integer >= 1, got 0"),
    (lambda d: d["task_workers"]["celery"]["tasks"].update(report=[{"background": "1ms"}]),
     "task_workers.celery.tasks.report[0].background", "a task sends no response"),
    (lambda d: d["brokers"]["redis"].update(command_time="-1ms"),
     "brokers.redis.command_time", ">= 0"),
])
def test_bad_task_queues_name_the_field(change: Any, path: str, fragment: str) -> None:
    data = offload(10.0)
    change(data)
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(data)
    assert caught.value.path == path
    assert fragment in caught.value.detail
