"""The ``servesim`` command line.

Exit codes: 0 success; 1 the engine failed or stdout closed early; 2 bad arguments, unreadable file
or invalid scenario (one line on stderr: ``servesim: <file>: <path>: <message>``);
130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence

from servesim._core import Error, ScenarioError
from servesim.scenario import Scenario

PROG = "servesim"
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def _int_at_least(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    return _int_at_least(text, 0)


def _positive_int(text: str) -> int:
    return _int_at_least(text, 1)


def _seed(text: str) -> int:
    value = _int_at_least(text, 0)
    if value >= 2**64:
        raise argparse.ArgumentTypeError(f"must be < 2**64, got {value}")
    return value


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds > 0, got {text}")
    return value


def _load(path: str) -> Scenario:
    return Scenario.from_yaml(path)


def _run(args: argparse.Namespace) -> int:
    from servesim.simulation import simulate  # keeps `servesim --help` fast

    # A bar on a terminal only: logs and pipes get the result alone.
    show_progress = args.progress if args.progress is not None else sys.stderr.isatty()
    result = simulate(_load(args.file), seed=args.seed, replications=args.replications,
                      threads=args.threads, progress=show_progress, engine=args.engine,
                      process_timeout=args.process_timeout)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        print(result.summary())
    return 0


def _compare(args: argparse.Namespace) -> int:
    from pathlib import Path

    from servesim.comparison import Comparison, compare  # keeps `servesim --help` fast

    comparison = Comparison.from_yaml(args.file)
    show_progress = args.progress if args.progress is not None else sys.stderr.isatty()
    result = compare(comparison, threads=args.threads or None, progress=show_progress)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, separators=(",", ":"), allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(result.table())
    for path, write in ((args.csv, lambda file: result.frame.to_csv(file, index=False)),
                        (args.report, lambda file: file.write_text(result.report(), encoding="utf-8"))):
        if path is None:
            continue
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target)
        print(f"{PROG}: wrote {target}", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from servesim.comparison.spec import Comparison, load_file

    failed = False
    for file in args.files:
        try:
            loaded = load_file(file)
        except ScenarioError as error:
            print(f"{PROG}: {file}: {_one_line(_scenario_message(error, file))}", file=sys.stderr)
            failed = True
            continue
        if isinstance(loaded, Comparison):
            print(f"{file}: ok (comparison {loaded.name}: {len(loaded.deployments)} deployment(s), "
                  f"{len(loaded.cases)} case(s), {len(loaded.users)} user count(s), {len(loaded.runs)} runs)")
        else:
            print(f"{file}: ok ({loaded.name}: {len(loaded.servers)} server(s), "
                  f"{len(loaded.endpoints)} endpoint(s))")
    return EXIT_USAGE if failed else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per task."""
    from servesim import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Predict how Python web services behave under load.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="simulate a scenario and print its results",
                              description="Simulate a scenario on the native engine, or on SimGrid.")
    run.add_argument("file", metavar="FILE", help="scenario file (YAML or JSON)")
    run.add_argument("--json", action="store_true",
                     help="print the full result as one JSON object (seconds, req/s)")
    run.add_argument("--seed", type=_seed, metavar="N", help="override run.seed")
    run.add_argument("--replications", type=_positive_int, metavar="N",
                     help="override run.replications")
    run.add_argument("--threads", type=_non_negative_int, default=0, metavar="N",
                     help="worker threads (default 0: one per hardware thread)")
    run.add_argument("--engine", choices=("native", "simgrid"), default="native",
                     help="simulator: the native engine (default), or SimGrid S4U with one "
                          "process per replication")
    run.add_argument("--process-timeout", type=_positive_seconds, metavar="SECONDS",
                     help="simgrid: kill a replication's process after this long (default: no limit)")
    run.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                     help="progress bar on stderr (default: when stderr is a terminal)")
    run.set_defaults(handler=_run)

    compare = commands.add_parser(
        "compare", help="simulate a comparison file and judge a claim such as 'FastAPI is 3x faster'",
        description="Simulate every deployment x case x users of a comparison file; print the "
                    "results and the verdicts on the first deployment against each other one.")
    compare.add_argument("file", metavar="FILE", help="comparison file (YAML or JSON)")
    compare.add_argument("--json", action="store_true",
                         help="print the rows and verdicts as one JSON object (seconds, req/s)")
    compare.add_argument("--csv", metavar="PATH", help="also write the results frame as CSV")
    compare.add_argument("--report", metavar="PATH", help="also write a Markdown report")
    compare.add_argument("--threads", type=_non_negative_int, default=0, metavar="N",
                         help="simulations at once (default 0: one per hardware thread)")
    compare.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                         help="progress bar over the runs on stderr (default: when stderr is a terminal)")
    compare.set_defaults(handler=_compare)

    validate = commands.add_parser(
        "validate", help="check scenario and comparison files without running them",
        description="Check each file (a scenario or a comparison, told apart by its keys); one line "
                    "per file, exit 2 if any is invalid.")
    validate.add_argument("files", metavar="FILE", nargs="+", help="scenario or comparison file (YAML or JSON)")
    validate.set_defaults(handler=_validate)
    return parser


def _fail(args: argparse.Namespace, message: str) -> None:
    # validate reports each of its files itself
    print(f"{PROG}: {getattr(args, 'file', ' '.join(getattr(args, 'files', [])))}: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ScenarioError as error:
        _fail(args, _one_line(_scenario_message(error, getattr(args, "file", ""))))
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
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE


def _scenario_message(error: ScenarioError, file: str) -> str:
    """``<path>: <detail>``; whole-document errors carry the file name as their
    path, which the caller already prints."""
    if not error.detail:
        return str(error)
    return f"{error.path}: {error.detail}" if error.path not in ("", file) else error.detail


def _one_line(message: str) -> str:
    return " ".join(message.split())
