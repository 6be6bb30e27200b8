"""``.plot()`` and ``_repr_html_`` on results, saturation searches, comparisons and plans:
the drawn marks are the objects' numbers, and the notebook tables show them."""

from __future__ import annotations

import json
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display in the tests

import matplotlib.pyplot as plt
import pytest
import yaml
from conftest import SCENARIOS, small_scenario

import servesim as ss
from servesim.report.figures import marks


@pytest.fixture(autouse=True)
def _close_figures() -> Any:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenario() -> ss.Scenario:
    return ss.Scenario.from_dict(small_scenario(duration_s=3.0, warmup_s=0.5, replications=2, seed=4))


def test_result_plot_marks_its_percentiles(scenario: ss.Scenario) -> None:
    result = ss.simulate(scenario)
    fig = result.plot(slo={"p99": "50ms"})
    drawn = marks(fig)
    assert drawn["p50"]["x"] == pytest.approx(result.latency.p50 * 1e3, rel=1e-12)
    assert drawn["p99"]["x"] == pytest.approx(result.latency.p99 * 1e3, rel=1e-12)
    assert drawn["slo"]["x"] == pytest.approx(50.0)
    assert len(result.plot("timeline").axes) == 3
    with pytest.raises(ValueError, match="kind must be one of 'latency', 'timeline', got 'cdf'"):
        result.plot("cdf")
    # The notebook table is the report's headline table: each cell keeps the number it shows.
    html = result._repr_html_()
    assert f'data-metric="throughput" data-value="{json.dumps(result.throughput)}"' in html


def test_saturation_plot_marks_the_answer(scenario: ss.Scenario) -> None:
    found = ss.find_saturation(scenario, tolerance=0.1, seed=4)
    fig = found.plot(slo={"p99": "80ms"})
    assert marks(fig)["saturation"]["x"] == pytest.approx(found.rate, rel=1e-12)
    assert marks(fig)["slo"]["y"] == pytest.approx(80.0)
    # One line per resource of the curve, named by its path.
    ax = found.plot("utilization").axes[0]
    labels = {text.get_text() for text in ax.get_legend().get_texts()}
    assert labels == {column[len("util:"):] for column in found.curve if column.startswith("util:")}
    assert found.bottleneck in found._repr_html_()


def test_plan_plot_circles_the_chosen_candidate() -> None:
    data = yaml.safe_load((SCENARIOS / "plan-orders.yaml").read_text())
    data["run"] = {"duration": "3s", "warmup": "0.5s", "replications": 1, "seed": 2}
    answer = ss.plan(ss.Scenario.from_dict(data))
    drawn = marks(answer.plot())
    assert drawn["chosen"]["x"] == pytest.approx(answer.cost)
    assert drawn["slo"]["y"] == pytest.approx(answer.spec["slo"]["p99"] * 1e3)
    html = answer._repr_html_()
    assert all(value in html for value in answer.settings.values())


def test_comparison_plot_and_table() -> None:
    data = yaml.safe_load((SCENARIOS / "flask_vs_fastapi.yaml").read_text())
    data.update(users=[10, 100], run={"duration": "3s", "warmup": "0.5s", "replications": 2, "seed": 1})
    outcome = ss.compare(ss.Comparison.from_dict(data), threads=2)
    fig = outcome.plot()
    assert len(fig.axes) == 2 * len(outcome.comparison.cases)
    html = outcome._repr_html_()
    for verdict in outcome.verdicts()["verdict"]:
        assert verdict in html
