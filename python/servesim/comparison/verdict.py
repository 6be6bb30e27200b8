"""What a comparison's runs mean: each run's busiest resource, and verdicts on
a claim such as "FastAPI is at least 3x faster than Flask".

Times are in seconds, rates in requests per second; busy values are fractions
of capacity in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from servesim.comparison.spec import LOOP_KINDS, Comparison
from servesim.result import Result

if TYPE_CHECKING:  # pandas is imported lazily, as in result.py
    import pandas as pd

#: A resource busier than this (a fraction of its capacity) counts as saturated.
SATURATION_THRESHOLD = 0.95
#: More errors than this fraction of requests also counts as saturated.
ERROR_RATE_THRESHOLD = 0.01

_ERROR_KINDS = ("refused", "client_timeout", "unavailable", "worker_killed", "out_of_memory")
# Errors that only phases reaching a dependency raise: a column each when the
# comparison has that kind of dependency.
_DATABASE_ERROR = "pool_timeout"
_SERVICE_ERROR = "downstream"
# Saturated resources shared through the comparison's databases, services and
# task pools (see saturated_resource): the verdicts name them.
_DEPENDENCY_RESOURCES = ("database ", "pool ", "service ", "task pool ")
#: The label of a run that turned long-lived connections away (no process had room).
CONNECTIONS_REFUSED = "connections"


def saturated_resource(kind: str, cpu: float, workers: float, gil: float, refused: int,
                       dependencies: Mapping[str, float] | None = None) -> str:
    """The resource that limits a run, or ``''`` when none is busier than the threshold.

    Cores first (nothing helps but more of them); then the databases,
    connection pools and services, in ``dependencies`` order (resource label ->
    busy fraction): a worker thread held by a query, or a request waiting for
    a connection, is busy because of the dependency, so a saturated
    dependency is the cause and busy workers the symptom. Then the event loop
    of a loop server, the GIL (threads of one process waiting for it), worker
    threads; a backlog that turned connections away with nothing else
    saturated last (a burst that filled it).

    Examples
    --------
    >>> saturated_resource("uvicorn", cpu=0.5, workers=0.99, gil=0.5, refused=0)
    'event loop'
    """
    if cpu >= SATURATION_THRESHOLD:
        return "cpu"
    for resource, busy in (dependencies or {}).items():
        if busy >= SATURATION_THRESHOLD:
            return resource
    if workers >= SATURATION_THRESHOLD and kind in LOOP_KINDS:
        return "event loop"
    if gil >= SATURATION_THRESHOLD:
        return "GIL"
    if workers >= SATURATION_THRESHOLD:
        return "workers"
    if refused > 0:
        return "backlog"
    return ""


def _dependency_columns(comparison: Comparison, result: Result) -> tuple[dict[str, Any], dict[str, float]]:
    """The frame's columns for the comparison's databases and services, and the
    busy fraction of each dependency resource, labelled as ``saturated`` names
    them, for :func:`saturated_resource`.

    A pool counts as busy in the share of checkouts that had to wait for a
    connection: with arrivals that see the time average, that is the share of
    time the pool had none left. A service without a concurrency cap never
    saturates.
    """
    columns: dict[str, Any] = {}
    databases_busy: dict[str, float] = {}
    pools_busy: dict[str, float] = {}
    services_busy: dict[str, float] = {}
    if comparison.databases:
        databases = result.databases_frame().set_index("database")
        for name in comparison.databases:
            row = databases.loc[name] if name in databases.index else None
            utilization = float(row["utilization"]) if row is not None else 0.0
            waited = float(row["pool_wait_fraction"]) if row is not None else 0.0
            columns[f"database_busy_{name}"] = utilization
            columns[f"pool_waited_{name}"] = waited
            columns[f"mean_pool_wait_s_{name}"] = float(row["mean_pool_wait_s"]) if row is not None else 0.0
            databases_busy[f"database {name}"] = utilization
            pools_busy[f"pool {name}"] = waited
    tasks_busy: dict[str, float] = {}
    for pool in result.record.task_workers:
        utilization = _value(pool.utilization.value)
        columns[f"task_pool_busy_{pool.name}"] = utilization
        columns[f"tasks_per_s_{pool.name}"] = _value(pool.throughput.value)
        columns[f"task_wait_p99_s_{pool.name}"] = _value(pool.wait.p99.value) if pool.completed else math.nan
        # A pool whose queue the engine found growing is saturated, however
        # busy its workers were measured (tasks published and never taken).
        stability = result.record.stability
        growing = not stability.stable and stability.resource == f"task_workers.{pool.name}.concurrency"
        tasks_busy[f"task pool {pool.name}"] = 1.0 if growing else utilization
    if comparison.services:
        services = result.services_frame().set_index("service")
        for name in comparison.services:
            in_use = float(services.loc[name, "mean_in_use"]) if name in services.index else 0.0
            capacity = comparison.service_capacity(name)
            columns[f"service_in_use_{name}"] = in_use
            columns[f"service_busy_{name}"] = math.nan if capacity is None else in_use / capacity
            if capacity is not None:
                services_busy[f"service {name}"] = in_use / capacity
    return columns, {**databases_busy, **pools_busy, **services_busy, **tasks_busy}


def _connection_columns(result: Result) -> dict[str, float]:
    """A run's long-lived connections, over its case's groups: the time-average
    open and the refused (summed over replications), messages handled per
    second, and the message latency's p50 and p99 (the slowest group's, in
    seconds; NaN without messages)."""
    groups = result.record.connections
    answered = [group for group in groups if group.messages > 0]
    return {
        "connections_open": sum(_value(group.mean_open.value) for group in groups),
        "connections_refused": sum(int(group.refused) for group in groups),
        "messages_per_s": sum(_value(group.message_rate.value) for group in groups),
        "message_p50_s": max((_value(group.message_latency.p50.value) for group in answered), default=math.nan),
        "message_p99_s": max((_value(group.message_latency.p99.value) for group in answered), default=math.nan),
    }


def _value(value: float | None) -> float:
    """A statistic's value, NaN where a run has no data for it."""
    return math.nan if value is None else value


def run_row(comparison: Comparison, run: tuple[str, int, str], result: Result) -> dict[str, Any]:
    """One row of :attr:`ComparisonResult.frame`: a run's numbers and its saturated resource."""
    case, users, deployment = run
    kind = comparison.kind(deployment)
    cpu = _value(result.cpu_utilization[comparison.host_of(deployment)].value)
    workers = _value(result.worker_busy[deployment].value)
    gil = _value(result.gil_busy[deployment].value)
    errors = result.errors
    answered = result.completed > 0
    latency = result.latency
    row: dict[str, Any] = {
        "case": case,
        "users": users,
        "deployment": deployment,
        "kind": kind,
        "throughput_rps": result.throughput,
        "throughput_ci_rps": result.throughput_ci.half_width,
        "latency_mean_s": latency.mean if answered else math.nan,
        "latency_p50_s": latency.p50 if answered else math.nan,
        "latency_p99_s": latency.p99 if answered else math.nan,
        "completed": result.completed,
        "error_rate": result.error_rate,
    }
    error_kinds = [*_ERROR_KINDS, *([_DATABASE_ERROR] if comparison.databases else []),
                   *([_SERVICE_ERROR] if comparison.services else [])]
    row.update({f"errors_{kind_}": int(errors.get(kind_, 0)) for kind_ in error_kinds})
    dependency_columns, dependency_busy = _dependency_columns(comparison, result)
    saturated = saturated_resource(kind, cpu, workers, gil, int(errors.get("refused", 0)), dependency_busy)
    if any(comparison.connection_groups(name) for name in comparison.cases):
        connections = _connection_columns(result)
        row.update(connections)
        # A counted population opens at t = 0, in the warm-up, so its refusals
        # are not in the measured window: fewer open than counted shows them.
        groups = comparison.scenario(deployment, case, users).to_dict().get("connections", {})
        counted = sum(int(group["count"]) for group in groups.values() if "count" in group)
        short = connections["connections_open"] < counted - 0.5
        # Connections turned away mean the server had no room for them: the
        # same rank as a backlog that refused requests.
        if (connections["connections_refused"] > 0 or short) and saturated in ("", "backlog"):
            saturated = CONNECTIONS_REFUSED
    row.update({"cpu_busy": cpu, "worker_busy": workers, "gil_busy": gil, **dependency_columns,
                "saturated": saturated})
    return row


def _ratio(numerator: float, denominator: float) -> float:
    if math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    if denominator == 0.0:
        return math.nan if numerator == 0.0 else math.inf
    return numerator / denominator


def verdict_text(speedup: float, *, factor: float, tolerance: float) -> str:
    """The verdict on "the challenger is ``factor`` x faster" for one speed-up
    (> 1: the challenger is faster; NaN: neither side answered).

    Examples
    --------
    >>> verdict_text(5.0, factor=3.0, tolerance=0.1)
    'holds'
    """
    if math.isnan(speedup):
        return "neither answers"
    if speedup >= factor:
        return "holds"
    if speedup >= 1.0 + tolerance:
        return f"faster but < {factor:g}x"
    if speedup <= 1.0 / (1.0 + tolerance):
        return "baseline faster"
    return "no real difference"


def dependency_note(bottlenecks: Mapping[str, str]) -> str:
    """`` (both limited by database pg)`` or `` (flask limited by pool pg)``: the
    sides (deployment -> saturated resource) limited by a database, a pool, a
    service or a task pool, which the verdict is then as much about as about
    the servers; empty when neither is.

    Examples
    --------
    >>> dependency_note({"flask": "task pool celery", "fastapi": "task pool celery"})
    ' (both limited by task pool celery)'
    """
    limited = {side: resource for side, resource in bottlenecks.items()
               if resource.startswith(_DEPENDENCY_RESOURCES)}
    if not limited:
        return ""
    if len(limited) == len(bottlenecks) and len(set(limited.values())) == 1:
        return f" (both limited by {next(iter(limited.values()))})"
    return " (" + "; ".join(f"{side} limited by {resource}" for side, resource in limited.items()) + ")"


def pairs(deployments: list[str], baseline: str | None, challenger: str | None) -> tuple[str, list[str]]:
    """The baseline and the challengers judged against it: by default the first
    deployment against every other one (with three or more deployments, each
    challenger gets its own rows), or the one ``challenger`` given.

    Raises
    ------
    KeyError
        For an unknown deployment.
    ValueError
        With fewer than two deployments, or the same one on both sides.
    """
    if len(deployments) < 2:
        raise ValueError("a verdict needs two deployments; the comparison has one")
    baseline = deployments[0] if baseline is None else baseline
    for name in (baseline, challenger):
        if name is not None and name not in deployments:
            raise KeyError(f"no deployment named {name!r} (known: {', '.join(deployments)})")
    if challenger is None:
        return baseline, [name for name in deployments if name != baseline]
    if baseline == challenger:
        raise ValueError(f"baseline and challenger are both {baseline!r}")
    return baseline, [challenger]


def verdict_frame(comparison: Comparison, frame: pd.DataFrame, baseline: str, challengers: list[str], *,
                  factor: float, tolerance: float) -> pd.DataFrame:
    """The rows of :meth:`ComparisonResult.verdicts`, one per case x users x challenger."""
    import pandas as pd

    if not (isinstance(factor, (int, float)) and factor > 1.0):
        raise ValueError(f"factor must be a number > 1, got {factor!r}")
    if not (isinstance(tolerance, (int, float)) and 0.0 <= tolerance < 1.0):
        raise ValueError(f"tolerance must be a number in [0, 1), got {tolerance!r}")
    indexed = frame.set_index(["case", "users", "deployment"])
    rows = []
    for case in comparison.cases:
        for users in comparison.users:
            base = indexed.loc[(case, users, baseline)]
            for challenger in challengers:
                chal = indexed.loc[(case, users, challenger)]
                saturated = [bool(side["saturated"]) or side["error_rate"] > ERROR_RATE_THRESHOLD
                             for side in (base, chal)]
                throughput_ratio = _ratio(chal["throughput_rps"], base["throughput_rps"])
                p50_ratio = _ratio(base["latency_p50_s"], chal["latency_p50_s"])
                basis = "throughput" if any(saturated) else "latency"
                speedup = throughput_ratio if basis == "throughput" else p50_ratio
                note = ""
                if comparison.connection_groups(case):
                    # A WebSocket server serves messages: judged on them, as
                    # requests are (messages/s where a side saturates, else the
                    # median message latency), with the connections each held.
                    basis = "messages"
                    speedup = (_ratio(chal["messages_per_s"], base["messages_per_s"]) if any(saturated)
                               else _ratio(base["message_p50_s"], chal["message_p50_s"]))
                    note = (f" (connections open: {baseline} {base['connections_open']:,.0f}, "
                            f"{challenger} {chal['connections_open']:,.0f})")
                bottlenecks = {baseline: str(base["saturated"]), challenger: str(chal["saturated"])}
                rows.append({
                    "case": case,
                    "users": users,
                    "challenger": challenger,
                    "baseline_rps": base["throughput_rps"],
                    "challenger_rps": chal["throughput_rps"],
                    "throughput_ratio": throughput_ratio,
                    "p50_ratio": p50_ratio,
                    "p99_ratio": _ratio(base["latency_p99_s"], chal["latency_p99_s"]),
                    "baseline_saturated": saturated[0],
                    "challenger_saturated": saturated[1],
                    "baseline_bottleneck": bottlenecks[baseline],
                    "challenger_bottleneck": bottlenecks[challenger],
                    "basis": basis,
                    "speedup": speedup,
                    "verdict": verdict_text(speedup, factor=factor, tolerance=tolerance)
                               + dependency_note(bottlenecks) + note,
                })
    result = pd.DataFrame(rows)
    result.attrs.update(baseline=baseline, challenger=challengers[0] if len(challengers) == 1 else None,
                        factor=factor)
    return result
