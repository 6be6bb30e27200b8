"""``servesim validate FILE...``: check scenario and comparison files without simulating them."""

from __future__ import annotations

import argparse
import sys

from servesim.cli.common import EXIT_OK, EXIT_USAGE, PROG, Subcommands
from servesim.cli.output import write_stdout


def add_parser(commands: Subcommands) -> None:
    validate = commands.add_parser(
        "validate", help="check scenario and comparison files without running them",
        description="Check each file, a scenario or a comparison (told apart by its keys: a "
                    "comparison has deployments and cases), every run of a comparison included; "
                    "one line per file, exit 2 if any is invalid.")
    validate.add_argument("files", metavar="FILE", nargs="+", help="scenario or comparison file (YAML or JSON)")
    validate.set_defaults(handler=_validate)


def _validate(args: argparse.Namespace) -> int:
    from servesim._core import Error, ScenarioError
    from servesim.cli import _one_line, _scenario_message
    from servesim.comparison.spec import Comparison, load_file

    code = EXIT_OK
    for file in args.files:
        # Each file on its own line: a bad one does not hide what the others say.
        try:
            loaded = load_file(file)
        except ScenarioError as error:
            print(f"{PROG}: {file}: {_one_line(_scenario_message(error, file))}", file=sys.stderr)
            code = EXIT_USAGE
            continue
        except Error as error:
            print(f"{PROG}: {file}: {_one_line(str(error))}", file=sys.stderr)
            code = EXIT_USAGE
            continue
        if isinstance(loaded, Comparison):
            write_stdout(f"{file}: ok (comparison {loaded.name}: {len(loaded.deployments)} deployment(s), "
                         f"{len(loaded.cases)} case(s), {len(loaded.users)} user count(s), "
                         f"{len(loaded.runs)} runs)\n")
        else:
            write_stdout(f"{file}: ok ({loaded.name}: {len(loaded.servers)} server(s), "
                         f"{len(loaded.endpoints)} endpoint(s))\n")
    return code
