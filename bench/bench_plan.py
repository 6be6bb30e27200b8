"""plan() against the brute force: the same answer, at a fraction of the cost.

For each space, ``ss.plan`` (analytic pruning, cheapest first, short staged
replications that reject a candidate far over a limit, a full run for the
rest, stop at the first candidate that passes and is confirmed) and the brute
force (``exhaustive=True``: every candidate simulated with one replication of
its full run on the same random numbers, then 3 replications confirming the
cheapest that passes) answer the same question; the benchmark prints both answers, both wall times and the ratio
side by side, and fails if the answers differ or if a candidate the bound
pruned passes its SLO when simulated (the pruning would then be unsound).

Spaces (each 50+ candidates):

- flask-sync: Gunicorn sync workers x cores, Flask, 10 ms of CPU and 20 ms
  of I/O per request, 300 req/s, p99 <= 150 ms (64 candidates);
- gthread: processes x threads x cores, 5 ms of Python and 40 ms of I/O,
  400 req/s, p99 <= 200 ms and errors <= 0.1 % (96 candidates);
- fastapi-db: Uvicorn processes x cores x database connections, an async
  endpoint querying PostgreSQL, 500 req/s, p99 <= 120 ms (54 candidates);

and one large space, plan() alone (its bar: under a minute):

- large: server kind x processes x cores x host speed, 288 candidates.

    python bench/bench_plan.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import servesim as ss

# Rough per-hour prices of a cloud VM: per core (at speed 1), per host, per process.
COST = {"currency": "USD", "per": "hour", "core": 0.04, "host": 0.02, "worker": 0.001}


def flask_sync(duration: float) -> tuple[ss.Scenario, dict[str, Any]]:
    scenario = ss.Scenario.from_dict({
        "name": "flask-sync",
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": "gunicorn-sync", "workers": 2, "framework": "flask"}},
        "endpoints": {"orders": {"phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}},
                                            {"io": {"dist": "exponential", "mean": "20ms"}}]}},
        "workload": {"open": {"rate": 100}},
        "run": {"duration": duration, "warmup": duration / 10, "seed": 5},
    })
    return scenario, {"target": {"rate": 300}, "slo": {"p99": "150ms"}, "cost": COST,
                      "space": {"hosts.app.cores": [1, 2, 4, 8],
                                "servers.web.workers": list(range(1, 17))}}


def gthread(duration: float) -> tuple[ss.Scenario, dict[str, Any]]:
    scenario = ss.Scenario.from_dict({
        "name": "gthread",
        "hosts": {"app": {"cores": 2}},
        "servers": {"web": {"kind": "gunicorn-gthread", "workers": 2, "threads": 4, "framework": "flask"}},
        "endpoints": {"report": {"phases": [{"cpu": {"dist": "exponential", "mean": "5ms"}},
                                            {"io": {"dist": "exponential", "mean": "40ms"}}]}},
        "workload": {"open": {"rate": 100}, "client_timeout": "2s"},
        "run": {"duration": duration, "warmup": duration / 10, "seed": 5},
    })
    return scenario, {"target": {"rate": 400}, "slo": {"p99": "200ms", "errors": "0.1%"}, "cost": COST,
                      "space": {"hosts.app.cores": [1, 2, 4],
                                "servers.web.workers": list(range(1, 9)),
                                "servers.web.threads": [1, 2, 4, 8]}}


def fastapi_db(duration: float) -> tuple[ss.Scenario, dict[str, Any]]:
    scenario = ss.Scenario.from_dict({
        "name": "fastapi-db",
        "hosts": {"app": {"cores": 2}},
        "servers": {"api": {"kind": "uvicorn", "workers": 2, "framework": "fastapi"}},
        "databases": {"pg": {"connections": 10, "query_time": {"dist": "exponential", "mean": "4ms"},
                             "pool": {"size": 5, "max_overflow": 0}}},
        "endpoints": {"orders": {"style": "async", "phases": [
            {"cpu": {"dist": "exponential", "mean": "2ms"}}, {"db": "pg"},
            {"cpu": {"dist": "exponential", "mean": "1ms"}}]}},
        "workload": {"open": {"rate": 100}},
        "run": {"duration": duration, "warmup": duration / 10, "seed": 5},
    })
    return scenario, {"target": {"rate": 500}, "slo": {"p99": "120ms"}, "cost": COST,
                      "space": {"hosts.app.cores": [1, 2, 4],
                                "servers.api.workers": [1, 2, 3, 4, 6, 8],
                                "databases.pg.connections": [2, 4, 8]}}


def large(duration: float) -> tuple[ss.Scenario, dict[str, Any]]:
    scenario, spec = flask_sync(duration)
    spec = dict(spec, target={"rate": 500}, space={
        "servers.web.kind": ["gunicorn-sync", "gunicorn-gthread", "uvicorn"],
        "servers.web.workers": list(range(1, 13)),
        "hosts.app.cores": [1, 2, 4, 8],
        "hosts.app.speed": [1.0, 1.5]})
    return scenario, spec


def run(scenario: ss.Scenario, spec: dict[str, Any], exhaustive: bool) -> tuple[ss.Plan, float]:
    started = time.perf_counter()
    answer = ss.plan(scenario, exhaustive=exhaustive, **spec)
    return answer, time.perf_counter() - started


def compare(name: str, scenario: ss.Scenario, spec: dict[str, Any]) -> dict[str, Any]:
    planned, plan_s = run(scenario, spec, exhaustive=False)
    brute, brute_s = run(scenario, spec, exhaustive=True)
    pruned = planned.candidates.index[planned.candidates["verdict"] == "pruned"]
    brute_rank = brute.candidates.reset_index().set_index(list(planned.settings))
    plan_rank = planned.candidates.reset_index().set_index(list(planned.settings))
    # Candidates the bound pruned that the brute force saw pass: pruning would be unsound.
    unsound = [key for key in plan_rank.index[plan_rank["verdict"] == "pruned"]
               if brute_rank.loc[key, "verdict"] in ("meets", "chosen")]
    return {
        "space": name,
        "candidates": len(planned.candidates),
        "pruned": len(pruned),
        "plan_answer": planned.settings if planned.feasible else None,
        "brute_answer": brute.settings if brute.feasible else None,
        "agree": planned.feasible == brute.feasible and planned.settings == brute.settings,
        "unsound_prunes": len(unsound),
        "plan_simulations": planned.simulations,
        "brute_simulations": brute.simulations,
        "plan_s": plan_s,
        "brute_s": brute_s,
        "speedup": brute_s / plan_s,
        "cost": planned.cost,
        "explanation": planned.explain(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs (for ctest)")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    # Ten simulated minutes per candidate, as a capacity study would run; --quick: 20 s.
    duration = 20.0 if args.quick else 600.0

    rows = [compare(name, *build(duration))
            for name, build in (("flask-sync", flask_sync), ("gthread", gthread), ("fastapi-db", fastapi_db))]
    big_scenario, big_spec = large(duration)
    big, big_s = run(big_scenario, big_spec, exhaustive=False)

    print("brute force: every valid candidate simulated with the full screening run plan() gives the ones its short "
          "replications do not reject (one replication of run.duration, same seed), then 3 replications confirming "
          f"the cheapest that passes ({duration:.0f} s runs, warm-up {duration / 10:.0f} s); both on the default threads")
    print(f"{'space':<12} {'cands':>5} {'pruned':>6} {'sims plan/brute':>16} "
          f"{'plan s':>8} {'brute s':>8} {'ratio':>6}  agree  answer")
    for r in rows:
        answer = ", ".join(f"{k}={v}" for k, v in (r["plan_answer"] or {}).items()) or "none feasible"
        print(f"{r['space']:<12} {r['candidates']:>5} {r['pruned']:>6} "
              f"{r['plan_simulations']:>7}/{r['brute_simulations']:<8} {r['plan_s']:>8.2f} {r['brute_s']:>8.2f} "
              f"{r['speedup']:>5.1f}x  {'yes' if r['agree'] else 'NO':<5}  {answer}")
    print(f"{'large':<12} {len(big.candidates):>5} {(big.candidates['verdict'] == 'pruned').sum():>6} "
          f"{big.simulations:>7}/{'-':<8} {big_s:>8.2f} {'-':>8} {'-':>6}  -      "
          + ", ".join(f"{k}={v}" for k, v in big.settings.items()))
    print()
    print(rows[0]["explanation"])

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"spaces": rows, "large": {
            "candidates": len(big.candidates), "simulations": big.simulations, "seconds": big_s,
            "feasible": big.feasible, "answer": big.settings}}, indent=2))

    failures = [f"{r['space']}: plan and brute force disagree" for r in rows if not r["agree"]]
    failures += [f"{r['space']}: {r['unsound_prunes']} pruned candidates pass when simulated"
                 for r in rows if r["unsound_prunes"]]
    failures += [f"{r['space']}: plan only {r['speedup']:.1f}x faster than brute force (bar: 10x)"
                 for r in rows if r["speedup"] < 10 and not args.quick]
    failures += [f"large: {big_s:.0f} s for {len(big.candidates)} candidates (bar: 60 s)"] if big_s > 60 else []
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
