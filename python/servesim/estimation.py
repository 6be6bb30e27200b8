"""Analytic estimates of scenarios: the shape of a simulation result, from queueing theory."""

from __future__ import annotations

from typing import Any

from servesim import _core
from servesim.result import Result
from servesim.simulation import ScenarioLike, _as_scenario

__all__ = ["estimate"]


def estimate(scenario: ScenarioLike) -> Result:
    """Estimates a scenario from queueing theory, in about a millisecond.

    The server's concurrency slots (sync workers, gthread threads, gevent
    connections, uvicorn's ``limit_concurrency``) sit in front of a product-form
    network of its CPU cores, GIL or event loop and I/O; exact MVA gives its
    service rate at each concurrency, and a birth–death chain with the accept
    backlog gives the rest (see docs/analytic.md). Exact for exponential work
    on a sync pool without CPU contention (M/M/c/K and M/M/c//N); an
    approximation, named in ``result.assumptions``, otherwise.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.

    Returns
    -------
    Result
        The same shape as :func:`simulate`'s, with ``is_estimate`` True, one
        "replication", no confidence intervals, ``model``, ``assumptions``,
        ``saturation_rate`` (req/s) and ``saturated`` (open workloads: the rate
        reaches the saturation rate; closed ones: always False, compare the users
        with N*, the estimate's saturation population). Throughput in req/s,
        latencies in seconds. :func:`find_saturation` finds the saturation point
        by simulation.

    Raises
    ------
    NotApplicableError
        Naming the field no model covers (several servers, uvicorn ``sync``
        endpoints, client timeouts shorter than the p99, ...): simulate instead.
    UnstableSystemError
        When an open workload exceeds what a server without a bounded queue serves.
    ScenarioError
        If the scenario is invalid.
    """
    model = _as_scenario(scenario)
    e = _core.analytic.estimate(model.core)
    latency = e["latency"]
    errors = {"refused": 0, "client_timeout": 0}
    errors[e["error_kind"]] = 0
    mean_response = latency["mean"]
    replication: dict[str, Any] = {
        "index": 0, "warmup": 0.0, "measured_duration": 0.0, "arrivals": 0, "completed": 0,
        "throughput": e["throughput"], "errors": {**errors, "total": 0}, "latency": latency,
        "little": {"mean_in_system": e["mean_in_system"], "throughput": e["throughput"],
                   "mean_response": mean_response, "relative_error": 0.0},
        "hosts": [{"name": e["host"], "cpu_utilization": e["cpu_utilization"]}],
        "servers": [{"name": e["server"], "worker_busy_fraction": e["worker_busy_fraction"],
                     "mean_queue_length": e["mean_queue_length"],
                     "queued_fraction": e["queued_fraction"]}],
    }
    data = {
        "scenario": e["scenario"], "seed": 0, "completed": 0,
        "throughput": e["throughput"], "errors": errors, "error_rate": e["error_rate"],
        "latency": latency, "hosts": replication["hosts"], "servers": replication["servers"],
        "little": replication["little"], "endpoints": [], "replications": [replication],
        "estimate": {key: e[key] for key in ("model", "assumptions", "saturated", "offered_rate",
                                             "saturation_rate", "saturation_population",
                                             "error_kind")},
    }
    return Result(data)
