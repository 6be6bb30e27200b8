"""What every subcommand shares: exit codes, the one-line error, argument types and the
options several commands take (engine, seed, SLO terms, progress)."""

from __future__ import annotations

import argparse
import sys

PROG = "servesim"
EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# argparse's type for `commands.add_parser(...)`; private, but the only name it has.
Subcommands = argparse._SubParsersAction  # noqa: SLF001


class CliError(Exception):
    """A mistake the user can fix (a bad output path, an option that does not apply):
    ``main`` prints ``servesim: <message>`` as one line and exits with ``code``."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


def int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def non_negative_int(text: str) -> int:
    return int_at_least(text, 0)


def positive_int(text: str) -> int:
    return int_at_least(text, 1)


def seed(text: str) -> int:
    value = int_at_least(text, 0)
    if value >= 2**64:
        raise argparse.ArgumentTypeError(f"must be < 2**64, got {value}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text}")
    return value


def fraction(text: str, *, upper: float, example: str, percent: bool = False) -> float:
    """A number in (0, ``upper``]; with ``percent``, ``95%`` reads as 0.95."""
    is_percent = percent and text.endswith("%")
    try:
        value = float(text.removesuffix("%") if is_percent else text) / (100.0 if is_percent else 1.0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {example}, got {text!r}") from None
    if not 0 < value <= upper:
        raise argparse.ArgumentTypeError(f"must be in (0, {upper:g}], got {text}")
    return value


def tolerance(text: str) -> float:
    """A search's relative precision, in (0, 0.5]."""
    return fraction(text, upper=0.5, example="a fraction such as 0.02")


def slo_term(text: str) -> tuple[str, str]:
    """``p99=200ms`` (or ``p99<=200ms``) as (metric, value); the core checks both."""
    metric, sep, value = text.replace("<=", "=").partition("=")
    if not sep or not metric.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"expected METRIC=VALUE such as p99=200ms or errors=0.1%, got {text!r}")
    return metric.strip(), value.strip()


def add_engine_option(parser: argparse.ArgumentParser, help_text: str = "simulator (default native)") -> None:
    """``--engine native|simgrid``."""
    parser.add_argument("--engine", choices=("native", "simgrid"), default="native", help=help_text)


def add_seed_option(parser: argparse.ArgumentParser, help_text: str = "override run.seed") -> None:
    """``--seed N``, None when not given (the scenario's run.seed then applies)."""
    parser.add_argument("--seed", type=seed, metavar="N", help=help_text)


def add_progress_option(parser: argparse.ArgumentParser, what: str = "") -> None:
    """``--progress/--no-progress``; read it back with :func:`show_progress`."""
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help=f"progress bar{what} on stderr (default: when stderr is a terminal)")


def show_progress(args: argparse.Namespace) -> bool:
    # A bar on a terminal only: logs and pipes get the result alone.
    return bool(args.progress) if args.progress is not None else sys.stderr.isatty()
