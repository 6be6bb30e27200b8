"""The native engine against the SimGrid engine on the same models, side by side.

Three models: the M/M/2 sync pool of scenarios/two-sync-workers.yaml (Poisson
arrivals at 160 req/s, exponential 10 ms of CPU, 2 Gunicorn sync workers on 4
cores); a Uvicorn event loop with the GIL (2 processes on 2 cores, an async
endpoint with 3 ms of Python, a 20 ms awaited call and 1 ms more of Python,
at 250 req/s); and scenarios/fastapi-three-hosts.yaml at 300 req/s (three
hosts behind a balancer, a database with connection pools, a cache and a
capped downstream service). Each engine simulates one replication on one thread
(SimGrid: one child process, its start-up included, as simulate() pays it),
alternately for several rounds; the best round of each is kept, so machine
noise hits both alike. The rate is simulated requests per wall-clock second.
Each engine's mean response is printed beside the other's (and Erlang C's for
the M/M/2), to show both simulated the same model. The full run fails if the
native engine is less than 30x faster; --quick (a smoke test for `make test`)
checks the models only, as its short SimGrid runs are dominated by process
start-up.

    python bench/bench_engines.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import servesim as ss
from erlang_c import erlang_c_mean_response

ROOT = Path(__file__).resolve().parent.parent
MIN_RATIO = 30.0  # the design's bar: native at least 30x the SimGrid engine


def models() -> dict[str, tuple[ss.Scenario, float | None]]:
    """Name -> (scenario, exact mean response in s if known)."""
    mm2 = ss.Scenario.from_yaml(ROOT / "scenarios" / "two-sync-workers.yaml")
    uvicorn = ss.Scenario.from_dict({
        "name": "uvicorn-gil",
        "hosts": {"app": {"cores": 2}},
        "servers": {"api": {"kind": "uvicorn", "workers": 2, "framework": "none"}},
        "endpoints": {"order": {"phases": [
            {"cpu": {"dist": "exponential", "mean": "3ms"}},
            {"io": {"dist": "exponential", "mean": "20ms"}},
            {"cpu": {"dist": "exponential", "mean": "1ms"}}]}},
        "workload": {"open": {"rate": 250}},
    })
    three_hosts = ss.Scenario.from_yaml(ROOT / "scenarios" / "fastapi-three-hosts.yaml")
    three_hosts = three_hosts.replace(workload={"open": {"rate": 300}})
    return {"M/M/2 sync pool": (mm2, erlang_c_mean_response(160.0, 0.010, 2)),
            "uvicorn loop + GIL": (uvicorn, None),
            "3 hosts, db, cache": (three_hosts, None)}


def run(scenario: ss.Scenario, engine: str, duration: float) -> tuple[float, float, int]:
    """One replication of `duration` s; returns (simulated req per wall s, mean response s, completed)."""
    scenario = scenario.replace(run={"duration": duration, "warmup": 0.0, "replications": 1})
    start = time.perf_counter()
    result = ss.simulate(scenario, threads=1, engine=engine)
    elapsed = time.perf_counter() - start
    return result.completed / elapsed, result.latency.mean, result.completed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke mode)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "engines.json",
                        help="where to write the measurements")
    args = parser.parse_args()
    if not ss.engine_available("simgrid"):
        raise SystemExit("the SimGrid engine is unavailable in this build (see docs/engines.md)")

    # SimGrid runs ~1/50 of native's rate: its runs are shorter so a round takes seconds.
    native_duration, simgrid_duration, rounds = (2_000.0, 200.0, 2) if args.quick else (20_000.0, 2_000.0, 3)
    report = {"quick": args.quick, "models": {}}
    failures = []
    print(f"one replication on one thread each, best of {rounds} rounds")
    print(f"{'model':<20} {'engine':<8} {'simulated req/s':>16} {'requests':>11} {'mean response':>14}")
    for name, (scenario, exact) in models().items():
        best: dict[str, tuple[float, float, int]] = {}
        for _ in range(rounds):
            for engine, duration in (("native", native_duration), ("simgrid", simgrid_duration)):
                measured = run(scenario, engine, duration)
                if engine not in best or measured[0] > best[engine][0]:
                    best[engine] = measured
        for engine, (rate, mean, completed) in best.items():
            print(f"{name:<20} {engine:<8} {rate:>16,.0f} {completed:>11,} {mean * 1e3:>11.2f} ms")
        if exact is not None:
            print(f"{name:<20} {'exact':<8} {'':>16} {'':>11} {exact * 1e3:>11.2f} ms")
        ratio = best["native"][0] / best["simgrid"][0]
        print(f"{name:<20} native / SimGrid = {ratio:.1f}x")
        report["models"][name] = {
            "native_requests_per_second": best["native"][0],
            "simgrid_requests_per_second": best["simgrid"][0],
            "ratio": ratio,
            "native_mean_response_s": best["native"][1],
            "simgrid_mean_response_s": best["simgrid"][1],
            "exact_mean_response_s": exact,
        }
        # Both must have simulated the model they claim to: a broken engine is not fast, it is wrong.
        reference = exact if exact is not None else best["native"][1]
        for engine in ("native", "simgrid"):
            if not math.isclose(best[engine][1], reference, rel_tol=0.1):
                failures.append(f"{name}: {engine} mean response {best[engine][1]:.5f} s, "
                                f"expected {reference:.5f} s")
        if not args.quick and ratio < MIN_RATIO:
            failures.append(f"{name}: native is only {ratio:.1f}x the SimGrid engine (< {MIN_RATIO:.0f}x)")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))
    if failures:
        raise SystemExit("\n".join(failures))


if __name__ == "__main__":
    main()
