"""Overrides, bottleneck naming and saturation searches from Python."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import SCENARIOS, CliRunner, small_scenario

import servesim as ss


def test_with_overrides_sets_fields_and_keeps_the_original() -> None:
    base = ss.Scenario.from_dict(small_scenario())
    changed = ss.with_overrides(base, {"servers.web.workers": 8, "run.duration": "30s",
                                       "workload.open.rate": 250.0,
                                       "endpoints.work.phases[0].cpu": {"dist": "constant", "value": "2ms"}})
    assert changed.duration == pytest.approx(30.0)
    assert changed.to_dict()["servers"]["web"]["workers"] == 8
    assert changed.to_dict()["workload"]["open"]["rate"] == 250.0
    assert base.duration == 60.0
    # The result is a full scenario: it simulates and converts back.
    assert ss.Scenario.from_dict(changed.to_dict()).duration == pytest.approx(30.0)


@pytest.mark.parametrize(("overrides", "path", "fragment"), [
    ({"servers.api.workers": 2}, "servers.api", "no server named 'api' (servers: web)"),
    ({"servers.web.workers": 0}, "servers.web.workers", "0"),
    ({"servers.web.wrokers": 2}, "servers.web.wrokers", "workers"),
    ({"hosts.app.cores": "many"}, "hosts.app.cores", "many"),
])
def test_with_overrides_errors_name_the_path(overrides: dict[str, object], path: str, fragment: str) -> None:
    with pytest.raises(ss.ScenarioError) as error:
        ss.with_overrides(small_scenario(), overrides)
    assert error.value.path == path
    assert fragment in error.value.detail


def test_resource_loads_and_bottleneck_name_resources_by_path() -> None:
    # 2 workers, 10 ms of CPU each on 4 cores: the workers saturate at 200 req/s, the cores at 400.
    scenario = ss.Scenario.from_dict(small_scenario(workers=2, cores=4, rate=150))
    loads = ss.resource_loads(scenario)
    assert [r.path for r in loads] == ["servers.web.workers", "hosts.app.cpu"]
    assert loads[0].saturation_rate == pytest.approx(200.0)
    ranked = ss.bottleneck(scenario, ss.simulate(scenario, seed=3))
    assert ranked[0].path == "servers.web.workers"
    # Utilization law: 150 req/s x 10 ms / 2 workers = 0.75, measured within a few percent.
    assert ranked[0].utilization == pytest.approx(0.75, rel=0.05)
    assert ranked[0].measured == pytest.approx(0.75, rel=0.05)


def test_find_saturation_open_capacity_and_curve() -> None:
    # M/M/2: c / E[S] = 2 / 10 ms = 200 req/s.
    found = ss.find_saturation(small_scenario(workers=2, cores=4), tolerance=0.05, seed=5)
    assert found.rate == pytest.approx(200.0, rel=0.05)
    assert found.users is None
    assert found.bottleneck == "servers.web.workers"
    assert found.limited_by == "capacity"
    assert found.tolerance <= 0.05
    assert found.max_throughput.value == pytest.approx(200.0, rel=0.05)
    curve = found.curve
    assert {"load", "throughput", "throughput_ci", "goodput", "p50_s", "p99_s", "error_rate",
            "util:servers.web.workers", "util:hosts.app.cpu"} <= set(curve.columns)
    assert len(curve) == found.simulations
    assert curve["load"].is_monotonic_increasing
    assert "saturation:" in found.summary()
    assert found.to_dict()["bottleneck"] == "servers.web.workers"


def test_find_saturation_with_an_slo_and_progress() -> None:
    fractions: list[float] = []
    found = ss.find_saturation(small_scenario(workers=2, cores=4), slo={"p99": "100ms", "errors": "1%"},
                               tolerance=0.05, progress=fractions.append)
    assert found.rate is not None and found.rate < 200.0
    assert found.limited_by in {"p99", "capacity"}
    assert fractions[-1] == 1.0 and fractions == sorted(fractions)


def test_find_saturation_closed_knee() -> None:
    # N* = (D + Z) / D_max = (10 + 90) ms / (10 ms / 2) = 20 users.
    scenario = small_scenario(workers=2, cores=4)
    scenario["workload"] = {"closed": {"users": 1, "think_time": {"dist": "exponential", "mean": "90ms"}}}
    found = ss.find_saturation(scenario, tolerance=0.05)
    assert found.rate is None
    assert found.users == pytest.approx(20.0, rel=0.05)
    assert found.analytic == pytest.approx(20.0)


@pytest.mark.parametrize(("kwargs", "error", "fragment"), [
    ({"slo": {"p98": "1s"}}, ss.ScenarioError, "unknown SLO term 'p98'"),
    ({"slo": {"errors": "lots"}}, ss.ScenarioError, "'lots'"),
    ({"tolerance": 0}, ValueError, "tolerance"),
    ({"engine": "fast"}, ValueError, "engine"),
])
def test_find_saturation_rejects_bad_arguments(kwargs: dict[str, object], error: type[Exception],
                                               fragment: str) -> None:
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace("[", r"\[")):
        ss.find_saturation(small_scenario(), **kwargs)  # type: ignore[arg-type]


def test_flask_orders_bottleneck_is_named() -> None:
    loads = ss.resource_loads(SCENARIOS / "flask-orders.yaml")
    assert {r.path for r in loads} == {"hosts.vm.cpu", "servers.web.workers"}


def test_cli_saturate(run_cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "mm2.yaml"
    path.write_text(yaml.safe_dump(small_scenario(workers=2, cores=4)), encoding="utf-8")
    done = run_cli("saturate", path, "--tolerance", "0.05", "--json", "--no-progress")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["rate"] == pytest.approx(200.0, rel=0.05)
    assert found["bottleneck"] == "servers.web.workers"
    assert found["curve"] and "util:servers.web.workers" in found["curve"][0]
    text = run_cli("saturate", path, "--tolerance", "0.1", "--slo", "p99=100ms", "--no-progress")
    assert text.returncode == 0, text.stderr
    assert "saturation:" in text.stdout and "servers.web.workers" in text.stdout


def test_an_slo_no_load_meets_is_an_answer_that_says_so(run_cli: CliRunner, tmp_path: Path) -> None:
    # 10 ms of exponential work: a p99 of 1 ms fails at any load, however light.
    found = ss.find_saturation(small_scenario(), slo={"p99": "1ms"}, tolerance=0.1)
    assert found.rate == 0 and found.limited_by == "p99"
    assert (found.curve["failed_term"] == "p99").any() and not found.curve["meets"].any()
    assert found.summary().startswith("saturation: no load meets the SLO: p99 fails even at ")
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_scenario()), encoding="utf-8")
    done = run_cli("saturate", path, "--slo", "p99=1ms", "--tolerance", "0.1", "--json")
    assert done.returncode == 0, done.stderr
    # Strict JSON: the tolerance, infinite here, is null (Python's reader alone takes Infinity).
    answer = json.loads(done.stdout, parse_constant=lambda name: pytest.fail(f"{name} in the JSON"))
    assert answer["rate"] == 0 and answer["limited_by"] == "p99" and answer["tolerance"] is None


@pytest.mark.parametrize(("args", "fragment"), [
    (("--slo", "p98=1s"), "slo.p98: unknown SLO term 'p98'"),
    (("--slo", "p99=fast"), "slo.p99: expected a duration > 0 (200ms, 0.2), got 'fast'"),
    (("--slo", "errors=150%"), "slo.errors: the errors' share must be in [0, 1]"),
    (("--slo", "p99"), "expected METRIC=VALUE"),
    (("--tolerance", "2"), "must be in (0, 0.5]"),
])
def test_cli_saturate_errors(run_cli: CliRunner, two_sync_path: Path, args: tuple[str, ...],
                             fragment: str) -> None:
    done = run_cli("saturate", two_sync_path, *args)
    assert done.returncode == 2
    assert fragment in done.stderr
