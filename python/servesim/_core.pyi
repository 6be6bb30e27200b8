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
    def validate(self) -> None:
        """Raises ScenarioError naming the first bad field."""

def parse_scenario(text: str, origin: str = "") -> Scenario:
    """Parses and validates a scenario from YAML or JSON text."""

def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Reads, parses and validates a scenario file."""

def simulate(
    scenario: Scenario,
    threads: int = 0,
    seed: int | None = None,
    replications: int | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> dict[str, Any]:
    """Runs the native engine (GIL released); returns the JSON result as a dict.

    ``on_progress`` gets the fraction done in (0, 1]; an exception from it, or
    Ctrl-C, cancels the run."""
