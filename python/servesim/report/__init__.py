"""Capacity-planning reports: one self-contained HTML file per result, saturation search,
comparison or plan, and the figures and notebook tables behind ``.plot()`` and
``_repr_html_``.

The package by concern: ``html`` (escaping, tables, inline SVG figures, the page),
``figures`` (matplotlib), ``context`` (the deployment in words, assumptions,
reproduction), one section builder per object kind (``result_section``,
``saturation_section``, ``comparison_section``, ``plan_section``) and ``compact``
(the notebook tables).

Examples
--------
>>> found = ss.find_saturation("scenarios/two-sync-workers.yaml")  # doctest: +SKIP
>>> html = ss.report(found, "build/saturation.html", scenario="scenarios/two-sync-workers.yaml")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Union

from servesim.report.html import document

if TYPE_CHECKING:
    from servesim.comparison import ComparisonResult
    from servesim.plan import Plan
    from servesim.result import Result
    from servesim.saturation import Saturation
    from servesim.simulation import ScenarioLike

__all__ = ["Reportable", "report"]

Reportable = Union["Result", "ComparisonResult", "Saturation", "Plan"]


def report(obj: Reportable, path: str | os.PathLike[str] | None = None, *,
           scenario: ScenarioLike | None = None, saturation: Saturation | None = None,
           slo: Mapping[str, str | float] | None = None, engine: str = "native",
           command: str | None = None, title: str | None = None) -> str:
    """A self-contained HTML report of a result, a saturation search, a comparison or a plan.

    One file: inline CSS, figures as inline SVG, no script and nothing fetched from the
    network; it reads offline and prints to PDF. It holds, as they apply, the question and
    the deployment in words, the headline table with 95 % confidence intervals, the load
    curve (saturation point, knee and SLO marked, the bottleneck named), every resource's
    utilization against load, the latency distribution, the time series of a load that
    changes over time, the verdicts of a comparison, a plan's winner and ranked candidates,
    and the assumptions with the command that reproduces it.

    Parameters
    ----------
    obj
        A :class:`Result` (:func:`simulate`), a :class:`Saturation`
        (:func:`find_saturation`), a :class:`ComparisonResult` (:func:`compare`) or a
        :class:`Plan` (:func:`plan`).
    path
        Where to write the file (missing folders are created); None only returns the text.
    scenario
        The scenario behind a Result or Saturation (a :class:`Scenario` or a file path),
        for the deployment section; a Plan and a comparison know theirs.
    saturation
        With a Result: its scenario's saturation search, adding the load curve.
    slo
        SLO terms to draw (``{"p99": "200ms"}``) on a Result's or Saturation's figures;
        a Plan draws its own.
    engine
        The engine the numbers came from, for the assumptions (``"native"``, ``"simgrid"``).
    command
        The command that reproduces the report, shown verbatim (``servesim report`` fills it in).
    title
        The page title; default the question in words.

    Returns
    -------
    str
        The HTML text (also written to ``path`` when given).

    Raises
    ------
    TypeError
        For an object of another kind.

    Examples
    --------
    >>> result = ss.simulate("scenarios/two-sync-workers.yaml", replications=2)
    >>> html = ss.report(result, scenario="scenarios/two-sync-workers.yaml")
    >>> html.startswith("<!DOCTYPE html>") and "<script" not in html
    True
    """
    from servesim.comparison import ComparisonResult
    from servesim.plan import Plan
    from servesim.report.comparison_section import comparison_sections
    from servesim.report.context import assumptions, deployment
    from servesim.report.plan_section import plan_sections
    from servesim.report.result_section import result_sections
    from servesim.report.saturation_section import saturation_sections, slo_seconds
    from servesim.result import Result
    from servesim.saturation import Saturation
    from servesim.simulation import _as_scenario

    model = _as_scenario(scenario) if scenario is not None else None
    sections: list[str] = []
    if isinstance(obj, Result):
        name = model.name if model is not None else obj.scenario
        question = f"How does {name} behave under its load?"
        if model is not None:
            sections.append(deployment(model))
        if saturation is not None:
            sections += saturation_sections(saturation, slo=slo)
            question = f"How much load does {name} take, what saturates first, and how does it behave at its load?"
        sections += result_sections(obj, scenario=model, slo_s=slo_seconds(slo).get("p99"),
                                    title="Results at the scenario's load" if saturation is not None else "Results")
    elif isinstance(obj, Saturation):
        name = model.name if model is not None else "the deployment"
        question = f"How much load does {name} take, and what saturates first?"
        if model is not None:
            sections.append(deployment(model))
        sections += saturation_sections(obj, slo=slo)
    elif isinstance(obj, ComparisonResult):
        question = obj.comparison.question or f"How do {', '.join(obj.comparison.deployments)} compare?"
        name = obj.comparison.name
        sections += comparison_sections(obj)
    elif isinstance(obj, Plan):
        name = obj.scenario.name
        question = f"What is the cheapest deployment of {name} that meets its SLO at {obj.load:,.5g} " \
                   f"{'users' if 'users' in obj.spec.get('target', {}) else 'req/s'}?"
        sections.append(deployment(obj.scenario, "The chosen deployment"))
        sections += plan_sections(obj)
    else:
        raise TypeError("report() takes a Result, Saturation, ComparisonResult or Plan, "
                        f"got {type(obj).__name__}")
    sections.append(assumptions(engine, command))
    text = document(title or f"servesim report: {name}", question, sections)
    if path is not None:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return text
