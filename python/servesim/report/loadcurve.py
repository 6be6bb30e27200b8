"""Light-load points for a saturation curve: :func:`servesim.find_saturation` simulates
near the answer only, a load curve also needs the loads below it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from servesim.saturation import Saturation
    from servesim.scenario import Scenario

__all__ = ["FRACTIONS", "with_light_load"]

#: Fractions of the saturation load simulated for the curve's light-load points.
FRACTIONS = (0.2, 0.4, 0.6, 0.8)


def _row(load: float, scenario: Scenario, engine: str, seed: int | None) -> dict[str, Any]:
    from servesim.saturation import bottleneck
    from servesim.simulation import simulate

    result = simulate(scenario, engine=engine, seed=seed)
    latency = result.latency_ci
    row: dict[str, Any] = {"load": load, "replications": result.replications}
    for column, ci in (("throughput", result.throughput_ci), ("goodput", result.goodput_ci),
                       ("p50_s", latency["p50"]), ("p99_s", latency["p99"])):
        row[column] = ci.value
        row[f"{column}_ci"] = ci.half_width
    row.update(error_rate=result.error_rate, meets=result.stable, failed_term=None)
    row.update({f"util:{r.path}": r.utilization for r in bottleneck(scenario, result)})
    return row


def with_light_load(found: Saturation, scenario: Scenario, *, engine: str = "native", seed: int | None = None,
                    fractions: Sequence[float] = FRACTIONS,
                    on_point: Callable[[], object] | None = None) -> Saturation:
    """``found`` with its curve extended by simulations of ``scenario`` (its own run
    settings) at ``fractions`` of the saturation rate, or of N users (rounded, at least 1)."""
    import pandas as pd

    from servesim.overrides import with_overrides

    closed = found.users is not None
    answer = found.users if closed else found.rate
    rows = []
    loads = sorted({max(1, round(answer * f)) for f in fractions} if closed else
                   {answer * f for f in fractions}) if answer else []
    for load in loads:
        path = "workload.closed.users" if closed else "workload.open.rate"
        rows.append(_row(float(load), with_overrides(scenario, {path: load}), engine, seed))
        if on_point is not None:
            on_point()
    curve = pd.concat([pd.DataFrame(rows), found.curve], ignore_index=True) if rows else found.curve
    return dataclasses.replace(found, curve=curve)
