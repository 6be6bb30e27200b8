"""``servesim calibrate FILE --wrk ... | --locust ... | --csv ...``: fit a deployment's
unknowns to the user's own load tests and write the fitted scenario."""

from __future__ import annotations

import argparse

from servesim.cli.common import CliError, Subcommands, add_progress_option, positive_int, seed, show_progress
from servesim.cli.output import check_output, json_text, write_output, write_stdout


def add_parser(commands: Subcommands) -> None:
    calibrate = commands.add_parser(
        "calibrate", help="fit a deployment's CPU, waits and overhead to wrk/locust measurements",
        description="Fit the scenario's unknowns (per-endpoint CPU and wait, framework overhead, their "
                    "variability) to measured load tests by simulation, with 95 %% confidence intervals "
                    "and a fit report; write the fitted scenario (docs/calibration.md).")
    calibrate.add_argument("file", metavar="FILE", help="the measured deployment: a scenario file (YAML or JSON)")
    calibrate.add_argument("--wrk", action="append", default=[], metavar="[ENDPOINT=]REPORT",
                           help="the output of one `wrk --latency` run, repeatable (one per load level); "
                                "ENDPOINT= names the scenario endpoint it loaded")
    calibrate.add_argument("--locust", metavar="STATS_CSV", help="locust's PREFIX_stats.csv")
    calibrate.add_argument("--locust-history", metavar="HISTORY_CSV",
                           help="locust's PREFIX_stats_history.csv (for the user count)")
    calibrate.add_argument("--users", type=positive_int, metavar="N",
                           help="locust users of the run (default: from --locust-history)")
    calibrate.add_argument("--csv", metavar="POINTS_CSV",
                           help="a CSV of load levels: concurrency or rate_rps, throughput_rps, p50_ms "
                                "[, p90_ms, p99_ms, endpoint]")
    calibrate.add_argument("--fit", default="cpu,io", metavar="KINDS",
                           help="what to fit, comma-separated: cpu, io, overhead, cv (default cpu,io)")
    calibrate.add_argument("--seed", type=seed, default=1, metavar="N", help="the seed of every simulation (default 1)")
    calibrate.add_argument("--out", metavar="FITTED_YAML", help="write the fitted scenario (YAML) here")
    calibrate.add_argument("--json", action="store_true",
                           help="print the parameters, fit report and fitted scenario as one JSON object")
    add_progress_option(calibrate, " of the search")
    calibrate.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from servesim.calibration import MeasurementError, calibrate, read_locust
    from servesim.scenario import Scenario

    if not (args.wrk or args.locust or args.csv):
        raise CliError("calibrate: give measurements: --wrk REPORT (repeatable), --locust STATS_CSV or --csv POINTS_CSV")
    if (args.locust_history or args.users) and not args.locust:
        raise CliError("calibrate: --locust-history and --users apply to --locust")
    out = check_output(args.out, "--out") if args.out else None
    scenario = Scenario.from_yaml(args.file)
    try:
        runs = [read_locust(args.locust, history=args.locust_history, users=args.users)] if args.locust else []
        fitted = calibrate(scenario, runs, wrk=args.wrk, csv=args.csv, fit=args.fit, seed=args.seed,
                           progress=show_progress(args))
    except (MeasurementError, ValueError) as error:
        raise CliError(f"calibrate: {error}") from None
    if out is not None:
        write_output(out, "--out", fitted.to_yaml)
    write_stdout(json_text(fitted.to_dict()) if args.json else fitted.summary() + "\n")
    return 0
