"""Running a comparison: every deployment x case x users simulated on a pool
of threads (each simulation releases the GIL), with a progress bar, and the
other runs stopped as soon as one fails or Ctrl-C arrives."""

from __future__ import annotations

import concurrent.futures
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from servesim.comparison.outcome import ComparisonResult
from servesim.comparison.spec import Comparison
from servesim.result import Result
from servesim.simulation import simulate

__all__ = ["compare"]


class _Cancelled(Exception):
    """Raised from a run's progress callback to stop it when another run failed."""


def compare(comparison: Comparison, *, threads: int | None = None,
            progress: bool = False) -> ComparisonResult:
    """Simulates every deployment x case x users of a comparison.

    Runs are independent simulations; ``threads`` of them run at once, each on
    one thread with the GIL released. Every run uses the comparison's seed, so
    the same comparison gives the same result on any number of threads.

    Parameters
    ----------
    comparison
        What to simulate.
    threads
        Simulations run at the same time, >= 1; ``None``: one per hardware thread.
    progress
        ``True`` shows a progress bar over the runs (tqdm; in notebooks a widget).

    Returns
    -------
    ComparisonResult
        One row per case x users x deployment in :attr:`ComparisonResult.frame`.

    Raises
    ------
    ValueError, TypeError
        For a bad ``threads``.
    KeyboardInterrupt
        On Ctrl-C, after the runs in progress have stopped.

    Examples
    --------
    >>> comparison = ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml")
    >>> result = ss.compare(comparison, threads=2)  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    """
    if threads is None:
        threads = os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, got {type(threads).__name__}: {threads!r}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    runs = comparison.runs
    scenarios = {run: comparison.scenario(run[2], run[0], run[1]) for run in runs}
    cancelled = threading.Event()

    def stop_if_cancelled(_fraction: float) -> None:
        if cancelled.is_set():
            raise _Cancelled

    def one(run: tuple[str, int, str]) -> Result:
        return simulate(scenarios[run], threads=1, progress=stop_if_cancelled)

    results: dict[tuple[str, int, str], Result] = {}
    with _progress_bar(progress, len(runs), comparison.name) as advance, \
            concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, len(runs))) as pool:
        futures = {pool.submit(one, run): run for run in runs}
        try:
            for future in concurrent.futures.as_completed(futures):
                results[futures[future]] = future.result()
                advance()
        except BaseException:
            cancelled.set()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return ComparisonResult(comparison, {run: results[run] for run in runs})


@contextmanager
def _progress_bar(show: bool, total: int, label: str) -> Iterator[Callable[[], None]]:
    """Yields ``advance()``, which moves a tqdm bar over the runs by one; a no-op without progress."""
    if not isinstance(show, bool):
        raise TypeError(f"progress must be a bool, got {type(show).__name__}")
    if not show:
        yield lambda: None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=label, unit="run") as bar:
        def advance() -> None:
            bar.update(1)

        yield advance
