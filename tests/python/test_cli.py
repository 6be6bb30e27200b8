"""The servesim command line, run as a child process like a user would."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml


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



# -- files and outputs that cannot be used: one line, exit 2, no traceback (issue 13.4) ----


def _one_error_line(completed: subprocess.CompletedProcess[str]) -> str:
    assert completed.returncode == 2, completed.stderr
    assert completed.stderr.count("\n") == 1 and "Traceback" not in completed.stderr
    return completed.stderr


def test_latin1_scenario_exits_2_naming_where(run_cli, small_file: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(small_file.read_bytes().replace(b"name: small", "name: café".encode("latin-1")))
    line = small_file.read_text().splitlines().index("name: small") + 1
    for command in ("run", "validate"):
        assert _one_error_line(run_cli(command, path)) == (
            f"servesim: {path}: not valid UTF-8 at line {line}, column 10 (byte 0xe9); "
            "save the file as UTF-8\n")


@pytest.fixture
def tiny_comparison(tmp_path: Path) -> Path:
    """Two deployments, one case, one load, 10 simulated seconds: quick to compare."""
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump({
        "name": "tiny", "hosts": {"app": {"cores": 2}},
        "deployments": {"sync": {"kind": "gunicorn-sync", "workers": 2, "framework": "none"},
                        "async": {"kind": "uvicorn", "workers": 1, "framework": "none"}},
        "cases": {"db": {"style": "async", "phases": [{"cpu": "2ms"}, {"io": "8ms"}]}},
        "users": [10], "run": {"duration": 10, "warmup": 2, "replications": 1, "seed": 1}}))
    return path


@pytest.mark.parametrize(("option", "make_path", "message"), [
    ("--report", lambda tmp: tmp, "is a folder, expected a file name"),
    ("--csv", lambda tmp: tmp, "is a folder, expected a file name"),
    ("--csv", lambda tmp: tmp / "small.yaml" / "rows.csv", "is not a folder"),
])
def test_unusable_output_path_is_refused_before_simulating(
        run_cli, tmp_path: Path, small_file: Path, option: str,
        make_path: Callable[[Path], Path], message: str) -> None:
    # The comparison file does not exist: the output path is checked first, so nothing
    # is simulated (or even read) before a typo in it is reported.
    path = make_path(tmp_path)
    line = _one_error_line(run_cli("compare", tmp_path / "missing.yaml", option, path))
    assert line.startswith(f"servesim: {option} {path}: ") and message in line


def test_output_in_a_missing_folder_is_created(run_cli, tiny_comparison: Path, tmp_path: Path) -> None:
    csv = tmp_path / "new" / "folder" / "rows.csv"
    completed = run_cli("compare", tiny_comparison, "--csv", csv, "--no-progress")
    assert completed.returncode == 0, completed.stderr
    assert csv.read_text().startswith("case,users,deployment")
    assert completed.stderr == f"servesim: wrote {csv}\n"


full_device = pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")


@full_device
def test_output_file_on_a_full_device(run_cli, tiny_comparison: Path) -> None:
    completed = run_cli("compare", tiny_comparison, "--csv", "/dev/full", "--no-progress")
    assert _one_error_line(completed) == (
        "servesim: --csv /dev/full: cannot write: No space left on device\n")


@full_device
@pytest.mark.parametrize("args", [["--json"], []])
def test_stdout_on_a_full_device(small_file: Path, args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        completed = subprocess.run([sys.executable, "-m", "servesim", "run", str(small_file), *args],
                                   stdout=full, stderr=subprocess.PIPE, text=True, timeout=120,
                                   check=False)
    assert _one_error_line(completed) == "servesim: stdout: cannot write: No space left on device\n"


def test_process_timeout_is_refused_on_the_native_engine(run_cli, small_file: Path) -> None:
    # It would do nothing there: the native engine runs in this process.
    line = _one_error_line(run_cli("run", small_file, "--process-timeout", "5"))
    assert line == "servesim: --process-timeout applies to --engine simgrid only\n"
