"""``servesim compare FILE``: simulate a comparison file and judge its claim."""

from __future__ import annotations

import argparse
import json
import shlex

from servesim.cli.common import Subcommands, add_progress_option, non_negative_int, show_progress
from servesim.cli.output import check_output, write_output, write_stdout


def add_parser(commands: Subcommands) -> None:
    compare = commands.add_parser(
        "compare", help="simulate a comparison file and judge a claim such as 'FastAPI is 3x faster'",
        description="Simulate every deployment x case x users of a comparison file; print the "
                    "results and the verdicts on the first deployment against each other one.")
    compare.add_argument("file", metavar="FILE",
                         help="comparison file (YAML or JSON); a scenario file is refused, saying so")
    compare.add_argument("--json", action="store_true",
                         help="print the rows and verdicts as one JSON object (seconds, req/s)")
    compare.add_argument("--csv", metavar="PATH", help="also write the results frame as CSV")
    compare.add_argument("--report", metavar="PATH", help="also write a Markdown report")
    compare.add_argument("--html", metavar="PATH",
                         help="also write the HTML report (as `servesim report`: figures, verdicts with intervals)")
    compare.add_argument("--threads", type=non_negative_int, default=0, metavar="N",
                         help="simulations at once (default 0: one per hardware thread)")
    add_progress_option(compare, " over the runs")
    compare.set_defaults(handler=_compare)


def _compare(args: argparse.Namespace) -> int:
    from servesim.comparison import Comparison, compare  # keeps `servesim --help` fast

    # Before simulating, so a typo in a path costs nothing.
    csv = check_output(args.csv, "--csv") if args.csv is not None else None
    report = check_output(args.report, "--report") if args.report is not None else None
    html = check_output(args.html, "--html") if args.html is not None else None
    comparison = Comparison.from_yaml(args.file)
    result = compare(comparison, threads=args.threads or None, progress=show_progress(args))
    if args.json:
        write_stdout(json.dumps(result.to_dict(), separators=(",", ":"), allow_nan=False) + "\n")
    else:
        write_stdout(result.table() + "\n")
    if csv is not None:
        write_output(csv, "--csv", lambda path: result.frame.to_csv(path, index=False))
    if report is not None:
        write_output(report, "--report", lambda path: path.write_text(result.report(), encoding="utf-8"))
    if html is not None:
        from servesim.report import report as html_report

        command = f"servesim compare {shlex.quote(args.file)} --html {shlex.quote(args.html)}"
        text = html_report(result, command=command)
        write_output(html, "--html", lambda path: path.write_text(text, encoding="utf-8"))
    return 0
