"""Analytic estimates of scenarios: a queueing-theory Prediction, in about a millisecond."""

from __future__ import annotations

from servesim import _core
from servesim.records import Prediction
from servesim.simulation import ScenarioLike, _as_scenario

__all__ = ["estimate"]


def estimate(scenario: ScenarioLike) -> Prediction:
    """Estimates a scenario from queueing theory, in about a millisecond.

    The server's concurrency slots (sync workers, gthread threads, gevent
    connections, uvicorn's ``limit_concurrency``) sit in front of a product-form
    network of its CPU cores, GIL or event loop and I/O; exact MVA gives its
    service rate at each concurrency, and a birth–death chain with the accept
    backlog gives the rest (see docs/analytic.md). Exact for exponential work
    on a sync pool without CPU contention (M/M/c/K and M/M/c//N); an
    approximation, named in ``prediction.assumptions``, otherwise.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.

    Returns
    -------
    Prediction
        Its own record (the C++ ``servesim::Prediction``), not a simulation
        result: ``throughput``, ``saturation_rate``, ``offered_rate`` (req/s),
        ``saturated`` (open workloads: the offered rate reaches the saturation
        rate, the backlog fills and the excess is refused; always False for a
        closed workload, whose users wait instead: compare them with
        ``saturation_population``), ``saturation_population`` (closed
        workloads: the knee N*, the users at which the server saturates; else None),
        ``error_rate`` and ``error_kind``, ``latency`` (seconds: exact mean,
        percentiles from gamma fits, ``max`` infinite), utilizations, queue
        lengths, ``model`` and ``assumptions``; ``summary()`` and ``to_json()``.

    Raises
    ------
    NotApplicableError
        Naming the field no model covers (several servers, uvicorn ``sync``
        endpoints, client timeouts shorter than the p99, ...): simulate instead.
    UnstableSystemError
        When an open workload exceeds what a server without a bounded queue serves.
    ScenarioError
        If the scenario is invalid.

    Examples
    --------
    >>> guess = ss.estimate("scenarios/two-sync-workers.yaml")
    >>> round(guess.saturation_rate), guess.saturated
    (200, False)

    For the saturation point by simulation (with an SLO, the bottleneck named),
    see :func:`servesim.find_saturation`.
    """
    return _core.analytic.estimate(_as_scenario(scenario).core)
