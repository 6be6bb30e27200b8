"""Readers of wrk, locust and CSV measurements, on outputs as the tools print them, and the
errors on bad input; the `servesim calibrate` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import servesim as ss
from servesim.calibration import MeasurementError, read_locust, read_points_csv, read_wrk

from conftest import REPO_ROOT, CliRunner

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = REPO_ROOT / "examples" / "calibrate"


def test_wrk_report_with_latency_distribution() -> None:
    run = read_wrk(DATA / "wrk-uvicorn-32.txt", endpoint="work")
    assert run.concurrency == 32 and run.rate is None and run.think_time == 0.0
    (observation,) = run.observations
    assert observation.endpoint == "work"
    assert observation.throughput == pytest.approx(608.50)
    assert observation.p50 == pytest.approx(51.71e-3)
    assert observation.p90 == pytest.approx(52.83e-3)
    assert observation.p99 == pytest.approx(68.57e-3)
    assert observation.mean == pytest.approx(52.12e-3)
    assert run.load == "32 connections"


def test_wrk_reads_every_time_unit() -> None:
    # wrk prints us, ms, s (and m, h) with two decimals, whatever the magnitude.
    observation = read_wrk(DATA / "wrk-units.txt").observations[0]
    assert observation.p50 == pytest.approx(950e-6)
    assert observation.p90 == pytest.approx(1.72)
    assert observation.mean == pytest.approx(1.21)


@pytest.mark.parametrize(("name", "message"), [
    ("wrk-errors.txt", r"wrk-errors.txt:12: the run had errors \(Socket errors: .*timeout 41\)"),
    ("wrk-no-latency.txt", r"wrk-no-latency.txt: no 50%, 90%, 99% .*run wrk with --latency"),
    ("wrk-bad-number.txt", r"wrk-bad-number.txt:9: latency 90%: expected a duration such as 52.19ms, got '53.63zs'"),
    ("locust_stats.csv", r"locust_stats.csv: no 'N threads and M connections' line"),
])
def test_wrk_errors_name_the_file_and_line(name: str, message: str) -> None:
    with pytest.raises(MeasurementError, match=message):
        read_wrk(DATA / name)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MeasurementError, match=r"nothing.txt: cannot read"):
        read_wrk(tmp_path / "nothing.txt")


def test_locust_stats_and_history() -> None:
    run = read_locust(DATA / "locust_stats.csv", history=DATA / "locust_stats_history.csv")
    assert run.concurrency == 50  # the history's last User Count
    orders, search = run.observations  # the Aggregated row is left out
    assert (orders.endpoint, search.endpoint) == ("/orders", "/search")
    assert orders.throughput == pytest.approx(45.1) and orders.p50 == pytest.approx(0.026)
    assert orders.p90 == pytest.approx(0.033) and orders.p99 == pytest.approx(0.044)
    # Little's law: users = throughput x (response time + think time).
    total = 45.1 + 15.05
    mean = (45.1 * 27.43e-3 + 15.05 * 12.96e-3) / total
    assert run.think_time == pytest.approx(50 / total - mean)


def test_locust_without_users_is_an_open_workload() -> None:
    run = read_locust(DATA / "locust_stats.csv", endpoints={"/orders": "orders"})
    assert run.concurrency is None and run.rate == pytest.approx(60.15)
    assert run.observations[0].endpoint == "orders"


def test_locust_errors() -> None:
    with pytest.raises(MeasurementError, match=r"locust_failures.csv:3: Failure Count: 3 requests of '/search' failed"):
        read_locust(DATA / "locust_failures.csv")
    with pytest.raises(MeasurementError, match=r"wrk-units.txt:1: missing columns"):
        read_locust(DATA / "wrk-units.txt")
    with pytest.raises(MeasurementError, match=r"locust_stats.csv:1: no 'User Count' column"):
        read_locust(DATA / "locust_stats.csv", history=DATA / "locust_stats.csv")
    with pytest.raises(MeasurementError, match=r"Little's law"):
        read_locust(DATA / "locust_stats.csv", users=1)


def test_points_csv() -> None:
    runs = read_points_csv(EXAMPLES / "points.csv")
    assert [run.concurrency for run in runs] == [1, 32, 256]
    assert runs[1].observations[0].endpoint == "work"
    assert runs[2].observations[0].p99 == pytest.approx(0.556504)
    assert runs[0].source.endswith("points.csv:2")


def test_points_csv_reads_the_validation_measurements() -> None:
    runs = read_points_csv(REPO_ROOT / "validation" / "measurements.csv")
    assert len(runs) > 20 and runs[0].observations[0].endpoint == "/work"


def test_points_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(MeasurementError, match=r"points-bad.csv:3: throughput_rps: expected a number, got 'six hundred'"):
        read_points_csv(DATA / "points-bad.csv")
    both = tmp_path / "both.csv"
    both.write_text("concurrency,rate_rps,throughput_rps,p50_ms\n1,2,3,4\n")
    with pytest.raises(MeasurementError, match=r"both.csv:1: expected exactly one load column"):
        read_points_csv(both)
    negative = tmp_path / "negative.csv"
    negative.write_text("rate_rps,throughput_rps,p50_ms\n10,10,-4\n")
    with pytest.raises(MeasurementError, match=r"negative.csv:2: p50_ms: expected a finite number > 0, got '-4'"):
        read_points_csv(negative)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(MeasurementError, match=r"empty.csv: empty file"):
        read_points_csv(empty)


def test_calibrate_input_errors() -> None:
    scenario = EXAMPLES / "uvicorn.yaml"
    with pytest.raises(ValueError, match=r"no measurements"):
        ss.calibrate(scenario)
    with pytest.raises(ValueError, match=r"fit: expected some of cpu, io, overhead, cv, got gil"):
        ss.calibrate(scenario, csv=EXAMPLES / "points.csv", fit="cpu,gil")
    with pytest.raises(ValueError, match=r"endpoint '/orders' is not in the scenario \(endpoints: work\)"):
        ss.calibrate(scenario, [read_locust(DATA / "locust_stats.csv")])
    one = read_points_csv(EXAMPLES / "points.csv")[:1]
    with pytest.raises(ValueError, match=r"2 measured numbers cannot fit 3 unknowns"):
        ss.calibrate(scenario, one, fit="cpu,io,overhead")


def test_cli_calibrate_writes_a_scenario_to_plan_with(run_cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "fitted.yaml"
    completed = run_cli("calibrate", EXAMPLES / "gthread.yaml", "--wrk", EXAMPLES / "gthread-wrk-1.txt",
                        "--wrk", f"work={EXAMPLES / 'gthread-wrk-8.txt'}",
                        "--wrk", EXAMPLES / "gthread-wrk-64.txt", "--out", out, "--json")
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout)
    names = [p["name"] for p in report["parameters"]]
    assert names == ["work.cpu", "work.io"]
    assert len(report["points"]) == 3
    assert all(abs(p["throughput_error"]) < 0.05 for p in report["points"])
    fitted = ss.Scenario.from_yaml(out)
    assert yaml.safe_load(out.read_text())["endpoints"]["work"]["phases"][1]["io"].endswith("ms")
    assert fitted.endpoints == ["work"]


def test_cli_calibrate_errors(run_cli: CliRunner) -> None:
    completed = run_cli("calibrate", EXAMPLES / "uvicorn.yaml")
    assert completed.returncode == 2 and "give measurements" in completed.stderr
    completed = run_cli("calibrate", EXAMPLES / "uvicorn.yaml", "--wrk", DATA / "wrk-errors.txt")
    assert completed.returncode == 2
    assert "wrk-errors.txt:12: the run had errors" in completed.stderr
    assert "Traceback" not in completed.stderr
