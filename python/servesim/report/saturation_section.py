"""The sections of a saturation search: the answer and bottlenecks, the load curve, every
resource's utilization against load and the simulated points."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from servesim.report import figures
from servesim.report.html import Cell, figure, number, paragraph, section, table

if TYPE_CHECKING:
    from servesim.saturation import Saturation

__all__ = ["saturation_sections", "slo_seconds"]

_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def slo_seconds(slo: Mapping[str, str | float] | None) -> dict[str, float]:
    """SLO terms as numbers: latencies in seconds (``"200ms"`` -> 0.2), errors a fraction
    (``"0.1%"`` -> 0.001). Raises ValueError naming the term for text it cannot read."""
    terms: dict[str, float] = {}
    for metric, value in (slo or {}).items():
        if not isinstance(value, str):
            terms[metric] = float(value)
            continue
        match = re.fullmatch(r"\s*([0-9.eE+-]+)\s*(%|[a-zµ]*)\s*", value)
        if not match or (match[2] and match[2] != "%" and match[2] not in _UNITS):
            raise ValueError(f"slo.{metric}: expected a duration such as 200ms or a fraction, got {value!r}")
        scale = 0.01 if match[2] == "%" else _UNITS.get(match[2], 1.0)
        terms[metric] = float(match[1]) * scale
    return terms


def _curve_table(found: Saturation, closed: bool) -> str:
    rows: list[list[Cell | str]] = []
    for point in found.curve.sort_values(["load", "replications"]).to_dict(orient="records"):
        def ci(column: str, scale: float = 1.0) -> str:
            if point["replications"] < 2:
                return number(point[column], scale=scale)
            return f"{number(point[column], scale=scale)} ± {number(point[f'{column}_ci'], 2, scale)}"

        rows.append([Cell(number(point["load"], 5), numeric=True, data={"load": point["load"]}),
                     Cell(str(point["replications"]), numeric=True),
                     Cell(ci("throughput"), numeric=True), Cell(ci("p50_s", 1e3), numeric=True),
                     Cell(ci("p99_s", 1e3), numeric=True), Cell(f"{point['error_rate']:.2%}", numeric=True),
                     "yes" if point["meets"] else f"no ({point['failed_term'] or 'capacity'})"])
    return table(["users" if closed else "offered req/s", "replications", "throughput req/s", "p50 ms",
                  "p99 ms", "errors", "sustained"], rows, kind="curve")


def saturation_sections(found: Saturation, *, slo: Mapping[str, str | float] | None = None) -> list[str]:
    """The answer, the bottlenecks, the load curve, utilizations and the curve's points."""
    closed = found.users is not None
    answer = found.users if closed else found.rate
    what = f"{number(answer, 4)} {'users' if closed else 'req/s'}"
    terms = slo_seconds(slo)
    slo_s = terms.get("p99")
    knee = found.analytic if closed else figures.knee(found.curve, answer)
    limited = ("its capacity" if found.limited_by == "capacity" else f"the SLO term {found.limited_by}")
    text = (f"The deployment takes {what}, limited by {limited}; the bottleneck is {found.bottleneck}. "
            f"At most {number(found.max_throughput.value, 4)} req/s complete (± "
            f"{number(found.max_throughput.half_width, 2)}); the analytic bound puts the answer at "
            f"{number(found.analytic, 4)}. {found.simulations} simulations, precision {found.tolerance:.1%}.")
    rows: list[list[Cell | str]] = [[b.path, Cell(f"{b.utilization:.1%}", numeric=True,
                                                  data={"utilization": b.utilization}),
                                     Cell("-" if b.measured is None else f"{b.measured:.1%}", numeric=True)]
                                    for b in found.bottlenecks]
    bottlenecks = table(["resource (scenario path)", "utilization (law)", "measured"], rows, kind="bottlenecks")
    answer_section = section("Saturation point", paragraph(text), bottlenecks,
                             intro="The most load the deployment sustains"
                                   + (" while meeting every SLO term." if found.limited_by != "capacity" else "."))
    fig, axes = figures.new_axes(1, 2, size=(11.0, 4.0))
    figures.load_curve(found.curve, saturation=answer, knee_load=knee, slo_s=slo_s,
                       bottleneck=found.bottleneck, closed=closed, axes=axes)
    knee_text = ("the knee N* of the bottleneck law" if closed else
                 "the knee where p99 doubles from its light-load value" if knee is not None else
                 "no knee: the curve has no light-load point")
    curve = section("Load curve", figure(
        fig, "load-curve", f"Throughput and latency against load: the saturation point ({what}), "
        f"{knee_text}{' and the SLO' if slo_s is not None else ''} marked; bars are 95 % intervals.",
        {"saturation": answer, "knee": knee, "bottleneck": found.bottleneck}))
    fig, (ax,) = figures.new_axes(size=(8.0, 3.8))
    figures.utilization(found.curve, saturation=answer, closed=closed, ax=ax)
    resources = section("Utilization against load", figure(
        fig, "utilization", "Each resource's busy fraction by the utilization law (throughput x "
        "demand / capacity); the first to reach 100 % saturates first."))
    points = section("Simulated points", _curve_table(found, closed))
    return [answer_section, curve, resources, points]
