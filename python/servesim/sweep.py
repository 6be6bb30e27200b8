"""Sweeps: one simulation per point of a grid of settings, as a pandas DataFrame.

A point is a set of values at scenario paths (``servers.web.workers``,
``workload.open.rate``, ``run.duration``). Points run in parallel, on local threads or
on any :class:`concurrent.futures.Executor` (a Dask ``Client`` too), and each finished
point can be kept on disk, so an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import builtins
import concurrent.futures
import copy
import hashlib
import itertools
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servesim._core import ScenarioError
from servesim.overrides import with_overrides
from servesim.scenario import Scenario, _json_default
from servesim.simulation import ENGINES, ScenarioLike, _as_scenario

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["sweep"]

_LATENCY_STATISTICS = ("mean", "p50", "p90", "p99")


def sweep(scenario: ScenarioLike, over: Mapping[str, Iterable[Any]], *,
          executor: concurrent.futures.Executor | Any | None = None,
          cache_dir: str | os.PathLike[str] | None = None, progress: bool = True,
          zip: bool = False, engine: str = "native", seed: int | None = None) -> pd.DataFrame:
    """Simulates ``scenario`` at every point of a grid and returns one row per point.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a dict of the file format or a path to a scenario file.
    over
        Scenario paths mapped to the values to try, e.g.
        ``{"workload.open.rate": [100, 200, 400], "servers.web.workers": range(1, 17)}``.
        A path is the dotted path of a field as error messages print it; list items
        are numbered from 0 (``endpoints.api.phases.0.cpu``). Values are written as in
        a scenario file (``8``, ``"5ms"``, ``"uvicorn"``, a dict for a distribution).
    executor
        Where points run: ``None`` for local threads (one per hardware thread), or any
        :class:`concurrent.futures.Executor`, including a ``dask.distributed.Client``.
        Each point runs its replications on one thread; the grid is the parallelism.
    cache_dir
        A folder for finished points, keyed by a hash of the point's scenario, the
        seed, the engine and ``servesim.__version__``. A rerun, after Ctrl-C say,
        simulates only the points it does not find there. ``None``: no cache.
    progress
        A tqdm bar over the points on a terminal or in a notebook (none in a pipe).
    zip
        Pair the lists (all of one length) instead of taking every combination.
    engine
        ``"native"`` or ``"simgrid"``, as in :func:`servesim.simulate`.
    seed
        Overrides ``run.seed`` at every point (common random numbers across points).

    Returns
    -------
    pandas.DataFrame
        One row per point in grid order (the last path varies fastest). Columns: one per
        path in ``over`` holding its value, then ``throughput_rps``, ``goodput_rps``
        (req/s), ``latency_mean_s``, ``latency_p50_s``, ``latency_p90_s``,
        ``latency_p99_s`` (seconds; NaN when nothing completed), each followed by its
        95 % confidence half-width (``throughput_ci_rps``, ``latency_p99_ci_s``, ...),
        ``completed``, ``error_rate``, ``failure_rate``, and utilizations as fractions
        with their half-widths: ``cpu_utilization_<host>``, ``worker_busy_<server>``,
        ``gil_busy_<server>``, ``database_utilization_<database>`` and
        ``service_in_use_<service>`` (calls in progress), each with ``..._ci``.

    Raises
    ------
    ScenarioError
        Before anything runs, for a path that leads nowhere
        (``servers.api: no server named 'api' (servers: web)``) or a value the scenario
        rejects, naming the point.
    ValueError
        For an empty ``over``, a path with no values, or zipped lists of different lengths.
    KeyboardInterrupt
        On Ctrl-C, after keeping every finished point in ``cache_dir``.

    Examples
    --------
    >>> import servesim as ss
    >>> frame = ss.sweep("scenarios/two-sync-workers.yaml",
    ...                  {"workload.open.rate": [80, 160], "servers.web.workers": [2, 3],
    ...                   "run.duration": ["200s"]}, progress=False)
    >>> frame[["workload.open.rate", "servers.web.workers", "throughput_rps"]].shape
    (4, 3)
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    base = _as_scenario(scenario)
    paths, grid = _grid(over, paired=zip)
    points = [_point(base, builtins.dict(builtins.zip(paths, values))) for values in grid]
    cache = _Cache(Path(cache_dir) if cache_dir is not None else None, engine, seed)
    rows: list[dict[str, Any] | None] = [cache.load(data) for data in points]
    missing = [index for index, row in enumerate(rows) if row is None]
    with _Progress(progress, total=len(points), done=len(points) - len(missing)) as advance:
        for index, row in _run(points, missing, executor, engine, seed):
            cache.store(points[index], row)
            rows[index] = row
            advance()
    import pandas as pd

    return pd.DataFrame([{**builtins.dict(builtins.zip(paths, values)), **row}
                         for values, row in builtins.zip(grid, rows) if row is not None])


# -- the grid --------------------------------------------------------------------------------


def _grid(over: Mapping[str, Iterable[Any]], *, paired: bool) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The paths of ``over`` and the value tuples of its points, in order."""
    if not isinstance(over, Mapping) or not over:
        raise ValueError("over: expected a non-empty mapping from scenario paths to lists of "
                         f"values, got {over!r}")
    paths: list[str] = []
    columns: list[list[Any]] = []
    for path, values in over.items():
        if not isinstance(path, str) or not path:
            raise TypeError(f"over: paths are dotted strings such as 'servers.web.workers', got {path!r}")
        if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
            raise TypeError(f"over[{path!r}]: expected a list of values, got "
                            f"{type(values).__name__}: {values!r}")
        listed = [_plain(value) for value in values]
        if not listed:
            raise ValueError(f"over[{path!r}]: no values; give at least one")
        paths.append(path)
        columns.append(listed)
    if not paired:
        return paths, list(itertools.product(*columns))
    lengths = {path: len(column) for path, column in builtins.zip(paths, columns)}
    if len(set(lengths.values())) > 1:
        raise ValueError("over: zip=True pairs lists of one length, got "
                         + ", ".join(f"{path}: {length}" for path, length in lengths.items()))
    return paths, list(builtins.zip(*columns))


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers, so points hash and print the same either way."""
    return value.item() if hasattr(value, "item") and callable(value.item) else value


def _point(base: Scenario, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The point's scenario in the file format (what process and Dask workers are sent
    and the cache is keyed by), checked now so that a bad value fails before any simulation."""
    try:
        return with_overrides(base, overrides).to_dict()
    except ScenarioError as error:
        where = ", ".join(f"{path}={value!r}" for path, value in overrides.items())
        raise _point_error(error, f"{error.detail or error} (at the point {where})") from None


def _point_error(error: ScenarioError, detail: str) -> ScenarioError:
    """``error`` with ``detail`` in place of its own, shaped like the C++ parser's: ``<path>: <detail>``."""
    changed = ScenarioError(f"{error.path}: {detail}" if error.path else detail)
    changed.path = error.path
    changed.detail = detail
    return changed


# -- running and caching ---------------------------------------------------------------------


def _simulate_point(data: Mapping[str, Any], engine: str, seed: int | None) -> dict[str, Any]:
    """One point's row; a module-level function, so process and Dask workers can run it."""
    from servesim.simulation import simulate

    result = simulate(Scenario.from_dict(data), seed=seed, threads=1, progress=False, engine=engine)
    return _row(result.to_dict())


def _run(points: Sequence[Mapping[str, Any]], indices: Sequence[int], executor: Any, engine: str,
         seed: int | None) -> Iterable[tuple[int, dict[str, Any]]]:
    """Yields ``(index, row)`` as points finish; on an exception or Ctrl-C, cancels the
    points not started and re-raises."""
    if not indices:
        return
    own = executor is None
    if own:
        pool: concurrent.futures.Executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=min(len(indices), os.cpu_count() or 1), thread_name_prefix="servesim-sweep")
    elif isinstance(executor, concurrent.futures.Executor):
        pool = executor
    elif callable(getattr(executor, "get_executor", None)):
        pool = executor.get_executor()  # a dask.distributed.Client
    else:
        raise TypeError("executor must be a concurrent.futures.Executor or a dask.distributed.Client, "
                        f"got {type(executor).__name__}")
    futures = {pool.submit(_simulate_point, points[index], engine, seed): index for index in indices}
    finished = False
    try:
        for future in concurrent.futures.as_completed(futures):
            yield futures[future], future.result()
        finished = True
    finally:
        if not finished:
            for future in futures:
                future.cancel()
        if own:
            # After Ctrl-C, return at once: the points already running finish in the background.
            pool.shutdown(wait=finished, cancel_futures=True)


class _Cache:
    """Finished points as JSON files named by a hash of what determines them."""

    def __init__(self, folder: Path | None, engine: str, seed: int | None) -> None:
        from servesim import __version__

        self._folder = folder
        self._salt = f"servesim {__version__}\nengine {engine}\nseed {seed}\n"
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)

    def _file(self, data: Mapping[str, Any]) -> Path | None:
        if self._folder is None:
            return None
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=_json_default)
        digest = hashlib.sha256((self._salt + text).encode("utf-8")).hexdigest()
        return self._folder / f"{digest[:32]}.json"

    def load(self, data: Mapping[str, Any]) -> dict[str, Any] | None:
        file = self._file(data)
        if file is None:
            return None
        try:
            row = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # not there yet, or unreadable: simulate it again
        return row if isinstance(row, dict) else None

    def store(self, data: Mapping[str, Any], row: Mapping[str, Any]) -> None:
        file = self._file(data)
        if file is None:
            return
        # Written aside and renamed, so an interrupted write never leaves half a point.
        partial = file.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(row), encoding="utf-8")
        os.replace(partial, file)


class _Progress:
    """A tqdm bar over the points (notebook-aware; none when stderr is not a terminal)."""

    def __init__(self, enabled: bool, total: int, done: int) -> None:
        self._bar: Any = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, initial=done, desc="sweep", unit="point", disable=None)

    def __enter__(self) -> Any:
        return self._advance

    def _advance(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.close()


# -- one row per point -------------------------------------------------------------------------


def _estimate(value: Any) -> tuple[float, float]:
    """An estimate object of the result document as (mean, half-width); NaN for no data."""
    if not isinstance(value, Mapping) or value.get("mean") is None:
        return math.nan, math.nan
    half_width = value.get("half_width")
    return float(value["mean"]), float(half_width) if half_width is not None else math.nan


def _row(document: Mapping[str, Any]) -> dict[str, Any]:
    """The headline metrics of a result document (``Result.to_dict()``), flat."""
    row: dict[str, Any] = {}
    for name, key, unit in (("throughput", "throughput_ci", "rps"), ("goodput", "goodput_ci", "rps")):
        row[f"{name}_{unit}"], row[f"{name}_ci_{unit}"] = _estimate(document.get(key))
    latency_ci = document.get("latency_ci") or {}
    for statistic in _LATENCY_STATISTICS:
        row[f"latency_{statistic}_s"], row[f"latency_{statistic}_ci_s"] = _estimate(latency_ci.get(statistic))
    row["completed"] = int(document.get("completed", 0))
    for key in ("error_rate", "failure_rate"):
        value = document.get(key)
        row[key] = float(value) if value is not None else math.nan
    for section, name_key, columns in (
            ("hosts", "name", (("cpu_utilization", "cpu_utilization"),)),
            ("servers", "name", (("worker_busy", "worker_busy_fraction"), ("gil_busy", "gil_busy_fraction"))),
            ("databases", "name", (("database_utilization", "utilization"),)),
            ("services", "name", (("service_in_use", "mean_in_use"),))):
        for item in document.get(section) or ():
            for column, key in columns:
                name = item[name_key]
                row[f"{column}_{name}"], row[f"{column}_ci_{name}"] = _estimate(item.get(f"{key}_ci"))
    return row
