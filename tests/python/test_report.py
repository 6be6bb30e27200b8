"""HTML reports in a real browser, and their figures checked against the numbers they show.

Headless Chromium (Debian's ``chromium``, installed by ``make setup``) opens one report of
each kind: no console message, a screenshot that is not one colour, every inline SVG with
a size. The marks drawn on the figures (matplotlib ``gid`` lines, stored as
``data-mark-*`` attributes) are compared with the objects: the saturation point with
``find_saturation``'s rate, the latency percentiles with the headline table's cells and
the result, the chosen plan with its cost. Runs are short (3 s, 2 replications): these
tests check plumbing, not the model.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SCENARIOS, CliRunner, small_scenario

import servesim as ss

HOSTILE = '<script>alert("x")</script>&'


class Page(HTMLParser):
    """Tags with their attributes, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def find(self, tag: str, **attributes: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags
                if name == tag and all(attrs.get(key.replace("_", "-")) == value for key, value in attributes.items())]

    def figure(self, kind: str) -> dict[str, str]:
        (found,) = self.find("figure", data_figure=kind)
        return found

    def cell(self, metric: str) -> float:
        (found,) = self.find("td", data_metric=metric)
        return float(found["data-value"])


def mark(figure: dict[str, str], name: str) -> dict[str, float]:
    return dict(json.loads(figure[f"data-mark-{name}"]))


def quick(**changes: Any) -> dict[str, Any]:
    data = small_scenario(duration_s=3.0, warmup_s=0.5, replications=2, seed=3)
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, run_cli: CliRunner) -> dict[str, Path]:
    """One report of each kind: scenario (CLI), plan (CLI), comparison (CLI), Saturation and
    Result (Python)."""
    folder = tmp_path_factory.mktemp("reports")
    scenario = quick(name=HOSTILE)
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    plan = yaml.safe_load((SCENARIOS / "plan-orders.yaml").read_text())
    plan["run"] = {"duration": "3s", "warmup": "0.5s", "replications": 1, "seed": 2}
    (folder / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    comparison = yaml.safe_load((SCENARIOS / "flask_vs_fastapi.yaml").read_text())
    comparison.update(users=[10, 200], run={"duration": "3s", "warmup": "0.5s", "replications": 2, "seed": 1})
    (folder / "comparison.yaml").write_text(yaml.safe_dump(comparison, sort_keys=False))
    paths = {}
    for kind in ("scenario", "plan", "comparison"):
        paths[kind] = folder / f"{kind}.html"
        completed = run_cli("report", folder / f"{kind}.yaml", "-o", paths[kind], "--threads", "2")
        assert completed.returncode == 0, completed.stderr
        # A pipe gets no progress bar, just the line saying what was written.
        assert completed.stderr.strip() == f"servesim: wrote {paths[kind]}"
    model = ss.Scenario.from_dict(quick())
    paths["saturation"] = folder / "saturation.html"
    ss.report(ss.find_saturation(model, tolerance=0.1, seed=3), paths["saturation"], scenario=model,
              slo={"p99": "80ms"})
    paths["result"] = folder / "result.html"
    ss.report(ss.simulate(model), paths["result"])
    return paths


KINDS = ("scenario", "plan", "comparison", "saturation", "result")


@pytest.mark.parametrize("kind", KINDS)
def test_the_report_loads_nothing_and_escapes_user_text(reports: dict[str, Path], kind: str) -> None:
    text = reports[kind].read_text(encoding="utf-8")
    page = Page(text)
    assert not page.find("script") and not page.find("link") and not page.find("iframe")
    for _, attrs in page.tags:
        for name in ("src", "href", "xlink:href"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(name, "")), (name, attrs[name])
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
    assert "<script>" not in text
    if kind == "scenario":
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in text


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: `make setup` installs Debian's chromium", pytrace=False)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_chromium_renders_the_report(reports: dict[str, Path], kind: str, tmp_path: Path) -> None:
    import matplotlib.image

    shot = tmp_path / "shot.png"
    completed = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--enable-logging=stderr", "--v=0", "--window-size=1200,2400", f"--screenshot={shot}",
         reports[kind].resolve().as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    # Console messages (script errors, failed loads) are logged as CONSOLE lines.
    console = [line for line in completed.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] == 2400 and pixels.shape[1] == 1200
    assert len({tuple(p) for p in pixels[::20, ::20].reshape(-1, pixels.shape[2])}) > 20
    page = Page(reports[kind].read_text(encoding="utf-8"))
    svgs = page.find("svg")
    assert svgs, "no figure"
    for svg in svgs:
        # matplotlib writes sizes in points: "504pt".
        assert float(svg["width"].removesuffix("pt")) > 50 and float(svg["height"].removesuffix("pt")) > 50


def test_saturation_point_on_the_curve_is_find_saturations(reports: dict[str, Path]) -> None:
    model = ss.Scenario.from_dict(quick())
    found = ss.find_saturation(model, tolerance=0.1, seed=3)  # the same search: same seed, same answer
    page = Page(reports["saturation"].read_text(encoding="utf-8"))
    curve = page.figure("load-curve")
    assert mark(curve, "saturation")["x"] == pytest.approx(found.rate, rel=1e-12)
    assert float(curve["data-saturation"]) == pytest.approx(found.rate, rel=1e-12)
    assert curve["data-bottleneck"] == found.bottleneck == "servers.web.workers"
    assert mark(curve, "slo")["y"] == pytest.approx(80.0)  # ms
    assert mark(page.figure("utilization"), "saturation")["x"] == pytest.approx(found.rate, rel=1e-12)
    # The curve table lists every simulated load.
    loads = sorted(float(attrs["data-load"]) for attrs in page.find("td") if "data-load" in attrs)
    assert loads == pytest.approx(sorted(found.curve["load"]))


def test_the_scenario_report_has_a_light_load_curve_with_a_knee(reports: dict[str, Path]) -> None:
    page = Page(reports["scenario"].read_text(encoding="utf-8"))
    curve = page.figure("load-curve")
    rate = float(curve["data-saturation"])
    # M/M/2 with 10 ms of service: 200 req/s; a 3 s search is coarse.
    assert rate == pytest.approx(200.0, rel=0.15)
    loads = sorted(float(attrs["data-load"]) for attrs in page.find("td") if "data-load" in attrs)
    assert loads[0] == pytest.approx(0.2 * rate)
    knee = mark(curve, "knee")["x"]
    assert 0.2 * rate < knee <= 1.5 * rate


def test_table_and_latency_figure_read_the_same_result(reports: dict[str, Path]) -> None:
    result = ss.simulate(ss.Scenario.from_dict(quick()))  # the report's run: same seed, same result
    page = Page(reports["result"].read_text(encoding="utf-8"))
    figure = page.figure("latency-distribution")
    for name in ("p50", "p99"):
        expected = getattr(result.latency, name)
        assert page.cell(f"latency.{name}") == pytest.approx(expected, rel=1e-12)
        assert mark(figure, name)["x"] == pytest.approx(expected * 1e3, rel=1e-12)  # drawn in ms
    assert page.cell("throughput") == pytest.approx(result.throughput, rel=1e-12)


def test_the_plan_report_marks_the_winner(reports: dict[str, Path], tmp_path: Path) -> None:
    text = reports["plan"].read_text(encoding="utf-8")
    page = Page(text)
    chosen = [attrs for attrs in page.find("td") if attrs.get("data-verdict") == "chosen"]
    assert len(chosen) == 1
    (answer,) = page.find("p", data_feasible="true")
    figure = page.figure("plan")
    assert mark(figure, "chosen")["x"] == pytest.approx(float(figure["data-chosen-cost"]))
    assert mark(figure, "slo")["y"] == pytest.approx(200.0)
    assert "why not chosen" in text and "capacity" in text


def test_the_comparison_report_gives_a_verdict_per_case(reports: dict[str, Path]) -> None:
    page = Page(reports["comparison"].read_text(encoding="utf-8"))
    verdicts = [attrs["data-verdict"] for attrs in page.find("td") if "data-verdict" in attrs]
    assert len(verdicts) == 6 * 2  # cases x users, one challenger
    # The WebSocket case: Gunicorn's sync workers hold one socket each (flask-sock).
    assert sum("connections open: flask 9, fastapi 5,000" in verdict for verdict in verdicts) == 2
    assert page.figure("comparison")


def test_report_refuses_other_objects() -> None:
    with pytest.raises(TypeError, match="Result, Saturation, ComparisonResult or Plan"):
        ss.report("scenarios/two-sync-workers.yaml")  # type: ignore[arg-type]


def test_report_checks_the_output_before_simulating(run_cli: CliRunner, tmp_path: Path) -> None:
    completed = run_cli("report", SCENARIOS / "two-sync-workers.yaml", "-o", tmp_path)
    assert completed.returncode == 2
    assert "--output" in completed.stderr and "is a folder" in completed.stderr


def test_compare_writes_the_html_report_without_simulating_again(reports: dict[str, Path], run_cli: CliRunner,
                                                                   tmp_path: Path) -> None:
    html = tmp_path / "demo" / "comparison.html"
    completed = run_cli("compare", reports["comparison"].with_suffix(".yaml"), "--threads", "2", "--html", html)
    assert completed.returncode == 0, completed.stderr
    page = Page(html.read_text(encoding="utf-8"))
    # The same runs (same seeds) as `servesim report`: the same verdicts.
    verdicts = [attrs["data-verdict"] for attrs in page.find("td") if "data-verdict" in attrs]
    reported = Page(reports["comparison"].read_text(encoding="utf-8"))
    assert verdicts == [attrs["data-verdict"] for attrs in reported.find("td") if "data-verdict" in attrs]
