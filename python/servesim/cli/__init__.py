"""The ``servesim`` command line.

One module per subcommand (``run``, ``compare``, ``sweep``, ``validate``, ...), each with an
``add_parser(commands)`` that registers its options and handler; :data:`COMMANDS` lists
them in the order ``servesim --help`` shows. What they share lives in
:mod:`servesim.cli.common` (exit codes, :class:`CliError`, argument types, progress) and
:mod:`servesim.cli.output` (stdout and output files).

Exit codes: 0 success; 1 the engine failed or stdout closed early; 2 bad arguments, unreadable
file, invalid scenario or an output that cannot be written (one line on stderr:
``servesim: <file>: <path>: <message>``); 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from servesim._core import Error, ScenarioError
from servesim.cli import calibrate, compare, plan, report, run, saturate, sweep, validate
from servesim.cli.common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_USAGE, PROG, CliError
from servesim.cli.output import discard_stdout

__all__ = ["build_parser", "main"]

COMMANDS = (run, compare, saturate, sweep, plan, calibrate, report, validate)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per task."""
    from servesim import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Predict how Python web services behave under load.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return handler(args)
    except CliError as error:
        print(f"{PROG}: {_one_line(str(error))}", file=sys.stderr)
        return error.code
    except ScenarioError as error:
        _fail(args, _one_line(_scenario_message(error, args.file)))
        return EXIT_USAGE
    except Error as error:
        _fail(args, _one_line(str(error)))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`servesim run x.yaml --json | head`): not an error
        # worth a traceback; silence the final flush of stdout.
        discard_stdout()
        return EXIT_FAILURE


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """A warning (e.g. a run that will take long) as one line on stderr, without the source line."""
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def _fail(args: argparse.Namespace, message: str) -> None:
    print(f"{PROG}: {args.file}: {message}", file=sys.stderr)


def _scenario_message(error: ScenarioError, file: str) -> str:
    """``<path>: <detail>``; whole-document errors carry the file name as their
    path, which the caller already prints."""
    if not error.detail:
        return str(error)
    return f"{error.path}: {error.detail}" if error.path not in ("", file) else error.detail


def _one_line(message: str) -> str:
    return " ".join(message.split())
