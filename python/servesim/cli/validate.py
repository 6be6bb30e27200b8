"""``servesim validate FILE``: check a scenario without simulating it."""

from __future__ import annotations

import argparse

from servesim.cli.common import Subcommands
from servesim.cli.output import write_stdout


def add_parser(commands: Subcommands) -> None:
    validate = commands.add_parser("validate", help="check a scenario file without running it")
    validate.add_argument("file", metavar="FILE", help="scenario file (YAML or JSON)")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from servesim.scenario import Scenario

    scenario = Scenario.from_yaml(args.file)
    write_stdout(f"{args.file}: ok ({scenario.name}: {len(scenario.servers)} server(s), "
                 f"{len(scenario.endpoints)} endpoint(s))\n")
    return 0
