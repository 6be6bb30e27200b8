"""Fitting: log-error residuals, a bounded Nelder-Mead search in log space, and
confidence intervals from the Jacobian at the optimum."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Union

import numpy as np

from servesim._core import NotApplicableError
from servesim.calibration.model import BOUNDS, KINDS, Model
from servesim.calibration.parsers import MeasuredRun, read_runs
from servesim.calibration.report import Calibration, FittedParameter, PointFit
from servesim.simulation import ScenarioLike, _as_scenario

PathLike = Union[str, Path]
ProgressLike = Union[bool, Callable[[int, float], None]]

# No measurement is better than this (relative): repeated wrk runs of the same point in
# validation/measurements.csv scatter by 3.1 % rms on throughput and 5.7 % on p50 (log
# deviations from each point's mean, 55 runs), so residuals smaller than that are luck,
# and intervals computed from them would be too narrow.
MEASUREMENT_FLOOR = 0.03
# Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
         2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
         2.052, 2.048, 2.045, 2.042)


def t_quantile(df: int) -> float:
    """The 97.5 % quantile of Student's t (beyond 30 degrees of freedom, its first-order
    expansion around the normal's 1.96, within 0.1 %)."""
    return _T975[df - 1] if df <= 30 else 1.96 + 2.37 / df


def residuals(model: Model, predicted: list[list[dict[str, float]]], tails: bool) -> np.ndarray:
    """log(predicted / measured) of throughput and p50, and of p90 and p99 when ``tails``."""
    out: list[float] = []
    for run, stats in zip(model.runs, predicted):
        for observation, sim in zip(run.observations, stats):
            pairs = [(sim["throughput"], observation.throughput), (sim["p50"], observation.p50)]
            if tails:
                pairs += [(sim[key], getattr(observation, key)) for key in ("p90", "p99")
                          if getattr(observation, key) is not None]
            out += [math.log(max(p, 1e-12) / m) if math.isfinite(p) else 10.0 for p, m in pairs]
    return np.asarray(out)


def nelder_mead(objective: Callable[[np.ndarray], float], start: np.ndarray, low: np.ndarray,
                high: np.ndarray, *, step: float = 0.3, xtol: float = 0.003, max_evaluations: int = 200
                ) -> tuple[np.ndarray, float, int]:
    """Minimizes ``objective`` over the box [low, high] (points are clipped into it) by the
    Nelder-Mead simplex (standard coefficients 1, 2, 0.5, 0.5). Stops when every vertex is
    within ``xtol`` of the best in every coordinate, or after ``max_evaluations``.

    Returns the best point, its value and the number of evaluations.

    Examples
    --------
    >>> import numpy as np
    >>> x, f, n = nelder_mead(lambda p: float(((p - 1.0) ** 2).sum()), np.zeros(2), -5 * np.ones(2),
    ...                       5 * np.ones(2), xtol=1e-4)
    >>> bool(np.allclose(x, 1.0, atol=1e-3))
    True
    """
    dimension = len(start)
    points = [np.clip(start, low, high)]
    for axis in range(dimension):
        vertex = points[0].copy()
        vertex[axis] += step if vertex[axis] + step <= high[axis] else -step
        points.append(np.clip(vertex, low, high))
    values = [objective(p) for p in points]
    evaluations = len(points)
    while evaluations < max_evaluations:
        order = np.argsort(values)
        points = [points[i] for i in order]
        values = [values[i] for i in order]
        if max(float(np.max(np.abs(p - points[0]))) for p in points[1:]) <= xtol:
            break
        centroid = np.mean(points[:-1], axis=0)
        reflected = np.clip(centroid + (centroid - points[-1]), low, high)
        f_reflected = objective(reflected)
        evaluations += 1
        if f_reflected < values[0]:
            expanded = np.clip(centroid + 2.0 * (centroid - points[-1]), low, high)
            f_expanded = objective(expanded)
            evaluations += 1
            points[-1], values[-1] = (expanded, f_expanded) if f_expanded < f_reflected else (reflected, f_reflected)
        elif f_reflected < values[-2]:
            points[-1], values[-1] = reflected, f_reflected
        else:
            contracted = np.clip(centroid + 0.5 * (points[-1] - centroid), low, high)
            f_contracted = objective(contracted)
            evaluations += 1
            if f_contracted < values[-1]:
                points[-1], values[-1] = contracted, f_contracted
            else:  # shrink towards the best vertex
                for i in range(1, len(points)):
                    points[i] = points[0] + 0.5 * (points[i] - points[0])
                    values[i] = objective(points[i])
                evaluations += len(points) - 1
    best = int(np.argmin(values))
    return points[best], values[best], evaluations


def _fit_kinds(fit: str | Sequence[str]) -> list[str]:
    kinds = [k.strip() for k in (fit.split(",") if isinstance(fit, str) else fit) if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"fit: expected some of {', '.join(KINDS)}, got {', '.join(unknown) or 'nothing'}")
    return kinds


def calibrate(scenario: ScenarioLike, runs: Sequence[MeasuredRun] = (), *, wrk: Sequence[PathLike] = (),
              locust: PathLike | None = None, csv: PathLike | None = None,
              fit: str | Sequence[str] = ("cpu", "io"), seed: int = 1, requests: int = 4000,
              max_evaluations: int = 400, progress: ProgressLike = False) -> Calibration:
    """Fits a deployment's unknowns to load-test measurements of it.

    The scenario is the deployment as measured (hosts, server, workers, endpoints); the
    unknowns are fitted to the runs: each run is simulated with the load it applied
    (wrk connections as closed-loop users without think time, locust users with theirs,
    or Poisson arrivals at a rate), with the same seed for every candidate (common random
    numbers, so differences between candidates are not noise), and the candidates are
    scored by the squared log errors of throughput and p50 (and p90/p99 when the CV is
    fitted). The search starts from the better of an operational-law guess and the
    analytic estimate's own fit, and refines it by a bounded Nelder-Mead search in log space.
    95 % confidence intervals come from the Jacobian at the optimum (see
    docs/calibration.md).

    Parameters
    ----------
    scenario
        The measured deployment: a :class:`Scenario`, a dict, or a scenario file. Its
        workload and run settings are kept in the fitted scenario, not used by the fit.
    runs
        Measured runs (:func:`read_wrk`, :func:`read_locust`, :func:`read_points_csv`).
    wrk, locust, csv
        Files to read as well: ``wrk --latency`` reports (``ENDPOINT=FILE`` names the
        endpoint), a locust ``*_stats.csv``, a CSV of load levels.
    fit
        What to fit, some of ``cpu``, ``io`` (per measured endpoint: the mean of its first
        ``cpu`` / ``io`` phase, added if missing), ``overhead`` (the server's
        ``framework_overhead``), ``cv`` (one coefficient of variation of those phases,
        lognormal); a list or ``"cpu,io"``.
    seed
        The seed of every simulation.
    requests
        Simulated requests per run and candidate: more is slower and less noisy.
    max_evaluations
        Candidates tried by the simulated search at most.
    progress
        ``True`` prints the search's progress on stderr; a callable gets (candidates
        tried, current root-mean-square log error).

    Returns
    -------
    Calibration
        Fitted values with 95 % intervals, a per-run fit report, and the fitted scenario.

    Raises
    ------
    MeasurementError
        For an unreadable measurement file (naming file, line, field).
    ValueError
        When there are no runs, a run names an endpoint not in the scenario, or there
        are fewer measured numbers than unknowns.

    Examples
    --------
    >>> fitted = ss.calibrate("examples/calibrate/uvicorn.yaml", csv="examples/calibrate/points.csv")
    >>> [(p.name, round(p.value * 1e3)) for p in fitted.parameters]
    [('work.cpu', 1), ('work.io', 51)]
    """
    kinds = _fit_kinds(fit)
    model_scenario = _as_scenario(scenario)
    all_runs = list(runs) + read_runs(wrk, locust, csv)
    if not all_runs:
        raise ValueError("no measurements: give runs, wrk, locust or csv")
    model = Model(model_scenario, all_runs, kinds, requests, seed)
    tails = "cv" in kinds
    low = np.log([BOUNDS[u.kind][0] for u in model.unknowns])
    high = np.log([BOUNDS[u.kind][1] for u in model.unknowns])
    count = sum(2 + ((obs.p90 is not None) + (obs.p99 is not None) if tails else 0)
                for run in model.runs for obs in run.observations)
    if count < len(model.unknowns):
        raise ValueError(f"{count} measured numbers cannot fit {len(model.unknowns)} unknowns: "
                         "measure more load levels")
    report = _progress(progress)
    evaluations = 0

    def simulated(log_values: np.ndarray) -> float:
        nonlocal evaluations
        error = residuals(model, model.simulate(_values(log_values)), tails)
        evaluations += 1
        if report is not None:
            report(evaluations, math.sqrt(float(np.mean(error ** 2))))
        return float(error @ error)

    starts = [np.log(model.start())]
    analytic = _analytic_fit(model, starts[0], low, high, tails)
    if analytic is not None:
        starts.append(analytic)
    scores = [simulated(s) for s in starts]
    best, value = starts[int(np.argmin(scores))], min(scores)
    # A simplex can collapse before the minimum (noise, a narrow valley): restart from the
    # best point with a fresh, smaller simplex until a restart no longer helps.
    for step in (0.2, 0.1, 0.05, 0.05):
        budget = max_evaluations - evaluations
        if budget <= len(best):
            break
        candidate, candidate_value, _ = nelder_mead(simulated, best, low, high, step=step, max_evaluations=budget)
        improved = candidate_value < value * (1 - 1e-3)
        if candidate_value < value:
            best, value = candidate, candidate_value
        if not improved and step < 0.2:
            break
    jacobian = _jacobian(lambda x: residuals(model, model.simulate(_values(x)), tails), best, low, high)
    final = residuals(model, model.simulate(_values(best)), tails)
    # The fit's own simulation noise, which common random numbers hide from the residuals:
    # the spread of the residuals at the optimum over two more seeds.
    reseeded = [final]
    for offset in (1, 2):
        model.seed = seed + offset
        reseeded.append(residuals(model, model.simulate(_values(best)), tails))
    model.seed = seed
    simulation_variance = float(np.mean(np.var(np.vstack(reseeded), axis=0, ddof=1)))
    parameters = _intervals(model, best, final, jacobian, simulation_variance)
    points = _point_fits(model, model.simulate(_values(best)))
    return Calibration(parameters=parameters, points=points,
                       scenario=model.scenario_dict(_values(best)), fit=tuple(kinds),
                       rms_log_error=math.sqrt(float(np.mean(final ** 2))), simulations=(evaluations + 2 * len(best) + 3) * len(model.runs),
                       used_analytic_start=analytic is not None and int(np.argmin(scores)) == 1)


def _progress(progress: ProgressLike) -> Callable[[int, float], None] | None:
    if callable(progress):
        return progress
    if not progress:
        return None

    def to_stderr(done: int, rms: float) -> None:
        if done % 10 == 0:
            print(f"calibrate: {done} candidates, rms log error {rms:.3f}", file=sys.stderr, flush=True)

    return to_stderr


def _analytic_fit(model: Model, start: np.ndarray, low: np.ndarray, high: np.ndarray,
                  tails: bool) -> np.ndarray | None:
    """The best fit of the analytic estimate (about a millisecond a run), or None where no
    analytic model covers the scenario or a run measured several endpoints at once."""
    if any(len(run.observations) != 1 for run in model.runs):
        return None

    def objective(log_values: np.ndarray) -> float:
        error = residuals(model, model.estimate(_values(log_values)), tails)
        return float(error @ error)

    try:
        best, _, _ = nelder_mead(objective, start, low, high, max_evaluations=400)
    except NotApplicableError:
        return None
    return best


def _jacobian(function: Callable[[np.ndarray], np.ndarray], x: np.ndarray, low: np.ndarray,
              high: np.ndarray, step: float = 0.02) -> np.ndarray:
    """Central differences in log space (one-sided at a bound)."""
    columns = []
    for axis in range(len(x)):
        up, down = x.copy(), x.copy()
        up[axis] = min(x[axis] + step, high[axis])
        down[axis] = max(x[axis] - step, low[axis])
        columns.append((function(up) - function(down)) / (up[axis] - down[axis]))
    return np.column_stack(columns)


def _intervals(model: Model, best: np.ndarray, final: np.ndarray, jacobian: np.ndarray,
               simulation_variance: float) -> list[FittedParameter]:
    """Linearized 95 % intervals: covariance s^2 (J'J)^-1 in log space, s^2 the residual
    variance (at least MEASUREMENT_FLOOR^2) plus the simulation's own, Student's t with
    m - k degrees of freedom."""
    m, k = jacobian.shape
    df = max(m - k, 1)
    variance = max(float(final @ final) / df, MEASUREMENT_FLOOR ** 2) + simulation_variance
    singular = np.linalg.svd(jacobian, compute_uv=False)
    identifiable = singular.size == k and singular[-1] > 1e-6 * max(singular[0], 1e-12)
    covariance = variance * np.linalg.pinv(jacobian.T @ jacobian)
    quantile = t_quantile(df)
    parameters = []
    for axis, unknown in enumerate(model.unknowns):
        value = float(math.exp(best[axis]))
        half = quantile * math.sqrt(max(float(covariance[axis, axis]), 0.0))
        # Beyond a factor of e^20 either way the interval says nothing.
        if not identifiable or half > 20.0:
            low, high = 0.0, math.inf
        else:
            low, high = value * math.exp(-half), value * math.exp(half)
        name = f"{unknown.owner}.{unknown.kind}" if unknown.owner else unknown.kind
        parameters.append(FittedParameter(name, unknown.path, value, low, high, unknown.unit))
    return parameters


def _point_fits(model: Model, predicted: list[list[dict[str, float]]]) -> list[PointFit]:
    return [PointFit(run.source, observation.endpoint or "", run.load, observation.throughput, sim["throughput"],
                     observation.p50, sim["p50"], observation.p99, sim["p99"])
            for run, stats in zip(model.runs, predicted) for observation, sim in zip(run.observations, stats)]


def _values(log_values: np.ndarray) -> list[float]:
    """The parameters (seconds, or a CV) of a point of the search's log space."""
    return [float(v) for v in np.exp(log_values)]
