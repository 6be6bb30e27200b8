"""What the ``.plot()`` methods draw: new pyplot figures (so notebooks show them and
``plt.show()`` works) from :mod:`servesim.report.figures`, returned for restyling."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from servesim.report import figures
from servesim.report.saturation_section import slo_seconds

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from servesim.comparison import ComparisonResult
    from servesim.plan import Plan
    from servesim.result import Result
    from servesim.saturation import Saturation

__all__ = ["plot_comparison", "plot_plan", "plot_result", "plot_saturation"]

Slo = Mapping[str, str | float] | None


def _choice(kind: str, choices: tuple[str, ...]) -> None:
    if kind not in choices:
        raise ValueError(f"kind must be one of {', '.join(map(repr, choices))}, got {kind!r}")


def plot_result(result: Result, kind: str, slo: Slo) -> Figure:
    _choice(kind, ("latency", "timeline"))
    if kind == "timeline":
        fig, axes = figures.new_axes(1, 3, size=(12.0, 3.4), pyplot=True)
        figures.timeline(result.timeline_frame(), axes=axes)
        return fig
    fig, (ax,) = figures.new_axes(pyplot=True)
    latency = result.latency
    buckets = result.to_dict().get("histogram", {}).get("buckets", [])
    figures.latency_distribution(buckets, p50=latency.p50, p99=latency.p99, slo_s=slo_seconds(slo).get("p99"), ax=ax)
    return fig


def plot_saturation(found: Saturation, kind: str, slo: Slo) -> Figure:
    _choice(kind, ("curve", "utilization"))
    closed = found.users is not None
    answer = found.users if closed else found.rate
    if kind == "utilization":
        fig, (ax,) = figures.new_axes(size=(8.0, 3.8), pyplot=True)
        figures.utilization(found.curve, saturation=answer, closed=closed, ax=ax)
        return fig
    fig, axes = figures.new_axes(1, 2, size=(11.0, 4.0), pyplot=True)
    knee = found.analytic if closed else figures.knee(found.curve, answer)
    figures.load_curve(found.curve, saturation=answer, knee_load=knee, slo_s=slo_seconds(slo).get("p99"),
                       bottleneck=found.bottleneck, closed=closed, axes=axes)
    return fig


def plot_plan(answer: Plan) -> Figure:
    fig, (ax,) = figures.new_axes(size=(7.5, 3.8), pyplot=True)
    frame = answer.candidates
    chosen = next((int(rank) for rank, verdict in frame["verdict"].items() if verdict == "chosen"), None)
    figures.plan_candidates(frame, slo=answer.spec.get("slo", {}), chosen=chosen,
                            currency=str(answer.spec.get("cost", {}).get("currency", "")), ax=ax)
    return fig


def plot_comparison(outcome: ComparisonResult) -> Figure:
    frame = outcome.frame
    cases = frame["case"].nunique()
    fig, axes = figures.new_axes(2, cases, size=(3.8 * cases + 1, 6.5), pyplot=True)
    figures.comparison_curves(frame, axes=axes)
    return fig
