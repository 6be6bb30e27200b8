"""``servesim plan FILE``: the cheapest deployment in the file's plan: space meeting its SLO."""

from __future__ import annotations

import argparse

from servesim.cli.common import (Subcommands, add_engine_option, add_progress_option, add_seed_option, fraction,
                                 non_negative_int, positive_int, show_progress)
from servesim.cli.output import check_output, json_text, write_output, write_stdout

# Candidates shown in the human table; --csv writes them all.
_SHOWN = 12


def _share(text: str) -> float:
    return fraction(text, upper=1.0, example="a share such as 0.95 or 95%", percent=True)


def add_parser(commands: Subcommands) -> None:
    plan = commands.add_parser(
        "plan", help="find the cheapest deployment meeting the file's plan: SLO",
        description="Search the scenario's plan: space for the cheapest candidate meeting every SLO "
                    "term at the target load (docs/planning.md). Exit code 0 whether or not a "
                    "candidate is feasible; the output says which.")
    plan.add_argument("file", metavar="FILE", help="scenario file with a plan: section (YAML or JSON)")
    plan.add_argument("--json", action="store_true",
                      help="print the plan, every candidate and the chosen one's result as one JSON object")
    plan.add_argument("--csv", metavar="OUT", help="also write the ranked candidates as CSV")
    add_seed_option(plan, "override run.seed (common to every candidate)")
    plan.add_argument("--confirm-replications", type=positive_int, default=3, metavar="N",
                      help="replications confirming the first candidate that passes (default 3)")
    plan.add_argument("--exhaustive", action="store_true",
                      help="simulate every candidate (the brute force; same answer, slower)")
    plan.add_argument("--draws", type=non_negative_int, metavar="N",
                      help="sampled scenarios per candidate when the file gives ranges {low, mid, high} "
                           "(default 20 with ranges; 0 judges at the mids)")
    plan.add_argument("--confidence", type=_share, default=0.95, metavar="SHARE",
                      help="share of draws the plan must meet the SLO in (default 0.95)")
    add_engine_option(plan)
    add_progress_option(plan, " of simulations")
    plan.set_defaults(handler=_plan)


def _plan(args: argparse.Namespace) -> int:
    from servesim.plan import plan
    from servesim.scenario import Scenario

    csv = check_output(args.csv, "--csv") if args.csv else None
    scenario = Scenario.from_yaml(args.file)
    answer = plan(scenario, engine=args.engine, seed=args.seed, progress=show_progress(args),
                  confirm_replications=args.confirm_replications, exhaustive=args.exhaustive,
                  draws=args.draws, confidence=args.confidence)
    frame = answer.candidates
    if csv is not None:
        write_output(csv, "--csv", lambda path: frame.to_csv(path))
    if args.json:
        write_stdout(json_text(answer.to_dict()))
        return 0
    columns = [*answer.settings, "cost", "verdict", "p99_s", "failed_term", "bottleneck"]
    if answer.draws:
        columns.insert(columns.index("verdict") + 1, "draws_met")
    first, last = _shown_ranks(len(frame), answer.to_dict()["chosen"])
    table = frame[columns].iloc[first:last].to_string(float_format=lambda v: f"{v:.4g}")
    heading = ("Candidates, cheapest first:" if first == 0 else
               f"Candidates up to the chosen one, cheapest first (ranks {first}-{last - 1} of {len(frame)}):")
    left = len(frame) - (last - first)
    more = f"\n({left} more candidates; --csv writes them all)" if left else ""
    write_stdout(f"{answer.explain()}\n\n{heading}\n{table}{more}\n")
    return 0


def _shown_ranks(count: int, chosen: int) -> tuple[int, int]:
    """The ranks [first, last) of the table: the cheapest ones, or, when the chosen candidate
    is further down, the ones just cheaper than it (the near misses, the informative rows)
    with the chosen one and the next."""
    last = min(count, max(_SHOWN, chosen + 2))
    return max(0, last - _SHOWN), last
