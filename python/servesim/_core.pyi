"""Type stubs for the compiled core, servesim._core (hand-written; see python/src)."""

import os
from collections.abc import Callable
from typing import Any, Literal

class Error(Exception):
    """Base of every error servesim raises on purpose."""

class ScenarioError(Error):
    """A scenario field is missing, of the wrong type or out of range.

    ``str(e)`` reads ``<path>: <detail>``.
    """

    path: str
    """Dotted path of the bad field, e.g. ``servers.web.workers``; may be empty."""
    detail: str
    """The message without the path."""

class UnstableSystemError(Error):
    """A steady-state answer was asked of a system that has none."""

class NotApplicableError(Error):
    """No analytic model covers this scenario; the message names the field."""

class EngineError(Error):
    """An engine failed for a reason that is not the scenario's fault."""

class Scenario:
    """A parsed and validated scenario (read-only)."""

    @property
    def name(self) -> str: ...
    @property
    def hosts(self) -> list[str]:
        """Host names, in file order."""
    @property
    def servers(self) -> list[str]:
        """Server names, in file order."""
    @property
    def endpoints(self) -> list[str]:
        """Endpoint names, in file order."""
    @property
    def databases(self) -> list[str]:
        """Database names, in file order."""
    @property
    def services(self) -> list[str]:
        """Downstream service names, in file order."""
    @property
    def duration(self) -> float:
        """Simulated seconds per replication."""
    @property
    def warmup(self) -> float | Literal["auto"]:
        """Seconds discarded at the start of each replication."""
    @property
    def replications(self) -> int: ...
    @property
    def seed(self) -> int: ...
    def to_json(self) -> str:
        """The scenario as JSON in the scenario format, every setting explicit (the C++ writer)."""
    def validate(self) -> None:
        """Raises ScenarioError naming the first bad field."""

def parse_scenario(text: str, origin: str = "") -> Scenario:
    """Parses and validates a scenario from YAML or JSON text."""

def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Reads, parses and validates a scenario file."""

def document_to_json(text: str, origin: str = "") -> str:
    """A YAML or JSON document as JSON text, read as the C++ parsers read it."""

class Comparison:
    """A parsed and validated comparison (read-only)."""

    @property
    def name(self) -> str: ...
    @property
    def question(self) -> str: ...
    @property
    def hosts(self) -> list[str]: ...
    @property
    def deployments(self) -> list[str]: ...
    @property
    def databases(self) -> list[str]: ...
    @property
    def services(self) -> list[str]: ...
    @property
    def cases(self) -> list[str]: ...
    @property
    def users(self) -> list[int]: ...
    def scenario(self, deployment: str, case: str, users: int) -> Scenario:
        """The scenario of one deployment, case and number of users."""

def parse_comparison(text: str, origin: str = "") -> Comparison:
    """Parses and validates a comparison from YAML or JSON text."""

def load_comparison(path: str | os.PathLike[str]) -> Comparison:
    """Reads, parses and validates a comparison file."""

def simulate(
    scenario: Scenario,
    threads: int = 0,
    seed: int | None = None,
    replications: int | None = None,
    on_progress: Callable[[float], None] | None = None,
    engine: str = "native",
    process_timeout: float = 0.0,
) -> dict[str, Any]:
    """Runs ``engine`` ('native' or 'simgrid'; GIL released); returns the JSON
    result as a dict.

    ``on_progress`` gets the fraction done in (0, 1]; an exception from it, or
    Ctrl-C, cancels the run. ``process_timeout``: 'simgrid' only, wall-clock
    seconds per replication's process, 0 = no limit."""

def engine_available(engine: str) -> bool:
    """Whether ``engine`` ('native' or 'simgrid') can run here."""

Station = tuple[str, str, float, int]
"""(name, kind 'queue' | 'delay' | 'multi_server', demand s, servers)."""
UserClass = tuple[str, int, float, list[float]]
"""(name, users, think time s, demands s per station)."""

class _Analytic:
    """The submodule servesim._core.analytic: queueing models (see servesim.analytic).
    Times in seconds, rates per second; structs come back as dicts."""

    @staticmethod
    def erlang_b(servers: int, offered_load: float) -> float: ...
    @staticmethod
    def erlang_c(servers: int, offered_load: float) -> float: ...
    @staticmethod
    def mmc(arrival_rate: float, service_rate: float, servers: int) -> dict[str, float]: ...
    @staticmethod
    def mmc_wait_quantile(arrival_rate: float, service_rate: float, servers: int, p: float) -> float: ...
    @staticmethod
    def mmc_response_quantile(arrival_rate: float, service_rate: float, servers: int,
                              p: float) -> float: ...
    @staticmethod
    def mmc_response_exceedance(arrival_rate: float, service_rate: float, servers: int,
                                response: float) -> float: ...
    @staticmethod
    def mmc_servers_for_mean_wait(arrival_rate: float, service_rate: float,
                                  max_mean_wait: float) -> int: ...
    @staticmethod
    def mmc_servers_for_wait_probability(arrival_rate: float, service_rate: float,
                                         max_wait_probability: float) -> int: ...
    @staticmethod
    def mmc_servers_for_response_quantile(arrival_rate: float, service_rate: float, p: float,
                                          max_response: float) -> int: ...
    @staticmethod
    def mmck(arrival_rate: float, service_rate: float, servers: int, capacity: int) -> dict[str, float]: ...
    @staticmethod
    def mmck_ctmc(arrival_rate: float, service_rate: float, servers: int,
                  capacity: int) -> dict[str, float]: ...
    @staticmethod
    def mmcn(users: int, think_time: float, service_rate: float, servers: int) -> dict[str, float]: ...
    @staticmethod
    def mg1_mean_response(arrival_rate: float, mean_service: float, service_scv: float) -> float: ...
    @staticmethod
    def mg1_ps_mean_response(arrival_rate: float, mean_work: float) -> float: ...
    @staticmethod
    def mgc_ps_mean_response(arrival_rate: float, mean_work: float, cores: int) -> float: ...
    @staticmethod
    def ggc(arrival_rate: float, arrival_scv: float, mean_service: float, service_scv: float,
            servers: int, method: str) -> dict[str, float]: ...
    @staticmethod
    def mva(stations: list[Station], users: int, think_time: float, method: str) -> dict[str, Any]: ...
    @staticmethod
    def mva_curve(stations: list[Station], users: int, think_time: float) -> list[dict[str, Any]]: ...
    @staticmethod
    def mva_multiclass(stations: list[Station], classes: list[UserClass],
                       method: str) -> dict[str, Any]: ...
    @staticmethod
    def closed_network_bounds(stations: list[Station], users: int,
                              think_time: float) -> dict[str, float]: ...
    @staticmethod
    def usl_fit(concurrency: list[float], throughput: list[float], amdahl: bool) -> dict[str, float]: ...
    @staticmethod
    def usl_throughput(concurrency: float, sigma: float, kappa: float, lambda_: float) -> float: ...
    @staticmethod
    def estimate(scenario: Scenario) -> dict[str, Any]:
        """servesim::estimate as a dict (see servesim.estimation)."""

analytic: _Analytic
