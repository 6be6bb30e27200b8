"""The servesim command line, run as a child process like a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def test_run_prints_the_summary_table(run_cli, small_file: Path) -> None:
    completed = run_cli("run", small_file)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("small: 2 replications, seed 1")
    assert any(line.split()[0] == "throughput" and "req/s" in line for line in lines[1:])
    assert any("latency p99" in line and "ms" in line for line in lines)
    assert completed.stderr == ""


def test_run_json_is_one_object_with_the_headline_keys(run_cli, small_file: Path) -> None:
    completed = run_cli("run", small_file, "--json", "--seed", "5", "--replications", "3",
                        "--threads", "2")
    assert completed.returncode == 0, completed.stderr
    data = json.loads(completed.stdout)  # fails unless stdout is exactly one document
    assert data["seed"] == 5
    assert len(data["replications"]) == 3
    assert 90 < data["throughput"] < 110  # 100 req/s offered, 2 x 60 s
    for key in ("mean", "p50", "p99"):
        assert 0.005 < data["latency"][key] < 1.0  # seconds
    assert data["completed"] > 0
    assert set(data["errors"]) >= {"refused", "client_timeout"}


def test_json_output_does_not_depend_on_threads(run_cli, small_file: Path) -> None:
    one = run_cli("run", small_file, "--json", "--threads", "1")
    many = run_cli("run", small_file, "--json", "--threads", "4")
    assert json.loads(one.stdout) == json.loads(many.stdout)


def test_bad_scenario_exits_2_with_one_line(run_cli, small_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(small_file.read_text().replace("workers: 2", "workers: 0"))
    completed = run_cli("run", path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == (
        f"servesim: {path}: servers.web.workers: must be an integer >= 1, got 0\n")


def test_unreadable_file_exits_2_with_one_line(run_cli, tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    completed = run_cli("run", missing)
    assert completed.returncode == 2
    assert completed.stderr == f"servesim: {missing}: no such file\n"


def test_not_yaml_exits_2_with_one_line(run_cli, tmp_path: Path) -> None:
    path = tmp_path / "garbage.yaml"
    path.write_text("{{{: ]\n")
    completed = run_cli("run", path)
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"servesim: {path}: not valid YAML")
    assert completed.stderr.count("\n") == 1


@pytest.mark.parametrize("args", [
    ["run"],
    ["run", "x.yaml", "--seed", "-1"],
    ["run", "x.yaml", "--replications", "0"],
    ["run", "x.yaml", "--threads", "many"],
    ["fly", "x.yaml"],
    [],
])
def test_bad_arguments_exit_2(run_cli, args: list[str]) -> None:
    completed = run_cli(*args)
    assert completed.returncode == 2
    assert "usage: servesim" in completed.stderr


def test_validate(run_cli, small_file: Path) -> None:
    completed = run_cli("validate", small_file)
    assert completed.returncode == 0
    assert completed.stdout == f"{small_file}: ok (small: 1 server(s), 1 endpoint(s))\n"


def test_version(run_cli) -> None:
    completed = run_cli("--version")
    assert completed.returncode == 0
    assert completed.stdout.startswith("servesim ")


def test_console_script(small_file: Path) -> None:
    script = shutil.which("servesim", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the servesim console script is not installed next to this interpreter")
    completed = subprocess.run([script, "run", str(small_file), "--json"],
                               capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["completed"] > 0

