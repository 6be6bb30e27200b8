"""The scenario as a function of the fitted parameters: which fields they set, the
scenario of one measured run, and what the engines predict for it."""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from servesim.calibration.parsers import MeasuredRun, Observation
from servesim.estimation import estimate
from servesim.scenario import Scenario
from servesim.simulation import simulate

KINDS = ("cpu", "io", "overhead", "cv")
# Bounds of the fitted values (seconds, or a plain number for the CV): wide enough for any
# web request, and keep the search away from zero, where the logarithm it works in is not.
BOUNDS = {"cpu": (1e-6, 100.0), "io": (1e-6, 100.0), "overhead": (1e-6, 1.0), "cv": (0.01, 10.0)}


@dataclasses.dataclass(frozen=True)
class Unknown:
    """One fitted parameter: ``kind`` of :data:`KINDS`, the endpoint (cpu, io) or server
    (overhead) it belongs to, and the scenario ``path`` it sets."""

    kind: str
    owner: str
    path: str

    @property
    def unit(self) -> str:
        return "" if self.kind == "cv" else "s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:.6g}ms"


class Model:
    """The scenario with its unknowns, and the scenario of each measured run."""

    def __init__(self, scenario: Scenario, runs: Sequence[MeasuredRun], fit: Sequence[str],
                 requests: int, seed: int) -> None:
        self.base = scenario.to_dict()
        self.names = list(scenario.endpoints)
        self.runs = [dataclasses.replace(run, observations=tuple(
            dataclasses.replace(o, endpoint=self.endpoint_of(o, run)) for o in run.observations)) for run in runs]
        self.requests = requests
        self.seed = seed
        measured = sorted({o.endpoint for run in self.runs for o in run.observations if o.endpoint})
        self.phase_index: dict[tuple[str, str], int] = {}
        self.unknowns: list[Unknown] = []
        for endpoint in measured:
            for kind in ("cpu", "io"):
                index = self._phase(endpoint, kind, insert=kind in fit)
                if kind in fit:
                    self.unknowns.append(Unknown(kind, endpoint, f"endpoints.{endpoint}.phases[{index}].{kind}"))
        if "overhead" in fit:
            for server in sorted({self.base["endpoints"][e]["server"] for e in measured}):
                self.unknowns.append(Unknown("overhead", server, f"servers.{server}.framework_overhead"))
        if "cv" in fit:
            self.unknowns.append(Unknown("cv", "", "cv of the fitted cpu and io phases (lognormal)"))

    def endpoint_of(self, observation: Observation, run: MeasuredRun) -> str:
        """The scenario endpoint an observation names: itself, without a leading ``/``, or the
        scenario's only endpoint."""
        name = observation.endpoint
        if name is None:
            if len(self.names) != 1:
                raise ValueError(f"{run.source}: name the endpoint this run measured (scenario endpoints: "
                                 f"{', '.join(self.names)}); on the command line --wrk ENDPOINT=FILE")
            return self.names[0]
        for candidate in (name, name.lstrip("/")):
            if candidate in self.names:
                return candidate
        raise ValueError(f"{run.source}: endpoint {name!r} is not in the scenario (endpoints: "
                         f"{', '.join(self.names)})")

    def _phase(self, endpoint: str, kind: str, *, insert: bool) -> int:
        """The index of the endpoint's first ``kind`` phase, added (cpu first, io after it) when
        it has none and the kind is fitted; -1 when it has none."""
        phases: list[Any] = self.base["endpoints"][endpoint].setdefault("phases", [])
        for index, phase in enumerate(phases):
            if isinstance(phase, dict) and kind in phase:
                self._check_shape(endpoint, index, kind, phase[kind])
                self.phase_index[(endpoint, kind)] = index
                return index
        if not insert:
            return -1
        at = 0 if kind == "cpu" else self.phase_index.get((endpoint, "cpu"), -1) + 1
        phases.insert(at, {kind: "1ms"})
        for key, index in self.phase_index.items():
            if key[0] == endpoint and index >= at:
                self.phase_index[key] = index + 1
        self.phase_index[(endpoint, kind)] = at
        return at

    @staticmethod
    def _check_shape(endpoint: str, index: int, kind: str, value: Any) -> None:
        if isinstance(value, dict) and value.get("dist", "constant") != "constant" and "mean" not in value:
            raise ValueError(f"endpoints.{endpoint}.phases[{index}].{kind}: cannot fit a {value.get('dist')} "
                             "given without a mean; write it by its mean (and cv)")

    def start(self) -> list[float]:
        """An initial guess from the operational laws: the unloaded latency is the lowest
        measured one; a server whose throughput stops growing before its workers are all
        busy is CPU-bound, and then the utilization law gives the CPU per request
        (cores it can use / throughput); the rest of the unloaded latency is waiting."""
        guess: list[float] = []
        for unknown in self.unknowns:
            if unknown.kind == "overhead":
                guess.append(5e-4)
            elif unknown.kind == "cv":
                guess.append(0.5)
            else:
                cpu, io = self._operational_guess(unknown.owner)
                guess.append(cpu if unknown.kind == "cpu" else io)
        return guess

    def _operational_guess(self, endpoint: str) -> tuple[float, float]:
        observed = [(run, o) for run in self.runs for o in run.observations if o.endpoint == endpoint]
        unloaded = min(o.mean or o.p50 for _, o in observed)
        top_run, top = max(observed, key=lambda pair: pair[1].throughput)
        server = self.base["servers"][self.base["endpoints"][endpoint]["server"]]
        host = self.base["hosts"].get(server.get("host"), {})
        processes = int(server.get("workers", 1))
        cores = min(float(host.get("cores", 1)) if isinstance(host, dict) else 1.0, processes)
        slots = {"gunicorn-sync": processes,
                 "gunicorn-gthread": processes * int(server.get("threads", 1))}.get(server.get("kind", ""), math.inf)
        clients = top_run.concurrency or math.inf
        cpu_bound = top.throughput * unloaded < 0.8 * min(slots, clients)
        cpu = min(cores / top.throughput, unloaded) * (1.0 if cpu_bound else 0.5)
        return cpu, max(unloaded - cpu, 0.05 * unloaded)

    def scenario_dict(self, values: Sequence[float], run: MeasuredRun | None = None) -> dict[str, Any]:
        """The scenario with the fitted values; with ``run``, loaded and run as that run was."""
        data = copy.deepcopy(self.base)
        cv = next((v for u, v in zip(self.unknowns, values) if u.kind == "cv"), None)
        for unknown, value in zip(self.unknowns, values):
            if unknown.kind == "overhead":
                data["servers"][unknown.owner]["framework_overhead"] = _ms(value)
            elif unknown.kind in ("cpu", "io"):
                phase = data["endpoints"][unknown.owner]["phases"][self.phase_index[(unknown.owner, unknown.kind)]]
                phase[unknown.kind] = self._duration(phase[unknown.kind], value, cv)
        if cv is not None:  # phases measured but not fitted vary as much as the fitted ones
            for (endpoint, kind), index in self.phase_index.items():
                if not any(u.kind == kind and u.owner == endpoint for u in self.unknowns):
                    phase = data["endpoints"][endpoint]["phases"][index]
                    phase[kind] = self._duration(phase[kind], None, cv)
        if run is None:
            return data
        workload = {key: value for key, value in data.get("workload", {}).items()
                    if key not in ("open", "closed", "mix")}
        total = sum(o.throughput for o in run.observations)
        if run.concurrency is not None:
            workload["closed"] = {"users": run.concurrency, "think_time": _ms(run.think_time)}
        else:
            workload["open"] = {"rate": run.rate}
        workload["mix"] = {o.endpoint: o.throughput / total for o in run.observations}
        data["workload"] = workload
        duration = max(self.requests / total, 2.0)
        data["run"] = {"duration": duration * 1.1, "warmup": duration * 0.1, "replications": 1,
                       "seed": self.seed}
        return data

    @staticmethod
    def _duration(current: Any, mean: float | None, cv: float | None) -> Any:
        if mean is None:  # keep the mean, change the variability
            if isinstance(current, dict):
                mean_text = current.get("mean", current.get("value"))
            else:
                mean_text = current
            if cv is None:
                return current
            return {"dist": "lognormal", "mean": mean_text, "cv": cv}
        if cv is not None:
            return {"dist": "lognormal", "mean": _ms(mean), "cv": cv}
        if isinstance(current, dict) and "mean" in current:
            return {**current, "mean": _ms(mean)}
        return _ms(mean)

    def simulate(self, values: Sequence[float]) -> list[list[dict[str, float]]]:
        """Per run, per observation: the simulated throughput (req/s) and latency percentiles (s)."""
        predicted = []
        for run in self.runs:
            result = simulate(Scenario.from_dict(self.scenario_dict(values, run)), threads=1)
            by_name = {e["name"]: e for e in result.to_dict()["endpoints"]}
            predicted.append([_stats(by_name[o.endpoint]["throughput"], by_name[o.endpoint]["latency"])
                              for o in run.observations])
        return predicted

    def estimate(self, values: Sequence[float]) -> list[list[dict[str, float]]]:
        """The analytic estimate of each run (runs of one endpoint only)."""
        predicted = []
        for run in self.runs:
            prediction = estimate(Scenario.from_dict(self.scenario_dict(values, run)))
            latency = {"p50": prediction.latency.p50, "p90": prediction.latency.p90,
                       "p99": prediction.latency.p99}
            predicted.append([_stats(prediction.throughput, latency)])
        return predicted


def _stats(throughput: float, latency: Any) -> dict[str, float]:
    def value(key: str) -> float:
        number = latency[key] if isinstance(latency, dict) else getattr(latency, key)
        return math.nan if number is None else float(number)

    return {"throughput": float(throughput), "p50": value("p50"), "p90": value("p90"), "p99": value("p99")}
