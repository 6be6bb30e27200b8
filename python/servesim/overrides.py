"""Changing a scenario by the dotted paths of its fields (``servers.web.workers``,
``workload.open.rate``, ``run.duration``): what sweeps, saturation searches,
plans and ``servesim run --set`` do. The work is the C++ core's
(plan/overrides.hpp): each value is read as the scenario file would read it at
that path, and the changed scenario is validated as a whole."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from servesim import _core
from servesim.scenario import Scenario
from servesim.simulation import ScenarioLike, _as_scenario

__all__ = ["with_overrides"]


def _value_text(path: str, value: Any) -> str:
    """A value as scenario-file text: strings as written (``"5ms"``), the rest as JSON."""
    if isinstance(value, str):
        return value
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        value = value.item()
    try:
        return json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise TypeError(f"{path}: the value must be a string, number, bool, list or dict, "
                        f"got {type(value).__name__}: {value!r}") from None


def with_overrides(scenario: ScenarioLike, overrides: Mapping[str, Any]) -> Scenario:
    """A copy of a scenario with fields set by their dotted paths, validated.

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario dict, or the path of a scenario file.
    overrides
        Field paths to new values, read as in a scenario file: numbers, strings
        with units (``"5ms"``), kind names, or dicts (``{"dist": "exponential",
        "mean": "5ms"}``). Paths: ``servers.web.workers``, ``hosts.app.cores``,
        ``workload.open.rate`` (req/s), ``run.duration``,
        ``endpoints.api.phases[0].cpu``, ... A new ``servers.X.kind`` drops the
        old kind's own settings (``timeout`` of gunicorn-sync).

    Returns
    -------
    Scenario
        The changed scenario; the original is unchanged.

    Raises
    ------
    ScenarioError
        Naming the path: one that leads nowhere (``servers.api: no server named
        'api' (servers: web)``), a key the format does not have, or a value the
        scenario rejects (``servers.web.workers: must be an integer >= 1, got 0``).

    Examples
    --------
    >>> import servesim as ss
    >>> shop = ss.Scenario.from_yaml("scenarios/flask-orders.yaml")
    >>> bigger = ss.with_overrides(shop, {"servers.web.workers": 32, "run.duration": "60s"})
    >>> bigger.duration
    60.0
    """
    if not isinstance(overrides, Mapping):
        raise TypeError(f"overrides must be a mapping of paths to values, got {type(overrides).__name__}")
    model = _as_scenario(scenario)
    changes = [(str(path), _value_text(str(path), value)) for path, value in overrides.items()]
    core = _core.plan.with_overrides(model.core, changes)
    return Scenario(core)
