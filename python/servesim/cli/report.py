"""``servesim report FILE -o report.html``: a self-contained HTML report of a scenario (its
saturation search, load curve and a simulation at its load), a comparison file, or a
scenario with a ``plan:`` section."""

from __future__ import annotations

import argparse
import shlex
from typing import Any

from servesim.cli.common import (Subcommands, add_engine_option, add_progress_option, add_seed_option,
                                 non_negative_int, show_progress, slo_term, tolerance)
from servesim.cli.output import check_output, write_output


def add_parser(commands: Subcommands) -> None:
    report = commands.add_parser(
        "report", help="write a self-contained HTML report of a scenario, a comparison or a plan",
        description="Write one HTML file (inline CSS and SVG figures, nothing loaded from the network): "
                    "for a scenario, its saturation search with the load curve and utilizations and a "
                    "simulation at its load; for a comparison file, results and verdicts; for a scenario "
                    "with a plan: section, the plan's winner and candidates.")
    report.add_argument("file", metavar="FILE", help="scenario or comparison file (YAML or JSON)")
    report.add_argument("-o", "--output", metavar="PATH", default="report.html",
                        help="the HTML file to write (default report.html; missing folders are created)")
    report.add_argument("--slo", type=slo_term, action="append", default=[], metavar="TERM",
                        help="scenarios: an SLO term the saturation search must meet and the figures "
                             "draw, repeatable (p99=200ms, errors=0.1%%)")
    report.add_argument("--tolerance", type=tolerance, default=0.02, metavar="FRACTION",
                        help="scenarios: relative precision of the saturation search (default 0.02)")
    add_seed_option(report, "scenarios and plans: override run.seed")
    add_engine_option(report, "simulator for scenarios and plans (default native)")
    report.add_argument("--threads", type=non_negative_int, default=0, metavar="N",
                        help="comparisons: simulations at once (default 0: one per hardware thread)")
    add_progress_option(report, " over the simulations")
    report.set_defaults(handler=_report)


def _command(args: argparse.Namespace) -> str:
    words = ["servesim", "report", args.file, "-o", args.output]
    for metric, value in args.slo:
        words += ["--slo", f"{metric}={value}"]
    if args.tolerance != 0.02:
        words += ["--tolerance", str(args.tolerance)]
    if args.seed is not None:
        words += ["--seed", str(args.seed)]
    if args.engine != "native":
        words += ["--engine", args.engine]
    return shlex.join(words)


def _report(args: argparse.Namespace) -> int:
    import yaml

    from servesim.report import report

    target = check_output(args.output, "--output")  # before simulating: a typo costs nothing
    with open(args.file, encoding="utf-8") as file:
        data: Any = yaml.safe_load(file)
    progress = show_progress(args)
    common = {"path": None, "engine": args.engine, "command": _command(args)}
    if isinstance(data, dict) and "deployments" in data:
        from servesim.comparison import Comparison, compare

        outcome = compare(Comparison.from_yaml(args.file), threads=args.threads or None, progress=progress)
        text = report(outcome, **common)
    elif isinstance(data, dict) and "plan" in data:
        from servesim.plan import plan
        from servesim.scenario import Scenario

        text = report(plan(Scenario.from_yaml(args.file), engine=args.engine, seed=args.seed,
                           progress=progress), **common)
    else:
        text = _scenario_report(args, progress, common)
    write_output(target, "--output", lambda path: path.write_text(text, encoding="utf-8"))
    return 0


def _scenario_report(args: argparse.Namespace, progress: bool, common: dict[str, Any]) -> str:
    from tqdm.auto import tqdm

    from servesim.report import report
    from servesim.report.loadcurve import FRACTIONS, with_light_load
    from servesim.saturation import find_saturation
    from servesim.scenario import Scenario
    from servesim.simulation import simulate

    scenario = Scenario.from_yaml(args.file)
    slo = dict(args.slo) or None
    found = find_saturation(scenario, slo=slo, tolerance=args.tolerance, engine=args.engine,
                            seed=args.seed, progress=progress)
    with tqdm(total=len(FRACTIONS) + 1, desc=f"load curve of {scenario.name}", unit="run",
              disable=not progress) as bar:
        found = with_light_load(found, scenario, engine=args.engine, seed=args.seed, on_point=bar.update)
        result = simulate(scenario, engine=args.engine, seed=args.seed)
        bar.update()
    return report(result, scenario=scenario, saturation=found, slo=slo, **common)
