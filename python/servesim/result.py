"""Simulation results: headline numbers and confidence intervals over the bound records.

:class:`Result` wraps the compiled core's record (``result.record``, a
``servesim._core.Result`` whose fields come from the C++ field list) with the
views a planner reads: means as floats, intervals by name, frames
(:mod:`servesim.frames`) and the summary table (:mod:`servesim.summaries`).
Times are in seconds and rates in requests per second unless a name says
otherwise; "no data" (the latency of a run that completed nothing) is None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from servesim import _core, frames, summaries
from servesim.records import ConfidenceInterval, LatencyStats, LittleCheck

if TYPE_CHECKING:  # pandas is imported lazily: it is slow to import and only frames need it
    import pandas as pd

__all__ = ["Result"]


def _always(value: float | None) -> float:
    # Throughput and goodput are counts over time: defined whenever a replication ran.
    assert value is not None
    return value


<<<<<<< HEAD
def _by_name(items: Iterable[Any], field: str) -> dict[str, ConfidenceInterval]:
    return {item.name: getattr(item, field) for item in items}
=======
@dataclass(frozen=True)
class LatencyStats:
    """Response-time statistics, in seconds.

    Attributes
    ----------
    mean, p50, p90, p95, p99, p999
        Mean and percentiles (p999 is the 99.9th); from a log-bucketed histogram
        whose relative error is at most 0.39 %. Across replications, means of
        the per-replication values.
    max
        The largest response time observed.
    """

    mean: float
    p50: float
    p90: float
    p95: float
    p99: float
    p999: float
    max: float

    @classmethod
    def _from_json(cls, value: Mapping[str, Any]) -> LatencyStats:
        return cls(**{name: float(value[name]) for name in LATENCY_STATS})


@dataclass(frozen=True)
class LittleCheck:
    """Little's law, L = λW, checked on the measured window.

    Attributes
    ----------
    mean_in_system
        L: time-average number of requests queued or in service.
    throughput
        λ: completions per second.
    mean_response
        W: mean time in the server, seconds.
    relative_error
        ``|L - λW| / max(L, λW)``; a few percent or more on a long run points at a bug.
    """

    mean_in_system: float
    throughput: float
    mean_response: float
    relative_error: float

    @classmethod
    def _from_json(cls, value: Mapping[str, Any]) -> LittleCheck:
        little_l = float(value["mean_in_system"])
        rate = float(value["throughput"])
        response = float(value["mean_response"])
        if "relative_error" in value:
            error = float(value["relative_error"])
        else:
            scale = max(little_l, rate * response)
            error = abs(little_l - rate * response) / scale if scale > 0 else 0.0
        return cls(little_l, rate, response, error)


@dataclass(frozen=True)
class Stability:
    """Whether the servers kept up with the offered load.

    Unstable when a queue grows through the second half of the measured window,
    or requests are turned away (refused by a full backlog, 503 above
    ``limit_concurrency``), by more than 2 % of the arrivals and 100 requests.
    Latencies of an unstable run describe a transient, not a steady state.

    Attributes
    ----------
    stable
        True if every replication kept up.
    resource
        The saturated resource, e.g. ``"servers.web: event loops"``,
        ``"hosts.app: CPU"``; None if stable.
    capacity
        Requests per second that resource's server answered (req/s); None if stable.
    excess_rate
        Requests per second beyond it: queue growth plus requests turned away; None if stable.

    Examples
    --------
    >>> import servesim as ss
    >>> ss.simulate("scenarios/two-sync-workers.yaml", replications=1).stability.stable
    True
    """

    stable: bool
    resource: str | None = None
    capacity: float | None = None
    excess_rate: float | None = None

    @classmethod
    def _from_json(cls, value: Mapping[str, Any]) -> Stability:
        if value["stable"]:
            return cls(True)
        return cls(False, str(value["resource"]), float(value["capacity"]), float(value["excess_rate"]))

    def __str__(self) -> str:
        if self.stable:
            return "stable"
        return (f"overloaded: {self.resource} at its limit, serving {self.capacity:,.1f} req/s with "
                f"{self.excess_rate:,.1f} req/s more offered (its queue grows or requests are turned away)")


def _error_kinds(errors: Mapping[str, Any]) -> dict[str, int]:
    return {kind: int(count) for kind, count in errors.items() if kind != "total"}


def _by_name(items: Iterable[Mapping[str, Any]], key: str, samples: int) -> dict[str, Estimate]:
    """``{name: estimate}`` from a list of named records holding ``key`` (a mean)
    and optionally ``key_ci`` (the estimate)."""
    return {item["name"]: Estimate._from_json(item.get(f"{key}_ci", item[key]), samples)
            for item in items if key in item}
>>>>>>> robust


class Result:
    """What a simulation reports, aggregated over independent replications.

    Aggregates are means over replications with 95 % Student-t confidence
    intervals (see :meth:`ci`); :meth:`to_frame` keeps each replication.
    Built by :func:`servesim.simulate`; ``Result(data)`` reads a result dict
    as written by ``servesim run --json`` (strictly: a missing or unknown key
    raises :class:`EngineError` naming its path).

    Examples
    --------
    >>> result = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
    >>> print(f"{result.throughput:.0f} req/s, p99 {result.latency.p99 * 1e3:.0f} ms")
    160 req/s, p99 117 ms
    >>> result.latency_ci["p99"].samples == result.replications
    True
    """

    __slots__ = ("record",)

    def __init__(self, data: _core.Result | Mapping[str, Any]) -> None:
        # The compiled core's record: every field of the C++ ``servesim::Result``.
        self.record: _core.Result = (data if isinstance(data, _core.Result)
                                     else _core.result_from_json(json.dumps(dict(data))))

    # -- headline numbers ----------------------------------------------------------------

    @property
    def scenario(self) -> str:
        """Name of the simulated scenario."""
        return self.record.scenario

    @property
    def seed(self) -> int:
        """The seed the replications' random streams derive from."""
        return self.record.seed

    @property
    def replications(self) -> int:
        """Number of independent replications."""
        return len(self.record.replications)

    @property
    def throughput(self) -> float:
        """Completed requests per second of measured time, mean over replications."""
        return _always(self.record.throughput.value)

    @property
    def throughput_ci(self) -> ConfidenceInterval:
        """Throughput (req/s) with its 95 % confidence interval."""
        return self.record.throughput

    @property
    def goodput(self) -> float:
        """Requests answered within their endpoint's SLO per second of measured time
        (every answer counts for endpoints without an SLO), mean over replications.
        The SLO runs from a request's first attempt, so retries and backoffs count."""
        return _always(self.record.goodput.value)

    @property
    def goodput_ci(self) -> ConfidenceInterval:
        """Goodput (req/s) with its 95 % confidence interval."""
        return self.record.goodput

    @property
    def completed(self) -> int:
        """Requests answered in the measured windows, summed over replications."""
        return self.record.completed

    @property
    def retries(self) -> int:
        """Retry attempts sent in the measured windows (``workload.retries``), summed."""
        return self.record.retries

    @property
    def failed(self) -> int:
        """Requests that failed on every allowed attempt, summed over replications."""
        return self.record.failed

    @property
    def errors(self) -> dict[str, int]:
        """Failed attempts, by cause (``refused``, ``client_timeout``, ...), summed over
        replications; with retries a request tried three times in vain counts three times."""
        return frames.error_kinds(self.record.errors)

    @property
    def error_rate(self) -> float:
        """Failed attempts / (completed + failed attempts), pooled over replications,
        in [0, 1]: the share of answers that were errors."""
        return self.record.error_rate

    @property
    def failure_rate(self) -> float:
        """Failed requests / (completed + failed requests), pooled over replications, in
        [0, 1]: the share of requests that got no answer however often they were tried."""
        return self.record.failure_rate

    @property
    def latency(self) -> LatencyStats:
        """Response-time statistics in seconds (means over replications; max is the largest);
        each None (no data) if nothing completed."""
        return self.record.latency.values()

    @property
    def latency_ci(self) -> dict[str, ConfidenceInterval]:
        """Each response-time statistic (``mean``, ``p50``, ... ``p999``, seconds) with its
        95 % CI; without completions, intervals of no data (``samples`` 0, value None)."""
        latency = self.record.latency
        return {name: getattr(latency, name) for name in latency.fields if name != "max"}

    @property
    def cpu_utilization(self) -> dict[str, ConfidenceInterval]:
        """Busy fraction of each host's cores, in [0, 1], by host name."""
        return _by_name(self.record.hosts, "cpu_utilization")

    @property
    def worker_busy(self) -> dict[str, ConfidenceInterval]:
        """Mean fraction of each server's request runners at work, in [0, 1], by server name:
        worker threads for Gunicorn sync and gthread, event loops for Uvicorn and gevent."""
        return _by_name(self.record.servers, "worker_busy_fraction")

    @property
    def gil_busy(self) -> dict[str, ConfidenceInterval]:
        """Mean fraction of time each server's process GILs are held, in [0, 1], by server
        name. Near 1 the GIL, not the cores, limits the server."""
        return _by_name(self.record.servers, "gil_busy_fraction")

    @property
    def mean_queue_length(self) -> dict[str, ConfidenceInterval]:
        """Time-average requests waiting in each server (in the backlog, for a thread
        or for the event loop), by server name."""
        return _by_name(self.record.servers, "mean_queue_length")

    @property
    def queued_fraction(self) -> dict[str, ConfidenceInterval]:
        """Fraction of each server's served requests that waited before service began
        (in the backlog, for a thread or for the event loop), in [0, 1], by server name
        (for M/M/c, the Erlang C probability)."""
        return _by_name(self.record.servers, "queued_fraction")

    @property
    def endpoint_goodput(self) -> dict[str, ConfidenceInterval]:
        """Each endpoint's goodput (req/s within its SLO) with its interval, by endpoint name."""
        return _by_name(self.record.endpoints, "goodput")

    @property
    def database_utilization(self) -> dict[str, ConfidenceInterval]:
        """Mean fraction of each database's connections executing a query, in [0, 1],
        by database name. Near 1 the database is the bottleneck."""
        return _by_name(self.record.databases, "utilization")

    @property
    def mean_pool_wait(self) -> dict[str, ConfidenceInterval]:
        """Mean seconds a database connection checkout waited for a pooled connection
        (0 for those served at once; timed-out checkouts excluded), by database name."""
        return _by_name(self.record.databases, "mean_pool_wait")

    @property
    def service_in_use(self) -> dict[str, ConfidenceInterval]:
        """Time-average calls in progress at each downstream service (the concurrency in
        use, at most its ``concurrency``), by service name."""
        return _by_name(self.record.services, "mean_in_use")

    @property
    def balancer_share(self) -> dict[str, dict[str, ConfidenceInterval]]:
        """Share of each balancer's requests sent to each of its servers, in [0, 1]:
        ``{balancer: {server: interval}}``, servers in the balancer's order."""
        return {balancer.name: _by_name(balancer.servers, "share") for balancer in self.record.balancers}

    @property
    def little(self) -> LittleCheck:
        """Little's law check, L = λW, averaged over replications."""
        return self.record.little

<<<<<<< HEAD
    def ci(self, metric: str) -> ConfidenceInterval:
=======
    # -- analytic estimates (servesim.estimate) ------------------------------------------

    @property
    def is_estimate(self) -> bool:
        """True for a result of :func:`servesim.estimate` (queueing theory), False for a simulation."""
        return "estimate" in self._data

    @property
    def model(self) -> str:
        """The model behind the numbers: the queueing model of an estimate, or
        ``"simulation"``."""
        return str(self._data["estimate"]["model"]) if self.is_estimate else "simulation"

    @property
    def assumptions(self) -> list[str]:
        """What an estimate takes for granted (empty for a simulation)."""
        return list(self._data["estimate"]["assumptions"]) if self.is_estimate else []

    @property
    def stability(self) -> Stability | None:
        """Simulations: whether the servers kept up, and if not which resource limits them and
        at what rate; None for an estimate (see :attr:`saturated`)."""
        data = self._data.get("stability")
        return Stability._from_json(data) if data is not None else None

    @property
    def stable(self) -> bool | None:
        """Simulations: whether the servers kept up with the offered load (see :attr:`stability`);
        None for an estimate."""
        stability = self.stability
        return stability.stable if stability is not None else None

    @property
    def saturation_rate(self) -> float | None:
        """Estimates: the most the server completes per second (req/s); None for a simulation
        (see the saturation search for that)."""
        return float(self._data["estimate"]["saturation_rate"]) if self.is_estimate else None

    @property
    def saturated(self) -> bool | None:
        """Estimates: whether the offered load reaches the saturation rate; None for a simulation."""
        return bool(self._data["estimate"]["saturated"]) if self.is_estimate else None

    def ci(self, metric: str) -> Estimate:
>>>>>>> robust
        """A metric with its 95 % confidence interval across replications.

        Parameters
        ----------
        metric
            ``"throughput"``, ``"goodput"``, ``"goodput.<endpoint>"`` (req/s); ``"latency.mean"``,
            ``"latency.p50"``, ... ``"latency.p999"`` (seconds); ``"cpu_utilization.<host>"``,
            ``"worker_busy.<server>"``, ``"gil_busy.<server>"``,
            ``"queued_fraction.<server>"``, ``"database_utilization.<database>"``,
            ``"balancer_share.<balancer>.<server>"`` (fractions),
            ``"mean_queue_length.<server>"`` (connections),
            ``"mean_pool_wait.<database>"`` (seconds) or ``"service_in_use.<service>"``
            (calls).

        Raises
        ------
        KeyError
            For an unknown metric, listing the known ones.
        """
        known: dict[str, ConfidenceInterval] = {"throughput": self.throughput_ci,
                                                "goodput": self.goodput_ci}
        known.update({f"goodput.{name}": value for name, value in self.endpoint_goodput.items()})
        known.update({f"latency.{name}": value for name, value in self.latency_ci.items()})
        for group in ("cpu_utilization", "worker_busy", "gil_busy", "mean_queue_length",
                      "queued_fraction", "database_utilization", "mean_pool_wait", "service_in_use"):
            known.update({f"{group}.{name}": value for name, value in getattr(self, group).items()})
        for balancer, shares in self.balancer_share.items():
            known.update({f"balancer_share.{balancer}.{server}": value for server, value in shares.items()})
        try:
            return known[metric]
        except KeyError:
            raise KeyError(f"unknown metric {metric!r}; known: {', '.join(known)}") from None

    # -- export --------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The full result as plain data (the document of ``servesim run --json``; no data is None)."""
        result: dict[str, Any] = json.loads(_core.result_to_json(self.record, -1))
        return result

    def to_json(self, indent: int | None = 2) -> str:
        """The full result as JSON text (no data is ``null``)."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """One row per replication; see :func:`servesim.frames.replications_frame`."""
        return frames.replications_frame(self.record)

    def timeline_frame(self) -> pd.DataFrame:
        """One row per time-series interval per replication; see :func:`servesim.frames.timeline_frame`."""
        return frames.timeline_frame(self.record)

    def balancers_frame(self) -> pd.DataFrame:
        """One row per server behind each balancer; see :func:`servesim.frames.balancers_frame`."""
        return frames.balancers_frame(self.record)

    def endpoints_frame(self) -> pd.DataFrame:
        """One row per endpoint; see :func:`servesim.frames.endpoints_frame`."""
        return frames.endpoints_frame(self.record)

    def databases_frame(self) -> pd.DataFrame:
        """One row per database; see :func:`servesim.frames.databases_frame`."""
        return frames.databases_frame(self.record)

    def services_frame(self) -> pd.DataFrame:
        """One row per downstream service; see :func:`servesim.frames.services_frame`."""
        return frames.services_frame(self.record)

    # -- display -------------------------------------------------------------------------

    def summary(self) -> str:
        """A readable table of the headline numbers with their 95 % confidence intervals.

        Latencies in milliseconds, utilizations in percent, throughput in req/s; a
        statistic without data reads "no data".
        """
        return summaries.result_summary(self)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        latency = self.latency

        def ms(seconds: float | None) -> str:
            return summaries.NO_DATA if seconds is None else f"{seconds * 1e3:.3f} ms"

        return (f"<Result {self.scenario!r}: {self.throughput:.2f} req/s, "
                f"mean {ms(latency.mean)}, p99 {ms(latency.p99)}, "
                f"{self.completed} completed, {self.replications} replication(s)>")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Result) and self.to_json(None) == other.to_json(None)

    __hash__ = None  # type: ignore[assignment]
<<<<<<< HEAD
=======


def _latency_value(value: Any) -> float:
    return float(value["mean"]) if isinstance(value, Mapping) else float(value)


def _latency_columns(latency: Mapping[str, Any]) -> dict[str, float]:
    return {f"latency_{name}_s": _latency_value(latency[name]) for name in LATENCY_STATS if name in latency}


_TIMELINE_COLUMNS = ("replication", "start_s", "end_s", "arrivals", "retries", "completed", "errors",
                     "arrival_rps", "throughput_rps", "goodput_rps", "mean_latency_s", "p50_latency_s",
                     "p99_latency_s")


def _interval_row(replication: int, interval: Mapping[str, Any]) -> dict[str, Any]:
    start, end = float(interval["start"]), float(interval["end"])
    length = end - start
    completed = int(interval["completed"])

    def per_second(count: int) -> float:
        return count / length if length > 0 else 0.0

    def latency(key: str) -> float:
        return float(interval[key]) if completed else math.nan

    row: dict[str, Any] = {
        "replication": replication,
        "start_s": start,
        "end_s": end,
        "arrivals": int(interval["arrivals"]),
        "retries": int(interval.get("retries", 0)),
        "completed": completed,
        "errors": int(interval["errors"]),
        "arrival_rps": per_second(int(interval["arrivals"])),
        "throughput_rps": per_second(completed),
        "goodput_rps": per_second(int(interval.get("within_slo", completed))),
        "mean_latency_s": latency("mean_latency"),
        "p50_latency_s": latency("p50"),
        "p99_latency_s": latency("p99"),
    }
    for server, value in interval.get("mean_queue_length", {}).items():
        row[f"queue_{server}"] = float(value)
    for server, value in interval.get("worker_busy_fraction", {}).items():
        row[f"busy_{server}"] = float(value)
    for host, value in interval.get("cpu_utilization", {}).items():
        row[f"cpu_{host}"] = float(value)
    return row


def _replication_row(replication: Mapping[str, Any]) -> dict[str, Any]:
    errors = _error_kinds(replication.get("errors", {}))
    row: dict[str, Any] = {
        "replication": int(replication.get("index", 0)),
        "warmup_s": float(replication.get("warmup", 0.0)),
        "measured_duration_s": float(replication.get("measured_duration", 0.0)),
        "arrivals": int(replication.get("arrivals", 0)),
        "retries": int(replication.get("retries", 0)),
        "completed": int(replication["completed"]),
        "throughput_rps": float(replication["throughput"]),
        "goodput_rps": float(replication.get("goodput", replication["throughput"])),
        "failed": int(replication.get("failed", 0)),
    }
    row.update({f"errors_{kind}": count for kind, count in errors.items()})
    row["errors_total"] = sum(errors.values())
    row.update(_latency_columns(replication["latency"]))
    if "little" in replication:
        little = LittleCheck._from_json(replication["little"])
        row["little_mean_in_system"] = little.mean_in_system
        row["little_relative_error"] = little.relative_error
    for host in replication.get("hosts", ()):
        row[f"cpu_utilization_{host['name']}"] = float(host["cpu_utilization"])
    for server in replication.get("servers", ()):
        row[f"worker_busy_{server['name']}"] = float(server["worker_busy_fraction"])
        row[f"gil_busy_{server['name']}"] = float(server.get("gil_busy_fraction", 0.0))
        row[f"mean_queue_length_{server['name']}"] = float(server["mean_queue_length"])
        row[f"queued_fraction_{server['name']}"] = float(server["queued_fraction"])
    for database in replication.get("databases", ()):
        row[f"database_utilization_{database['name']}"] = float(database["utilization"])
        row[f"mean_pool_wait_s_{database['name']}"] = float(database["mean_pool_wait"])
        row[f"pool_timeouts_{database['name']}"] = int(database["pool_timeouts"])
    for service in replication.get("services", ()):
        row[f"service_in_use_{service['name']}"] = float(service["mean_in_use"])
        row[f"service_errors_{service['name']}"] = int(service["errors"])
    for balancer in replication.get("balancers", ()):
        for server in balancer["servers"]:
            row[f"sent_{balancer['name']}_{server['name']}"] = int(server["sent"])
    if "events" in replication:
        row["events"] = int(replication["events"])
    return row


def _format_summary(result: Result) -> str:
    """Rows of (label, value, unit, ± CI), aligned in columns."""
    if result.is_estimate:
        return _format_estimate(result)
    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, value: str, unit: str = "", ci: str = "") -> None:
        rows.append((label, value, unit, ci))

    def add_estimate(label: str, estimate: Estimate, scale: float, unit: str, digits: int) -> None:
        ci = f"± {estimate.half_width * scale:.{digits}f}" if estimate.samples > 1 else ""
        add(label, f"{estimate.mean * scale:,.{digits}f}", unit, ci)

    stability = result.stability
    if stability is not None:
        add("stable", "yes" if stability.stable else "NO", "",
            "" if stability.stable else f"({stability.resource} at its limit: {stability.capacity:,.1f} req/s "
                                        f"served, {stability.excess_rate:,.1f} req/s more offered)")
    add_estimate("throughput", result.throughput_ci, 1.0, "req/s", 2)
    if result.goodput_ci.mean != result.throughput_ci.mean:  # some answers missed their SLO
        add_estimate("goodput (within SLO)", result.goodput_ci, 1.0, "req/s", 2)
    for name, estimate in result.latency_ci.items():
        add_estimate(f"latency {_LATENCY_LABELS[name]}", estimate, 1e3, "ms", 3)
    add("latency max", f"{result.latency.max * 1e3:,.3f}", "ms")
    add("completed", f"{result.completed:,}")
    errors = result.errors
    by_kind = ", ".join(f"{kind} {count:,}" for kind, count in errors.items() if count)
    add("errors", f"{sum(errors.values()):,}", "", f"({by_kind})" if by_kind else "")
    add("error rate", f"{result.error_rate * 100:.3f}", "%")
    if result.retries:
        add("retries", f"{result.retries:,}", "", f"({result.failed:,} requests failed every attempt, "
                                                   f"{result.failure_rate * 100:.3f} %)")
    endpoints = result._data.get("endpoints", ())
    if len(endpoints) > 1:  # one endpoint would repeat the totals
        for endpoint in endpoints:
            name = endpoint["name"]
            add_estimate(f"{name} throughput", Estimate._from_json(endpoint["throughput_ci"]), 1.0, "req/s", 2)
            for stat in ("mean", "p99"):
                add_estimate(f"{name} latency {stat}", Estimate._from_json(endpoint["latency_ci"][stat]),
                             1e3, "ms", 3)
    # Per host, server and database: (label, estimates by name, scale, unit, digits).
    per_resource = (
        ("cpu utilization", result.cpu_utilization, 100.0, "%", 1),
        ("workers busy", result.worker_busy, 100.0, "%", 1),
        ("GIL busy", result.gil_busy, 100.0, "%", 1),
        ("mean queue", result.mean_queue_length, 1.0, "", 3),
        ("queued", result.queued_fraction, 100.0, "%", 1),
        ("database busy", result.database_utilization, 100.0, "%", 1),
        ("pool wait", result.mean_pool_wait, 1e3, "ms", 3),
    )
    for label, estimates, scale, unit, digits in per_resource:
        for name, estimate in estimates.items():
            add_estimate(f"{label} {name}", estimate, scale, unit, digits)
    for database in result._data.get("databases", ()):
        if int(database["pool_timeouts"]):
            add(f"pool timeouts {database['name']}", f"{int(database['pool_timeouts']):,}")
    for service, estimate in result.service_in_use.items():
        add_estimate(f"calls in progress {service}", estimate, 1.0, "", 2)
    for balancer, shares in result.balancer_share.items():
        for server, estimate in shares.items():
            add_estimate(f"share {balancer} -> {server}", estimate, 100.0, "%", 1)
    little = result.little
    # Requests in flight at the window's edges make L and λW differ; when
    # responses are long against the window that is large, and worth a word.
    caveat = "; responses are long for this run: lengthen it" if little.relative_error > 0.05 else ""
    add("Little's law L", f"{little.mean_in_system:.3f}", "",
        f"λW = {little.throughput * little.mean_response:.3f}, "
        f"relative error {little.relative_error * 100:.2f} %{caveat}")

    label_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    unit_width = max(len(row[2]) for row in rows)
    replications = result.replications
    warmups = [float(rep.get("warmup", 0.0)) for rep in result._data.get("replications", ())]
    warmup = f", warm-up {sum(warmups) / len(warmups):.3g} s" if warmups else ""
    header = (f"{result.scenario}: {replications} replication{'s' if replications != 1 else ''}, "
              f"seed {result.seed}{warmup}"
              + (", ± is the 95 % confidence half-width" if replications > 1 else ""))
    lines = [header]
    for label, value, unit, ci in rows:
        line = f"  {label:<{label_width}}  {value:>{value_width}} {unit:<{unit_width}}  {ci}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def _format_estimate(result: Result) -> str:
    """An estimate's headline numbers, its model and its assumptions."""
    estimate = result._data["estimate"]
    latency = result.latency
    rows = [("throughput", f"{result.throughput:,.2f}", "req/s"),
            ("saturation rate", f"{estimate['saturation_rate']:,.2f}", "req/s")]
    if estimate.get("saturation_population") is not None:
        rows.append(("saturation users N*", f"{estimate['saturation_population']:,.1f}", ""))
    rows += [(f"latency {_LATENCY_LABELS[name]}", f"{getattr(latency, name) * 1e3:,.3f}", "ms")
             for name in LATENCY_STATS if name != "max"]
    rows.append((f"error rate ({estimate['error_kind']})", f"{result.error_rate * 100:.3f}", "%"))
    rows += [(f"cpu utilization {host}", f"{value.mean * 100:.1f}", "%")
             for host, value in result.cpu_utilization.items()]
    rows += [(f"workers busy {server}", f"{value.mean * 100:.1f}", "%")
             for server, value in result.worker_busy.items()]
    rows += [(f"mean queue {server}", f"{value.mean:.3f}", "")
             for server, value in result.mean_queue_length.items()]
    rows += [(f"queued {server}", f"{value.mean * 100:.1f}", "%")
             for server, value in result.queued_fraction.items()]
    label_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    lines = [f"{result.scenario}: analytic estimate"
             + (" (saturated)" if estimate["saturated"] else ""),
             f"  model: {estimate['model']}"]
    lines += [f"  {label:<{label_width}}  {value:>{value_width}} {unit}".rstrip()
              for label, value, unit in rows]
    lines += ["  assumes:"] + [f"  - {line}" for line in estimate["assumptions"]]
    return "\n".join(lines)
>>>>>>> robust
