"""Comparisons: the same endpoints on several deployments, at several numbers of
users, and a verdict on claims such as "FastAPI is 3-10x faster than Flask".

A comparison file names hosts, deployments (one server each), cases (one
endpoint each), user counts and run settings; the C++ core reads and checks it
and builds every deployment x case x users run as an ordinary scenario
(:meth:`Comparison.scenario`) with a closed workload, simulated by
:func:`compare`.

The package by concern: ``spec`` (the comparison, bound from C++), ``run``
(threads, progress, cancellation), ``verdict`` (saturated resources,
speed-ups, verdicts), ``outcome`` (:class:`ComparisonResult`) and ``report``
(the text table and the Markdown report).

Examples
--------
>>> comparison = ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml")
>>> print(ss.compare(comparison).table())  # doctest: +SKIP
"""

from servesim.comparison.outcome import ComparisonResult
from servesim.comparison.run import compare
from servesim.comparison.spec import Comparison

__all__ = ["Comparison", "ComparisonResult", "compare"]
