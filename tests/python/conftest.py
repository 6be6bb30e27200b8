"""Shared fixtures: scenario files, small scenario dicts and a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = REPO_ROOT / "scenarios"


def small_scenario(*, workers: int = 2, cores: int = 4, rate: float = 100.0,
                   mean_service_ms: float = 10.0, duration_s: float = 60.0,
                   warmup_s: float = 5.0, replications: int = 1, seed: int = 1) -> dict[str, Any]:
    """A one-server open-workload scenario: `workers` sync workers on `cores` cores,
    Poisson arrivals at `rate` req/s, exponential CPU of `mean_service_ms` per request."""
    return {
        "name": "small",
        "hosts": {"app": {"cores": cores}},
        "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": workers,
                            "framework": "none"}},
        "endpoints": {"work": {"server": "web", "phases": [
            {"cpu": {"dist": "exponential", "mean": f"{mean_service_ms}ms"}}]}},
        "workload": {"open": {"rate": rate}},
        "run": {"duration": duration_s, "warmup": warmup_s, "replications": replications,
                "seed": seed},
    }


@pytest.fixture(scope="session")
def two_sync_path() -> Path:
    """The M/M/2 example: lambda = 160 req/s, 10 ms exponential service, 2 workers."""
    return SCENARIOS / "two-sync-workers.yaml"


@pytest.fixture
def two_sync_dict(two_sync_path: Path) -> dict[str, Any]:
    with two_sync_path.open() as file:
        return yaml.safe_load(file)


@pytest.fixture(scope="session")
def make_scenario() -> Callable[..., dict[str, Any]]:
    """The small_scenario() builder, for tests that vary its parameters."""
    return small_scenario


@pytest.fixture
def small_dict() -> dict[str, Any]:
    """A quick scenario (60 s of simulated time, one replication)."""
    return small_scenario()


@pytest.fixture
def small_file(tmp_path: Path) -> Path:
    """A quick scenario written as a YAML file."""
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_scenario(replications=2)))
    return path


CliRunner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def run_cli() -> CliRunner:
    """Runs ``python -m servesim ARGS...`` in a child process and captures its output."""
    def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "servesim", *map(str, args)],
                              capture_output=True, text=True, timeout=120, check=False)
    return run
