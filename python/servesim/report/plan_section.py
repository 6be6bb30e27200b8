"""The sections of a capacity plan: the question, the winner and its cost, the ranked
candidates with why each rejected one failed, and the chosen deployment's results."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from servesim.report import figures
from servesim.report.html import Cell, bullets, esc, figure, number, section, table
from servesim.report.result_section import result_sections

if TYPE_CHECKING:
    from servesim.plan import Plan

__all__ = ["plan_sections"]


def _slo_text(metric: str, value: float) -> str:
    return f"{metric} <= {value:.2%}" if metric == "errors" else f"{metric} <= {value * 1e3:,.4g} ms"


def _candidate_rows(answer: Plan, paths: list[str]) -> tuple[list[list[Cell | str]], int | None]:
    rows: list[list[Cell | str]] = []
    chosen: int | None = None
    for rank, row in answer.candidates.iterrows():
        verdict = str(row["verdict"])
        if verdict == "chosen":
            chosen = len(rows)
        p99 = row["p99_s"]
        why = row["reason"] or (f"fails {row['failed_term']}" if row["failed_term"] else "")
        rows.append([Cell(str(rank), numeric=True), *[str(row[path]) for path in paths],
                     Cell(f"{row['cost']:.4g}", numeric=True, data={"cost": row["cost"]}),
                     Cell(verdict, data={"verdict": verdict}),
                     Cell(_p99_text(p99, row["p99_ci_s"]), numeric=True), str(row["bottleneck"] or "-"), str(why or "-")])
    return rows, chosen


def _p99_text(p99: float, half_width: float) -> str:
    """``131 ± 3.7`` ms, ``131`` from one run (no interval), ``-`` when not simulated."""
    if not math.isfinite(p99):
        return "-"
    if not math.isfinite(half_width):
        return f"{p99 * 1e3:,.4g}"
    return f"{p99 * 1e3:,.4g} ± {half_width * 1e3:,.2g}"


def plan_sections(answer: Plan) -> list[str]:
    """The question, the answer, the candidates chart and table, the chosen deployment's result."""
    spec: dict[str, Any] = answer.spec
    cost = spec.get("cost", {})
    money = f"{cost.get('currency', '')} {answer.cost:.4g} per {cost.get('per', 'hour')}".strip()
    load_unit = "users" if "users" in spec.get("target", {}) else "req/s"
    slo = dict(spec.get("slo", {}))
    question = [f"target: {', '.join(f'{k} {v:g}' for k, v in spec.get('target', {}).items())}, headroom "
                f"{spec.get('headroom', 0):.0%}: candidates judged at {number(answer.load, 5)} {load_unit}",
                f"SLO: {', '.join(_slo_text(metric, value) for metric, value in slo.items()) or 'none'}",
                *[f"space: {path} in {', '.join(values)}" for path, values in spec.get("space", [])],
                "prices: " + ", ".join(f"{k} {v}" for k, v in cost.items())]
    settings = ", ".join(f"{path} = {value}" for path, value in answer.settings.items())
    verdict = (f"Winner: {settings}, at {money}." if answer.feasible else
               f"No candidate meets every term; the closest is {settings}, at {money}.")
    sections = [section("The question", bullets(question)),
                section("The answer", f'<p class="{"verdict-good" if answer.feasible else "verdict-bad"}" '
                        f'data-feasible="{str(answer.feasible).lower()}">{esc(verdict)}</p>',
                        f"<pre>{esc(answer.explain())}</pre>")]
    paths = [path for path, _ in spec.get("space", [])]
    rows, chosen = _candidate_rows(answer, paths)
    frame = answer.candidates
    if frame["p99_s"].notna().any():
        fig, (ax,) = figures.new_axes(size=(7.5, 3.8))
        chosen_rank = next((int(rank) for rank, v in frame["verdict"].items() if v == "chosen"), None)
        figures.plan_candidates(frame, slo=slo, chosen=chosen_rank, currency=str(cost.get("currency", "")), ax=ax)
        sections.append(section("Cost against latency", figure(
            fig, "plan", "Simulated candidates' p99 (95 % bars) against cost; the chosen one circled, "
            "the p99 SLO dashed. Candidates pruned by the analytic bound were not simulated.",
            {"chosen-cost": answer.cost})))
    sections.append(section("Candidates, cheapest first", table(
        ["rank", *paths, "cost", "verdict", "p99 ms", "bottleneck", "why not chosen"], rows,
        kind="candidates", chosen=chosen),
        intro=f"{answer.simulations} simulation{'' if answer.simulations == 1 else 's'} in {answer.wall_seconds:.3g} s."))
    if answer.result is not None:
        sections += result_sections(answer.result, scenario=answer.scenario, slo_s=slo.get("p99"),
                                    title="The chosen deployment's results")
    return sections
