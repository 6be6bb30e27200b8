"""The figures of reports and of the ``.plot()`` methods, drawn with matplotlib.

Each function draws on axes it is given (or new ones) and returns them, so users can
restyle them. Lines that mark a number the report also prints (the saturation point, the
knee, the SLO, a percentile, the chosen plan) carry a matplotlib ``gid``; :func:`marks`
reads them back from the drawn figure, and the report stores them in ``data-mark-*``
attributes, so tests compare what is drawn with what the objects say.

Units on the axes: req/s (or users) for load, milliseconds for latency, percent for
utilization.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["comparison_curves", "knee", "latency_distribution", "load_curve", "marks", "new_axes",
           "plan_candidates", "timeline", "utilization"]

# Marks whose values the report stores and tests compare (the artists' gid).
MARKS = ("saturation", "knee", "slo", "p50", "p99", "chosen", "load")


def new_axes(rows: int = 1, columns: int = 1, *, size: tuple[float, float] = (7.0, 3.6),
             pyplot: bool = False) -> tuple[Figure, list[Axes]]:
    """A figure and its axes (a flat list). ``pyplot=True`` registers it with pyplot (for
    notebooks and ``plt.show()``); reports use bare figures, which need no display."""
    if pyplot:
        import matplotlib.pyplot as plt

        fig, grid = plt.subplots(rows, columns, figsize=size, squeeze=False)
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=size)
        grid = fig.subplots(rows, columns, squeeze=False)
    return fig, [ax for row in grid for ax in row]


def marks(fig: Figure) -> dict[str, dict[str, float]]:
    """The marked lines of a figure by gid: ``{"saturation": {"x": 200.0, "y": 0.0}}``
    (the line's first point: x for vertical lines, y for horizontal ones)."""
    found: dict[str, dict[str, float]] = {}
    for ax in fig.axes:
        for line in ax.get_lines():
            gid = line.get_gid()
            if gid in MARKS and gid not in found:
                xy = np.asarray(line.get_xydata(), dtype=float)
                found[gid] = {"x": float(xy[0, 0]), "y": float(xy[0, 1])}
    return found


def knee(curve: pd.DataFrame, saturation: float | None) -> float | None:
    """The load where p99 first reaches twice its value at the lightest simulated load
    (linearly interpolated), or None when the curve has no light-load point (none at half
    the saturation load or less) or p99 never doubles."""
    points = _mean_curve(curve.dropna(subset=["p99_s"]))
    if len(points) < 3 or saturation is None or float(points["load"].min()) > 0.5 * saturation:
        return None
    loads, p99 = list(points["load"]), list(points["p99_s"])
    threshold = 2 * p99[0]
    for (x0, y0), (x1, y1) in zip(zip(loads, p99), zip(loads[1:], p99[1:])):
        if y1 >= threshold:
            return x0 if y1 == y0 else x0 + (threshold - y0) * (x1 - x0) / (y1 - y0)
    return None


def _mean_curve(curve: pd.DataFrame) -> pd.DataFrame:
    # Points simulated twice (a screening run, then replications) keep the one with more replications.
    return curve.sort_values(["load", "replications"]).drop_duplicates("load", keep="last")


def load_curve(curve: pd.DataFrame, *, saturation: float | None, knee_load: float | None = None,
               slo_s: float | None = None, bottleneck: str = "", closed: bool = False,
               axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Throughput (left) and p50/p99 (right, ms, log scale) against offered load, with
    95 % CI bars, the saturation point, the knee and the SLO marked."""
    if axes is None:
        _, axes = new_axes(1, 2, size=(10.0, 3.8), pyplot=True)
    throughput, latency = axes[0], axes[1]
    points = _mean_curve(curve)
    unit = "users" if closed else "offered load (req/s)"
    throughput.errorbar(points["load"], points["throughput"], yerr=points["throughput_ci"].fillna(0),
                        marker="o", ms=4, capsize=2, label="throughput")
    if not closed:
        top = float(points["load"].max())
        throughput.plot([0, top], [0, top], ls=":", color="0.6", label="throughput = load")
    for column, label in (("p50_s", "p50"), ("p99_s", "p99")):
        latency.errorbar(points["load"], points[column] * 1e3, yerr=points[f"{column}_ci"].fillna(0) * 1e3,
                         marker="o", ms=4, capsize=2, label=label)
    latency.set_yscale("log")
    for ax in (throughput, latency):
        if saturation is not None:
            ax.axvline(saturation, color="C3", ls="--", gid="saturation",
                       label=f"saturation {saturation:,.4g}")
        if knee_load is not None:
            ax.axvline(knee_load, color="C4", ls="-.", gid="knee", label=f"knee {knee_load:,.4g}")
        ax.set_xlabel(unit)
        ax.grid(alpha=0.3)
    if slo_s is not None:
        latency.axhline(slo_s * 1e3, color="C2", ls="--", gid="slo", label=f"SLO {slo_s * 1e3:,.4g} ms")
    throughput.set_ylabel("throughput (req/s)")
    latency.set_ylabel("latency (ms)")
    if bottleneck:
        throughput.set_title(f"bottleneck: {bottleneck}", fontsize=10)
    throughput.legend(fontsize=8)
    latency.legend(fontsize=8)
    return list(axes)


def utilization(curve: pd.DataFrame, *, saturation: float | None = None, closed: bool = False,
                ax: Axes | None = None) -> Axes:
    """Every resource's utilization (percent, by the utilization law) against load, from the
    curve's ``util:<path>`` columns: the first to reach 100 % is the bottleneck."""
    if ax is None:
        _, (ax,) = new_axes(pyplot=True)
    points = _mean_curve(curve)
    columns = [c for c in points.columns if c.startswith("util:")]
    for column in sorted(columns, key=lambda c: -float(points[c].max())):
        ax.plot(points["load"], points[column] * 100, marker="o", ms=3, label=column[len("util:"):])
    ax.axhline(100, color="0.4", lw=0.8)
    if saturation is not None:
        ax.axvline(saturation, color="C3", ls="--", gid="saturation")
    ax.set_xlabel("users" if closed else "offered load (req/s)")
    ax.set_ylabel("utilization (%)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def latency_distribution(buckets: Sequence[Sequence[float]], *, p50: float | None, p99: float | None,
                         slo_s: float | None = None, ax: Axes | None = None) -> Axes:
    """The response-time CDF (ms, log scale) from the result's histogram buckets
    ``[low_s, high_s, count]``, with p50, p99 and the SLO marked."""
    if ax is None:
        _, (ax,) = new_axes(pyplot=True)
    total = sum(b[2] for b in buckets)
    if total:
        xs, ys, seen = [], [], 0.0
        for low, high, count in buckets:
            xs += [low * 1e3, high * 1e3]
            ys += [seen / total, (seen + count) / total]
            seen += count
        ax.plot(xs, ys, color="C0", label="CDF")
        ax.set_xscale("log")
    for value, gid, color in ((p50, "p50", "C1"), (p99, "p99", "C3")):
        if value is not None:
            ax.axvline(value * 1e3, color=color, ls="--", gid=gid, label=f"{gid} {value * 1e3:,.4g} ms")
    if slo_s is not None:
        ax.axvline(slo_s * 1e3, color="C2", ls=":", gid="slo", label=f"SLO {slo_s * 1e3:,.4g} ms")
    ax.set_xlabel("response time (ms)")
    ax.set_ylabel("fraction answered within")
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


def timeline(frame: pd.DataFrame, *, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """The run over time, averaged over replications: arrivals, throughput and goodput
    (req/s), p99 (ms) and each server's queue length."""
    if axes is None:
        _, axes = new_axes(1, 3, size=(12.0, 3.4), pyplot=True)
    numeric = frame.drop(columns=["replication"]).groupby("start_s").mean(numeric_only=True)
    rates, p99, queues = axes[0], axes[1], axes[2]
    for column, label in (("arrival_rps", "arrivals"), ("throughput_rps", "throughput"),
                          ("goodput_rps", "goodput")):
        rates.plot(numeric.index, numeric[column], label=label)
    rates.set_ylabel("req/s")
    p99.plot(numeric.index, numeric["p99_latency_s"] * 1e3, color="C3", label="p99")
    p99.set_ylabel("p99 (ms)")
    for column in (c for c in numeric.columns if c.startswith("queue_")):
        queues.plot(numeric.index, numeric[column], label=column[len("queue_"):])
    queues.set_ylabel("requests waiting")
    for ax in axes:
        ax.set_xlabel("time (s)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return list(axes)


def comparison_curves(frame: pd.DataFrame, *, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Per case: throughput (req/s) and p99 (ms) of each deployment against users."""
    cases = list(dict.fromkeys(frame["case"]))
    if axes is None:
        _, axes = new_axes(2, len(cases), size=(3.6 * len(cases) + 1, 6.0), pyplot=True)
    for index, case in enumerate(cases):
        rows = frame[frame["case"] == case]
        top, bottom = axes[index], axes[len(cases) + index]
        for number, (deployment, runs) in enumerate(rows.groupby("deployment", sort=False)):
            color = f"C{number}"
            top.errorbar(runs["users"], runs["throughput_rps"], yerr=runs["throughput_ci_rps"].fillna(0),
                         marker="o", ms=4, capsize=2, color=color, label=deployment)
            bottom.plot(runs["users"], runs["latency_p99_s"] * 1e3, marker="o", ms=4, color=color,
                        label=deployment)
        top.set_title(case, fontsize=10)
        for ax in (top, bottom):
            if rows["users"].nunique() > 1 and rows["users"].min() > 0:
                ax.set_xscale("log")
            ax.set_xlabel("users")
            ax.grid(alpha=0.3)
        top.set_ylabel("throughput (req/s)")
        bottom.set_ylabel("p99 (ms)")
        bottom.set_yscale("log")
        top.legend(fontsize=8)
    return list(axes)


def plan_candidates(candidates: pd.DataFrame, *, slo: Mapping[str, Any], chosen: int | None,
                    currency: str = "", ax: Axes | None = None) -> Axes:
    """Simulated candidates' p99 (ms) against cost, by verdict, the chosen one circled and the
    p99 SLO drawn; candidates pruned by the analytic bound have no p99 and are not shown."""
    if ax is None:
        _, (ax,) = new_axes(pyplot=True)
    simulated = candidates[candidates["p99_s"].notna()]
    for number, (verdict, rows) in enumerate(simulated.groupby("verdict", sort=False)):
        ax.errorbar(rows["cost"], rows["p99_s"] * 1e3, yerr=rows["p99_ci_s"].fillna(0) * 1e3, fmt="o",
                    ms=5, capsize=2, color=f"C{number}", label=f"{verdict} ({len(rows)})")
    if chosen is not None and chosen in simulated.index:
        row = simulated.loc[chosen]
        ax.plot([row["cost"]], [row["p99_s"] * 1e3], "o", ms=14, mfc="none", mec="k", gid="chosen",
                label="chosen")
    if slo.get("p99") is not None and math.isfinite(float(slo["p99"])):
        ax.axhline(float(slo["p99"]) * 1e3, color="C2", ls="--", gid="slo",
                   label=f"SLO p99 {float(slo['p99']) * 1e3:,.4g} ms")
    ax.set_xlabel(f"cost ({currency})" if currency else "cost")
    ax.set_ylabel("p99 (ms)")
    ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax
