"""The compact tables notebooks show for results, saturation searches, comparisons and
plans (their ``_repr_html_``): the headline numbers only; :func:`servesim.report` has the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from servesim.report.html import Cell, ci_text, esc, number, table
from servesim.report.result_section import headline_table

if TYPE_CHECKING:
    from servesim.comparison import ComparisonResult
    from servesim.plan import Plan
    from servesim.result import Result
    from servesim.saturation import Saturation

__all__ = ["comparison_html", "plan_html", "result_html", "saturation_html"]


def _titled(title: str, body: str) -> str:
    return f"<div><strong>{esc(title)}</strong>\n{body}</div>"


def result_html(result: Result) -> str:
    return _titled(f"Result {result.scenario}: {result.replications} replication(s), seed {result.seed}",
                   headline_table(result))


def saturation_html(found: Saturation) -> str:
    closed = found.users is not None
    answer = found.users if closed else found.rate
    rows: list[list[Cell | str]] = [
        ["saturation", Cell(f"{number(answer, 4)} {'users' if closed else 'req/s'}", numeric=True)],
        ["limited by", found.limited_by], ["bottleneck", found.bottleneck],
        ["max throughput", Cell(f"{ci_text(found.max_throughput)} req/s", numeric=True)],
        ["analytic bound", Cell(number(found.analytic, 4), numeric=True)],
        ["simulations", Cell(str(found.simulations), numeric=True)]]
    rows += [[f"utilization of {b.path}", Cell(f"{b.utilization:.1%}", numeric=True)] for b in found.bottlenecks]
    return _titled("Saturation", table(["", "value"], rows))


def comparison_html(outcome: ComparisonResult) -> str:
    frame = outcome.frame
    if len(outcome.comparison.deployments) >= 2:
        verdicts = outcome.verdicts()
        rows: list[list[Cell | str]] = [[row["case"], Cell(f"{row['users']:,}", numeric=True), row["challenger"],
                                         Cell(f"{row['speedup']:.2f}x", numeric=True), row["verdict"]]
                                        for row in verdicts.to_dict(orient="records")]
        body = table(["case", "users", "challenger", "speed-up", "verdict"], rows)
    else:
        rows = [[row["case"], Cell(f"{row['users']:,}", numeric=True), row["deployment"],
                 Cell(number(row["throughput_rps"], 4), numeric=True)] for row in frame.to_dict(orient="records")]
        body = table(["case", "users", "deployment", "req/s"], rows)
    return _titled(f"Comparison {outcome.comparison.name}: {len(outcome.results)} runs", body)


def plan_html(answer: Plan) -> str:
    cost = answer.spec.get("cost", {})
    rows: list[list[Cell | str]] = [[path, value] for path, value in answer.settings.items()]
    rows.append(["cost", Cell(f"{cost.get('currency', '')} {answer.cost:.4g} per {cost.get('per', 'hour')}".strip(),
                              numeric=True)])
    rows.append(["load", Cell(number(answer.load, 5), numeric=True)])
    if answer.result is not None:
        rows.append(["p99 ms", Cell(ci_text(answer.result.latency_ci["p99"], 1e3), numeric=True)])
    title = "Plan: " + ("feasible" if answer.feasible else "nothing feasible; the closest candidate")
    return _titled(title, table(["setting", "value"], rows))
