"""``servesim saturate FILE``: the most load a deployment takes, and what saturates first."""

from __future__ import annotations

import argparse

from servesim.cli.common import (Subcommands, add_engine_option, add_progress_option, add_seed_option,
                                 non_negative_int, show_progress, slo_term, tolerance)
from servesim.cli.output import json_text, write_stdout


def add_parser(commands: Subcommands) -> None:
    saturate = commands.add_parser(
        "saturate", help="find the most load a deployment takes and what saturates first",
        description="Find the largest arrival rate (open workload) or number of users (closed) the "
                    "scenario sustains, or meets every --slo term at, by simulation; name the "
                    "bottleneck by its scenario path.")
    saturate.add_argument("file", metavar="FILE", help="scenario file (YAML or JSON)")
    saturate.add_argument("--slo", type=slo_term, action="append", default=[], metavar="TERM",
                          help="a term that must hold, repeatable: p50, p90, p99, p999, mean "
                               "(p99=200ms) or errors (errors=0.1%%)")
    saturate.add_argument("--tolerance", type=tolerance, default=0.02, metavar="FRACTION",
                          help="relative precision of the answer (default 0.02)")
    add_seed_option(saturate, "the seed of every point (default run.seed)")
    add_engine_option(saturate)
    saturate.add_argument("--draws", type=non_negative_int, default=0, metavar="N",
                          help="repeat the search in N sampled scenarios when the file gives ranges "
                               "{low, mid, high}, and report the answer's spread (default 0)")
    saturate.add_argument("--json", action="store_true",
                          help="print the answer, bottlenecks and curve as one JSON object (req/s, seconds)")
    add_progress_option(saturate, " over the search")
    saturate.set_defaults(handler=_saturate)


def _saturate(args: argparse.Namespace) -> int:
    from servesim.saturation import find_saturation  # keeps `servesim --help` fast
    from servesim.scenario import Scenario

    slo = dict(args.slo) or None
    found = find_saturation(Scenario.from_yaml(args.file), slo=slo, tolerance=args.tolerance,
                            engine=args.engine, seed=args.seed, progress=show_progress(args), draws=args.draws)
    if args.json:
        write_stdout(json_text(found.to_dict()))
    else:
        write_stdout(found.summary() + "\n")
    return 0
