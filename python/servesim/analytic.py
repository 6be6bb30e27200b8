"""Queueing models in microseconds: the theory behind servesim, as functions.

Units: times in **seconds**, rates in **per second**, offered load in
Erlangs (mean busy servers), utilizations as fractions in [0, 1]. Every
function checks its arguments: a non-positive rate or server count raises
:class:`servesim.Error` naming the argument, and an open model asked about a
load it cannot carry (utilization >= 1) raises
:class:`servesim.UnstableSystemError` instead of returning NaN or infinity.

>>> import servesim as ss
>>> ss.analytic.erlang_c(2, arrival_rate=160, service_rate=100)   # P(wait) in M/M/2
0.7111111111111111
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

from servesim import _core

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ClosedNetworkBounds", "GgcMetrics", "MmcMetrics", "MmckMetrics", "MmcnMetrics",
    "MulticlassMvaResult", "MvaResult", "Station", "UserClass", "UslFit",
    "closed_network_bounds", "erlang_b", "erlang_c", "ggc", "mg1_mean_response", "mmc",
    "mmc_min_servers", "mmc_response_quantile", "mmc_wait_quantile", "mmck", "mmcn", "mva",
    "mva_curve", "mva_multiclass", "ps_mean_response", "usl_fit", "usl_throughput",
]

_analytic = _core.analytic


def __dir__() -> list[str]:
    # What `dir(ss.analytic)` and tab completion offer: the models, not the modules and
    # helpers this file imports (math, Any, dataclass).
    return sorted(__all__)


def _record(cls: type, values: dict[str, Any]) -> Any:
    return cls(**{f.name: values[f.name] for f in fields(cls)})


# -- Erlang and M/M/c ----------------------------------------------------------------------


def erlang_b(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Erlang B: probability that an arrival finds all servers busy and is lost (M/M/c/c).

    Parameters
    ----------
    servers
        c >= 1.
    arrival_rate
        λ >= 0, per second.
    service_rate
        μ > 0 per server, per second (1 / mean service time in s).

    Returns
    -------
    float
        Loss probability in [0, 1]; stable for c up to tens of thousands.
    """
    return _analytic.erlang_b(servers, _load(arrival_rate, service_rate))


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Erlang C: probability that an arrival waits in an M/M/c queue.

    Parameters are as for :func:`erlang_b`. Raises UnstableSystemError when
    λ >= cμ (no steady state).
    """
    return _analytic.erlang_c(servers, _load(arrival_rate, service_rate))


def _load(arrival_rate: float, service_rate: float) -> float:
    if not (math.isfinite(service_rate) and service_rate > 0):
        raise _core.Error(f"service_rate must be finite and > 0, got {service_rate}")
    return arrival_rate / service_rate


@dataclass(frozen=True)
class MmcMetrics:
    """Steady state of an M/M/c queue.

    Attributes
    ----------
    utilization
        ρ = λ / (cμ), busy fraction of each server.
    wait_probability
        P(W > 0), Erlang C.
    mean_wait, mean_response
        E[W] in queue and E[T] = E[W] + 1/μ, seconds.
    mean_queue_length, mean_in_system
        E[Lq] waiting and E[L] waiting or in service.
    """

    utilization: float
    wait_probability: float
    mean_wait: float
    mean_response: float
    mean_queue_length: float
    mean_in_system: float


def mmc(arrival_rate: float, service_rate: float, servers: int) -> MmcMetrics:
    """The M/M/c queue (Poisson arrivals, c exponential servers, FCFS).

    Parameters
    ----------
    arrival_rate
        λ >= 0, per second.
    service_rate
        μ > 0 per server, per second.
    servers
        c >= 1.

    Raises
    ------
    UnstableSystemError
        When λ >= cμ.
    """
    return _record(MmcMetrics, _analytic.mmc(arrival_rate, service_rate, servers))


def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, p: float) -> float:
    """The p-quantile (0 <= p < 1) of the wait in queue of an M/M/c FCFS queue, seconds."""
    return _analytic.mmc_wait_quantile(arrival_rate, service_rate, servers, p)


def mmc_response_quantile(arrival_rate: float, service_rate: float, servers: int,
                          p: float) -> float:
    """The p-quantile (0 <= p < 1) of the response time (wait + service) of an M/M/c FCFS
    queue, seconds: e.g. ``p=0.99`` is the p99 a simulation of the same queue converges to."""
    return _analytic.mmc_response_quantile(arrival_rate, service_rate, servers, p)


def mmc_min_servers(arrival_rate: float, service_rate: float, *,
                    max_mean_wait: float | None = None,
                    max_wait_probability: float | None = None,
                    max_response: float | None = None, quantile: float = 0.99) -> int:
    """The smallest number of servers c of an M/M/c queue that meets one target.

    Parameters
    ----------
    arrival_rate
        λ > 0, per second.
    service_rate
        μ > 0 per server, per second.
    max_mean_wait
        Target for the mean wait in queue, seconds.
    max_wait_probability
        Target for P(wait), in (0, 1].
    max_response
        Target for the ``quantile`` of the response time, seconds (default: the p99).
    quantile
        The response-time quantile ``max_response`` applies to, in (0, 1).

    Raises
    ------
    ValueError
        Unless exactly one target is given.
    Error
        For out-of-range values, or a response target below the service time's own
        quantile (no pool is large enough).
    """
    given = [name for name, value in (("max_mean_wait", max_mean_wait),
                                      ("max_wait_probability", max_wait_probability),
                                      ("max_response", max_response)) if value is not None]
    if len(given) != 1:
        raise ValueError("give exactly one of max_mean_wait, max_wait_probability, max_response; "
                         f"got {', '.join(given) or 'none'}")
    if max_mean_wait is not None:
        return _analytic.mmc_servers_for_mean_wait(arrival_rate, service_rate, max_mean_wait)
    if max_wait_probability is not None:
        return _analytic.mmc_servers_for_wait_probability(arrival_rate, service_rate,
                                                          max_wait_probability)
    assert max_response is not None  # the only target left: exactly one was given
    return _analytic.mmc_servers_for_response_quantile(arrival_rate, service_rate, quantile,
                                                       max_response)


# -- finite capacity and finite population -------------------------------------------------


@dataclass(frozen=True)
class MmckMetrics:
    """Steady state of an M/M/c/K queue (K places in all; arrivals finding K are lost).

    Attributes
    ----------
    loss_probability
        Share of arrivals refused, P(N = K).
    throughput
        Accepted rate λ(1 − P(N = K)), per second.
    mean_in_system, mean_queue_length
        Requests present, and waiting.
    mean_response, mean_wait
        Of accepted requests, seconds.
    utilization
        Busy fraction of each server.
    """

    loss_probability: float
    throughput: float
    mean_in_system: float
    mean_queue_length: float
    mean_response: float
    mean_wait: float
    utilization: float


def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int, *,
         method: Literal["closed_form", "ctmc"] = "closed_form") -> MmckMetrics:
    """The M/M/c/K queue: a Gunicorn sync pool of c workers with a backlog of K − c.

    Parameters
    ----------
    arrival_rate
        λ >= 0, per second; any value, also beyond cμ (the backlog bounds the queue).
    service_rate
        μ > 0 per server, per second.
    servers
        c >= 1.
    capacity
        K >= c.
    method
        ``"closed_form"`` (product form, any K) or ``"ctmc"`` (the generator solved by
        sparse LU with Eigen; a cross-check).
    """
    solve = _analytic.mmck if method == "closed_form" else _analytic.mmck_ctmc
    if method not in ("closed_form", "ctmc"):
        raise ValueError(f"method must be 'closed_form' or 'ctmc', got {method!r}")
    return _record(MmckMetrics, solve(arrival_rate, service_rate, servers, capacity))


@dataclass(frozen=True)
class MmcnMetrics:
    """Steady state of an M/M/c//N queue (N users with exponential think time).

    Attributes
    ----------
    throughput
        Requests per second.
    mean_in_system, mean_queue_length
        Requests at the servers (not thinking), and waiting.
    mean_response, mean_wait
        Seconds; mean_response = N / X − Z.
    utilization
        Busy fraction of each server.
    wait_probability
        P(a request waits), by the arrival theorem.
    """

    throughput: float
    mean_in_system: float
    mean_queue_length: float
    mean_response: float
    mean_wait: float
    utilization: float
    wait_probability: float


def mmcn(users: int, think_time: float, service_rate: float, servers: int) -> MmcnMetrics:
    """The finite-population M/M/c//N queue (machine repairman): a closed workload of
    ``users`` users thinking ``think_time`` seconds (> 0) on average against ``servers``
    exponential servers of rate ``service_rate`` per second."""
    return _record(MmcnMetrics, _analytic.mmcn(users, think_time, service_rate, servers))


# -- general service -----------------------------------------------------------------------


def mg1_mean_response(arrival_rate: float, mean_service: float, service_cv: float) -> float:
    """Mean response time of an M/G/1 FCFS queue (Pollaczek–Khinchine), seconds.

    ``mean_service`` is E[S] in seconds and ``service_cv`` the coefficient of
    variation of S (0 constant, 1 exponential)."""
    return _analytic.mg1_mean_response(arrival_rate, mean_service, service_cv**2)


def ps_mean_response(arrival_rate: float, mean_work: float, cores: int = 1) -> float:
    """Mean response time of jobs sharing ``cores`` cores by processor sharing (each of n
    jobs gets min(1, cores / n) of a core), seconds. Insensitive: any work distribution
    with mean ``mean_work`` seconds gives the same answer."""
    if cores == 1:
        return _analytic.mg1_ps_mean_response(arrival_rate, mean_work)
    return _analytic.mgc_ps_mean_response(arrival_rate, mean_work, cores)


@dataclass(frozen=True)
class GgcMetrics:
    """Approximate steady state of a G/G/c queue.

    Attributes
    ----------
    utilization
        ρ = λE[S] / c.
    wait_probability
        P(wait), approximated by Erlang C.
    mean_wait, mean_response
        Seconds.
    mean_queue_length
        Waiting requests, λE[W].
    """

    utilization: float
    wait_probability: float
    mean_wait: float
    mean_response: float
    mean_queue_length: float


def ggc(arrival_rate: float, mean_service: float, servers: int, *, service_cv: float = 1.0,
        arrival_cv: float = 1.0,
        method: Literal["allen_cunneen", "kingman"] = "allen_cunneen") -> GgcMetrics:
    """Two-moment approximation of a G/G/c queue.

    Parameters
    ----------
    arrival_rate
        λ >= 0, per second.
    mean_service
        E[S] > 0, seconds.
    servers
        c >= 1.
    service_cv, arrival_cv
        Coefficients of variation of the service and inter-arrival times (1 for
        exponential/Poisson, 0 for constant).
    method
        ``"allen_cunneen"``: E[W] = E[W(M/M/c)]·(ca² + cs²)/2; ``"kingman"``: Kingman's
        G/G/1 formula with Sakasegawa's multi-server term. Both are exact for M/G/1.
    """
    return _record(GgcMetrics, _analytic.ggc(arrival_rate, arrival_cv**2, mean_service,
                                             service_cv**2, servers, method))


# -- closed networks -----------------------------------------------------------------------


@dataclass(frozen=True)
class Station:
    """A station of a closed queueing network.

    Attributes
    ----------
    name
        Label, for tables.
    demand
        Service demand of one request there, seconds (visits × time per visit).
    kind
        ``"queue"`` (one server, FCFS exponential or PS), ``"delay"`` (no queueing:
        network latency, I/O) or ``"multi_server"`` (``servers`` FCFS servers).
    servers
        Servers of a multi_server station.
    """

    name: str
    demand: float = 0.0
    kind: Literal["queue", "delay", "multi_server"] = "queue"
    servers: int = 1

    def _row(self) -> tuple[str, str, float, int]:
        return (self.name, self.kind, float(self.demand), int(self.servers))


@dataclass(frozen=True)
class MvaResult:
    """Steady state of a closed network at one population.

    Attributes
    ----------
    throughput
        X, requests per second.
    response_time
        R, seconds (think time excluded).
    station_residence, station_queue_length, station_utilization
        Per station, in input order: seconds per request, mean requests present, and
        busy fraction of each server (for a delay station, mean requests present).
    """

    throughput: float
    response_time: float
    station_residence: list[float] = field(default_factory=list)
    station_queue_length: list[float] = field(default_factory=list)
    station_utilization: list[float] = field(default_factory=list)


def _rows(stations: Sequence[Station]) -> list[tuple[str, str, float, int]]:
    return [station._row() for station in stations]


def mva(stations: Sequence[Station], users: int, think_time: float = 0.0, *,
        method: Literal["exact", "schweitzer"] = "exact") -> MvaResult:
    """Mean Value Analysis of a closed network: ``users`` users each thinking
    ``think_time`` seconds between requests that visit the ``stations``.

    ``method="exact"`` is the exact recursion (multi-server stations by the
    load-dependent recursion); ``"schweitzer"`` the approximate fixed point, O(stations)
    per iteration at any population.
    """
    return _record(MvaResult, _analytic.mva(_rows(stations), users, think_time, method))


def mva_curve(stations: Sequence[Station], users: int, think_time: float = 0.0) -> pd.DataFrame:
    """Throughput and response time against the population 1..``users``, by exact MVA.

    Returns
    -------
    pandas.DataFrame
        Columns ``users``, ``throughput_rps``, ``response_time_s``, and
        ``utilization_<station>`` for each station.
    """
    import pandas as pd

    rows = []
    for n, point in enumerate(_analytic.mva_curve(_rows(stations), users, think_time), start=1):
        row = {"users": n, "throughput_rps": point["throughput"],
               "response_time_s": point["response_time"]}
        row.update({f"utilization_{s.name}": u for s, u in zip(stations, point["station_utilization"])})
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class UserClass:
    """A class of users of a multi-class closed network.

    Attributes
    ----------
    name
        Label.
    users
        N_r >= 0.
    think_time
        Z_r, seconds.
    demands
        Seconds per request at each station, in station order.
    """

    name: str
    users: int
    think_time: float
    demands: Sequence[float]


@dataclass(frozen=True)
class MulticlassMvaResult:
    """Steady state of a multi-class closed network.

    Attributes
    ----------
    throughput, response_time
        Per class: requests per second, seconds.
    residence
        ``residence[r][k]``: seconds a class-r request spends at station k.
    station_queue_length, station_utilization
        Per station, all classes.
    """

    throughput: list[float]
    response_time: list[float]
    residence: list[list[float]]
    station_queue_length: list[float]
    station_utilization: list[float]


def mva_multiclass(stations: Sequence[Station], classes: Sequence[UserClass], *,
                   method: Literal["exact", "schweitzer"] = "exact") -> MulticlassMvaResult:
    """Multi-class MVA: exact over every population vector (queue and delay stations), or
    the Bard–Schweitzer approximation (any size, multi-server stations allowed). The
    stations' ``demand`` is unused: each class carries its own."""
    rows = [(c.name, int(c.users), float(c.think_time), [float(d) for d in c.demands])
            for c in classes]
    return _record(MulticlassMvaResult, _analytic.mva_multiclass(_rows(stations), rows, method))


@dataclass(frozen=True)
class ClosedNetworkBounds:
    """Asymptotic and balanced job bounds of a closed network at one population.

    Attributes
    ----------
    total_demand, max_demand
        D and D_max (per server at the bottleneck), seconds.
    saturation_population
        N* = (D + Z) / D_max: the population where the bottleneck saturates.
    throughput_upper, throughput_lower
        Asymptotic bounds on X, per second.
    response_lower, response_upper
        Asymptotic bounds on R, seconds.
    balanced_throughput_upper, balanced_throughput_lower, balanced_response_lower, balanced_response_upper
        Balanced job bounds, tighter.
    """

    total_demand: float
    max_demand: float
    saturation_population: float
    throughput_upper: float
    throughput_lower: float
    response_lower: float
    response_upper: float
    balanced_throughput_upper: float
    balanced_throughput_lower: float
    balanced_response_lower: float
    balanced_response_upper: float


def closed_network_bounds(stations: Sequence[Station], users: int,
                          think_time: float = 0.0) -> ClosedNetworkBounds:
    """Bounds on throughput and response time from the demands alone (Lazowska et al. 1984,
    ch. 5), and the saturation population N*."""
    return _record(ClosedNetworkBounds,
                   _analytic.closed_network_bounds(_rows(stations), users, think_time))


# -- scalability ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UslFit:
    """Coefficients of the Universal Scalability Law X(N) = λN / (1 + σ(N−1) + κN(N−1)).

    Attributes
    ----------
    sigma, kappa
        Contention and coherency penalties (>= 0; kappa = 0 is Amdahl's law).
    lambda_
        Throughput of one, in the data's unit (e.g. req/s).
    peak_concurrency
        N* = sqrt((1 − σ)/κ), where throughput peaks (inf when κ = 0).
    peak_throughput
        X(N*) (λ/σ when κ = 0).
    r_squared
        Goodness of fit.
    iterations
        Levenberg–Marquardt iterations used.
    """

    sigma: float
    kappa: float
    lambda_: float
    peak_concurrency: float
    peak_throughput: float
    r_squared: float
    iterations: int

    def throughput(self, concurrency: float) -> float:
        """X(N) predicted at ``concurrency`` N > 0."""
        return usl_throughput(concurrency, sigma=self.sigma, kappa=self.kappa, lambda_=self.lambda_)


def usl_fit(concurrency: Sequence[float], throughput: Sequence[float], *,
            amdahl: bool = False) -> UslFit:
    """Least-squares fit of the Universal Scalability Law to measured points.

    Parameters
    ----------
    concurrency
        N_i > 0 (users, connections, workers, cores), at least 3 points.
    throughput
        X_i > 0 measured at each N_i (e.g. req/s).
    amdahl
        Fix κ = 0 (Amdahl's law) and fit σ and λ only.
    """
    values = _analytic.usl_fit([float(n) for n in concurrency], [float(x) for x in throughput], amdahl)
    values["lambda_"] = values.pop("lambda")
    return _record(UslFit, values)


def usl_throughput(concurrency: float, *, sigma: float, kappa: float, lambda_: float) -> float:
    """X(N) = λN / (1 + σ(N−1) + κN(N−1)) at ``concurrency`` N > 0."""
    return _analytic.usl_throughput(concurrency, sigma, kappa, lambda_)
