"""The short validation check that ``make test`` runs (ctest ``validate_quick``).

1. Starts each real server kind briefly (Gunicorn sync and gthread with Flask,
   Uvicorn with FastAPI's ``async def``, ``def`` and blocking endpoints, and
   one server on every core, sharing them with wrk),
   measures one short point each with wrk, and checks that the harness works:
   requests were answered without errors, the throughput is what the
   endpoint's work allows, and no server process is left behind.
2. Runs ``compare.py --check`` on the committed measurements: every point must
   meet its targets against the current engine and presets.

Takes about 10 s; measured numbers here are only sanity-checked, since other
tests may share the machine.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
import measure  # noqa: E402


def leftover_servers() -> list[str]:
    """Command lines of live processes serving this checkout's validation apps."""
    marker = str(measure.APPS)
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                command = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in command and "quick_check" not in command:
            found.append(f"{entry}: {command.strip()}")
    return found


def check_harness() -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "measurements.csv"
        for point in measure.quick_grid():
            row = measure.measure_point(point, duration_s=1, warmup_s=0, repeats=1, quiet_wait_s=0)
            measure.append_rows([row], out)
            # A closed loop of c users with no think time cannot beat c / work;
            # a blocking call serializes each process's requests.
            work_s = (point.cpu_ms + point.io_ms) / 1e3
            parallel = point.server.workers if point.endpoint == "/blocking" else point.connections
            ceiling = parallel / work_s
            label = f"{point.config} c={point.connections}"
            print(f"{label}: {row['throughput_rps']:.1f} req/s (at most {ceiling:.0f}), "
                  f"p50 {row['p50_ms']:.1f} ms, errors {row['errors']}", flush=True)
            if row["requests"] == 0 or row["errors"] > 0:
                problems.append(f"{label}: {row['requests']} requests, {row['errors']} errors")
            elif not 0.2 * ceiling < row["throughput_rps"] <= 1.05 * ceiling:
                problems.append(f"{label}: throughput {row['throughput_rps']} req/s outside "
                                f"(0.2, 1.05] x {ceiling:.0f}")
            elif not row["client_cpu_per_request_us"] > 0:
                problems.append(f"{label}: wrk's CPU per request not measured ({row['client_cpu_per_request_us']})")
            elif row["p50_ms"] < 0.95 * work_s * 1e3:
                problems.append(f"{label}: p50 {row['p50_ms']} ms below the work, {work_s * 1e3} ms")
            leftovers = leftover_servers()
            if leftovers:
                problems.append(f"{label}: server processes left behind: {leftovers}")
        rows = compare.load_measurements(out)
        if len(rows) != len(measure.quick_grid()):
            problems.append(f"wrote {len(rows)} rows, expected {len(measure.quick_grid())}")
    return problems


def main() -> int:
    measure.install_signal_handlers()
    problems = check_harness()
    for problem in problems:
        print(f"harness: {problem}", file=sys.stderr)
    compare_status = compare.main(["--check"])
    return 1 if problems or compare_status else 0


if __name__ == "__main__":
    sys.exit(main())
