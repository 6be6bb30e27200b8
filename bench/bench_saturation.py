"""find_saturation on the example scenarios: how long a search takes, how many
simulations it runs, and where it lands against the bottleneck law.

- flask-orders: 16 Gunicorn sync workers on 2 cores in front of a 40 ms query
  (scenarios/flask-orders.yaml), without and with an SLO (p99 <= 200 ms);
- M/M/2: 2 sync workers of exponential 10 ms, which saturate at exactly 200 req/s.

The search must agree with the analytic bracket it started from to within the
bracket's own slack, and name a bottleneck, so a fast but wrong search fails.

    python bench/bench_saturation.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import servesim as ss

ROOT = Path(__file__).resolve().parent.parent

MM2 = {
    "name": "mm2",
    "hosts": {"app": {"cores": 4}},
    "servers": {"web": {"kind": "gunicorn-sync", "workers": 2, "framework": "none"}},
    "endpoints": {"work": {"phases": [{"io": {"dist": "exponential", "mean": "10ms"}}]}},
    "workload": {"open": {"rate": 100}},
}


def search(label: str, scenario: Any, slo: dict[str, str] | None, exact: float | None) -> dict[str, Any]:
    start = time.perf_counter()
    found = ss.find_saturation(scenario, slo=slo)
    seconds = time.perf_counter() - start
    rate = found.rate if found.rate is not None else found.users
    assert rate is not None and rate > 0, f"{label}: no answer"
    assert found.bottleneck, f"{label}: no bottleneck named"
    if exact is not None:
        assert abs(rate / exact - 1) <= 0.02, f"{label}: {rate} vs exact {exact}"
    print(f"{label:<28} {rate:9.1f} {found.max_throughput.mean:9.1f} {found.analytic:9.1f} "
          f"{found.bottleneck:<22} {found.limited_by:<9} {found.simulations:5d} {seconds:7.2f}")
    return {"label": label, "answer": rate, "max_throughput": found.max_throughput.mean,
            "analytic": found.analytic, "bottleneck": found.bottleneck, "limited_by": found.limited_by,
            "tolerance": found.tolerance, "simulations": found.simulations, "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    args = parser.parse_args()
    print(f"{'search':<28} {'answer':>9} {'max X':>9} {'bound':>9} {'bottleneck':<22} "
          f"{'limit':<9} {'sims':>5} {'seconds':>7}")
    orders = ROOT / "scenarios" / "flask-orders.yaml"
    rows = [search("flask-orders", orders, None, None),
            search("flask-orders p99<=200ms", orders, {"p99": "200ms"}, None),
            search("M/M/2 (exact 200 req/s)", MM2, None, 200.0)]
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
