"""Capacity plans: the cheapest deployment in a space of candidates that meets an SLO at a target load."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from servesim import _core
from servesim.result import Result
from servesim.scenario import Scenario, _json_default
from servesim.simulation import ScenarioLike, _as_scenario, _check_count, _check_engine

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["Plan", "plan"]

PlanProgress = bool | Callable[[int, int], None] | None

_METRICS = ("p50", "p90", "p99", "p999", "mean")


class Plan:
    """The answer of :func:`plan`: the cheapest deployment meeting every SLO term.

    Attributes are read-only. Costs are per ``spec["cost"]["per"]`` (an hour
    by default) in ``spec["cost"]["currency"]``; latencies in seconds; loads in
    req/s (open workloads) or users (closed ones).

    Examples
    --------
    >>> p = ss.plan("scenarios/plan-orders.yaml", seed=1)
    >>> p.feasible, p.settings
    (True, {'servers.web.kind': 'uvicorn', 'servers.web.workers': '4', 'hosts.vm.cores': '4'})
    >>> print(p.explain())
    Plan: servers.web.kind=uvicorn, servers.web.workers=4, hosts.vm.cores=4, at USD 0.188 per hour.
    ...
    """

    __slots__ = ("_data", "_scenario", "_result")

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)
        self._scenario = Scenario(self._data["scenario"])
        self._result = Result(self._data["result"]) if self._data.get("result") is not None else None

    @property
    def feasible(self) -> bool:
        """Whether some candidate meets every SLO term; if not, :attr:`scenario` is the closest."""
        return bool(self._data["feasible"])

    @property
    def scenario(self) -> Scenario:
        """The chosen deployment (the closest one when nothing is feasible), at the planned load."""
        return self._scenario

    @property
    def result(self) -> Result | None:
        """Its simulation: the confirmation run with replications (feasible), the screening run
        of the closest candidate, or None when the closest could not even carry the load by the
        analytic bound and was not simulated."""
        return self._result

    @property
    def settings(self) -> dict[str, str]:
        """The chosen candidate's value for each path of the space, as written in the file."""
        return dict(self._data["candidates"][self._data["chosen"]]["settings"])

    @property
    def cost(self) -> float:
        """The chosen candidate's cost per period."""
        return float(self._data["candidates"][self._data["chosen"]]["cost"])

    @property
    def load(self) -> float:
        """The load every candidate was judged at: target x (1 + headroom), req/s or users."""
        return float(self._data["load"])

    @property
    def spec(self) -> dict[str, Any]:
        """The question answered: target, slo (seconds, or a fraction for errors), space, cost, headroom."""
        return dict(self._data["spec"])

    @property
    def draws(self) -> int:
        """Sampled scenarios each candidate was judged in (0: the scenario as written)."""
        return int(self._data["draws"])

    @property
    def confidence(self) -> float:
        """The share of draws the chosen deployment had to meet every SLO term in."""
        return float(self._data["confidence"])

    @property
    def draws_met(self) -> int:
        """Of :attr:`draws`, how many the chosen deployment met every SLO term in."""
        return int(self._data["candidates"][self._data["chosen"]]["draws_met"])

    @property
    def sensitivity(self) -> pd.DataFrame:
        """Under uncertainty, one row per uncertain input (its ``path``), the riskiest
        first: the chosen deployment's worst SLO term over its limit with that input at
        the ``low`` and at the ``high`` end of its range and the others at their mids
        (``ratio_at_low``, ``ratio_at_high``; above 1 misses the SLO). Empty without draws."""
        import pandas as pd

        columns = ["path", "low", "high", "ratio_at_low", "ratio_at_high"]
        return pd.DataFrame(self._data["sensitivity"], columns=columns)

    @property
    def risk_driver(self) -> str | None:
        """The uncertain input that moves the chosen deployment's worst SLO term most
        across its range (the first row of :attr:`sensitivity`); None without draws."""
        rows = self._data["sensitivity"]
        return str(rows[0]["path"]) if rows else None

    @property
    def simulations(self) -> int:
        """Simulation runs the search made (screening and confirmation)."""
        return int(self._data["simulations"])

    @property
    def wall_seconds(self) -> float:
        """Wall-clock seconds the search took."""
        return float(self._data["wall_seconds"])

    @property
    def candidates(self) -> pd.DataFrame:
        """Every candidate, ranked by cost (then grid order): one column per path of
        the space, ``cost``, ``verdict`` (chosen, meets, fails, pruned, not needed,
        invalid), ``failed_term`` (the SLO term that failed, ``throughput`` when it
        did not complete 95 % of the arrivals, ``capacity`` when pruned),
        ``reason``, ``bottleneck`` (the busiest resource by scenario path) and its
        ``bottleneck_utilization``, ``capacity_rps`` (analytic bound), and for
        simulated ones each latency term in seconds with its 95 % CI half-width
        (``p99_s``, ``p99_ci_s``), ``errors``, ``throughput_rps``, ``replications`` and
        ``batches``: 0 when the half-widths are across replications, else the number of
        batches of its one run they come from (batch means, for a chosen candidate its
        short replications confirmed; a quantile whose batches hold fewer than 50
        completions beyond it, often p999, then has none: 0).
        Under uncertainty also ``draws_met`` of ``draws_judged`` (a candidate stops
        being judged once it cannot reach the share), and the measures are those of
        the hardest draw it meets (chosen) or the easiest it fails."""
        import pandas as pd

        rows = []
        for rank, c in enumerate(self._data["candidates"]):
            row: dict[str, Any] = {"rank": rank}
            row.update(dict(c["settings"]))
            row.update(cost=c["cost"], verdict=c["verdict"], failed_term=c["failed_term"] or None,
                       reason=c["reason"] or None, bottleneck=c["bottleneck"] or None,
                       bottleneck_utilization=c["bottleneck_utilization"], capacity_rps=c["capacity"])
            m = c["metrics"]
            for metric in _METRICS:
                row[f"{metric}_s"] = m[metric][0] if m else math.nan
                row[f"{metric}_ci_s"] = m[metric][1] if m else math.nan
            row["errors"] = m["errors"] if m else math.nan
            row["throughput_rps"] = m["throughput"][0] if m else math.nan
            row["replications"] = m["replications"] if m else 0
            row["batches"] = m["batches"] if m else 0
            if self._data["draws"]:
                row["draws_met"] = c["draws_met"]
                row["draws_judged"] = c["draws_judged"]
            rows.append(row)
        return pd.DataFrame(rows).set_index("rank")

    def explain(self) -> str:
        """A short text of why the chosen deployment wins: what it costs, its measures
        against each SLO term, and why each cheaper candidate fails (or, when nothing
        is feasible, the closest candidate and what limits it)."""
        return str(self._data["explanation"])

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain data (what ``servesim plan --json`` prints)."""
        data = dict(self._data)
        data["scenario"] = self._scenario.to_dict()
        data["result"] = self._result.to_dict() if self._result is not None else None
        return data

    def plot(self) -> Figure:
        """A matplotlib figure of the simulated candidates' p99 (ms) against cost, by verdict,
        the chosen one circled and the p99 SLO drawn. Restyle it through ``fig.axes``."""
        from servesim.report.plots import plot_plan

        return plot_plan(self)

    def _repr_html_(self) -> str:
        """The chosen settings, cost, load and p99 as a table, for notebooks."""
        from servesim.report.compact import plan_html

        return plan_html(self)

    def __repr__(self) -> str:
        verdict = "feasible" if self.feasible else "infeasible, closest"
        return f"Plan({verdict}: {self.settings!r}, cost={self.cost:g}, load={self.load:g})"


def _spec_text(target: Mapping[str, Any] | None, slo: Mapping[str, Any] | None,
               space: Mapping[str, Iterable[Any]] | None, cost: Mapping[str, Any] | None,
               headroom: float | str | None) -> str | None:
    section: dict[str, Any] = {}
    if target is not None:
        section["target"] = dict(target)
    if slo is not None:
        section["slo"] = dict(slo)
    if space is not None:
        if not isinstance(space, Mapping):
            raise TypeError(f"space must map scenario paths to lists of values, got {type(space).__name__}")
        section["space"] = {path: [str(v) if not isinstance(v, (int, float)) else v for v in values]
                            for path, values in space.items()}
    if cost is not None:
        section["cost"] = dict(cost)
    if headroom is not None:
        section["headroom"] = headroom
    return json.dumps(section, default=_json_default) if section else None


@contextmanager
def _plan_progress(progress: PlanProgress, label: str) -> Iterator[Callable[[int, int], None] | None]:
    if progress is None or progress is False:
        yield None
    elif progress is True:
        from tqdm.auto import tqdm

        with tqdm(desc=f"plan {label}", unit="sim") as bar:
            def advance(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            yield advance
    elif callable(progress):
        yield progress
    else:
        raise TypeError(f"progress must be a bool or a callable, got {type(progress).__name__}")


def plan(scenario: ScenarioLike, *, target: Mapping[str, Any] | None = None,
         slo: Mapping[str, Any] | None = None, space: Mapping[str, Iterable[Any]] | None = None,
         cost: Mapping[str, Any] | None = None, headroom: float | str | None = None,
         engine: str = "native", seed: int | None = None, progress: PlanProgress = False,
         confirm_replications: int = 3, exhaustive: bool = False, draws: int | None = None,
         confidence: float = 0.95) -> Plan:
    """Finds the cheapest deployment in a space of candidates that meets every SLO term
    at a target load.

    Each argument left as None comes from the scenario file's ``plan:`` section
    (docs/scenario-format.md#plan). Candidates are the grid of the space's values,
    each applied as if written in the file. Those whose analytic capacity (the
    bottleneck law) is below the load are pruned; the others are simulated cheapest
    first on common random numbers: short replications (1/32 of a run each, in
    stages) reject those far over a limit, one replication of the full run judges
    the rest, and the first that meets every term is chosen: confirmed by its short
    replications when their 99 % intervals lie below every limit, else by
    ``confirm_replications`` replications.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.
    target
        ``{"rate": 2000}`` (req/s, open workloads) or ``{"users": 500}`` (closed ones).
        None: the file's, else the workload's own.
    slo
        Terms ``p50``, ``p90``, ``p99``, ``p999``, ``mean`` (durations: ``"200ms"`` or
        seconds) and ``errors`` (a fraction or ``"0.1%"``), e.g. ``{"p99": "200ms"}``.
    space
        Scenario paths to candidate values:
        ``{"servers.web.workers": range(1, 17), "hosts.app.cores": [2, 4, 8]}``.
    cost
        Prices per period: ``{"core": 0.04, "host": 0.02, "worker": 0, "replica": 0,
        "currency": "USD", "per": "hour"}``; a core costs ``core`` x its host's speed.
    headroom
        Spare capacity, a fraction (``0.2``) or percentage (``"20%"``): candidates
        are judged at target x (1 + headroom). None: the file's, else 0.
    engine
        ``"native"`` (default) or ``"simgrid"``.
    seed
        Overrides ``run.seed``; every candidate runs on the same random numbers.
    progress
        ``True`` shows a progress bar of simulations; a callable gets ``(done, total)``.
    confirm_replications
        Replications (>= 1) that confirm the first candidate passing its screening run,
        unless its short replications already put every term below its limit.
    exhaustive
        Simulate every candidate, without pruning or stopping early: the brute force
        the search is checked against (same answer, much slower).
    draws
        When the scenario gives fields as ranges (:attr:`Scenario.uncertain`), the
        number of sampled scenarios every candidate is judged in (the same draws and
        seed for all). None: 20 with ranges, else 0; 0 judges at the ranges' mids.
    confidence
        The share of draws, in (0, 1], the chosen deployment must meet every SLO
        term in. :attr:`Plan.risk_driver` names the input that moves it most.

    Returns
    -------
    Plan
        ``feasible``, the chosen ``scenario`` and its ``result``, ``candidates``
        (a DataFrame), ``explain()``.

    Raises
    ------
    ScenarioError
        Naming ``plan.<field>``: no plan section and no arguments, an SLO term on
        an unknown metric, an empty space, an unknown path in the space, a value
        every candidate rejects, a target the workload cannot take.

    Examples
    --------
    >>> import servesim as ss
    >>> p = ss.plan("scenarios/plan-orders.yaml", slo={"p99": "150ms"}, seed=1)
    >>> print(p.explain())
    Plan: servers.web.kind=uvicorn, servers.web.workers=4, hosts.vm.cores=4, at USD 0.188 per hour.
    At 440 req/s (the target with 10 % headroom) it meets p99 132 ms <= 150 ms over its run (throughput and mean ...
    ...
    >>> p.candidates[["cost", "verdict", "failed_term", "bottleneck"]].head(3)
           cost verdict failed_term           bottleneck
    rank
    0     0.064  pruned    capacity  servers.web.workers
    1     0.064  pruned    capacity         hosts.vm.cpu
    2     0.068  pruned    capacity  servers.web.workers
    >>> risky = ss.plan("scenarios/plan-uncertain.yaml", draws=10, confidence=0.9)  # doctest: +SKIP
    >>> risky.draws_met, risky.risk_driver  # doctest: +SKIP
    (10, 'endpoints.orders.phases[1].io.mean')
    """
    _check_engine(engine)
    _check_count("seed", seed, 0)
    _check_count("confirm_replications", confirm_replications, 1)
    if draws is not None:
        _check_count("draws", draws, 0)
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) or not 0 < confidence <= 1:
        raise ValueError(f"confidence must be a share in (0, 1], got {confidence!r}")
    model = _as_scenario(scenario)
    spec = _spec_text(target, slo, space, cost, headroom)
    with _plan_progress(progress, model.name) as on_progress:
        data = _core.plan.cheapest(model.core, spec, engine, seed, confirm_replications, not exhaustive, 0, on_progress,
                                     draws, float(confidence))
    return Plan(data)
