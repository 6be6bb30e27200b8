"""The comparison file: deployments x cases x numbers of users, parsed,
validated and turned into scenarios by the C++ core (``servesim::Comparison``).

Times are in seconds unless a name says otherwise.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from servesim import _core
from servesim.scenario import Scenario, _check_utf8, _json_default, _merge

__all__ = ["Comparison"]

PathLike = str | os.PathLike[str]

#: Server kinds whose processes run an event loop (the ASGI servers, gevent).
LOOP_KINDS = ("uvicorn", "hypercorn", "granian", "gunicorn-uvicorn", "gunicorn-gevent")


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class Comparison:
    """Deployments x cases x numbers of users, each an ordinary scenario.

    A comparison file (YAML) has these keys:

    ``name`` (optional)
        A label; default the file name without extension, or ``comparison``.
    ``question`` (optional)
        What the comparison answers, shown in tables and reports.
    ``hosts``
        As in a scenario file: ``{app: {cores: 4}}``.
    ``deployments``
        Name -> server settings, exactly as a scenario's ``servers`` entry
        (``host``, ``kind``, ``workers``, ``framework``, ...).
    ``databases``, ``services`` (optional)
        As in a scenario file, shared by every deployment: each generated
        scenario has them as written, so cases can have ``db``, ``call`` and
        ``cache`` phases. Every deployment's processes get their own
        connection pools for each database, as each Gunicorn or Uvicorn
        worker has its own SQLAlchemy engine.
    ``brokers``, ``task_workers`` (optional)
        As in a scenario file, shared by every deployment, so cases can have
        ``enqueue`` phases (Celery offload); each pool runs on one of the
        comparison's hosts.
    ``cases``
        Name -> endpoint: ``phases`` and optionally ``style`` (no ``server``:
        every case runs on every deployment), and optionally ``connections``:
        connection groups as in a scenario file without ``server``
        (WebSockets, streaming responses), held by whichever deployment runs
        the case beside its HTTP users; a case with connections is judged on
        its messages.
    ``users``
        A number of concurrent users, or a list of them (each >= 1).
    ``think_time`` (optional, default 0)
        A duration or distribution: each user's pause between an answer and
        its next request.
    ``client_timeout`` (optional)
        A duration after which a user gives up on a request.
    ``run`` (optional)
        As in a scenario file: ``duration``, ``warmup``, ``replications``, ``seed``.

    The C++ core reads the file with the scenario's own section parsers, so
    errors carry the comparison's paths, and builds every run's scenario.
    A case becomes an endpoint of each deployment by one rule: only Uvicorn has
    ``async def``, so on other servers ``style`` is dropped, and wherever the
    endpoint runs on a thread (Gunicorn ``sync`` and ``gthread`` workers, or
    ``style: sync`` on Uvicorn) ``blocking_io`` becomes ``io``, since a blocking
    call on a thread of its own is an ordinary wait (in a cache's ``hit`` and
    ``miss`` phases too). On Uvicorn an ``async`` endpoint's ``blocking_io``
    stalls the event loop; on gevent it stalls the cooperative loop (an
    unpatched call). ``db`` and ``call`` phases are kept everywhere: like
    ``io`` they hold the thread where the endpoint runs on one (a blocking
    driver such as psycopg) and are awaited on an event loop (asyncpg, httpx),
    which serves other requests meanwhile. So the difference between the
    servers is how many queries one process has in flight: one on a sync
    worker, up to one per thread on gthread or in Uvicorn's thread pool, up
    to one per request on an event loop; beyond its connection pool's
    ``size + max_overflow`` they wait for a connection.

    Raises
    ------
    ScenarioError
        From every constructor, naming the field: ``deployments.flask.workers:
        must be an integer >= 1, got 0``. Every generated scenario is checked
        when the comparison is built, so a bad file fails before any run.

    Examples
    --------
    >>> comparison = ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml")
    >>> comparison.deployments
    ['flask', 'fastapi']
    >>> scenario = comparison.scenario("flask", "blocking-call", 100)
    """

    __slots__ = ("_core", "_servers", "_source")

    def __init__(self, core: _core.Comparison, source: Mapping[str, Any]) -> None:
        """Wraps a parsed core comparison and the document it was read from;
        prefer :meth:`from_dict` or :meth:`from_yaml`."""
        self._core = core
        self._source = copy.deepcopy(dict(source))
        self._servers: dict[str, dict[str, Any]] = {}

    # -- constructors -----------------------------------------------------------------

    @classmethod
    def from_yaml(cls, path: PathLike) -> Comparison:
        """Loads a comparison file (YAML, or JSON).

        Parameters
        ----------
        path
            The comparison file.

        Raises
        ------
        ScenarioError
            If the file is unreadable, not YAML, or the comparison invalid; for
            a whole-document problem the path is the file name.
        """
        _check_utf8(path)
        name = os.fspath(path)
        core = _core.load_comparison(name)
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
        return cls(core, json.loads(_core.document_to_json(text, name)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Comparison:
        """Builds a comparison from a dict with the layout of a comparison file.

        Durations are numbers of seconds or strings with a unit (``"50ms"``).

        Examples
        --------
        >>> ss.Comparison.from_dict({
        ...     "hosts": {"app": {"cores": 2}},
        ...     "deployments": {"sync": {"kind": "gunicorn-sync", "workers": 5},
        ...                     "async": {"kind": "uvicorn", "workers": 2}},
        ...     "cases": {"db": {"phases": [{"cpu": "1ms"}, {"io": "20ms"}]}},
        ...     "users": [10, 100],
        ... }).runs[:2]
        [('db', 10, 'sync'), ('db', 10, 'async')]
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"Comparison.from_dict expects a mapping, got {type(data).__name__}")
        text = json.dumps(data, default=_json_default)
        return cls(_core.parse_comparison(text), json.loads(text))

    def replace(self, **sections: Any) -> Comparison:
        """A copy with top-level fields updated; mappings merge recursively, key by
        key, other values (``users``, ``think_time``) replace what was there.

        Examples
        --------
        >>> comparison = ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml")
        >>> comparison.replace(users=[100], run={"duration": 30, "replications": 1}).users
        [100]
        """
        merged = _merge(self.to_dict(), sections)
        merged.setdefault("name", self.name)  # a file's name, kept
        return Comparison.from_dict(merged)

    # -- inspection -------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The comparison's name."""
        return str(self._core.name)

    @property
    def question(self) -> str:
        """What the comparison answers; may be empty."""
        return str(self._core.question)

    @property
    def deployments(self) -> list[str]:
        """Deployment names, in file order."""
        return list(self._core.deployments)

    @property
    def cases(self) -> list[str]:
        """Case names, in file order."""
        return list(self._core.cases)

    @property
    def databases(self) -> list[str]:
        """Database names, in file order (empty without ``databases``)."""
        return list(self._core.databases)

    @property
    def services(self) -> list[str]:
        """Downstream service names, in file order (empty without ``services``)."""
        return list(self._core.services)

    @property
    def task_workers(self) -> list[str]:
        """Task pool names, in file order (empty without ``task_workers``)."""
        return list(self._core.task_workers)

    def connection_groups(self, case: str) -> list[str]:
        """A case's connection groups (``cases.<case>.connections``), in file
        order; empty for a case without long-lived connections.

        Examples
        --------
        >>> ss.Comparison.from_yaml("scenarios/flask_vs_fastapi.yaml").connection_groups("chat")
        ['room']
        """
        return list(self._core.connection_groups(case))

    @property
    def users(self) -> list[int]:
        """The numbers of concurrent users, in file order."""
        return list(self._core.users)

    @property
    def runs(self) -> list[tuple[str, int, str]]:
        """Every ``(case, users, deployment)`` to simulate, in table order."""
        return [(case, users, deployment) for case in self.cases for users in self.users
                for deployment in self.deployments]

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the document it was built from (a dict as given, a
        file as the C++ reader read it)."""
        return copy.deepcopy(self._source)

    def scenario(self, deployment: str, case: str, users: int) -> Scenario:
        """The scenario simulated for one deployment, case and number of users.

        Its hosts, databases and services are the comparison's; its one server
        is the deployment, named after it; its one endpoint is the case (adapted
        to the server as the class docstring says), named after it; its workload
        is ``users`` closed-loop users with the comparison's think time and
        client timeout. Built by the C++ core; its ``to_dict()`` has every
        setting explicit.

        Parameters
        ----------
        deployment, case
            Names from :attr:`deployments` and :attr:`cases`.
        users
            Concurrent users, >= 1 (need not be one of :attr:`users`).

        Raises
        ------
        KeyError
            For an unknown deployment or case.
        ScenarioError
            If the number of users is invalid (path ``users``).
        """
        _check_name(self.deployments, deployment, "deployment")
        _check_name(self.cases, case, "case")
        core = self._core.scenario(deployment, case, users)
        core.validate()
        return Scenario(core)

    def server(self, deployment: str) -> dict[str, Any]:
        """A deployment's server settings as the core has them, every one explicit
        (``kind``, ``host``, ``workers``, ...), as in :meth:`Scenario.to_dict`.

        Raises
        ------
        KeyError
            For an unknown deployment.
        """
        _check_name(self.deployments, deployment, "deployment")
        if deployment not in self._servers:
            document = self.scenario(deployment, self.cases[0], self.users[0]).to_dict()
            self._servers[deployment] = {**document["servers"][deployment],
                                         "cores": document["hosts"][document["servers"][deployment]["host"]]["cores"]}
        return copy.deepcopy(self._servers[deployment])

    def kind(self, deployment: str) -> str:
        """The server kind of a deployment (``gunicorn-sync``, ``uvicorn``, ...).

        Raises
        ------
        KeyError
            For an unknown deployment, listing the known ones.
        """
        return str(self.server(deployment)["kind"])

    def host_of(self, deployment: str) -> str:
        """The host a deployment runs on (its ``host``, or the only host)."""
        return str(self.server(deployment)["host"])

    def service_capacity(self, service: str) -> int | None:
        """A service's ``concurrency`` cap, or None when it has none (an infinite-server delay)."""
        document = self.scenario(self.deployments[0], self.cases[0], self.users[0]).to_dict()
        concurrency = document["services"][service].get("concurrency")
        return None if concurrency is None else int(concurrency)

    def describe(self, deployment: str) -> str:
        """A one-line description: ``gunicorn-sync, 9 workers, flask on app (4 cores)``."""
        server = self.server(deployment)
        parts = [str(server["kind"]), _plural(int(server["workers"]), "worker")]
        if "threads" in server:
            parts.append(f"{_plural(int(server['threads']), 'thread')} each")
        # The core keeps a preset's overheads, not its name: the name as written
        # (flask when left out, the parser's default).
        written = (self._source.get("deployments") or {}).get(deployment) or {}
        parts.append(str(written.get("framework", "flask")))
        cores = int(server["cores"])
        return f"{', '.join(parts)} on {server['host']} ({cores} core{'s' if cores != 1 else ''})"

    def __repr__(self) -> str:
        return (f"Comparison(name={self.name!r}, deployments={self.deployments!r}, "
                f"cases={self.cases!r}, users={self.users!r})")


def _check_name(known: list[str], name: str, kind: str) -> None:
    if name not in known:
        raise KeyError(f"no {kind} named {name!r} (known: {', '.join(known)})")


def load_file(path: PathLike) -> Scenario | Comparison:
    """A scenario or a comparison file, whichever ``path`` holds: a comparison
    has ``deployments`` or ``cases``, a scenario ``servers`` and ``endpoints``.

    Raises
    ------
    ScenarioError
        As :meth:`Scenario.from_yaml` or :meth:`Comparison.from_yaml`; a file
        that cannot be read as YAML is reported as a scenario file.

    Examples
    --------
    >>> type(load_file("scenarios/flask_vs_fastapi.yaml")).__name__
    'Comparison'
    """
    name = os.fspath(path)
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
        document = json.loads(_core.document_to_json(text, name))
    except (OSError, _core.ScenarioError):
        return Scenario.from_yaml(path)  # its own message for what cannot be read
    if isinstance(document, dict) and ("deployments" in document or "cases" in document):
        return Comparison.from_yaml(path)
    return Scenario.from_yaml(path)
