"""Readable tables: a simulation's headline numbers with their intervals, a prediction's model.

Latencies in milliseconds, utilizations in percent, throughput in req/s; a
statistic without data (the latency of a run that completed nothing) reads
``no data`` rather than a made-up 0.

Examples
--------
>>> text = ss.simulate("scenarios/two-sync-workers.yaml", seed=1).summary()
>>> text.splitlines()[1].split()[:3]
['throughput', '159.82', 'req/s']
>>> ss.estimate("scenarios/two-sync-workers.yaml").summary().splitlines()[0]
'two-sync-workers: analytic estimate'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from servesim.records import LATENCY_STATS, ConfidenceInterval, Prediction, Stability

if TYPE_CHECKING:
    from servesim.result import Result

__all__ = ["NO_DATA", "milliseconds", "prediction_summary", "result_summary"]

NO_DATA = "no data"
"""What a table shows for a statistic of nothing."""

_LATENCY_LABELS = {"mean": "mean", "p50": "p50", "p90": "p90", "p95": "p95", "p99": "p99",
                   "p999": "p99.9", "max": "max"}


def milliseconds(seconds: float | None) -> str:
    """``seconds`` in ms with three decimals, or ``no data``."""
    return NO_DATA if seconds is None else f"{seconds * 1e3:,.3f}"


def _aligned(rows: list[tuple[str, str, str, str]]) -> list[str]:
    label_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    unit_width = max(len(row[2]) for row in rows)
    return [f"  {label:<{label_width}}  {value:>{value_width}} {unit:<{unit_width}}  {ci}".rstrip()
            for label, value, unit, ci in rows]


def stability_text(stability: Stability) -> str:
    """Why a run is unstable, in words: the resource at its limit and the load beyond it."""
    if stability.stable:
        return "stable"
    unit = "tasks/s" if stability.resource.startswith("task_workers.") else "req/s"
    return (f"overloaded: {stability.resource} at its limit, serving {stability.capacity:,.1f} {unit} "
            f"with {stability.excess_rate:,.1f} {unit} more offered")


def result_summary(result: Result) -> str:
    """Rows of (label, value, unit, ± CI) for a simulation, aligned in columns."""
    rows: list[tuple[str, str, str, str]] = []

    def add(label: str, value: str, unit: str = "", ci: str = "") -> None:
        rows.append((label, value, unit, ci))

    def add_interval(label: str, interval: ConfidenceInterval, scale: float, unit: str, digits: int) -> None:
        if interval.value is None:
            add(label, NO_DATA)
            return
        ci = f"± {interval.half_width * scale:.{digits}f}" if interval.samples > 1 and interval.half_width is not None else ""
        add(label, f"{interval.value * scale:,.{digits}f}", unit, ci)

    record = result.record
    add_interval("throughput", result.throughput_ci, 1.0, "req/s", 2)
    if result.goodput_ci.value != result.throughput_ci.value:  # some answers missed their SLO
        add_interval("goodput (within SLO)", result.goodput_ci, 1.0, "req/s", 2)
    for name, interval in result.latency_ci.items():
        add_interval(f"latency {_LATENCY_LABELS[name]}", interval, 1e3, "ms", 3)
    latency_max = result.latency.max
    add("latency max", milliseconds(latency_max), "" if latency_max is None else "ms")
    add("completed", f"{result.completed:,}")
    errors = result.errors
    by_kind = ", ".join(f"{kind} {count:,}" for kind, count in errors.items() if count)
    add("errors", f"{sum(errors.values()):,}", "", f"({by_kind})" if by_kind else "")
    add("error rate", f"{result.error_rate * 100:.3f}", "%")
    if result.retries:
        add("retries", f"{result.retries:,}", "", f"({result.failed:,} requests failed every attempt, "
                                                   f"{result.failure_rate * 100:.3f} %)")
    if len(record.endpoints) > 1:  # one endpoint would repeat the totals
        for endpoint in record.endpoints:
            add_interval(f"{endpoint.name} throughput", endpoint.throughput, 1.0, "req/s", 2)
            add_interval(f"{endpoint.name} latency mean", endpoint.latency.mean, 1e3, "ms", 3)
            add_interval(f"{endpoint.name} latency p99", endpoint.latency.p99, 1e3, "ms", 3)
    # Per host, server and database: (label, intervals by name, scale, unit, digits).
    per_resource = (
        ("cpu utilization", result.cpu_utilization, 100.0, "%", 1),
        ("workers busy", result.worker_busy, 100.0, "%", 1),
        ("GIL busy", result.gil_busy, 100.0, "%", 1),
        ("mean queue", result.mean_queue_length, 1.0, "", 3),
        ("queued", result.queued_fraction, 100.0, "%", 1),
        ("database busy", result.database_utilization, 100.0, "%", 1),
        ("pool wait", result.mean_pool_wait, 1e3, "ms", 3),
    )
    for label, intervals, scale, unit, digits in per_resource:
        for name, interval in intervals.items():
            add_interval(f"{label} {name}", interval, scale, unit, digits)
    for database in record.databases:
        if database.pool_timeouts:
            add(f"pool timeouts {database.name}", f"{database.pool_timeouts:,}")
    for service, interval in result.service_in_use.items():
        add_interval(f"calls in progress {service}", interval, 1.0, "", 2)
    for group in record.connections:  # long-lived connections: population, messages, memory
        add_interval(f"connections open {group.name}", group.mean_open, 1.0, "", 0)
        add_interval(f"messages {group.name}", group.message_rate, 1.0, "msg/s", 2)
        add_interval(f"message p99 {group.name}", group.message_latency.p99, 1e3, "ms", 3)
        add_interval(f"connection memory {group.name}", group.memory, 1.0 / 2**20, "MiB", 1)
        if group.refused:
            add(f"connections refused {group.name}", f"{group.refused:,}")
        if group.dropped:  # killed processes: connections and messages lost
            add(f"connections dropped {group.name}", f"{group.dropped:,}")
            add(f"messages dropped {group.name}", f"{group.messages_dropped:,}")
    for broker in record.brokers:
        add_interval(f"broker busy {broker.name}", broker.utilization, 100.0, "%", 1)
    for pool in record.task_workers:
        add_interval(f"tasks {pool.name}", pool.throughput, 1.0, "tasks/s", 2)
        add_interval(f"task workers busy {pool.name}", pool.utilization, 100.0, "%", 1)
        add_interval(f"tasks queued {pool.name}", pool.mean_queue_length, 1.0, "", 2)
        add_interval(f"task wait mean {pool.name}", pool.wait.mean, 1e3, "ms", 3)
        add_interval(f"task wait p99 {pool.name}", pool.wait.p99, 1e3, "ms", 3)
        add_interval(f"task run mean {pool.name}", pool.run.mean, 1e3, "ms", 3)
    for model in record.model_servers:  # dynamic batching: batches, their size, the wait for one
        add_interval(f"batches {model.name}", model.batch_rate, 1.0, "batches/s", 2)
        add_interval(f"batch size mean {model.name}", model.mean_batch_size, 1.0, "", 2)
        add_interval(f"batch queue delay p99 {model.name}", model.queue_delay.p99, 1e3, "ms", 3)
        add_interval(f"model instances busy {model.name}", model.utilization, 100.0, "%", 1)
    for balancer, shares in result.balancer_share.items():
        for server, interval in shares.items():
            add_interval(f"share {balancer} -> {server}", interval, 100.0, "%", 1)
    stability = result.stability
    add("stable", "yes" if stability.stable else "NO", "", "" if stability.stable else f"({stability_text(stability)})")
    little = result.little
    # Requests in flight at the window's edges make L and λW differ; when
    # responses are long against the window that is large, and worth a word.
    caveat = "; responses are long for this run: lengthen it" if little.relative_error > 0.05 else ""
    add("Little's law L", f"{little.mean_in_system:.3f}", "",
        f"λW = {little.throughput * little.mean_response:.3f}, "
        f"relative error {little.relative_error * 100:.2f} %{caveat}")

    replications = result.replications
    warmups = [replication.warmup for replication in record.replications]
    warmup = f", warm-up {sum(warmups) / len(warmups):.3g} s" if warmups else ""
    header = (f"{result.scenario}: {replications} replication{'s' if replications != 1 else ''}, "
              f"seed {result.seed}{warmup}"
              + (", ± is the 95 % confidence half-width" if replications > 1 else ""))
    return "\n".join([header, *_aligned(rows)])


def prediction_summary(prediction: Prediction) -> str:
    """A prediction's headline numbers, its model and its assumptions (``Prediction.summary()``)."""
    latency = prediction.latency
    rows: list[tuple[str, str, str, str]] = [
        ("throughput", f"{prediction.throughput:,.2f}", "req/s", ""),
        ("saturation rate", f"{prediction.saturation_rate:,.2f}", "req/s", "")]
    if prediction.saturation_population is not None:
        rows.append(("saturation users N*", f"{prediction.saturation_population:,.1f}", "", ""))
    rows += [(f"latency {_LATENCY_LABELS[name]}", milliseconds(getattr(latency, name)), "ms", "")
             for name in LATENCY_STATS if name != "max"]
    rows += [(f"error rate ({prediction.error_kind})", f"{prediction.error_rate * 100:.3f}", "%", ""),
             (f"cpu utilization {prediction.host}", f"{prediction.cpu_utilization * 100:.1f}", "%", ""),
             (f"workers busy {prediction.server}", f"{prediction.worker_busy_fraction * 100:.1f}", "%", ""),
             (f"mean queue {prediction.server}", f"{prediction.mean_queue_length:.3f}", "", ""),
             (f"queued {prediction.server}", f"{prediction.queued_fraction * 100:.1f}", "%", "")]
    lines = [f"{prediction.scenario}: analytic estimate" + (" (saturated)" if prediction.saturated else ""),
             f"  model: {prediction.model}", *_aligned(rows), "  assumes:"]
    lines += [f"  - {line}" for line in prediction.assumptions]
    return "\n".join(lines)
