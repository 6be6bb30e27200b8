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
from servesim.records import ConfidenceInterval, LatencyStats, LittleCheck, Stability

if TYPE_CHECKING:  # pandas is imported lazily: it is slow to import and only frames need it
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Result"]


def _always(value: float | None) -> float:
    # Throughput and goodput are counts over time: defined whenever a replication ran.
    assert value is not None
    return value


def _by_name(items: Iterable[Any], field: str) -> dict[str, ConfidenceInterval]:
    return {item.name: getattr(item, field) for item in items}


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
    def memory(self) -> dict[str, float]:
        """Expected resident memory of each host's server processes, in bytes, by host
        name: processes and their threads (``static_memory`` of ``record.hosts``), plus
        each server's per-connection memory times its time-average requests.

        Example: two workers of 9 MB and one 1 MB thread (``framework: none``), 20 MB,
        plus 64 KB for each of the L = 3.8 requests an M/M/2 at 80 % holds on average:

        >>> r = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
        >>> r.record.hosts[0].static_memory / 2**20
        20.0
        >>> 0.2 < (r.memory["app"] - r.record.hosts[0].static_memory) / 2**20 < 0.3
        True
        """
        return {host.name: host.memory for host in self.record.hosts}

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
    def restart_rate(self) -> dict[str, ConfidenceInterval]:
        """Processes of each server restarted per second (1/s), by server name: recycled at
        ``max_requests`` or killed past ``memory_limit`` (counts in ``record.servers[i]``:
        ``recycled``, ``memory_killed``).

        >>> r = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
        >>> r.restart_rate["web"].value, r.peak_memory["web"] / 2**20   # no limit: 9 MB + 1 MB + 64 KB
        (0.0, 10.0625)
        """
        return _by_name(self.record.servers, "restart_rate")

    @property
    def peak_memory(self) -> dict[str, float]:
        """Largest resident memory one process of each server reached in the measured
        window, bytes, by server name (a process killed past ``memory_limit`` reached it)."""
        return {server.name: server.peak_memory for server in self.record.servers}

    @property
    def busiest_process_share(self) -> dict[str, list[float | None]]:
        """Each replication's share of a server's accepted requests taken by its busiest
        process, by server name: 1/workers when they split evenly, 1.0 when one process
        held every keep-alive connection. Connections stay in the process that accepted
        them, so replications differ; their throughputs (``record.replications[i].throughput``)
        differ with them. None for a replication without requests.

        >>> r = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
        >>> len(r.busiest_process_share["web"]) == r.replications
        True
        """
        return {
            server.name: [rep.servers[i].busiest_process_share for rep in self.record.replications]
            for i, server in enumerate(self.record.servers)
        }

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
    def cache_utilization(self) -> dict[str, ConfidenceInterval]:
        """Mean fraction of each cache store's command threads at work, in [0, 1], by
        store name (a Redis store has one). Near 1 the store is the bottleneck."""
        return _by_name(self.record.caches, "utilization")

    @property
    def connections_open(self) -> dict[str, ConfidenceInterval]:
        """Time-average long-lived connections open (WebSockets, streaming responses),
        by connection group name.

        Example: ``ss.simulate(ss.Scenario.from_yaml("scenarios/websocket-chat.yaml"))
        .connections_open["chat"].value`` is about 10,000."""
        return _by_name(self.record.connections, "mean_open")

    @property
    def message_rate(self) -> dict[str, ConfidenceInterval]:
        """Messages (a stream's chunks) handled per second, by connection group name."""
        return _by_name(self.record.connections, "message_rate")

    @property
    def message_p99(self) -> dict[str, ConfidenceInterval]:
        """99th percentile of a message's latency (its wait for the event loop or worker
        plus its phases), in seconds, by connection group name."""
        return {group.name: group.message_latency.p99 for group in self.record.connections}

    @property
    def task_pool_utilization(self) -> dict[str, ConfidenceInterval]:
        """Mean fraction of each task pool's worker processes running a task, in [0, 1], by
        pool name (``task_workers:`` in the scenario). ``record.task_workers`` has each
        pool's tasks/s, queue length, and task wait and run percentiles (s); near 1 the
        pool's queue grows. Example: ``result.task_pool_utilization["reports"].value``."""
        return _by_name(self.record.task_workers, "utilization")

    @property
    def mean_batch_size(self) -> dict[str, ConfidenceInterval]:
        """Mean requests per batch at each model server (``model_servers:`` in the
        scenario, dynamic batching), by name. ``record.model_servers`` has each one's
        batches/s, ``batch_sizes`` histogram, ``queue_delay`` percentiles (s) and
        instance utilization. Example: ``result.mean_batch_size["triton"].value``."""
        return _by_name(self.record.model_servers, "mean_batch_size")

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

    @property
    def stability(self) -> Stability:
        """Whether the servers kept up with the offered load; if not, the resource
        at its limit, the rate it served (req/s) and the excess (req/s)."""
        return self.record.stability

    @property
    def stable(self) -> bool:
        """False when a queue grew or requests were turned away (see ``stability``)."""
        return bool(self.record.stability.stable)

    def ci(self, metric: str) -> ConfidenceInterval:
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

    def plot(self, kind: str = "latency", *, slo: Mapping[str, str | float] | None = None) -> Figure:
        """A matplotlib figure: ``"latency"``, the response-time CDF (ms) with p50, p99 and
        ``slo``'s p99 (``{"p99": "200ms"}``) marked; ``"timeline"``, arrivals, throughput,
        goodput, p99 and queue lengths over the run. Restyle it through ``fig.axes``."""
        from servesim.report.plots import plot_result

        return plot_result(self, kind, slo)

    def _repr_html_(self) -> str:
        """The headline table with 95 % intervals, for notebooks."""
        from servesim.report.compact import result_html

        return result_html(self)

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
