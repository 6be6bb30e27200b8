"""``servesim run FILE``: simulate one scenario and print its headline numbers."""

from __future__ import annotations

import argparse
import json
import sys

from servesim.cli.common import (PROG, CliError, Subcommands, add_engine_option, add_progress_option, add_seed_option,
                                 non_negative_int, positive_int, positive_seconds, show_progress)
from servesim.cli.output import write_stdout
from servesim.overrides import with_overrides
from servesim.summaries import stability_text
from servesim.cli.settings import add_set_option, settings_by_path


def add_parser(commands: Subcommands) -> None:
    run = commands.add_parser("run", help="simulate a scenario and print its results",
                              description="Simulate a scenario on the native engine, or on SimGrid.")
    run.add_argument("file", metavar="FILE", help="scenario file (YAML or JSON)")
    run.add_argument("--json", action="store_true",
                     help="print the full result as one JSON object (seconds, req/s)")
    add_seed_option(run)
    run.add_argument("--replications", type=positive_int, metavar="N",
                     help="override run.replications")
    run.add_argument("--threads", type=non_negative_int, default=0, metavar="N",
                     help="worker threads (default 0: one per hardware thread)")
    add_engine_option(run, "simulator: the native engine (default), or SimGrid S4U with one "
                           "process per replication")
    run.add_argument("--process-timeout", type=positive_seconds, metavar="SECONDS",
                     help="with --engine simgrid: kill a replication's process after this long "
                          "(default: no limit)")
    add_set_option(run, "set a scenario field before running, e.g. --set run.duration=60s "
                        "or --set servers.web.workers=8 (values as in scenario files; repeatable)")
    add_progress_option(run)
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from servesim.scenario import Scenario
    from servesim.simulation import simulate  # keeps `servesim --help` fast

    if args.process_timeout is not None and args.engine != "simgrid":
        # The native engine runs in this process: there is nothing to kill, and a limit
        # that silently does nothing would be worse than none.
        raise CliError("--process-timeout applies to --engine simgrid only")
    overrides = settings_by_path(args.settings)
    for path, values in overrides.items():
        if len(values) != 1:
            raise CliError(f"--set {path}: run takes one value per path, got {len(values)}; "
                           "servesim sweep runs several")
    scenario = Scenario.from_yaml(args.file)
    if overrides:
        scenario = with_overrides(scenario, {path: values[0] for path, values in overrides.items()})
    result = simulate(scenario, seed=args.seed, replications=args.replications,
                      threads=args.threads, progress=show_progress(args), engine=args.engine,
                      process_timeout=args.process_timeout)
    if not result.stability.stable:
        print(f"{PROG}: warning: {stability_text(result.stability)}", file=sys.stderr)
    if args.json:
        write_stdout(json.dumps(result.to_dict(), separators=(",", ":")) + "\n")
    else:
        write_stdout(result.summary() + "\n")
    return 0
