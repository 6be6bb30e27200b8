"""Saturation: how much load a deployment takes and what saturates first.

:func:`with_overrides` changes a scenario by field paths, :func:`resource_loads`
and :func:`bottleneck` name its resources by path with their demand and
utilization, and :func:`find_saturation` searches for the largest load it
sustains (or meets an SLO at) by simulation. See docs/planning.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from servesim import _core
from servesim.records import ConfidenceInterval
from servesim.result import Result
from servesim.simulation import ProgressLike, ScenarioLike, _as_scenario, _check_engine, _progress_callback

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["ResourceLoad", "Saturation", "SaturationSpread", "bottleneck", "find_saturation", "resource_loads"]


@dataclass(frozen=True)
class ResourceLoad:
    """A resource requests queue for, named by its scenario path.

    Attributes
    ----------
    path
        ``hosts.app.cpu``, ``servers.web.workers`` (sync processes),
        ``servers.web.threads`` (gthread), ``servers.web.gil``,
        ``servers.web.event_loop``, ``servers.web.thread_pool``,
        ``servers.web.pool.main`` (the server's pools to database ``main``),
        ``databases.main.connections``, ``services.payments.concurrency``, ...
    capacity
        How many of it there are: cores, workers, threads, connections.
    demand_s
        Seconds of it one request holds on average over the mix, without
        contention (waits for a database or a service slot excluded).
    saturation_rate
        ``capacity / demand_s``: the arrival rate (req/s) at which it is always busy.
    utilization
        Its busy fraction by the utilization law (throughput x demand /
        capacity) in the result it was ranked for; 0 from :func:`resource_loads`.
    measured
        The busy fraction the simulation measured, for resources a result
        reports (CPU, workers, threads, loops, GIL, databases, capped services); else None.
    """

    path: str
    capacity: float
    demand_s: float
    saturation_rate: float
    utilization: float
    measured: float | None

    @classmethod
    def _from_core(cls, d: Mapping[str, Any]) -> ResourceLoad:
        return cls(d["path"], d["capacity"], d["demand"], d["saturation_rate"], d["utilization"], d["measured"])


def resource_loads(scenario: ScenarioLike) -> list[ResourceLoad]:
    """Every resource of a scenario with its capacity and demand, the bottleneck first.

    The bottleneck law: the workload's rate cannot exceed any resource's
    ``saturation_rate`` (req/s); the smallest is the bottleneck's.

    Examples
    --------
    >>> import servesim as ss
    >>> loads = ss.resource_loads("scenarios/flask-orders.yaml")
    >>> loads[0].path, round(loads[0].saturation_rate)
    ('servers.web.workers', 352)
    """
    return [ResourceLoad._from_core(d) for d in _core.plan.resource_loads(_as_scenario(scenario).core)]


def bottleneck(scenario: ScenarioLike, result: Result) -> list[ResourceLoad]:
    """The resources of a scenario ranked by how busy a simulation of it made them.

    Parameters
    ----------
    scenario
        The scenario ``result`` simulated.
    result
        Its :func:`simulate` result.

    Returns
    -------
    list[ResourceLoad]
        The busiest first, by the utilization law at each endpoint's measured
        throughput (so a worker pool held while it waits for a saturated
        database ranks below that database), with the measured busy fraction
        alongside.

    Examples
    --------
    >>> import servesim as ss
    >>> shop = ss.Scenario.from_yaml("scenarios/flask-orders.yaml")
    >>> ranked = ss.bottleneck(shop, ss.simulate(shop, replications=1))
    >>> ranked[0].path, ranked[1].path
    ('servers.web.workers', 'hosts.vm.cpu')
    """
    return [ResourceLoad._from_core(d)
            for d in _core.plan.bottlenecks(_as_scenario(scenario).core, result.record)]


@dataclass(frozen=True)
class SaturationSpread:
    """How :func:`find_saturation`'s answer spreads over the scenario's ranges
    (``draws=N``): the search repeated in each sampled scenario.

    Attributes
    ----------
    q05, q50, q95
        Quantiles of the answer over the draws (req/s, or users), linearly interpolated.
    overload_probability
        Share of draws whose offered load (the workload's rate or users, drawn when
        it is a range) is above that draw's answer: the chance the deployment saturates.
    draws
        One row per draw: each uncertain input's value (a column per path) and
        ``load``, the answer in that draw.
    """

    q05: float
    q50: float
    q95: float
    overload_probability: float
    draws: pd.DataFrame

    @classmethod
    def _from_core(cls, data: Mapping[str, Any]) -> SaturationSpread:
        import pandas as pd

        frame = pd.DataFrame(data["values"], columns=data["paths"])
        frame["load"] = data["loads"]
        return cls(q05=data["q05"], q50=data["q50"], q95=data["q95"],
                   overload_probability=data["overload_probability"], draws=frame)


@dataclass(frozen=True)
class Saturation:
    """What :func:`find_saturation` found.

    Attributes
    ----------
    rate
        Open workloads: the largest arrival rate (req/s) sustained, or at which
        every SLO term holds; None for closed ones.
    users
        Closed workloads: the knee N* without an SLO (a real number), or the
        most users at which every SLO term holds; None for open ones.
    max_throughput
        The most requests per second the deployment completed (at overload or
        at many users): its bottleneck's capacity, with its confidence interval.
    bottleneck
        The path of the resource that saturates first.
    bottlenecks
        It and the next two, with their utilization at the answer.
    limited_by
        ``"capacity"``, or the SLO term that binds (``"p99"``). When that term fails
        even at the lightest load simulated, ``rate`` (or ``users``) is 0 and
        ``summary()`` says that no load meets the SLO.
    tolerance
        The relative precision reached (the final bracket's width over the answer).
    analytic
        Where the analytic bounds put the answer: the bottleneck law's rate, or N*.
    curve
        One row per simulated point: ``load`` (req/s or users), ``replications``,
        ``throughput``, ``goodput`` (req/s), ``p50_s``, ``p99_s``, each with
        ``_ci`` (95 % half-width), ``error_rate``, ``meets``, ``failed_term``,
        and one ``util:<path>`` column per resource (utilization law).
    simulations
        How many simulations the search ran (in every draw).
    spread
        With ``draws``: the answer over the sampled scenarios (:class:`SaturationSpread`);
        the fields above are then the search at the ranges' mids. None without draws.
    """

    rate: float | None
    users: float | None
    max_throughput: ConfidenceInterval
    bottleneck: str
    bottlenecks: list[ResourceLoad]
    limited_by: str
    tolerance: float
    analytic: float
    curve: pd.DataFrame
    simulations: int
    spread: SaturationSpread | None = None

    def to_dict(self) -> dict[str, Any]:
        """The answer as plain JSON-ready data (the curve as a list of rows)."""
        return {
            "rate": self.rate, "users": self.users,
            "max_throughput": {"mean": self.max_throughput.value, "half_width": self.max_throughput.half_width},
            "bottleneck": self.bottleneck,
            "bottlenecks": [{"path": b.path, "utilization": b.utilization, "measured": b.measured}
                            for b in self.bottlenecks],
            "limited_by": self.limited_by,
            "tolerance": self.tolerance if math.isfinite(self.tolerance) else None,
            "analytic": self.analytic, "simulations": self.simulations,
            "curve": json.loads(self.curve.to_json(orient="records")),
            "spread": None if self.spread is None else {
                "q05": self.spread.q05, "q50": self.spread.q50, "q95": self.spread.q95,
                "overload_probability": self.spread.overload_probability,
                "draws": json.loads(self.spread.draws.to_json(orient="records"))},
        }

    def summary(self) -> str:
        """A few lines for a terminal."""
        unit = "req/s" if self.rate is not None else "users"
        answer = self.rate if self.rate is not None else self.users
        if not answer and self.limited_by != "capacity" and not self.curve.empty:
            # Even the lightest load failed the SLO: the search has no bracket to report.
            lightest = float(self.curve["load"].min())
            first = (f"saturation: no load meets the SLO: {self.limited_by} fails even at "
                     f"{lightest:,.3g} {'user' if unit == 'users' and lightest == 1 else unit}, "
                     "the lightest load simulated "
                     f"({self.simulations} simulations)")
        else:
            first = (f"saturation: {answer or 0.0:,.1f} {unit} (limited by {self.limited_by}; "
                     f"tolerance {self.tolerance:.1%}, {self.simulations} simulations)")
        lines = [first,
                 f"max throughput: {self.max_throughput.value or 0.0:,.1f} req/s",
                 "bottlenecks:"]
        for b in self.bottlenecks:
            lines.append(f"  {b.path:<36} {b.utilization:6.1%}")
        if self.spread is not None:
            s = self.spread
            lines.append(f"over {len(s.draws)} draws: 5 % {s.q05:,.1f}, median {s.q50:,.1f}, 95 % {s.q95:,.1f}; "
                         f"overload probability {s.overload_probability:.1%}")
        return "\n".join(lines)

    def plot(self, kind: str = "curve", *, slo: Mapping[str, str | float] | None = None) -> Figure:
        """A matplotlib figure: ``"curve"``, throughput and p50/p99 (ms) against load with the
        saturation point, the knee and ``slo``'s p99 marked; ``"utilization"``, every
        resource's utilization (%) against load. Restyle it through ``fig.axes``."""
        from servesim.report.plots import plot_saturation

        return plot_saturation(self, kind, slo)

    def _repr_html_(self) -> str:
        """The answer and the bottlenecks as a table, for notebooks."""
        from servesim.report.compact import saturation_html

        return saturation_html(self)


def _curve_frame(points: list[Mapping[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for p in points:
        row: dict[str, Any] = {"load": p["load"], "replications": p["replications"]}
        for name, column in (("throughput", "throughput"), ("goodput", "goodput"), ("p50", "p50_s"),
                             ("p99", "p99_s")):
            row[column] = p[name]["value"]
            row[f"{column}_ci"] = p[name]["half_width"]
        row.update(error_rate=p["error_rate"], meets=p["meets"], failed_term=p["failed_term"] or None)
        for r in p["resources"]:
            row[f"util:{r['path']}"] = r["utilization"]
        rows.append(row)
    return pd.DataFrame(rows)


def _slo_terms(slo: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    if slo is None:
        return []
    if not isinstance(slo, Mapping):
        raise TypeError(f"slo must be a mapping like {{'p99': '200ms'}}, got {type(slo).__name__}")
    terms = []
    for metric, value in slo.items():
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise TypeError(f"slo.{metric}: expected a duration or a fraction, got {type(value).__name__}")
        terms.append((str(metric), value if isinstance(value, str) else repr(float(value))))
    return terms


def find_saturation(scenario: ScenarioLike, *, slo: Mapping[str, str | float] | None = None,
                    tolerance: float = 0.02, engine: str = "native", seed: int | None = None,
                    progress: ProgressLike = False, draws: int = 0) -> Saturation:
    """Finds the most load a deployment takes, and what saturates first.

    Open workloads: the largest arrival rate it sustains (completes what
    arrives: queues stop growing, errors stay below ``tolerance / 2``), or with
    ``slo`` the largest at which every term holds. Closed workloads: without an
    SLO the knee N* = X_max / X(1) = (R(1) + Z) / D_max, with one the most users
    meeting it. The bottleneck law brackets the answer, bisection with
    simulations on common random numbers (the same seed at every point)
    narrows it to ``tolerance``, replications at the answer confirm it.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.
        Its rate or users are what is varied; its run length is replaced by one
        long enough for about 50,000 completions per point (at tolerance 0.02).
    slo
        Terms that must all hold: ``p50``, ``p90``, ``p99``, ``p999``, ``mean``
        (durations: ``"200ms"`` or seconds) and ``errors`` (a fraction 0.001 or
        ``"0.1%"``).
    tolerance
        Relative precision of the answer, in (0, 0.5].
    engine
        ``"native"`` or ``"simgrid"``.
    seed
        The seed of every point; default the scenario's ``run.seed``.
    progress
        ``True`` for a progress bar, or a callable given the fraction done;
        Ctrl-C or an exception from it cancels the search.
    draws
        When the scenario gives fields as ranges (:attr:`Scenario.uncertain`), the
        number of sampled scenarios to repeat the search in (same seed in each);
        the answer's spread is :attr:`Saturation.spread`. 0: at the mids only.

    Returns
    -------
    Saturation
        ``rate`` or ``users``, ``max_throughput``, ``bottleneck`` and the
        ``curve`` of simulated points (a DataFrame).

    Raises
    ------
    ScenarioError
        If the scenario is invalid, its open workload has a profile, bursts or
        a trace, or an SLO term is unknown or malformed (path ``slo.<term>``).
    NotApplicableError
        If nothing in the deployment bounds its throughput.
    ValueError, TypeError
        For out-of-range or mistyped keyword arguments.

    Examples
    --------
    >>> import servesim as ss
    >>> found = ss.find_saturation("scenarios/flask-orders.yaml")
    >>> found.bottleneck, found.limited_by
    ('servers.web.workers', 'capacity')
    >>> ss.find_saturation("scenarios/flask-orders.yaml", slo={"p99": "200ms"}).limited_by  # doctest: +SKIP
    'p99'
    """
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)):
        raise TypeError(f"tolerance must be a number, got {type(tolerance).__name__}")
    if not 0 < tolerance <= 0.5:
        raise ValueError(f"tolerance must be in (0, 0.5], got {tolerance!r}")
    _check_engine(engine)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**64):
        raise ValueError(f"seed must be an integer in [0, 2**64), got {seed!r}")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise ValueError(f"draws must be an int >= 0, got {draws!r}")
    model = _as_scenario(scenario)
    terms = _slo_terms(slo)
    with _progress_callback(progress, f"saturation of {model.name}") as on_progress:
        found = _core.plan.find_saturation(model.core, terms, float(tolerance), engine, seed, 0, on_progress,
                                                  draws)
    bottlenecks = [ResourceLoad._from_core(d) for d in found["bottlenecks"]]
    closed = bool(found["closed"])
    return Saturation(
        rate=None if closed else found["load"], users=found["load"] if closed else None,
        max_throughput=ConfidenceInterval(**found["max_throughput"]),
        bottleneck=bottlenecks[0].path if bottlenecks else "",
        bottlenecks=bottlenecks, limited_by=found["limited_by"], tolerance=found["tolerance"],
        analytic=found["analytic_load"], curve=_curve_frame(found["curve"]),
        simulations=found["simulations"],
        spread=SaturationSpread._from_core(found["spread"]) if found["spread"] is not None else None)
