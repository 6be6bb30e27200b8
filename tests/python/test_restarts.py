"""Process restarts under load (max_requests, memory_limit) as Python sees them: the
example scenario's kills and recycles, the new error kind and the server records."""

from pathlib import Path

import pytest

import servesim as ss

LEAKY = Path(__file__).resolve().parents[2] / "scenarios" / "leaky-worker-recycling.yaml"
MB = 2**20


def test_leaky_workers_die_and_recycled_ones_do_not() -> None:
    result = ss.simulate(LEAKY)
    leaky, recycled = result.record.servers
    # The leak kills a leaky worker at its 563rd request (see the scenario's comment):
    # each of 3 replications serves about 120 req/s x 280 s, so about 3 x 33,600 / 563
    # = 179 kills, give or take the Poisson split (sd about 1 %) and a life per
    # worker at each window edge (4 x 2 per replication).
    assert leaky.memory_killed == pytest.approx(3 * 120 * 280 / 563, abs=3 * 8 + 5)
    assert leaky.recycled == 0
    assert result.errors["out_of_memory"] == leaky.memory_killed  # a sync worker holds one request
    assert leaky.peak_memory == 256 * MB  # killed as it reaches its limit
    # max_requests 500-550 restarts each recycled worker before the limit: 91 MB +
    # 64 KB + 550 x 300 KB = 252.2 MB at most, and no request lost.
    assert recycled.memory_killed == 0
    assert recycled.recycled == pytest.approx(3 * 120 * 280 / 525, rel=0.1)
    assert recycled.peak_memory <= (91 + 1 / 16) * MB + 550 * 300 * 1024
    assert result.record.endpoints[1].errors.out_of_memory == 0
    assert result.restart_rate["leaky"].value == pytest.approx(leaky.memory_killed / (3 * 280))
    assert result.peak_memory["recycled"] == recycled.peak_memory


def test_restart_settings_reject_bad_values() -> None:
    text = LEAKY.read_text()
    with pytest.raises(ss.ScenarioError, match=r"servers\.recycled\.max_requests: .*got -1"):
        ss.Scenario.from_text(text.replace("max_requests: 500", "max_requests: -1"))
    with pytest.raises(ss.ScenarioError, match=r"servers\.leaky\.memory_limit: 64 MB is below"):
        ss.Scenario.from_text(text.replace("memory_limit: 256MB\n    boot_time: 1s          #",
                                                "memory_limit: 64MB\n    boot_time: 1s          #"))
