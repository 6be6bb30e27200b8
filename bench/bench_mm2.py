"""servesim against SimPy 4 on the same M/M/2 model, measured side by side.

The model is scenarios/two-sync-workers.yaml: two Gunicorn sync workers,
Poisson arrivals at 160 req/s, exponential 10 ms of CPU per request, 4 cores
(so the CPU never queues and both tools simulate the same M/M/2 queue).
Both run on one thread in this process, alternately, several rounds, and the
best round of each is kept, so machine noise hits both alike. Each tool's
mean response time is printed next to the Erlang C value, to show both
simulated the same model. Last, servesim runs the same replications on one
thread and on every core, to measure the parallel speed-up.

    python bench/bench_mm2.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
from pathlib import Path

import simpy

import servesim as ss
from erlang_c import erlang_c_mean_response

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "two-sync-workers.yaml"
ARRIVAL_RATE = 160.0  # req/s
MEAN_SERVICE = 0.010  # s
WORKERS = 2


def run_servesim(duration: float) -> tuple[float, float, int]:
    """Simulates `duration` seconds; returns (requests per wall second, mean response s, completed)."""
    scenario = ss.Scenario.from_yaml(SCENARIO)
    scenario = scenario.replace(run={"duration": duration, "warmup": 0.0, "replications": 1})
    start = time.perf_counter()
    result = ss.simulate(scenario, threads=1)
    elapsed = time.perf_counter() - start
    return result.completed / elapsed, result.latency.mean, result.completed


def replication_speedup(duration: float, replications: int) -> tuple[float, int]:
    """Wall time of `replications` runs on one thread over on every core; returns (speed-up, cores)."""
    scenario = ss.Scenario.from_yaml(SCENARIO).replace(
        run={"duration": duration, "warmup": 0.0, "replications": replications})
    cores = os.cpu_count() or 1
    elapsed = {}
    for threads in (1, cores, 1, cores):  # interleaved, best of two each
        start = time.perf_counter()
        ss.simulate(scenario, threads=threads)
        elapsed[threads] = min(elapsed.get(threads, math.inf), time.perf_counter() - start)
    return elapsed[1] / elapsed[cores], cores


def run_simpy(duration: float, seed: int = 7) -> tuple[float, float, int]:
    """The same M/M/2 queue written the usual SimPy way: a process per request."""
    rng = random.Random(seed)
    env = simpy.Environment()
    workers = simpy.Resource(env, capacity=WORKERS)
    stats = {"completed": 0, "latency_sum": 0.0}

    def request(env: simpy.Environment):
        arrival = env.now
        with workers.request() as slot:
            yield slot
            yield env.timeout(rng.expovariate(1.0 / MEAN_SERVICE))
        stats["completed"] += 1
        stats["latency_sum"] += env.now - arrival

    def arrivals(env: simpy.Environment):
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(request(env))

    env.process(arrivals(env))
    start = time.perf_counter()
    env.run(until=duration)
    elapsed = time.perf_counter() - start
    completed = stats["completed"]
    return completed / elapsed, stats["latency_sum"] / completed, completed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs (CI smoke mode)")
    parser.add_argument("--json", type=Path, default=ROOT / "build" / "bench" / "mm2.json",
                        help="where to write the measurements")
    args = parser.parse_args()

    servesim_duration, simpy_duration, rounds = (2_000.0, 100.0, 2) if args.quick else (50_000.0, 2_000.0, 3)
    best_servesim = max((run_servesim(servesim_duration) for _ in range(rounds)), key=lambda r: r[0])
    best_simpy = max((run_simpy(simpy_duration, seed) for seed in range(rounds)), key=lambda r: r[0])
    exact = erlang_c_mean_response(ARRIVAL_RATE, MEAN_SERVICE, WORKERS)
    ratio = best_servesim[0] / best_simpy[0]
    speedup, cores = replication_speedup(servesim_duration / 4, 2 * (os.cpu_count() or 1))

    print("M/M/2, lambda = 160 req/s, E[S] = 10 ms, one thread each, best of", rounds, "rounds")
    print(f"{'engine':<10} {'simulated req/s':>16} {'requests':>12} {'mean response':>14}")
    print(f"{'servesim':<10} {best_servesim[0]:>16,.0f} {best_servesim[2]:>12,} {best_servesim[1] * 1e3:>11.2f} ms")
    print(f"{'SimPy 4':<10} {best_simpy[0]:>16,.0f} {best_simpy[2]:>12,} {best_simpy[1] * 1e3:>11.2f} ms")
    print(f"{'Erlang C':<10} {'':>16} {'':>12} {exact * 1e3:>11.2f} ms")
    print(f"servesim / SimPy = {ratio:.1f}x")
    print(f"replications on {cores} threads vs 1: {speedup:.2f}x speed-up")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "model": "M/M/2 lambda=160 E[S]=10ms",
        "quick": args.quick,
        "servesim_requests_per_second": best_servesim[0],
        "simpy_requests_per_second": best_simpy[0],
        "ratio": ratio,
        "replication_speedup": speedup,
        "cores": cores,
        "servesim_mean_response_s": best_servesim[1],
        "simpy_mean_response_s": best_simpy[1],
        "erlang_c_mean_response_s": exact,
    }, indent=2))
    # Both must have simulated the model they claim to: a broken engine is not fast, it is wrong.
    for name, mean in (("servesim", best_servesim[1]), ("SimPy", best_simpy[1])):
        if not math.isclose(mean, exact, rel_tol=0.1):
            raise SystemExit(f"{name} mean response {mean:.5f} s is not the M/M/2 value {exact:.5f} s")


if __name__ == "__main__":
    main()
