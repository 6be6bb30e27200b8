"""``servesim sweep FILE --set path=v1,v2,...``: simulate every point of a grid."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from servesim.cli.common import (CliError, Subcommands, add_engine_option, add_progress_option, add_seed_option,
                                 non_negative_int, show_progress)
from servesim.cli.output import check_output, write_output, write_stdout
from servesim.cli.settings import add_set_option, settings_by_path

# The table's columns after the swept paths: (frame column, heading, scale, format).
_TABLE = (("throughput_rps", "req/s", 1.0, "{:,.1f}"), ("latency_p50_s", "p50 ms", 1e3, "{:,.1f}"),
          ("latency_p99_s", "p99 ms", 1e3, "{:,.1f}"), ("error_rate", "errors %", 100.0, "{:.1f}"))


def add_parser(commands: Subcommands) -> None:
    sweep = commands.add_parser(
        "sweep", help="simulate a scenario at every point of a grid of settings",
        description="Simulate the scenario once per point: every combination of the --set "
                    "lists (or the lists paired, with --zip). Prints a table, or writes CSV/JSON "
                    "with every headline metric and its 95 % confidence half-width.")
    sweep.add_argument("file", metavar="FILE", help="scenario file (YAML or JSON)")
    add_set_option(sweep, "a scenario field and its values, e.g. --set workload.open.rate=100,200,400 "
                          "(values as in scenario files; one --set per field, at least one)",
                   metavar="PATH=V1,V2,...")
    sweep.add_argument("--zip", action="store_true",
                       help="pair the --set lists (all of one length) instead of taking every combination")
    sweep.add_argument("--json", action="store_true",
                       help="print the points as one JSON object instead of the table (seconds, req/s)")
    sweep.add_argument("--csv", metavar="PATH", help="also write one row per point as CSV")
    sweep.add_argument("--cache-dir", metavar="DIR",
                       help="keep finished points here; a rerun (after Ctrl-C, say) simulates only "
                            "the missing ones")
    sweep.add_argument("--threads", type=non_negative_int, default=0, metavar="N",
                       help="points simulated at once (default 0: one per hardware thread)")
    add_seed_option(sweep, "override run.seed at every point")
    add_engine_option(sweep, "simulator, as for run (default native)")
    add_progress_option(sweep, " over the points")
    sweep.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    import concurrent.futures

    from servesim.scenario import Scenario
    from servesim.sweep import sweep  # keeps `servesim --help` fast

    over = settings_by_path(args.settings)
    if not over:
        raise CliError("sweep: give at least one --set PATH=VALUE[,VALUE...]")
    csv = check_output(args.csv, "--csv") if args.csv is not None else None
    scenario = Scenario.from_yaml(args.file)
    executor = (concurrent.futures.ThreadPoolExecutor(max_workers=args.threads)
                if args.threads else None)
    try:
        frame = sweep(scenario, over, executor=executor, cache_dir=args.cache_dir,
                      progress=show_progress(args), zip=args.zip, engine=args.engine, seed=args.seed)
    finally:
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
    records = [{str(key): _plain(value) for key, value in row.items()}
               for row in frame.to_dict(orient="records")]
    if args.json:
        write_stdout(json.dumps({"scenario": scenario.name, "over": list(over), "points": records},
                                separators=(",", ":"), allow_nan=False) + "\n")
    else:
        write_stdout(_table(list(over), records) + "\n")
    if csv is not None:
        write_output(csv, "--csv", lambda path: frame.to_csv(path, index=False))
    return 0


def _plain(value: Any) -> Any:
    """JSON-ready: NaN (no data) as null, numpy scalars as Python numbers."""
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    return None if isinstance(value, float) and math.isnan(value) else value


def _table(paths: list[str], records: list[dict[str, Any]]) -> str:
    header = [*paths, *(heading for _, heading, _, _ in _TABLE)]
    rows = [[_cell(record[path]) for path in paths]
            + ["-" if record[column] is None else template.format(record[column] * scale)
               for column, _, scale, template in _TABLE]
            for record in records]
    widths = [max(len(line[index]) for line in [header, *rows]) for index in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths))
                     for line in [header, *rows])


def _cell(value: Any) -> str:
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)
