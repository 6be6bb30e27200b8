"""Results as pandas frames with named columns: per replication, per interval, per resource.

Each function takes the compiled core's result record (``Result.record``).
Units are in the column names (``_s`` seconds, ``_rps`` requests per second);
no data (a latency without completions) is NaN, pandas' missing value.

Examples
--------
>>> result = ss.simulate("scenarios/two-sync-workers.yaml", seed=1)
>>> list(ss.frames.timeline_frame(result.record).columns[:3])
['replication', 'start_s', 'end_s']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from servesim import _core
from servesim.records import LATENCY_STATS, ErrorCounts, IntervalStats, LatencyStats, ReplicationResult

if TYPE_CHECKING:  # pandas is imported lazily: it is slow to import and only frames need it
    import pandas as pd

__all__ = ["balancers_frame", "databases_frame", "endpoints_frame", "error_kinds",
           "replications_frame", "services_frame", "timeline_frame"]


def error_kinds(errors: ErrorCounts) -> dict[str, int]:
    """Failed attempts by cause, ``{kind: count}`` in alphabetical order, without the total."""
    return {kind: getattr(errors, kind) for kind in sorted(ErrorCounts.fields) if kind != "total"}


def _number(value: float | None) -> float:
    """A record's number for a frame: no data (None) becomes NaN."""
    return math.nan if value is None else value


def _latency_columns(latency: LatencyStats) -> dict[str, float]:
    return {f"latency_{name}_s": _number(getattr(latency, name)) for name in LATENCY_STATS}


_TIMELINE_COLUMNS = ("replication", "start_s", "end_s", "arrivals", "retries", "completed", "errors",
                     "arrival_rps", "throughput_rps", "goodput_rps", "mean_latency_s", "p50_latency_s",
                     "p99_latency_s")


def _interval_row(replication: ReplicationResult, interval: IntervalStats) -> dict[str, Any]:
    length = interval.end - interval.start

    def per_second(count: int) -> float:
        return count / length if length > 0 else 0.0

    row: dict[str, Any] = {
        "replication": replication.index,
        "start_s": interval.start,
        "end_s": interval.end,
        "arrivals": interval.arrivals,
        "retries": interval.retries,
        "completed": interval.completed,
        "errors": interval.errors,
        "arrival_rps": per_second(interval.arrivals),
        "throughput_rps": per_second(interval.completed),
        "goodput_rps": per_second(interval.within_slo),
        "mean_latency_s": _number(interval.mean_latency),
        "p50_latency_s": _number(interval.p50),
        "p99_latency_s": _number(interval.p99),
    }
    servers = [server.name for server in replication.servers]
    hosts = [host.name for host in replication.hosts]
    row.update({f"queue_{name}": _number(value) for name, value in zip(servers, interval.mean_queue_length)})
    row.update({f"busy_{name}": _number(value) for name, value in zip(servers, interval.worker_busy_fraction)})
    row.update({f"cpu_{name}": _number(value) for name, value in zip(hosts, interval.cpu_utilization)})
    return row


def _replication_row(replication: ReplicationResult) -> dict[str, Any]:
    errors = error_kinds(replication.errors)
    row: dict[str, Any] = {
        "replication": replication.index,
        "warmup_s": replication.warmup,
        "measured_duration_s": replication.measured_duration,
        "arrivals": replication.arrivals,
        "retries": replication.retries,
        "completed": replication.completed,
        "throughput_rps": replication.throughput,
        "goodput_rps": replication.goodput,
        "failed": replication.failed,
    }
    row.update({f"errors_{kind}": count for kind, count in errors.items()})
    row["errors_total"] = replication.errors.total
    row.update(_latency_columns(replication.latency))
    row["little_mean_in_system"] = replication.little.mean_in_system
    row["little_relative_error"] = replication.little.relative_error
    for host in replication.hosts:
        row[f"cpu_utilization_{host.name}"] = host.cpu_utilization
    for server in replication.servers:
        row[f"worker_busy_{server.name}"] = server.worker_busy_fraction
        row[f"gil_busy_{server.name}"] = server.gil_busy_fraction
        row[f"mean_queue_length_{server.name}"] = server.mean_queue_length
        row[f"queued_fraction_{server.name}"] = server.queued_fraction
    for database in replication.databases:
        row[f"database_utilization_{database.name}"] = database.utilization
        row[f"mean_pool_wait_s_{database.name}"] = database.mean_pool_wait
        row[f"pool_timeouts_{database.name}"] = database.pool_timeouts
    for service in replication.services:
        row[f"service_in_use_{service.name}"] = service.mean_in_use
        row[f"service_errors_{service.name}"] = service.errors
    for balancer in replication.balancers:
        for target in balancer.servers:
            row[f"sent_{balancer.name}_{target.name}"] = target.sent
    row["events"] = replication.events
    return row


def replications_frame(result: _core.Result) -> pd.DataFrame:
    """One row per replication (``Result.to_frame()``).

    Columns: ``replication``, ``warmup_s``, ``measured_duration_s``, ``arrivals``
    (attempts, retries included), ``retries``, ``completed``, ``throughput_rps``,
    ``goodput_rps``, ``failed``, ``errors_<kind>``, ``errors_total``,
    ``latency_<stat>_s`` for mean, p50, p90, p95, p99, p999 and max (NaN without
    completions), ``little_mean_in_system``, ``little_relative_error``,
    ``cpu_utilization_<host>``, ``worker_busy_<server>``, ``gil_busy_<server>``,
    ``mean_queue_length_<server>``, ``queued_fraction_<server>``,
    ``database_utilization_<database>``, ``mean_pool_wait_s_<database>``,
    ``pool_timeouts_<database>``, ``service_in_use_<service>``,
    ``service_errors_<service>``, ``sent_<balancer>_<server>`` (requests the
    balancer sent the server) and ``events``.
    """
    import pandas as pd

    return pd.DataFrame([_replication_row(replication) for replication in result.replications])


def timeline_frame(result: _core.Result) -> pd.DataFrame:
    """One row per time-series interval per replication, warm-up included (``Result.timeline_frame()``).

    Columns: ``replication``, ``start_s``, ``end_s``; counts in the interval:
    ``arrivals`` (attempts sent, retries included), ``retries``, ``completed``,
    ``errors`` (failed attempts); rates per second of the interval:
    ``arrival_rps``, ``throughput_rps`` (completed), ``goodput_rps`` (completed
    within their SLO); latency of the requests completed in it, in seconds:
    ``mean_latency_s``, ``p50_latency_s``, ``p99_latency_s`` (quantiles within
    3.1 %; NaN if none completed); time averages over it: ``queue_<server>``
    (requests waiting), ``busy_<server>`` (fraction of its threads or event loops
    at work) and ``cpu_<host>`` (fraction of its cores busy).
    """
    import pandas as pd

    rows = []
    resource_columns: dict[str, None] = {}
    for replication in result.replications:
        for interval in replication.timeline:
            row = _interval_row(replication, interval)
            resource_columns.update(dict.fromkeys(key for key in row if key not in _TIMELINE_COLUMNS))
            rows.append(row)
    return pd.DataFrame(rows, columns=[*_TIMELINE_COLUMNS, *resource_columns])


def balancers_frame(result: _core.Result) -> pd.DataFrame:
    """One row per server behind each balancer, aggregated over replications.

    Columns: ``balancer``, ``server``, ``sent`` (requests sent to it in the measured
    windows, summed over replications), ``share`` (its fraction of the balancer's
    requests, mean over replications) and ``share_ci`` (95 % half-width).
    """
    import pandas as pd

    rows = [{"balancer": balancer.name, "server": server.name, "sent": server.sent,
             "share": _number(server.share.value), "share_ci": _number(server.share.half_width)}
            for balancer in result.balancers for server in balancer.servers]
    return pd.DataFrame(rows, columns=["balancer", "server", "sent", "share", "share_ci"])


def endpoints_frame(result: _core.Result) -> pd.DataFrame:
    """One row per endpoint, aggregated over replications.

    Columns: ``endpoint``, ``completed``, ``throughput_rps``,
    ``throughput_ci_rps`` (95 % half-width), ``goodput_rps`` (within the
    endpoint's SLO), ``goodput_ci_rps``, ``retries``, ``failed``, ``errors_<kind>``,
    ``latency_<stat>_s`` for mean, p50, p90, p95, p99, p999 and max (NaN without
    completions).
    """
    import pandas as pd

    rows = []
    for endpoint in result.endpoints:
        row: dict[str, Any] = {
            "endpoint": endpoint.name,
            "completed": endpoint.completed,
            "throughput_rps": _number(endpoint.throughput.value),
            "throughput_ci_rps": _number(endpoint.throughput.half_width),
            "goodput_rps": _number(endpoint.goodput.value),
            "goodput_ci_rps": _number(endpoint.goodput.half_width),
            "retries": endpoint.retries,
            "failed": endpoint.failed,
        }
        row.update({f"errors_{kind}": count for kind, count in error_kinds(endpoint.errors).items()})
        row.update(_latency_columns(endpoint.latency.values()))
        rows.append(row)
    return pd.DataFrame(rows)


def databases_frame(result: _core.Result) -> pd.DataFrame:
    """One row per database, aggregated over replications.

    Columns: ``database``; ``utilization`` (busy connections / connections) and
    ``utilization_ci`` (its 95 % half-width); ``mean_queue_length`` (queries waiting
    at the database, time average); ``mean_pool_wait_s`` and ``mean_pool_wait_ci_s``
    (seconds a checkout waited for a pooled connection, 0 for those served at once);
    ``pool_wait_fraction`` (checkouts that waited); ``queries`` (completed) and
    ``pool_timeouts`` (checkouts that waited out the pool's timeout), summed over
    replications.
    """
    import pandas as pd

    rows = [{
        "database": database.name,
        "utilization": _number(database.utilization.value),
        "utilization_ci": _number(database.utilization.half_width),
        "mean_queue_length": _number(database.mean_queue_length.value),
        "mean_pool_wait_s": _number(database.mean_pool_wait.value),
        "mean_pool_wait_ci_s": _number(database.mean_pool_wait.half_width),
        "pool_wait_fraction": _number(database.pool_wait_fraction.value),
        "queries": database.queries,
        "pool_timeouts": database.pool_timeouts,
    } for database in result.databases]
    columns = ["database", "utilization", "utilization_ci", "mean_queue_length",
               "mean_pool_wait_s", "mean_pool_wait_ci_s", "pool_wait_fraction", "queries",
               "pool_timeouts"]
    return pd.DataFrame(rows, columns=columns)


def services_frame(result: _core.Result) -> pd.DataFrame:
    """One row per downstream service, aggregated over replications.

    Columns: ``service``; ``mean_in_use`` (calls in progress, time average: the
    concurrency in use) and ``mean_in_use_ci`` (its 95 % half-width);
    ``mean_queue_length`` (calls waiting for a concurrency slot); ``calls``
    (completed, failed or not) and ``errors`` (failed), summed over replications;
    ``error_fraction`` (errors / calls, NaN without calls).
    """
    import pandas as pd

    rows = [{
        "service": service.name,
        "mean_in_use": _number(service.mean_in_use.value),
        "mean_in_use_ci": _number(service.mean_in_use.half_width),
        "mean_queue_length": _number(service.mean_queue_length.value),
        "calls": service.calls,
        "errors": service.errors,
        "error_fraction": service.errors / service.calls if service.calls else math.nan,
    } for service in result.services]
    columns = ["service", "mean_in_use", "mean_in_use_ci", "mean_queue_length", "calls",
               "errors", "error_fraction"]
    return pd.DataFrame(rows, columns=columns)
