"""The sections of a comparison: the question, deployments and cases, the results with
their intervals, the verdict per case with its ratio and confidence, and the curves."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from servesim.comparison.report import _duration_text, _phase_text
from servesim.comparison.verdict import verdict_text
from servesim.report import figures
from servesim.report.html import Cell, bullets, figure, number, paragraph, section, table

if TYPE_CHECKING:
    import pandas as pd

    from servesim.comparison import ComparisonResult
    from servesim.result import Result

__all__ = ["comparison_sections", "ratio_interval"]

_TOLERANCE = 0.1  # ComparisonResult.verdicts' default: relative differences below it are no real difference


def ratio_interval(ratio: float, relative_errors: list[float]) -> tuple[float, float]:
    """A 95 % interval for a ratio of two independent means from their relative half-widths
    (first-order propagation: the relative half-widths add in quadrature)."""
    if not math.isfinite(ratio) or any(not math.isfinite(e) for e in relative_errors):
        return (math.nan, math.nan)
    spread = math.sqrt(sum(e * e for e in relative_errors))
    return (ratio * (1 - spread), ratio * (1 + spread))


def _relative(value: float | None, half_width: float | None) -> float:
    if value is None or half_width is None or value == 0:
        return math.nan
    return abs(half_width / value)


def _message_error(result: Result, by_rate: bool) -> float:
    """The relative half-width of a WebSocket run's messages/s (``by_rate``) or
    message p50; NaN with several groups, whose sum has no interval here."""
    groups = result.record.connections
    if len(groups) != 1:
        return math.nan
    interval = groups[0].message_rate if by_rate else groups[0].message_latency.p50
    return _relative(interval.value, interval.half_width)


def _verdict_rows(outcome: ComparisonResult, verdicts: pd.DataFrame,
                  tolerance: float = _TOLERANCE) -> list[list[Cell | str]]:
    baseline = verdicts.attrs["baseline"]
    factor = verdicts.attrs["factor"]
    rows: list[list[Cell | str]] = []
    for row in verdicts.to_dict(orient="records"):
        base = outcome.results[(row["case"], row["users"], baseline)]
        other = outcome.results[(row["case"], row["users"], row["challenger"])]
        if row["basis"] == "messages":
            by_rate = bool(row["baseline_saturated"] or row["challenger_saturated"])
            errors = [_message_error(result, by_rate) for result in (base, other)]
        elif row["basis"] == "throughput":
            errors = [_relative(base.throughput_ci.value, base.throughput_ci.half_width),
                      _relative(other.throughput_ci.value, other.throughput_ci.half_width)]
        else:
            b50, c50 = base.latency_ci["p50"], other.latency_ci["p50"]
            errors = [_relative(b50.value, b50.half_width), _relative(c50.value, c50.half_width)]
        low, high = ratio_interval(row["speedup"], errors)
        if math.isnan(low):
            confidence = "no interval (one replication or no data)"
        else:
            ends = [verdict_text(end, factor=factor, tolerance=tolerance) for end in (low, high)]
            confidence = ("clear: the whole interval gives this verdict" if ends[0] == ends[1] else
                          f"uncertain: the interval spans {ends[0]} to {ends[1]}")
        rows.append([row["case"], Cell(f"{row['users']:,}", numeric=True), row["challenger"], row["basis"],
                     Cell(f"{row['speedup']:.2f}x" if math.isfinite(row["speedup"]) else "-", numeric=True,
                          data={"speedup": row["speedup"] if math.isfinite(row["speedup"]) else None}),
                     Cell("-" if math.isnan(low) else f"{low:.2f}x - {high:.2f}x", numeric=True),
                     Cell(row["verdict"], data={"verdict": row["verdict"]}), confidence])
    return rows


def comparison_sections(outcome: ComparisonResult) -> list[str]:
    """Question, deployments, cases, results, verdicts and curves."""
    comparison = outcome.comparison
    data = comparison.to_dict()
    setup = [f"deployment {name}: {comparison.describe(name)}" for name in comparison.deployments]
    for case, settings in data["cases"].items():
        phases = ", then ".join(_phase_text(phase) for phase in (settings or {}).get("phases", []))
        setup.append(f"case {case}: {phases}" + (f" ({settings['style']} def)" if (settings or {}).get("style")
                                                 else ""))
    setup.append(f"users: {', '.join(f'{users:,}' for users in comparison.users)} (a closed workload; "
                 f"think time {_duration_text(data.get('think_time', 0))})")
    sections = [section("The comparison", bullets(setup),
                        intro="Each case is one endpoint, run alone on every deployment.")]
    frame = outcome.frame
    rows: list[list[Cell | str]] = []
    for row in frame.to_dict(orient="records"):
        ci = row["throughput_ci_rps"]
        rows.append([row["case"], Cell(f"{row['users']:,}", numeric=True), row["deployment"],
                     Cell(f"{number(row['throughput_rps'], 4)}" + (f" ± {number(ci, 2)}" if math.isfinite(ci) else ""),
                          numeric=True, data={"value": row["throughput_rps"]}),
                     Cell(number(row["latency_p50_s"], 4, 1e3), numeric=True),
                     Cell(number(row["latency_p99_s"], 4, 1e3), numeric=True),
                     Cell(f"{row['error_rate']:.2%}", numeric=True), row["saturated"] or "-"])
    sections.append(section("Results", table(["case", "users", "deployment", "req/s ± 95 % CI", "p50 ms",
                                              "p99 ms", "errors", "saturated"], rows, kind="comparison"),
                            intro="Means over replications; saturated names a resource busy at least 95 % "
                                  "of the time."))
    fig, axes = figures.new_axes(2, frame["case"].nunique(), size=(3.8 * frame["case"].nunique() + 1, 6.5))
    figures.comparison_curves(frame, axes=axes)
    sections.append(section("Curves", figure(fig, "comparison", "Throughput (95 % bars) and p99 of each "
                                             "deployment against users, one column per case.")))
    if len(comparison.deployments) >= 2:
        verdicts = outcome.verdicts()
        claim = (f"Is each challenger at least {verdicts.attrs['factor']:g}x faster than "
                 f"{verdicts.attrs['baseline']}? Judged on throughput where either side saturates, "
                 "else on the median latency (p50); ratios above 1 favour the challenger.")
        sections.append(section("Verdicts", paragraph(claim), table(
            ["case", "users", "challenger", "basis", "ratio", "95 % CI", "verdict", "confidence"],
            _verdict_rows(outcome, verdicts), kind="verdicts")))
    return sections
