"""Scenarios: loading, validating and inspecting the model of a deployment under load."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from servesim import _core
from servesim._plain import scenario_json

__all__ = ["Scenario"]

PathLike = str | os.PathLike[str]


def _json_default(value: Any) -> Any:
    """Lets numpy scalars and paths through json.dumps; anything else is a TypeError
    (servesim.sweep's point keys; Scenario.from_dict converts with _plain.scenario_json)."""
    if hasattr(value, "item") and callable(value.item):  # numpy scalar
        return value.item()
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"scenario values must be JSON-like, got {type(value).__name__}: {value!r}")


def _check_utf8(path: PathLike) -> None:
    """Refuses a file that is not UTF-8 (Latin-1, say) with where it goes wrong: the C++
    reader takes bytes as they are, and names read from them could not become Python text."""
    file = Path(path)
    if not file.is_file():
        return  # missing, a folder, a device: the C++ loader says what is wrong
    try:
        data = file.read_bytes()
    except OSError:
        return
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - data.rfind(b"\n", 0, error.start)
        detail = (f"not valid UTF-8 at line {line}, column {column} (byte 0x{data[error.start]:02x}); "
                  "save the file as UTF-8")
        raised = _core.ScenarioError(f"{os.fspath(path)}: {detail}")
        raised.path = os.fspath(path)
        raised.detail = detail
        raise raised from None


class Scenario:
    """A validated model of a deployment under load: hosts, servers, endpoints,
    workload and run settings.

    Parsing and validation happen in the C++ core, so files, dicts and C++ users
    get the same checks and messages. Create one with :meth:`from_yaml`,
    :meth:`from_json`, :meth:`from_dict` or :meth:`from_text`.

    Raises
    ------
    ScenarioError
        From every constructor, naming the dotted path of the bad field, e.g.
        ``servers.web.workers: must be an integer >= 1, got 0``.

    Examples
    --------
    >>> import servesim as ss
    >>> scenario = ss.Scenario.from_yaml("scenarios/two-sync-workers.yaml")
    >>> scenario.name
    'two-sync-workers'
    """

    __slots__ = ("_core", "_source")

    def __init__(self, core: _core.Scenario, *, source: Mapping[str, Any] | None = None) -> None:
        """Wraps a parsed core scenario; prefer the ``from_*`` constructors.

        ``source``: the document it was read from (see :meth:`to_dict`); without
        one, ``to_dict()`` gives the C++ writer's explicit form."""
        self._core = core
        self._source = copy.deepcopy(dict(source)) if source is not None else None

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: PathLike) -> Scenario:
        """Loads a scenario file (YAML, or JSON which is a subset of it).

        Parameters
        ----------
        path
            The scenario file.

        Raises
        ------
        ScenarioError
            If the file is unreadable or the scenario invalid.
        """
        _check_utf8(path)
        name = os.fspath(path)
        core = _core.load_scenario(name)
        # For to_dict(): the same bytes as the C++ loader read, as the C++ reader reads them.
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
        return cls(core, source=json.loads(_core.document_to_json(text, name)))

    @classmethod
    def from_json(cls, path: PathLike) -> Scenario:
        """Loads a JSON scenario file; the same as :meth:`from_yaml`."""
        return cls.from_yaml(path)

    @classmethod
    def from_text(cls, text: str, origin: str = "") -> Scenario:
        """Parses a scenario from YAML or JSON text.

        Parameters
        ----------
        text
            The document.
        origin
            A name for the document in error messages (a file name), may be empty.
        """
        core = _core.parse_scenario(text, origin)
        return cls(core, source=json.loads(_core.document_to_json(text, origin)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Builds a scenario from a dict with the layout of a scenario file.

        Durations are numbers of seconds or strings with a unit (``"5ms"``);
        rates are in requests per second.

        Examples
        --------
        >>> ss.Scenario.from_dict({
        ...     "hosts": {"app": {"cores": 2}},
        ...     "servers": {"web": {"host": "app", "kind": "gunicorn-sync", "workers": 2}},
        ...     "endpoints": {"work": {"server": "web",
        ...                            "phases": [{"cpu": {"dist": "exponential", "mean": "10ms"}}]}},
        ...     "workload": {"open": {"rate": 100}},
        ... }).name
        'scenario'
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"Scenario.from_dict expects a mapping, got {type(data).__name__}")
        return cls(_core.parse_scenario(scenario_json(data)), source=data)

    # -- inspection -------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self._core.name

    @property
    def hosts(self) -> list[str]:
        """Host names, in file order."""
        return self._core.hosts

    @property
    def servers(self) -> list[str]:
        """Server names, in file order."""
        return self._core.servers

    @property
    def endpoints(self) -> list[str]:
        """Endpoint names, in file order."""
        return self._core.endpoints

    @property
    def databases(self) -> list[str]:
        """Database names, in file order (empty without a ``databases`` section)."""
        return self._core.databases

    @property
    def services(self) -> list[str]:
        """Downstream service names, in file order (empty without a ``services`` section)."""
        return self._core.services

    @property
    def duration(self) -> float:
        """Simulated seconds per replication."""
        return self._core.duration

    @property
    def warmup(self) -> float | Literal["auto"]:
        """Seconds discarded at the start of each replication, or ``"auto"`` when
        MSER-5 chooses the warm-up per replication (see ``Result.to_frame()["warmup_s"]``)."""
        return self._core.warmup

    @property
    def replications(self) -> int:
        """Independent replications a simulation runs by default."""
        return self._core.replications

    @property
    def seed(self) -> int:
        """The default random seed."""
        return self._core.seed

    @property
    def uncertain(self) -> list[dict[str, Any]]:
        """The fields the file gives as ranges ``{low, mid, high, confidence}``, as
        ``{"path", "low", "mid", "high", "confidence"}`` dicts in file order (durations
        in seconds). The scenario itself holds each at its ``mid``; :func:`plan` and
        :func:`find_saturation` sample them (docs/planning.md#plans-under-uncertainty)."""
        return list(self._core.uncertain)

    @property
    def core(self) -> _core.Scenario:
        """The compiled scenario, as passed to the engines."""
        return self._core

    def to_dict(self) -> dict[str, Any]:
        """The scenario as data, read by the C++ parser: the document it was built
        from (a dict as given; a file or text as the C++ reader read it, not
        PyYAML), or, for a scenario built in C++ (a comparison's run), the
        scenario format with every setting explicit, times in seconds.

        Durations keep the form they were written in (``"5ms"`` or seconds), so
        ``Scenario.from_dict(s.to_dict())`` rebuilds the same scenario.

        Examples
        --------
        >>> ss.Scenario.from_yaml("scenarios/two-sync-workers.yaml").to_dict()["servers"]["web"]["workers"]
        2
        """
        if self._source is not None:
            return copy.deepcopy(self._source)
        data: dict[str, Any] = json.loads(self._core.to_json())
        return data

    def replace(self, **sections: Mapping[str, Any] | Any) -> Scenario:
        """A copy with sections updated: mappings merge recursively, key by key,
        so only the fields named change; other values replace what was there.

        Examples
        --------
        >>> short = scenario.replace(run={"duration": 300, "replications": 2})
        >>> more_workers = scenario.replace(servers={"web": {"workers": 8}})
        """
        return Scenario.from_dict(_merge(self.to_dict(), sections))

    def __repr__(self) -> str:
        return (f"Scenario(name={self.name!r}, servers={self.servers!r}, "
                f"endpoints={self.endpoints!r}, duration={self.duration:g}s)")


def _merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` merged in: nested mappings recursively, other values replaced."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
