"""Comparison results for people: the text table a terminal prints and the
Markdown report, both built from the frame and the verdicts
(:class:`~servesim.comparison.outcome.ComparisonResult`).

Tables print latencies in milliseconds and busy fractions and errors in percent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from servesim.comparison.spec import Comparison, _plural
from servesim.comparison.verdict import ERROR_RATE_THRESHOLD, SATURATION_THRESHOLD

if TYPE_CHECKING:  # pandas is imported lazily, as in result.py
    import pandas as pd

__all__ = ["markdown_report", "text_table"]


def text_table(comparison: Comparison, frame: pd.DataFrame, verdicts: pd.DataFrame | None) -> str:
    """The headline, the results and (given) the verdicts, as text for a terminal."""
    lines = [_headline(comparison), "", _format_table(_result_cells(comparison, frame)), _busy_note(comparison)]
    if verdicts is not None:
        lines += ["", _verdict_title(verdicts), "", _format_table(_verdict_cells(verdicts))]
    return "\n".join(lines)


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1e3:,.1f}"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}"


def _times(ratio: float) -> str:
    if math.isnan(ratio):
        return "-"
    return "inf" if math.isinf(ratio) else f"{ratio:.2f}x"


def _result_cells(comparison: Comparison, frame: pd.DataFrame) -> list[list[str]]:
    capped = [name for name in comparison.services if comparison.service_capacity(name) is not None]
    header = ["case", "users", "deployment", "req/s", "p50 ms", "p99 ms", "errors %",
              "cpu %", "workers %", "GIL %"]
    header += [text for name in comparison.databases for text in (f"db {name} %", f"pool {name} waits %")]
    header += [f"svc {name} %" for name in capped]
    rows = [[*header, "saturated"]]
    previous: tuple[str, int] | None = None
    for row in frame.to_dict(orient="records"):
        first = (row["case"], row["users"]) != previous
        previous = (row["case"], row["users"])
        cells = [row["case"] if first else "", f"{row['users']:,}" if first else "", row["deployment"],
                 f"{row['throughput_rps']:,.1f}", _ms(row["latency_p50_s"]), _ms(row["latency_p99_s"]),
                 _percent(row["error_rate"]), _percent(row["cpu_busy"]), _percent(row["worker_busy"]),
                 _percent(row["gil_busy"])]
        cells += [_percent(row[column]) for name in comparison.databases
                  for column in (f"database_busy_{name}", f"pool_waited_{name}")]
        cells += [_percent(row[f"service_busy_{name}"]) for name in capped]
        rows.append([*cells, row["saturated"] or "-"])
    return rows


def _verdict_cells(verdicts: pd.DataFrame) -> list[list[str]]:
    """The verdict rows; a challenger column when there are several challengers."""
    several = verdicts.attrs["challenger"] is None
    rows = [["case", "users", *(["challenger"] if several else []), "throughput", "p50", "p99", "basis", "verdict"]]
    for row in verdicts.itertuples(index=False):
        rows.append([row.case, f"{row.users:,}", *([row.challenger] if several else []),
                     _times(row.throughput_ratio), _times(row.p50_ratio), _times(row.p99_ratio), row.basis,
                     row.verdict])
    return rows


def _format_table(cells: list[list[str]]) -> str:
    """Left-aligned text columns, numbers right-aligned."""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]

    def numeric(text: str) -> bool:
        return text[:1].isdigit() or text in ("-", "inf")

    lines = []
    for index, row in enumerate(cells):
        parts = [cell.rjust(width) if index and numeric(cell) and column not in (0, 2) else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _challengers(verdicts: pd.DataFrame) -> str:
    names = list(dict.fromkeys(verdicts["challenger"]))
    return names[0] if len(names) == 1 else "each of " + ", ".join(names)


def _claim(verdicts: pd.DataFrame) -> str:
    return (f'"{_challengers(verdicts)} is at least {verdicts.attrs["factor"]:g}x faster than '
            f'{verdicts.attrs["baseline"]}"')


def _verdict_title(verdicts: pd.DataFrame) -> str:
    favour = verdicts.attrs["challenger"] or "the challenger"
    return (f"Verdict on {_claim(verdicts)} (ratios > 1 favour {favour}; "
            "judged on throughput where either side saturates, else on p50; a case with "
            "connections on its messages):")


def _headline(comparison: Comparison) -> str:
    sample = comparison.scenario(comparison.deployments[0], comparison.cases[0], comparison.users[0])
    warmup = "automatic warm-up" if sample.warmup == "auto" else f"{sample.warmup:g} s warm-up"
    lines = [comparison.name + (f": {comparison.question}" if comparison.question else "")]
    lines += [f"  {name}: {comparison.describe(name)}" for name in comparison.deployments]
    lines += [f"  {line}" for line in _dependency_lines(comparison)]
    lines.append(f"  {sample.duration:g} s per run ({warmup}), "
                 f"{_plural(sample.replications, 'replication')}, seed {sample.seed}")
    return "\n".join(lines)


def _busy_note(comparison: Comparison) -> str:
    """What the busy columns of :func:`_result_cells` measure."""
    parts = ["cpu = the host's cores", "workers = Gunicorn worker threads or Uvicorn event loops",
             "GIL = held time per process"]
    if comparison.databases:
        parts += ["db = the database's connections executing queries",
                  "pool waits = checkouts that waited for a pooled connection"]
    if any(comparison.service_capacity(name) is not None for name in comparison.services):
        parts.append("svc = a service's calls in progress over its concurrency")
    return "busy: " + ", ".join(parts)


def _markdown_table(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in cells[0]) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _duration_text(value: Any) -> str:
    """``50ms``, or ``lognormal (mean 50ms, cv 0.5)`` for a distribution."""
    if isinstance(value, Mapping):
        parameters = ", ".join(f"{key} {item}" for key, item in value.items() if key != "dist")
        return f"{value.get('dist', 'constant')} ({parameters})"
    return str(value)


def _settings_text(settings: Mapping[str, Any]) -> str:
    """``connections 20, query_time 5ms, pool (size 5, max_overflow 10)``."""
    def value_text(value: Any) -> str:
        if isinstance(value, Mapping) and "dist" not in value:
            return f"({_settings_text(value)})"
        return _duration_text(value)

    return ", ".join(f"{key} {value_text(value)}" for key, value in settings.items())


def _phase_text(phase: Any) -> str:
    """``cpu 1ms``, ``query on pg (8ms)``, ``call to payments``, ``cache (hit ratio 0.9: ...)``."""
    if not (isinstance(phase, Mapping) and len(phase) == 1):
        return str(phase)
    ((kind, value),) = phase.items()
    if kind == "db":
        if isinstance(value, Mapping):
            query = f" ({_duration_text(value['query'])})" if "query" in value else ""
            return f"query on {value.get('database')}{query}"
        return f"query on {value}"
    if kind == "call":
        return f"call to {value.get('service') if isinstance(value, Mapping) else value}"
    if kind == "cache" and isinstance(value, Mapping):
        def branch(key: str) -> str:
            return ", then ".join(_phase_text(item) for item in value.get(key) or []) or "nothing"
        return f"cache (hit ratio {value.get('hit_ratio')}: {branch('hit')}; miss: {branch('miss')})"
    return f"{kind} {_duration_text(value)}"


def _dependency_lines(comparison: Comparison) -> list[str]:
    """``pg: database, connections 20, query_time 5ms`` per database and service."""
    data = comparison.to_dict()
    lines = [f"{name}: database, {_settings_text(data['databases'][name] or {}) or 'defaults'}"
             for name in comparison.databases]
    lines += [f"{name}: service, {_settings_text(data['services'][name] or {}) or 'defaults'}"
              for name in comparison.services]
    return lines


def markdown_report(comparison: Comparison, frame: pd.DataFrame, verdicts: pd.DataFrame | None) -> str:
    """The Markdown report: question, deployments, dependencies, cases, load,
    results, (given) verdicts and assumptions."""
    data = comparison.to_dict()
    sample = comparison.scenario(comparison.deployments[0], comparison.cases[0], comparison.users[0])
    lines = [f"# {comparison.name}", ""]
    if comparison.question:
        lines += [f"**Question:** {comparison.question}", ""]
    lines += ["## Deployments", ""]
    lines += [f"- **{name}**: {comparison.describe(name)}" for name in comparison.deployments]
    if comparison.databases or comparison.services:
        lines += ["", "## Databases and services", "",
                  "Shared by every deployment; each server process has its own connection pool "
                  "for each database.", ""]
        lines += [f"- **{name}**:{rest}" for name, rest in
                  (line.split(":", 1) for line in _dependency_lines(comparison))]
    lines += ["", "## Cases", "",
              "Each case is one endpoint, run alone on every deployment.", ""]
    for case, settings in data["cases"].items():
        settings = settings or {}
        phases = ", then ".join(_phase_text(phase) for phase in settings.get("phases", []))
        style = f" (`{settings['style']} def`)" if settings.get("style") == "async" else (
            " (plain `def`)" if settings.get("style") == "sync" else "")
        lines.append(f"- **{case}**{style}: {phases}")
    think = data.get("think_time", 0)
    timeout = data.get("client_timeout")
    lines += ["", "## Load", "",
              f"{', '.join(f'{users:,}' for users in comparison.users)} concurrent users, each "
              f"thinking {_duration_text(think)} between an answer and its next request"
              + (f", giving up after {timeout}" if timeout is not None else "") + ". "
              f"{sample.duration:g} s simulated per run, "
              f"{'an automatic' if sample.warmup == 'auto' else f'{sample.warmup:g} s of'} warm-up "
              f"discarded, {_plural(sample.replications, 'replication')}, seed {sample.seed}.", ""]
    lines += ["## Results", "",
              "Throughput counts answers the users received (a request the client gave up on "
              "does not count); latencies in ms; busy columns in percent of capacity "
              f"({_busy_note(comparison)[len('busy: '):]}).", "",
              _markdown_table(_result_cells(comparison, frame)), ""]
    if verdicts is not None:
        lines += ["## Verdicts", "", _verdict_title(verdicts), "",
                  _markdown_table(_verdict_cells(verdicts)), ""]
    lines += ["## Assumptions", "",
              "- Each case runs alone on each deployment: a closed workload of the given users "
              "(think time, then a request, then wait for the answer).",
              "- Only Uvicorn runs `async def`: elsewhere a case's `style` is dropped, and where an "
              "endpoint runs on a thread (Gunicorn sync and gthread workers, `def` endpoints in "
              "Uvicorn's thread pool) `blocking_io` is an ordinary `io` wait, since it blocks only "
              "that thread. In an `async def` on Uvicorn it stalls the event loop.",
              "- `cpu` phases need their process's GIL and a core; `io` waits use neither. "
              "Framework overheads are the presets named by `framework`.",
              "- Database queries and service calls are waits like `io`: a thread's (a blocking "
              "driver) where the endpoint runs on one, awaited (an async driver) on an event loop. "
              "A sync worker has one query in flight at most, threads one each, an event loop "
              "one per request, and beyond its process's connection pool they wait for a connection.",
              f"- A resource is *saturated* when busy at least {SATURATION_THRESHOLD:.0%} of the "
              "time; cores first, then databases (connections executing queries), connection "
              f"pools (at least {SATURATION_THRESHOLD:.0%} of checkouts waited), services "
              "(calls in progress against their concurrency), the event loop, the GIL, worker "
              "threads; `backlog` when connections were refused and nothing else saturated "
              "(`connections` when long-lived connections were). A task pool whose queue grows is "
              "saturated too. A verdict names a database, pool, service or task pool that limits a side.",
              "- A case with `connections` (WebSockets, streaming responses) is judged on its "
              "messages: messages/s where a side saturates, else the median message latency; the "
              "verdict gives the connections each side held open (time average). On Gunicorn sync "
              "a WebSocket holds a worker for its lifetime (flask-sock), so a deployment holds at "
              "most `workers` of them and serves no HTTP meanwhile.",
              "- Verdicts: with either side saturated (or more than "
              f"{ERROR_RATE_THRESHOLD:.0%} of its requests failing) the speed-up is the throughput "
              "ratio; otherwise the ratio of medians (p50). At least 3x: *holds*; at least 1.1x: "
              "*faster but < 3x*; within 10 %: *no real difference*; else *baseline faster*; "
              "*neither answers* when no request of either side got an answer in time.",
              "- Numbers are means over independent replications; see the frame's "
              "`throughput_ci_rps` column for 95 % confidence half-widths.", ""]
    return "\n".join(lines)

