"""The result of a calibration: fitted values with intervals, the fit per measured run,
and the fitted scenario."""

from __future__ import annotations

import dataclasses
import html
import math
from pathlib import Path
from typing import Any, Union

import pandas as pd
import yaml

from servesim.scenario import Scenario

PathLike = Union[str, Path]


@dataclasses.dataclass(frozen=True)
class FittedParameter:
    """A fitted value with its 95 % confidence interval [``low``, ``high``] (0 and inf when
    the measurements do not determine it), ``unit`` ``s`` (seconds) or empty (a CV), and
    the scenario ``path`` it sets."""

    name: str
    path: str
    value: float
    low: float
    high: float
    unit: str

    @property
    def identified(self) -> bool:
        """Whether the measurements determine the value (a finite interval)."""
        return math.isfinite(self.high)

    def text(self) -> str:
        """``work.cpu  1.02 ms  [0.97, 1.08]``."""
        scale, unit = (1e3, "ms") if self.unit == "s" else (1.0, "")
        interval = (f"[{self.low * scale:.3g}, {self.high * scale:.3g}]" if self.identified
                    else "not determined by these measurements")
        return f"{self.name:<16} {self.value * scale:9.4g} {unit:<3} 95 % CI {interval}"


@dataclasses.dataclass(frozen=True)
class PointFit:
    """One measured endpoint of one run against the fitted scenario's simulation: throughput
    in req/s, latencies in seconds (``measured_p99`` None when not measured)."""

    source: str
    endpoint: str
    load: str
    measured_throughput: float
    fitted_throughput: float
    measured_p50: float
    fitted_p50: float
    measured_p99: float | None
    fitted_p99: float

    @property
    def throughput_error(self) -> float:
        """(fitted - measured) / measured."""
        return self.fitted_throughput / self.measured_throughput - 1.0

    @property
    def p50_error(self) -> float:
        """(fitted - measured) / measured."""
        return self.fitted_p50 / self.measured_p50 - 1.0

    @property
    def p99_error(self) -> float:
        """(fitted - measured) / measured; NaN when p99 was not measured."""
        return math.nan if self.measured_p99 is None else self.fitted_p99 / self.measured_p99 - 1.0


@dataclasses.dataclass(frozen=True)
class Calibration:
    """What :func:`servesim.calibrate` found.

    ``parameters``: the fitted values; ``points``: the fit per measured run and endpoint;
    ``scenario``: the fitted scenario as data (the measured deployment with the fitted
    values, its own workload and run); ``fit``: what was fitted; ``rms_log_error``: the
    root mean square of the log errors fitted; ``simulations``: runs simulated;
    ``used_analytic_start``: whether the search started from the analytic estimate's fit.

    Examples
    --------
    >>> fitted = ss.calibrate("examples/calibrate/uvicorn.yaml", csv="examples/calibrate/points.csv")
    >>> print(fitted.summary())
    calibrated uvicorn-io on 3 runs: ...
      work.cpu ...
      work.io ...
    """

    parameters: list[FittedParameter]
    points: list[PointFit]
    scenario: dict[str, Any]
    fit: tuple[str, ...]
    rms_log_error: float
    simulations: int
    used_analytic_start: bool

    def __getitem__(self, name: str) -> FittedParameter:
        """The parameter named ``name`` (``work.cpu``)."""
        for parameter in self.parameters:
            if parameter.name == name:
                return parameter
        raise KeyError(f"no fitted parameter {name!r} (fitted: {', '.join(p.name for p in self.parameters)})")

    def to_scenario(self) -> Scenario:
        """The fitted scenario, ready for :func:`servesim.simulate` or :func:`servesim.plan`."""
        return Scenario.from_dict(self.scenario)

    def to_yaml(self, path: PathLike | None = None) -> str:
        """The fitted scenario as YAML, written to ``path`` if given (``servesim calibrate --out``)."""
        values = "\n".join(f"#   {p.text()}" for p in self.parameters)
        text = (f"# Calibrated by servesim calibrate (fitted: {', '.join(self.fit)}):\n{values}\n"
                + yaml.safe_dump(self.scenario, sort_keys=False, default_flow_style=None))
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_frame(self) -> pd.DataFrame:
        """The fitted parameters, one row each: name, path, value, low, high, unit."""
        return pd.DataFrame([dataclasses.asdict(p) for p in self.parameters],
                            columns=["name", "path", "value", "low", "high", "unit"])

    def points_frame(self) -> pd.DataFrame:
        """The fit report, one row per measured run and endpoint, with relative errors."""
        rows = [{**dataclasses.asdict(p), "throughput_error": p.throughput_error, "p50_error": p.p50_error,
                 "p99_error": p.p99_error} for p in self.points]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (seconds, req/s; an undetermined interval's high is None)."""
        def finite(value: float | None) -> float | None:
            return value if value is not None and math.isfinite(value) else None

        return {
            "fit": list(self.fit),
            "parameters": [{**dataclasses.asdict(p), "high": finite(p.high)} for p in self.parameters],
            "points": [{**dataclasses.asdict(p), "throughput_error": p.throughput_error,
                        "p50_error": p.p50_error, "p99_error": finite(p.p99_error)} for p in self.points],
            "rms_log_error": self.rms_log_error,
            "simulations": self.simulations,
            "scenario": self.scenario,
        }

    def summary(self) -> str:
        """The fitted values and the fit report as text."""
        name = self.scenario.get("name", "scenario")
        lines = [f"calibrated {name} on {len(self.points)} runs: rms log error {self.rms_log_error:.3f}, "
                 f"{self.simulations} simulations"]
        lines += ["  " + p.text() for p in self.parameters]
        lines.append(f"  {'run':<28} {'endpoint':<10} {'X meas':>8} {'X fit':>8} {'err':>6} "
                     f"{'p50 meas':>9} {'p50 fit':>8} {'err':>6} {'p99 meas':>9} {'p99 fit':>8}")
        for p in self.points:
            p99 = "-" if p.measured_p99 is None else f"{p.measured_p99 * 1e3:.1f}"
            lines.append(f"  {p.load:<28} {p.endpoint:<10} {p.measured_throughput:8.1f} {p.fitted_throughput:8.1f} "
                         f"{p.throughput_error:+6.1%} {p.measured_p50 * 1e3:9.2f} {p.fitted_p50 * 1e3:8.2f} "
                         f"{p.p50_error:+6.1%} {p99:>9} {p.fitted_p99 * 1e3:8.1f}")
        if not all(p.identified for p in self.parameters):
            lines.append("  some values are not determined: measure more load levels (low load for the "
                         "waits, saturation for the CPU) or fit fewer unknowns")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        parameters = self.to_frame().to_html(index=False, float_format=lambda v: f"{v:.4g}")
        points = self.points_frame().drop(columns=["source"]).to_html(
            index=False, float_format=lambda v: f"{v:.4g}")
        title = html.escape(str(self.scenario.get("name", "scenario")))
        return (f"<h4>Calibration of {title}: rms log error {self.rms_log_error:.3f}</h4>"
                f"{parameters}<h5>Fit per measured run</h5>{points}")

    def __str__(self) -> str:
        return self.summary()
