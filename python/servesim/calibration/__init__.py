"""Calibrating a scenario from the user's own load tests: read ``wrk --latency`` reports,
locust statistics or a CSV of load levels, fit the deployment's unknowns (CPU and wait
per endpoint, framework overhead, their variability) by simulation, with confidence
intervals, and write a scenario to plan with (docs/calibration.md).

Examples
--------
>>> import servesim as ss
>>> fitted = ss.calibrate("examples/calibrate/uvicorn.yaml", csv="examples/calibrate/points.csv")
>>> fitted["work.io"].unit
's'
"""

from __future__ import annotations

from servesim.calibration.fit import calibrate, nelder_mead, t_quantile
from servesim.calibration.parsers import (MeasuredRun, MeasurementError, Observation, read_locust,
                                          read_points_csv, read_wrk)
from servesim.calibration.report import Calibration, FittedParameter, PointFit

__all__ = [
    "Calibration", "FittedParameter", "MeasuredRun", "MeasurementError", "Observation", "PointFit",
    "calibrate", "nelder_mead", "read_locust", "read_points_csv", "read_wrk", "t_quantile",
]
