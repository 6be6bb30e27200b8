"""The outcome of a comparison: a frame with one row per run, verdicts on a
claim, and the table, Markdown report and plain data built from them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from servesim.comparison import report as _report
from servesim.comparison.spec import Comparison
from servesim.comparison.verdict import pairs, run_row, verdict_frame
from servesim.result import Result

if TYPE_CHECKING:  # pandas is imported lazily, as in result.py
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = ["ComparisonResult"]


class ComparisonResult:
    """The outcome of :func:`compare`: a frame of results and verdicts on a claim.

    Built by :func:`compare`; ``ComparisonResult(comparison, results)`` wraps
    results obtained otherwise (one per run of ``comparison.runs``).

    Attributes
    ----------
    comparison
        What was simulated.
    results
        The full :class:`Result` of every run, by ``(case, users, deployment)``.

    Examples
    --------
    >>> comparison = ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml")
    >>> result = ss.compare(comparison, threads=2)  # doctest: +SKIP
    >>> result.verdicts()[["case", "users", "challenger", "verdict"]]  # doctest: +SKIP
    """

    __slots__ = ("_frame", "comparison", "results")

    def __init__(self, comparison: Comparison,
                 results: Mapping[tuple[str, int, str], Result]) -> None:
        import pandas as pd

        self.comparison = comparison
        self.results = dict(results)
        self._frame = pd.DataFrame([run_row(comparison, run, result) for run, result in self.results.items()])

    @property
    def frame(self) -> pd.DataFrame:
        """One row per case x users x deployment, in file order.

        Columns: ``case``, ``users``, ``deployment``, ``kind`` (server kind),
        ``throughput_rps`` (answers per second, mean over replications) and
        ``throughput_ci_rps`` (its 95 % half-width), ``latency_mean_s``,
        ``latency_p50_s``, ``latency_p99_s`` (seconds; NaN without answers),
        ``completed``, ``error_rate`` (errors / requests, in [0, 1]),
        ``errors_refused``, ``errors_client_timeout``, ``errors_unavailable``,
        ``errors_worker_killed``, ``errors_out_of_memory`` (counts over the
        replications, summing to the errors ``error_rate`` counts; with databases
        also ``errors_pool_timeout``, with services ``errors_downstream``),
        ``cpu_busy`` (the host's cores), ``worker_busy`` (worker threads, or
        event loops), ``gil_busy`` (fractions in [0, 1]); per database ``<db>``
        ``database_busy_<db>`` (its connections executing queries),
        ``pool_waited_<db>`` (share of connection checkouts that waited) and
        ``mean_pool_wait_s_<db>``; per service ``<svc>``
        ``service_in_use_<svc>`` (calls in progress, time average) and
        ``service_busy_<svc>`` (that over its ``concurrency``, NaN without a
        cap); per task pool ``<pool>`` ``task_pool_busy_<pool>`` (its
        worker processes running a task), ``tasks_per_s_<pool>`` and
        ``task_wait_p99_s_<pool>``; when a case has connections,
        ``connections_open`` (time average), ``connections_refused``,
        ``messages_per_s``, ``message_p50_s`` and ``message_p99_s`` (the
        slowest group's), over the run's groups; and ``saturated``: ``'cpu'``,
        ``'database <db>'``, ``'pool <db>'``, ``'service <svc>'``, ``'task
        pool <pool>'`` (its queue grows), ``'event loop'``, ``'GIL'``,
        ``'workers'`` when that resource is busy at least 95 % of the time (a
        pool: when at least 95 % of checkouts waited), checked in that order,
        ``'connections'`` when none is but long-lived connections were
        turned away (fewer open than counted), ``'backlog'`` when requests
        were refused, else ``''``.
        """
        return self._frame.copy()

    def verdicts(self, baseline: str | None = None, challenger: str | None = None, *,
                 factor: float = 3.0, tolerance: float = 0.1) -> pd.DataFrame:
        """Whether each challenger is ``factor`` times faster than ``baseline``, per case x users.

        By default the baseline is the comparison's first deployment and every
        other deployment is a challenger, each with its own rows (three
        deployments give two rows per case x users); name ``challenger`` to
        judge one pair.

        The rule: a deployment is *saturated* when a resource limits it (the
        ``saturated`` column is set) or more than 1 % of its requests fail.
        When either side is saturated, speed is capacity: the speed-up is the
        throughput ratio challenger / baseline (a closed workload's unsaturated
        side serves all that its users ask, so the ratio is what the saturated
        side loses). Otherwise both serve the same load and speed is latency:
        the speed-up is the median ratio, baseline p50 / challenger p50.
        The speed-up then gives the verdict: ``holds``
        at ``factor`` or more (ten times or more holds too: the claim is at
        least 3x), ``faster but < 3x`` from ``1 + tolerance``, ``baseline
        faster`` at ``1 / (1 + tolerance)`` or less, else ``no real difference``;
        ``neither answers`` when both sides answered nothing (every request
        refused or timed out), so there is no ratio. When a side's bottleneck
        is a database, a connection pool or a service, the verdict says so:
        ``no real difference (both limited by database pg)``, ``holds (flask
        limited by pool pg)``; the servers are then compared through what
        they share, not on their own.

        Parameters
        ----------
        baseline
            A deployment name; default the comparison's first (``flask`` in
            ``scenarios/flask_vs_fastapi.yaml``).
        challenger
            A deployment name; default every deployment but the baseline.
        factor
            The claimed speed-up, > 1; 3 for "3-10x faster".
        tolerance
            Relative differences smaller than this are "no real difference", in [0, 1).

        Returns
        -------
        pandas.DataFrame
            One row per case x users x challenger: ``case``, ``users``,
            ``challenger``, ``baseline_rps``, ``challenger_rps``,
            ``throughput_ratio`` (challenger / baseline), ``p50_ratio`` and
            ``p99_ratio`` (baseline / challenger: > 1 when the challenger
            answers sooner), ``baseline_saturated``, ``challenger_saturated``
            (bool), ``baseline_bottleneck``, ``challenger_bottleneck`` (each
            side's ``saturated`` resource, ``''`` for none), ``basis``
            (``throughput`` or ``latency``), ``speedup`` (the ratio the verdict
            is based on) and ``verdict``. ``attrs`` holds ``baseline``,
            ``challenger`` (None when there are several) and ``factor``.

        Raises
        ------
        KeyError
            For an unknown deployment.
        ValueError
            For a bad ``factor`` or ``tolerance``, one deployment only, or the
            same deployment on both sides.
        """
        baseline, challengers = pairs(self.comparison.deployments, baseline, challenger)
        return verdict_frame(self.comparison, self._frame, baseline, challengers,
                             factor=factor, tolerance=tolerance)

    # -- display -------------------------------------------------------------------------

    def table(self, baseline: str | None = None, challenger: str | None = None) -> str:
        """The results and (with two deployments or more) the verdicts, as text for
        a terminal: latencies in ms, busy fractions and errors in percent.

        Parameters
        ----------
        baseline, challenger
            As for :meth:`verdicts`.
        """
        verdicts = self.verdicts(baseline, challenger) if len(self.comparison.deployments) >= 2 else None
        return _report.text_table(self.comparison, self._frame, verdicts)

    def report(self, baseline: str | None = None, challenger: str | None = None) -> str:
        """A Markdown report: the question, deployments, cases, results, verdicts and
        the assumptions behind them.

        Parameters
        ----------
        baseline, challenger
            As for :meth:`verdicts`.
        """
        verdicts = self.verdicts(baseline, challenger) if len(self.comparison.deployments) >= 2 else None
        return _report.markdown_report(self.comparison, self._frame, verdicts)

    def to_dict(self, baseline: str | None = None, challenger: str | None = None) -> dict[str, Any]:
        """Plain data (the document of ``servesim compare --json``): ``name``,
        ``question``, ``rows`` (the frame's records) and, with two deployments or
        more, ``baseline``, ``challenger`` (None when there are several),
        ``challengers`` and ``verdicts`` (the verdict frame's records). NaN becomes None."""
        document: dict[str, Any] = {"name": self.comparison.name, "question": self.comparison.question,
                                    "rows": _records(self._frame)}
        if len(self.comparison.deployments) >= 2:
            verdicts = self.verdicts(baseline, challenger)
            document.update(baseline=verdicts.attrs["baseline"], challenger=verdicts.attrs["challenger"],
                            challengers=list(dict.fromkeys(verdicts["challenger"])),
                            verdicts=_records(verdicts))
        return document

    def plot(self) -> Figure:
        """A matplotlib figure: per case, each deployment's throughput (req/s, 95 % bars) and
        p99 (ms) against users. Restyle it through ``fig.axes``."""
        from servesim.report.plots import plot_comparison

        return plot_comparison(self)

    def _repr_html_(self) -> str:
        """The verdicts (or, with one deployment, the throughputs) as a table, for notebooks."""
        from servesim.report.compact import comparison_html

        return comparison_html(self)

    def __repr__(self) -> str:
        return (f"<ComparisonResult {self.comparison.name!r}: {len(self.results)} runs, "
                f"{len(self.comparison.cases)} cases x {len(self.comparison.users)} user counts x "
                f"{len(self.comparison.deployments)} deployments>")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts; NaN and infinite numbers (which JSON lacks) become None."""
    def plain(value: Any) -> Any:
        value = value.item() if hasattr(value, "item") else value
        return None if isinstance(value, float) and not math.isfinite(value) else value

    return [{key: plain(value) for key, value in record.items()}
            for record in frame.to_dict(orient="records")]
