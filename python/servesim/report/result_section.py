"""The sections of one simulation result: headline numbers with their 95 % intervals, the
resources' busy fractions, the latency distribution and, for workloads that change over
time, the time series."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servesim.report import figures
from servesim.report.html import Cell, ci_text, figure, number, paragraph, section, table

if TYPE_CHECKING:
    from servesim.records import ConfidenceInterval
    from servesim.result import Result
    from servesim.scenario import Scenario

__all__ = ["changes_over_time", "headline_table", "result_sections"]

_LATENCIES = ("mean", "p50", "p90", "p99", "p999")


def _row(name: str, metric: str, ci: ConfidenceInterval, unit: str, scale: float = 1.0) -> list[Cell | str]:
    data = {"metric": metric, "value": ci.value, "half-width": ci.half_width if ci.samples >= 2 else None}
    return [name, Cell(ci_text(ci, scale), numeric=True, data=data), unit]


def headline_table(result: Result) -> str:
    """Throughput, goodput, latencies (ms) and errors; each cell carries ``data-metric`` and
    ``data-value`` (the unscaled number: req/s, seconds) for checks."""
    rows = [_row("throughput", "throughput", result.throughput_ci, "req/s"),
            _row("goodput (within SLO)", "goodput", result.goodput_ci, "req/s")]
    latency = result.latency_ci
    rows += [_row(f"latency {name}", f"latency.{name}", latency[name], "ms", 1e3) for name in _LATENCIES]
    rows.append(["error rate", Cell(f"{result.error_rate:.2%}", numeric=True,
                                    data={"metric": "error_rate", "value": result.error_rate}), "of answers"])
    rows.append(["completed", Cell(f"{result.completed:,}", numeric=True,
                                   data={"metric": "completed", "value": result.completed}),
                 f"requests over {result.replications} replication(s)"])
    return table(["metric", "value ± 95 % CI", "unit"], rows, kind="headline")


def _resource_table(result: Result) -> str:
    rows: list[list[Cell | str]] = []
    groups = (("cores of host", result.cpu_utilization, "%"), ("workers of server", result.worker_busy, "%"),
              ("GIL of server", result.gil_busy, "%"), ("connections of database", result.database_utilization, "%"),
              ("waiting in server", result.mean_queue_length, "requests"),
              ("calls in progress at service", result.service_in_use, "calls"))
    for what, values, unit in groups:
        for name, ci in values.items():
            scale = 100.0 if unit == "%" else 1.0
            rows.append([f"{what} {name}", Cell(ci_text(ci, scale), numeric=True,
                                                data={"metric": what, "value": ci.value}), unit])
    return table(["resource", "busy ± 95 % CI", "unit"], rows, kind="resources")


def changes_over_time(scenario: Scenario | None) -> bool:
    """Whether the scenario's load changes during the run (a profile, bursts or a trace)."""
    if scenario is None:
        return False
    open_ = (scenario.to_dict()["workload"].get("open") or {})
    return bool(open_.get("profile") or open_.get("trace") or open_.get("arrivals") in ("bursty", "trace"))


def result_sections(result: Result, *, scenario: Scenario | None = None, slo_s: float | None = None,
                    title: str = "Results", timeline: bool | None = None) -> list[str]:
    """Headline table, resources, latency distribution and (when the load changes over time,
    or ``timeline=True``) the time series."""
    stability = result.stability
    verdict = ("The servers kept up with the offered load." if stability.stable else
               f"The servers did not keep up: {stability.resource} limits them to about "
               f"{number(stability.capacity)} req/s, {number(stability.excess_rate)} req/s too few.")
    sections = [section(title, headline_table(result), paragraph(verdict),
                        intro=f"{result.replications} replication(s), seed {result.seed}; "
                              "means with 95 % confidence half-widths.")]
    resources = _resource_table(result)
    sections.append(section("Resources", resources,
                            intro="Busy fraction of each resource over the measured time."))
    fig, (ax,) = figures.new_axes(size=(7.0, 3.6))
    latency = result.latency
    buckets = result.to_dict().get("histogram", {}).get("buckets", [])
    figures.latency_distribution(buckets, p50=latency.p50, p99=latency.p99, slo_s=slo_s, ax=ax)
    sections.append(section("Latency distribution", figure(
        fig, "latency-distribution", "Share of requests answered within a response time "
        "(pooled over replications), p50 and p99 marked.",
        {"p50": latency.p50, "p99": latency.p99})))
    if timeline if timeline is not None else changes_over_time(scenario):
        frame = result.timeline_frame()
        if len(frame):
            fig, axes = figures.new_axes(1, 3, size=(12.0, 3.4))
            figures.timeline(frame, axes=axes)
            sections.append(section("Over time", figure(
                fig, "timeline", "Arrivals, throughput and goodput, p99 and queue lengths per "
                "interval, averaged over replications (warm-up included).")))
    return sections
