"""Running scenarios: on the native discrete-event engine, or on SimGrid."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from servesim import _core
from servesim.result import Result
from servesim.scenario import Scenario

__all__ = ["cancel_simulations", "engine_available", "simulate"]

ENGINES = ("native", "simgrid")

ScenarioLike = Scenario | Mapping[str, Any] | str | os.PathLike[str]
ProgressLike = bool | Callable[[float], None] | None


def _as_scenario(scenario: ScenarioLike) -> Scenario:
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, Mapping):
        return Scenario.from_dict(scenario)
    if isinstance(scenario, (str, os.PathLike)):
        return Scenario.from_yaml(scenario)
    raise TypeError(f"expected a Scenario, a dict or a path, got {type(scenario).__name__}")


def _check_count(name: str, value: int | None, minimum: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")


@contextmanager
def _progress_callback(progress: ProgressLike, label: str) -> Iterator[Callable[[float], None] | None]:
    """Turns ``progress`` into the core's callback; True shows a tqdm bar (notebook-aware)."""
    if progress is None or progress is False:
        yield None
    elif progress is True:
        from tqdm.auto import tqdm

        with tqdm(total=100, desc=label, unit="%", bar_format="{l_bar}{bar}| {elapsed}<{remaining}") as bar:
            def advance(fraction: float) -> None:
                bar.update(round(100 * fraction) - bar.n)

            yield advance
    elif callable(progress):
        yield progress
    else:
        raise TypeError(f"progress must be a bool or a callable, got {type(progress).__name__}")


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")


def engine_available(engine: str) -> bool:
    """Whether ``engine`` can run here.

    Parameters
    ----------
    engine
        ``"native"`` (always available) or ``"simgrid"``, which needs the
        ``servesim-simgrid`` executable: built when SimGrid (Debian's
        ``libsimgrid-dev``) was found at build time, or named by the
        ``SERVESIM_SIMGRID`` environment variable.

    Returns
    -------
    bool
        ``ss.simulate(..., engine=engine)`` raises :class:`EngineError`, naming
        what is missing, when this is False.

    Examples
    --------
    >>> import servesim as ss
    >>> ss.engine_available("native")
    True
    """
    _check_engine(engine)
    return _core.engine_available(engine)


def cancel_simulations() -> None:
    """Stops every :func:`simulate` running in this process, in any thread.

    Each raises :class:`KeyboardInterrupt` within about 50 ms (SimGrid
    replications' processes are killed); runs started afterwards are not
    affected. Ctrl-C stops a run on the main thread by itself; code that runs
    simulations on worker threads (an executor) calls this when interrupted,
    as :func:`servesim.compare` does.

    Examples
    --------
    >>> import servesim as ss
    >>> ss.cancel_simulations()  # nothing is running: no effect
    """
    _core.cancel_simulations()


def simulate(scenario: ScenarioLike, *, seed: int | None = None, replications: int | None = None,
             threads: int = 0, progress: ProgressLike = False, engine: str = "native",
             process_timeout: float | None = None) -> Result:
    """Simulates a scenario on the native engine, or on SimGrid.

    On the native engine (the default), replications run in parallel C++
    threads with the GIL released. On ``engine="simgrid"`` each replication
    runs in its own ``servesim-simgrid`` process (SimGrid S4U keeps global
    state), as many at once as ``threads``; both engines read the same
    scenario and report the same result fields. The same scenario and seed
    give the same result on any number of threads.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.
    seed
        Overrides the scenario's ``run.seed`` (a non-negative integer < 2**64).
    replications
        Overrides ``run.replications``: independent runs (>= 1) whose spread gives
        the confidence intervals.
    threads
        Replications run at once (threads, or processes for SimGrid); 0 uses
        one per hardware thread.
    progress
        ``True`` shows a progress bar (tqdm; in notebooks a widget); a callable
        is called with the fraction done, in (0, 1], about a hundred times per
        replication. Ctrl-C (KeyboardInterrupt) or an exception raised by the
        callable cancels the run and propagates.
    engine
        ``"native"`` (default) or ``"simgrid"``; see :func:`engine_available`.
    process_timeout
        SimGrid only: wall-clock seconds one replication's process may run
        before it is killed and :class:`EngineError` raised; None for no limit.

    Returns
    -------
    Result
        Throughput in req/s, latencies in seconds, utilizations as fractions.

    Raises
    ------
    ScenarioError
        If the scenario is invalid or its file unreadable, or uses a feature
        the chosen engine cannot express (naming it).
    EngineError
        If the SimGrid engine is unavailable, or one of its processes crashes,
        times out or writes a malformed result.
    ValueError, TypeError
        For out-of-range or mistyped keyword arguments.

    Examples
    --------
    >>> import servesim as ss
    >>> result = ss.simulate("scenarios/two-sync-workers.yaml", seed=1, replications=2)
    >>> print(result.summary())
    two-sync-workers: 2 replications, seed 1, warm-up 100 s, ± is the 95 % confidence half-width
      throughput ...
      latency mean ...
    ...
    """
    _check_count("seed", seed, 0)
    if seed is not None and seed >= 2**64:
        raise ValueError(f"seed must be < 2**64, got {seed}")
    _check_count("replications", replications, 1)
    _check_count("threads", threads, 0)
    _check_engine(engine)
    if process_timeout is not None:
        if isinstance(process_timeout, bool) or not isinstance(process_timeout, (int, float)):
            raise TypeError(f"process_timeout must be a number of seconds, got "
                            f"{type(process_timeout).__name__}: {process_timeout!r}")
        if not process_timeout > 0 or process_timeout == float("inf"):
            raise ValueError(f"process_timeout must be a finite number of seconds > 0, got {process_timeout!r}")
    model = _as_scenario(scenario)
    with _progress_callback(progress, model.name) as on_progress:
        return Result(_core.simulate(model.core, threads, seed, replications, on_progress, engine,
                                     float(process_timeout or 0.0)))
