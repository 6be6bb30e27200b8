"""Per-process memory and host RAM: the fit check's errors in Python, the per-host
memory in results, and plans that prune what does not fit (arithmetic in
tests/cpp/model/test_memory.cpp)."""

from __future__ import annotations

from pathlib import Path

import pytest

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]
MB = 2**20

# Sync workers of 200 MB + 1 thread x 10 MB = 210 MB on a 2 GB host: 9 fit.
FIT = {
    "hosts": {"app": {"cores": 2, "memory": "2GB"}},
    "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 9, "framework": "none",
                        "memory": {"process": "200MB", "thread": "10MB", "connection": "1MB"}}},
    "endpoints": {"work": {"phases": [{"cpu": "10ms"}]}},
    "workload": {"open": {"rate": 50}},
    "run": {"duration": 20, "seed": 1},
}


def with_workers(workers: int) -> dict[str, object]:
    web = {**FIT["servers"]["web"], "workers": workers}  # type: ignore[index]
    return {**FIT, "servers": {"web": web}}


def test_too_many_workers_for_the_host_is_a_scenario_error_with_the_numbers() -> None:
    with pytest.raises(ss.ScenarioError) as error:
        ss.Scenario.from_dict(with_workers(12))
    assert str(error.value) == ("hosts.app.memory: 2 GB holds at most 9 gunicorn-sync workers of 210 MB "
                                "(servers.web.workers = 12 needs 2.46 GB)")


def test_a_size_without_a_unit_names_the_field_and_the_value() -> None:
    with pytest.raises(ss.ScenarioError, match=r"^hosts\.app\.memory: must be a size with a unit .* got 2048"):
        ss.Scenario.from_dict({**FIT, "hosts": {"app": {"cores": 2, "memory": 2048}}})


def test_results_report_each_hosts_memory() -> None:
    # 9 x 210 MB static; plus 1 MB x L, the server's time-average requests: L = lambda W
    # >= 50 req/s x 10 ms = 0.5 (a little more when 3 requests share 2 cores; 1,000
    # arrivals in 20 s leave about 3 % of noise).
    result = ss.simulate(ss.Scenario.from_dict(FIT))
    host = result.record.hosts[0]
    assert host.static_memory == 9 * 210 * MB
    in_system = result.record.replications[0].servers[0].mean_in_system
    assert (result.memory["app"] - host.static_memory) / MB == pytest.approx(in_system, rel=1e-12)
    assert in_system == pytest.approx(0.5, rel=0.15)


def test_the_example_plan_prunes_the_workers_that_do_not_fit_in_2_gb() -> None:
    answer = ss.plan(REPO_ROOT / "scenarios" / "workers-in-2gb.yaml")
    rows = answer.candidates
    memory = rows[rows["failed_term"] == "memory"]
    assert sorted(memory["servers.web.workers"].astype(int)) == [10, 12]
    assert answer.feasible
