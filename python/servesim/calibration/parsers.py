"""Readers of the measurements users already have: ``wrk --latency`` reports, locust's
``*_stats.csv`` (and ``*_stats_history.csv``), and a plain CSV of load levels.

Each returns :class:`MeasuredRun` records: the load a run applied (wrk connections,
locust users or an arrival rate) and what it observed per endpoint (throughput in
req/s, latency percentiles in seconds). A malformed input raises
:class:`MeasurementError` naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import dataclasses
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Union

PathLike = Union[str, Path]

__all__ = ["MeasuredRun", "MeasurementError", "Observation", "read_locust", "read_points_csv", "read_wrk"]


class MeasurementError(ValueError):
    """A measurement file that cannot be read: the message names the file, line and field."""


@dataclasses.dataclass(frozen=True)
class Observation:
    """What one measured run saw for one endpoint: throughput in req/s, latencies in seconds
    (``None`` when the tool did not report that percentile)."""

    endpoint: str | None
    throughput: float
    p50: float
    p90: float | None = None
    p99: float | None = None
    mean: float | None = None


@dataclasses.dataclass(frozen=True)
class MeasuredRun:
    """One load level of a load test: ``concurrency`` closed-loop clients (wrk connections,
    locust users) with ``think_time`` seconds between an answer and the next request, or
    Poisson arrivals at ``rate`` req/s; and its observations, one per endpoint.
    ``source`` is ``file:line`` for messages."""

    observations: tuple[Observation, ...]
    source: str
    concurrency: int | None = None
    rate: float | None = None
    think_time: float = 0.0

    @property
    def load(self) -> str:
        """The load as text: ``64 connections`` or ``300 req/s``."""
        if self.concurrency is not None:
            think = f", think {self.think_time * 1e3:.3g} ms" if self.think_time > 0 else ""
            plural = "" if self.concurrency == 1 else "s"
            return f"{self.concurrency} connection{plural}{think}"
        return f"{self.rate:g} req/s"


_WRK_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_WRK_DURATION = re.compile(r"^([0-9.]+)(us|ms|s|m|h)$")


def _wrk_duration(text: str, where: str, field: str) -> float:
    match = _WRK_DURATION.match(text)
    if not match:
        raise MeasurementError(f"{where}: {field}: expected a duration such as 52.19ms, got {text!r}")
    return float(match[1]) * _WRK_UNITS[match[2]]


def read_wrk(path: PathLike, endpoint: str | None = None) -> MeasuredRun:
    """Reads the report ``wrk --latency`` prints (wrk 4.x): connections from the header
    line ``N threads and M connections``, throughput from ``Requests/sec:``, p50, p90 and
    p99 from the ``Latency Distribution``, the mean from ``Thread Stats``.

    Parameters
    ----------
    path
        The saved output of one run (``wrk --latency ... > out.txt``).
    endpoint
        The scenario endpoint the run loaded; None for the scenario's only endpoint.

    Raises
    ------
    MeasurementError
        Naming the file and line: a missing header, ``Requests/sec`` or latency
        distribution (run wrk with ``--latency``), or a malformed number. A run with socket
        errors or non-2xx responses is rejected: its latencies mix answers and failures.

    Examples
    --------
    >>> run = ss.calibration.read_wrk("examples/calibrate/gthread-wrk-64.txt", endpoint="work")
    >>> run.concurrency, round(run.observations[0].throughput)
    (64, 152)
    """
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise MeasurementError(f"{file}: cannot read: {error}") from None
    connections: int | None = None
    throughput: float | None = None
    mean: float | None = None
    percentiles: dict[str, float] = {}
    in_distribution = False
    for number, line in enumerate(lines, start=1):
        where = f"{file}:{number}"
        text = line.strip()
        header = re.match(r"^(\d+) threads and (\d+) connections$", text)
        if header:
            connections = int(header[2])
        elif text.startswith("Latency Distribution"):
            in_distribution = True
            continue
        elif in_distribution and re.match(r"^[0-9.]+%\s", text):
            level, value = text.split()
            percentiles[level] = _wrk_duration(value, where, f"latency {level}")
            continue
        elif text.startswith("Latency") and mean is None:
            fields = text.split()
            if len(fields) < 2:
                raise MeasurementError(f"{where}: Latency: expected 'Latency AVG STDEV MAX', got {text!r}")
            mean = _wrk_duration(fields[1], where, "latency average")
        elif text.startswith("Requests/sec:"):
            throughput = _number(text.partition(":")[2].strip(), where, "Requests/sec")
        elif text.startswith("Socket errors:") or text.startswith("Non-2xx or 3xx responses:"):
            raise MeasurementError(f"{where}: the run had errors ({text}); measure below the error "
                                   "onset, latencies of failed requests are not service times")
        in_distribution = False
    if connections is None:
        raise MeasurementError(f"{file}: no 'N threads and M connections' line: is this wrk's output?")
    if throughput is None:
        raise MeasurementError(f"{file}: no 'Requests/sec:' line: the run did not finish")
    missing = [level for level in ("50%", "90%", "99%") if level not in percentiles]
    if missing:
        raise MeasurementError(f"{file}: no {', '.join(missing)} in a 'Latency Distribution': "
                               "run wrk with --latency")
    observation = Observation(endpoint, throughput, percentiles["50%"], percentiles["90%"],
                              percentiles["99%"], mean)
    return MeasuredRun((observation,), f"{file}:1", concurrency=connections)


def _number(text: str, where: str, field: str, *, positive: bool = True) -> float:
    try:
        value = float(text)
    except ValueError:
        raise MeasurementError(f"{where}: {field}: expected a number, got {text!r}") from None
    if not math.isfinite(value) or (positive and value <= 0) or value < 0:
        raise MeasurementError(f"{where}: {field}: expected a finite number > 0, got {text!r}")
    return value


def _csv_rows(file: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The header and the (line number, row) pairs of a CSV file."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MeasurementError(f"{file}: cannot read: {error}") from None
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in reader.fieldnames or []]
    if not header:
        raise MeasurementError(f"{file}: empty file, expected a CSV header line")
    rows = [(reader.line_num, {key.strip(): (value or "").strip() for key, value in row.items() if key})
            for row in reader]
    if not rows:
        raise MeasurementError(f"{file}: a header and no rows")
    return header, rows


_LOCUST_COLUMNS = ("Name", "Request Count", "Failure Count", "Average Response Time", "Requests/s",
                   "50%", "90%", "99%")


def read_locust(path: PathLike, *, history: PathLike | None = None, users: int | None = None,
                endpoints: Mapping[str, str] | None = None) -> MeasuredRun:
    """Reads locust's ``--csv PREFIX`` statistics, ``PREFIX_stats.csv`` (locust 2.x): one run
    of every endpoint at once, one row per request name (times in ms).

    The users come from ``users`` or from the last ``User Count`` of
    ``PREFIX_stats_history.csv``; their think time is not in the files, so it is taken from
    Little's law, ``users / throughput - mean response time`` (exact for the means,
    whatever locust's ``wait_time``). Without users the run is modelled as Poisson
    arrivals at the measured rate, which is right when the server is far from saturation.

    Parameters
    ----------
    path
        ``PREFIX_stats.csv``.
    history
        ``PREFIX_stats_history.csv``, for the user count.
    users
        The number of locust users (overrides the history's).
    endpoints
        Request name (``/orders`` or the ``name=`` given in the locustfile) to scenario
        endpoint; by default a name matches the endpoint of the same name, with or without
        its leading ``/``.

    Raises
    ------
    MeasurementError
        Naming the file, line and column: missing columns, malformed numbers, requests
        that failed (their latencies are not service times).

    Examples
    --------
    >>> run = ss.calibration.read_locust("examples/calibrate/locust_stats.csv",
    ...                                history="examples/calibrate/locust_stats_history.csv")
    >>> run.concurrency, [o.endpoint for o in run.observations]
    (50, ['/orders', '/search'])
    """
    file = Path(path)
    header, rows = _csv_rows(file)
    missing = [column for column in _LOCUST_COLUMNS if column not in header]
    if missing:
        raise MeasurementError(f"{file}:1: missing columns {', '.join(missing)}: expected locust's "
                               "PREFIX_stats.csv (locust --csv PREFIX)")
    names = dict(endpoints or {})
    observations: list[Observation] = []
    total_rate = 0.0
    mean_latency = 0.0
    for line, row in rows:
        where = f"{file}:{line}"
        if row["Name"] == "Aggregated":
            continue
        if _number(row["Failure Count"], where, "Failure Count", positive=False) > 0:
            raise MeasurementError(f"{where}: Failure Count: {row['Failure Count']} requests of "
                                   f"{row['Name']!r} failed; measure below the error onset")
        rate = _number(row["Requests/s"], where, "Requests/s")
        mean = _number(row["Average Response Time"], where, "Average Response Time") * 1e-3
        total_rate += rate
        mean_latency += rate * mean
        observations.append(Observation(
            names.get(row["Name"], row["Name"]), rate,
            _number(row["50%"], where, "50%") * 1e-3, _number(row["90%"], where, "90%") * 1e-3,
            _number(row["99%"], where, "99%") * 1e-3, mean))
    if not observations:
        raise MeasurementError(f"{file}: only an 'Aggregated' row: no request names")
    if users is None and history is not None:
        users = _locust_users(Path(history))
    source = f"{file}:2"
    if users is None:
        return MeasuredRun(tuple(observations), source, rate=total_rate)
    think = users / total_rate - mean_latency / total_rate
    if think < 0:
        raise MeasurementError(f"{file}: {users} users at {total_rate:g} req/s with a mean response time "
                               f"of {mean_latency / total_rate * 1e3:.3g} ms is impossible "
                               "(Little's law): is the user count right?")
    return MeasuredRun(tuple(observations), source, concurrency=users, think_time=think)


def _locust_users(file: Path) -> int:
    header, rows = _csv_rows(file)
    if "User Count" not in header:
        raise MeasurementError(f"{file}:1: no 'User Count' column: expected locust's PREFIX_stats_history.csv")
    line, row = rows[-1]
    users = _number(row["User Count"], f"{file}:{line}", "User Count")
    if users != int(users):
        raise MeasurementError(f"{file}:{line}: User Count: expected an integer, got {row['User Count']!r}")
    return int(users)


_LOAD_COLUMNS = ("concurrency", "connections", "users", "rate_rps")


def read_points_csv(path: PathLike) -> list[MeasuredRun]:
    """Reads a CSV of load levels, one row per run and endpoint.

    Columns: one of ``concurrency`` (also ``connections`` or ``users``: closed-loop
    clients without think time) and ``rate_rps`` (Poisson arrivals, req/s);
    ``throughput_rps``; ``p50_ms``; optionally ``p90_ms``, ``p99_ms``, ``mean_ms`` and
    ``endpoint`` (the scenario endpoint; empty or absent for its only one). Other
    columns are ignored, so ``validation/measurements.csv`` reads as it is.

    Raises
    ------
    MeasurementError
        Naming the file, line and column.

    Examples
    --------
    >>> runs = ss.calibration.read_points_csv("examples/calibrate/points.csv")
    >>> [run.load for run in runs]
    ['1 connection', '32 connections', '256 connections']
    """
    file = Path(path)
    header, rows = _csv_rows(file)
    loads = [column for column in _LOAD_COLUMNS if column in header]
    if len(loads) != 1:
        raise MeasurementError(f"{file}:1: expected exactly one load column of {', '.join(_LOAD_COLUMNS)}, "
                               f"got {', '.join(loads) or 'none'}")
    for column in ("throughput_rps", "p50_ms"):
        if column not in header:
            raise MeasurementError(f"{file}:1: missing column {column}")
    runs = []
    for line, row in rows:
        where = f"{file}:{line}"

        def optional(column: str) -> float | None:
            value = row.get(column, "")
            return _number(value, where, column) * 1e-3 if value else None

        observation = Observation(row.get("endpoint") or None, _number(row["throughput_rps"], where, "throughput_rps"),
                                  _number(row["p50_ms"], where, "p50_ms") * 1e-3,
                                  optional("p90_ms"), optional("p99_ms"), optional("mean_ms"))
        load = _number(row[loads[0]], where, loads[0])
        if loads[0] == "rate_rps":
            runs.append(MeasuredRun((observation,), where, rate=load))
        elif load != int(load):
            raise MeasurementError(f"{where}: {loads[0]}: expected an integer, got {row[loads[0]]!r}")
        else:
            runs.append(MeasuredRun((observation,), where, concurrency=int(load)))
    return runs


def read_runs(wrk: Iterable[PathLike] = (), locust: PathLike | None = None,
              points: PathLike | None = None) -> list[MeasuredRun]:
    """The runs of every source given (``ENDPOINT=FILE`` names a wrk run's endpoint)."""
    runs: list[MeasuredRun] = []
    for item in wrk:
        text = str(item)
        name, sep, file = text.partition("=")
        runs.append(read_wrk(file, name) if sep and not Path(text).exists() else read_wrk(text))
    if locust is not None:
        runs.append(read_locust(locust))
    if points is not None:
        runs += read_points_csv(points)
    return runs
