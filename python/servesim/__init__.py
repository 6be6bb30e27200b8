"""servesim: capacity planning for Python web services by simulation and queueing theory.

>>> import servesim as ss
>>> scenario = ss.Scenario.from_yaml("scenarios/two-sync-workers.yaml")
>>> result = ss.simulate(scenario, seed=1)
>>> print(result.summary())

Units: seconds for times, requests per second for rates, fractions in [0, 1]
for utilizations, unless a name says otherwise.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from servesim import analytic
from servesim._core import EngineError, Error, NotApplicableError, ScenarioError, UnstableSystemError
from servesim.comparison import Comparison, ComparisonResult, compare
from servesim.estimation import estimate
from servesim.result import Estimate, LatencyStats, LittleCheck, Result
from servesim.scenario import Scenario
from servesim.simulation import engine_available, simulate
from servesim.sweep import sweep

try:
    __version__ = _metadata.version("servesim")
except _metadata.PackageNotFoundError:  # imported from a build tree, not installed
    __version__ = "0+unknown"

__all__ = [
    "Comparison",
    "ComparisonResult",
    "EngineError",
    "Error",
    "Estimate",
    "LatencyStats",
    "LittleCheck",
    "NotApplicableError",
    "Result",
    "Scenario",
    "ScenarioError",
    "UnstableSystemError",
    "__version__",
    "analytic",
    "compare",
    "engine_available",
    "estimate",
    "simulate",
    "sweep",
]
