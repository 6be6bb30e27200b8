"""servesim: capacity planning for Python web services by simulation and queueing theory.

Units: seconds for times, requests per second for rates, fractions in [0, 1]
for utilizations, unless a name says otherwise.

Examples
--------
>>> import servesim as ss
>>> scenario = ss.Scenario.from_yaml("scenarios/two-sync-workers.yaml")
>>> result = ss.simulate(scenario, seed=1)
>>> print(result.summary())
two-sync-workers: 4 replications, seed 1, warm-up 100 s, ± is the 95 % confidence half-width
  throughput              159.82 req/s  ± 0.38
  latency mean            27.489 ms     ± 0.376
...
"""

from __future__ import annotations

from importlib import metadata as _metadata

from servesim import analytic, frames, records, summaries
from servesim.calibration import Calibration, MeasurementError, calibrate
from servesim._core import EngineError, Error, NotApplicableError, ScenarioError, UnstableSystemError
from servesim.comparison import Comparison, ComparisonResult, compare
from servesim.estimation import estimate
from servesim.plan import Plan, plan
from servesim.records import ConfidenceInterval, LatencyStats, LittleCheck, Prediction
from servesim.result import Result
from servesim.overrides import with_overrides
from servesim.saturation import (ResourceLoad, Saturation, SaturationSpread, bottleneck, find_saturation,
                                 resource_loads)
from servesim.records import Stability
from servesim.report import report
from servesim.scenario import Scenario
from servesim.simulation import cancel_simulations, engine_available, simulate
from servesim.sweep import sweep

try:
    __version__ = _metadata.version("servesim")
except _metadata.PackageNotFoundError:  # imported from a build tree, not installed
    __version__ = "0+unknown"

__all__ = [
    "Calibration",
    "Comparison",
    "ComparisonResult",
    "EngineError",
    "Error",
    "ConfidenceInterval",
    "LatencyStats",
    "LittleCheck",
    "MeasurementError",
    "NotApplicableError",
    "Plan",
    "Prediction",
    "ResourceLoad",
    "Result",
    "Saturation",
    "SaturationSpread",
    "Scenario",
    "ScenarioError",
    "Stability",
    "UnstableSystemError",
    "__version__",
    "analytic",
    "bottleneck",
    "calibrate",
    "calibration",
    "cancel_simulations",
    "compare",
    "engine_available",
    "estimate",
    "find_saturation",
    "frames",
    "plan",
    "records",
    "report",
    "resource_loads",
    "simulate",
    "summaries",
    "sweep",
    "with_overrides",
]
