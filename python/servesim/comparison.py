"""Comparisons: the same endpoints on several deployments, at several numbers of
users, and a verdict on claims such as "FastAPI is 3-10x faster than Flask".

A comparison file names hosts, deployments (one server each), cases (one
endpoint each), user counts and run settings; every deployment x case x users
combination becomes an ordinary scenario (:meth:`Comparison.scenario`) with a
closed workload, simulated by :func:`compare`.

Times are in seconds and rates in requests per second unless a name says
otherwise (tables print milliseconds).
"""

from __future__ import annotations

import concurrent.futures
import copy
import difflib
import math
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servesim import _core
from servesim._core import ScenarioError
from servesim.result import Result
from servesim.scenario import Scenario, _merge
from servesim.simulation import simulate

if TYPE_CHECKING:  # pandas is imported lazily, as in result.py
    import pandas as pd

__all__ = ["Comparison", "ComparisonResult", "compare"]

PathLike = str | os.PathLike[str]

#: A resource busier than this (a fraction of its capacity) counts as saturated.
SATURATION_THRESHOLD = 0.95
#: More errors than this fraction of requests also counts as saturated.
ERROR_RATE_THRESHOLD = 0.01

_TOP_LEVEL_KEYS = ("name", "question", "hosts", "deployments", "databases", "services", "cases",
                   "users", "think_time", "client_timeout", "run")
_CASE_KEYS = ("style", "phases")
_LOOP_KINDS = ("uvicorn", "gunicorn-gevent")
_ERROR_KINDS = ("refused", "client_timeout", "unavailable", "worker_killed")
# Errors that only phases reaching a dependency raise: a column each when the
# comparison has that kind of dependency.
_DATABASE_ERROR = "pool_timeout"
_SERVICE_ERROR = "downstream"
# Saturated resources shared through the comparison's databases and services
# (see _saturated_resource): the verdicts name them.
_DEPENDENCY_RESOURCES = ("database ", "pool ", "service ")


def _scenario_error(path: str, detail: str) -> ScenarioError:
    """A ScenarioError shaped like the C++ parser's: ``<path>: <detail>``."""
    error = ScenarioError(f"{path}: {detail}" if path else detail)
    error.path = path
    error.detail = detail
    return error


def _did_you_mean(word: str, known: Sequence[str]) -> str:
    match = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else f" (known: {', '.join(known)})"


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _expect_mapping(value: Any, path: str, shape: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _scenario_error(path, f"must be {shape}, got {_describe(value)}")
    return value


def _named_entries(data: Mapping[str, Any], key: str, shape: str) -> dict[str, Any]:
    """A required, non-empty map of names to settings (``None`` settings mean defaults)."""
    if key not in data:
        raise _scenario_error(key, "required field is missing")
    entries = _expect_mapping(data[key], key, f"a map of names to settings, like {shape}")
    if not entries:
        raise _scenario_error(key, "must name at least one entry")
    for name, settings in entries.items():
        if settings is not None:
            _expect_mapping(settings, f"{key}.{name}", f"a map like {shape}")
    return {str(name): dict(settings or {}) for name, settings in entries.items()}


def _parse_users(value: Any) -> tuple[int, ...]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise _scenario_error("users", "must list at least one number of users")
    users: list[int] = []
    for index, item in enumerate(items):
        path = f"users[{index}]" if isinstance(value, list) else "users"
        if isinstance(item, bool) or not isinstance(item, int) or item < 1:
            raise _scenario_error(path, f"must be an integer >= 1, got {item!r}")
        if item in users:
            raise _scenario_error(path, f"{item} is listed twice")
        users.append(item)
    return tuple(users)


def _server_kind(settings: Mapping[str, Any]) -> str:
    return str(settings.get("kind", "gunicorn-sync"))


def _adapt_phases(phases: Any, on_thread: bool) -> Any:
    """``phases`` with ``blocking_io`` turned into ``io`` when ``on_thread``, also
    inside a cache's ``hit`` and ``miss`` lists; anything malformed is left for
    the core to reject with its path."""
    if not isinstance(phases, list):
        return phases
    adapted = []
    for phase in phases:
        if isinstance(phase, Mapping) and len(phase) == 1:
            ((kind, value),) = phase.items()
            if kind == "blocking_io" and on_thread:
                phase = {"io": value}
            elif kind == "cache" and isinstance(value, Mapping):
                phase = {"cache": {key: _adapt_phases(branch, on_thread) if key in ("hit", "miss") else branch
                                   for key, branch in value.items()}}
        adapted.append(phase)
    return adapted


def _adapt_case(case: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """The case as an endpoint of a server of ``kind``.

    Only Uvicorn has ``async def`` endpoints, so elsewhere ``style`` is dropped
    (Gunicorn's sync and gthread workers and gevent run every endpoint as plain
    ``def``). Where the endpoint runs on a thread (no event loop, or a ``def``
    endpoint in Uvicorn's thread pool) a blocking call blocks that thread
    alone, which is what an ``io`` phase is, so ``blocking_io`` becomes ``io``,
    in a cache's branches too. gevent keeps it: an unpatched blocking call
    stalls its loop. ``db`` and ``call`` phases stay as they are: the engine
    already runs them as the server would (awaited on a loop, the thread
    held elsewhere), like ``io``.
    """
    endpoint = {key: copy.deepcopy(value) for key, value in case.items()
                if key != "style" or kind == "uvicorn"}
    on_thread = kind not in _LOOP_KINDS or (kind == "uvicorn" and case.get("style") == "sync")
    if "phases" in endpoint:
        endpoint["phases"] = _adapt_phases(endpoint["phases"], on_thread)
    return endpoint


def _starts(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith((prefix + ".", prefix + "["))


def _repath(error: ScenarioError, deployment: str, case: str, users_path: str) -> ScenarioError:
    """A core error on a generated scenario, with the path of the comparison
    field it came from (``servers.flask.workers`` -> ``deployments.flask.workers``)."""
    path = str(error.path)
    renames = ((f"servers.{deployment}", f"deployments.{deployment}"),
               (f"endpoints.{case}", f"cases.{case}"),
               ("workload.closed.users", users_path),
               ("workload.closed.think_time", "think_time"),
               ("workload.client_timeout", "client_timeout"))
    for old, new in renames:
        if _starts(path, old):
            return _scenario_error(new + path[len(old):], str(error.detail))
    return _scenario_error(path, str(error.detail or error))


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
    ``cases``
        Name -> endpoint: ``phases`` and optionally ``style`` (no ``server``:
        every case runs on every deployment).
    ``users``
        A number of concurrent users, or a list of them (each >= 1).
    ``think_time`` (optional, default 0)
        A duration or distribution: each user's pause between an answer and
        its next request.
    ``client_timeout`` (optional)
        A duration after which a user gives up on a request.
    ``run`` (optional)
        As in a scenario file: ``duration``, ``warmup``, ``replications``, ``seed``.

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

    __slots__ = ("_cases", "_data", "_deployments", "_name", "_users")

    def __init__(self, data: Mapping[str, Any], *, default_name: str = "comparison") -> None:
        """Validates a comparison dict; prefer :meth:`from_dict` or :meth:`from_yaml`."""
        data = _expect_mapping(data, "", "a map with hosts, deployments, cases and users")
        for key in data:
            if key not in _TOP_LEVEL_KEYS:
                raise _scenario_error(str(key), "unknown key" + _did_you_mean(str(key), _TOP_LEVEL_KEYS))
        self._data = copy.deepcopy(dict(data))
        name = data.get("name", default_name)
        if not isinstance(name, str) or not name:
            raise _scenario_error("name", f"must be a non-empty string, got {name!r}")
        self._name = name
        question = data.get("question", "")
        if not isinstance(question, str):
            raise _scenario_error("question", f"must be a string, got {_describe(question)}")
        if "hosts" not in data:
            raise _scenario_error("hosts", "required field is missing")
        self._deployments = _named_entries(data, "deployments", "{host: app, kind: uvicorn, workers: 4}")
        self._cases = _named_entries(data, "cases", "{phases: [{cpu: 1ms}, {io: 50ms}]}")
        for case, settings in self._cases.items():
            for key in settings:
                if key == "server":
                    raise _scenario_error(f"cases.{case}.server",
                                          "a case runs on every deployment; remove 'server'")
                if key not in _CASE_KEYS:
                    raise _scenario_error(f"cases.{case}.{key}",
                                          "unknown key" + _did_you_mean(str(key), _CASE_KEYS))
            style = settings.get("style")
            if style is not None and style not in ("sync", "async"):
                raise _scenario_error(f"cases.{case}.style",
                                      f"must be 'sync' (a plain def) or 'async' (an async def), got {style!r}")
        if "users" not in data:
            raise _scenario_error("users", "required field is missing")
        self._users = _parse_users(data["users"])
        # Every combination through the core's checks now, not halfway through a run.
        for deployment in self._deployments:
            for case in self._cases:
                for users in self._users:
                    self.scenario(deployment, case, users)

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
        import yaml

        name = os.fspath(path)
        file = Path(path)
        if not file.exists():
            raise _scenario_error(name, "no such file")
        if file.is_dir():
            raise _scenario_error(name, "is a directory, not a comparison file")
        try:
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
        except OSError as error:
            raise _scenario_error(name, f"cannot read the file: {error.strerror}") from None
        except (yaml.YAMLError, UnicodeDecodeError) as error:
            raise _scenario_error(name, f"not valid YAML: {' '.join(str(error).split())}") from None
        if not isinstance(data, Mapping):
            raise _scenario_error(name, "a comparison must be a map with hosts, deployments, cases "
                                        f"and users, got {_describe(data)}")
        return cls(data, default_name=file.stem or "comparison")

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
        return cls(data)

    def replace(self, **sections: Any) -> Comparison:
        """A copy with top-level fields updated; mappings merge recursively, key by
        key, other values (``users``, ``think_time``) replace what was there.

        Examples
        --------
        >>> quick = comparison.replace(users=[100], run={"duration": 30, "replications": 1})
        """
        return Comparison(_merge(self.to_dict(), sections), default_name=self._name)

    # -- inspection -------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The comparison's name."""
        return self._name

    @property
    def question(self) -> str:
        """What the comparison answers; may be empty."""
        return str(self._data.get("question", ""))

    @property
    def deployments(self) -> list[str]:
        """Deployment names, in file order."""
        return list(self._deployments)

    @property
    def cases(self) -> list[str]:
        """Case names, in file order."""
        return list(self._cases)

    @property
    def databases(self) -> list[str]:
        """Database names, in file order (empty without ``databases``)."""
        return [str(name) for name in self._data.get("databases") or {}]

    @property
    def services(self) -> list[str]:
        """Downstream service names, in file order (empty without ``services``)."""
        return [str(name) for name in self._data.get("services") or {}]

    @property
    def users(self) -> list[int]:
        """The numbers of concurrent users, in file order."""
        return list(self._users)

    @property
    def runs(self) -> list[tuple[str, int, str]]:
        """Every ``(case, users, deployment)`` to simulate, in table order."""
        return [(case, users, deployment) for case in self._cases for users in self._users
                for deployment in self._deployments]

    def kind(self, deployment: str) -> str:
        """The server kind of a deployment (``gunicorn-sync``, ``uvicorn``, ...).

        Raises
        ------
        KeyError
            For an unknown deployment, listing the known ones.
        """
        return _server_kind(self._lookup(self._deployments, deployment, "deployment"))

    def to_dict(self) -> dict[str, Any]:
        """The comparison as the dict it was built from."""
        return copy.deepcopy(self._data)

    def scenario(self, deployment: str, case: str, users: int) -> Scenario:
        """The scenario simulated for one deployment, case and number of users.

        Its hosts, databases and services are the comparison's; its one server
        is the deployment, named after it; its one endpoint is the case (adapted
        to the server as the class docstring says), named after it; its workload
        is ``users`` closed-loop users with the comparison's think time and
        client timeout.

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
            If the combination is invalid, with the comparison field's path.
        """
        server = self._lookup(self._deployments, deployment, "deployment")
        endpoint = _adapt_case(self._lookup(self._cases, case, "case"), _server_kind(server))
        endpoint["server"] = deployment
        closed: dict[str, Any] = {"users": users}
        if "think_time" in self._data:
            closed["think_time"] = self._data["think_time"]
        workload: dict[str, Any] = {"closed": closed}
        if "client_timeout" in self._data:
            workload["client_timeout"] = self._data["client_timeout"]
        document: dict[str, Any] = {
            "name": f"{self._name}: {deployment}, {case}, {users} users",
            "hosts": self._data["hosts"],
            "servers": {deployment: server},
            "endpoints": {case: endpoint},
            "workload": workload,
        }
        for section in ("databases", "services"):
            if section in self._data:
                document[section] = self._data[section]
        if "run" in self._data:
            document["run"] = self._data["run"]
        users_path = f"users[{self._users.index(users)}]" if (
            isinstance(self._data.get("users"), list) and users in self._users) else "users"
        try:
            return Scenario.from_dict(document)
        except ScenarioError as error:
            raise _repath(error, deployment, case, users_path) from None

    def _host_of(self, deployment: str) -> str:
        """The host a deployment runs on (its ``host``, or the only host)."""
        settings = self._lookup(self._deployments, deployment, "deployment")
        if "host" in settings:
            return str(settings["host"])
        return str(next(iter(self._data["hosts"])))

    def describe(self, deployment: str) -> str:
        """A one-line description: ``gunicorn-sync, 9 workers, flask on app (4 cores)``."""
        settings = self._lookup(self._deployments, deployment, "deployment")
        parts = [_server_kind(settings), _plural(int(settings.get("workers", 1)), "worker")]
        if "threads" in settings:
            parts.append(f"{settings['threads']} threads each")
        parts.append(str(settings.get("framework", "flask")))
        host = self._host_of(deployment)
        cores = (self._data["hosts"].get(host) or {}).get("cores", 1)
        return f"{', '.join(parts)} on {host} ({cores} core{'s' if cores != 1 else ''})"

    @staticmethod
    def _lookup(entries: Mapping[str, dict[str, Any]], name: str, kind: str) -> dict[str, Any]:
        try:
            return entries[name]
        except KeyError:
            raise KeyError(f"no {kind} named {name!r} (known: {', '.join(entries)})") from None

    def __repr__(self) -> str:
        return (f"Comparison(name={self._name!r}, deployments={self.deployments!r}, "
                f"cases={self.cases!r}, users={self.users!r})")


class _Cancelled(Exception):
    """Raised from a run's progress callback to stop it when another run failed."""


def compare(comparison: Comparison, *, threads: int | None = None,
            progress: bool = False) -> ComparisonResult:
    """Simulates every deployment x case x users of a comparison.

    Runs are independent simulations; ``threads`` of them run at once, each on
    one thread with the GIL released. Every run uses the comparison's seed, so
    the same comparison gives the same result on any number of threads.

    Parameters
    ----------
    comparison
        What to simulate.
    threads
        Simulations run at the same time, >= 1; ``None``: one per hardware thread.
    progress
        ``True`` shows a progress bar over the runs (tqdm; in notebooks a widget).

    Returns
    -------
    ComparisonResult
        One row per case x users x deployment in :attr:`ComparisonResult.frame`.

    Raises
    ------
    ValueError, TypeError
        For a bad ``threads``.
    KeyboardInterrupt
        On Ctrl-C, after the runs in progress have stopped.

    Examples
    --------
    >>> result = ss.compare(comparison, threads=2)
    >>> print(result.table())
    flask-vs-fastapi: Is "FastAPI is 3-10x faster than Flask" true for these endpoints?
    ...
    """
    if threads is None:
        threads = os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, got {type(threads).__name__}: {threads!r}")
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    runs = comparison.runs
    scenarios = {run: comparison.scenario(run[2], run[0], run[1]) for run in runs}
    cancelled = threading.Event()

    def stop_if_cancelled(_fraction: float) -> None:
        if cancelled.is_set():
            raise _Cancelled

    def one(run: tuple[str, int, str]) -> Result:
        return simulate(scenarios[run], threads=1, progress=stop_if_cancelled)

    results: dict[tuple[str, int, str], Result] = {}
    with _progress_bar(progress, len(runs), comparison.name) as advance, \
            concurrent.futures.ThreadPoolExecutor(max_workers=min(threads, len(runs))) as pool:
        futures = {pool.submit(one, run): run for run in runs}
        try:
            for future in concurrent.futures.as_completed(futures):
                results[futures[future]] = future.result()
                advance()
        except BaseException:
            cancelled.set()
            _core.cancel_simulations()  # the runs in progress stop within 50 ms, not at their next tick
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return ComparisonResult(comparison, {run: results[run] for run in runs})


@contextmanager
def _progress_bar(show: bool, total: int, label: str) -> Iterator[Callable[[], None]]:
    """Yields ``advance()``, which moves a tqdm bar over the runs by one; a no-op without progress."""
    if not isinstance(show, bool):
        raise TypeError(f"progress must be a bool, got {type(show).__name__}")
    if not show:
        yield lambda: None
        return
    from tqdm.auto import tqdm

    with tqdm(total=total, desc=label, unit="run") as bar:
        yield lambda: bar.update(1)


def _saturated_resource(kind: str, cpu: float, workers: float, gil: float, refused: int,
                        dependencies: Mapping[str, float] | None = None) -> str:
    """The resource that limits a run, or ``''`` when none is busier than the threshold.

    Cores first (nothing helps but more of them); then the databases,
    connection pools and services, in ``dependencies`` order (resource label ->
    busy fraction): a worker thread held by a query, or a request waiting for
    a connection, is busy because of the dependency, so a saturated
    dependency is the cause and busy workers the symptom. Then the event loop
    of a loop server, the GIL (threads of one process waiting for it), worker
    threads; a backlog that turned connections away with nothing else
    saturated last (a burst that filled it).
    """
    if cpu >= SATURATION_THRESHOLD:
        return "cpu"
    for resource, busy in (dependencies or {}).items():
        if busy >= SATURATION_THRESHOLD:
            return resource
    if workers >= SATURATION_THRESHOLD and kind in _LOOP_KINDS:
        return "event loop"
    if gil >= SATURATION_THRESHOLD:
        return "GIL"
    if workers >= SATURATION_THRESHOLD:
        return "workers"
    if refused > 0:
        return "backlog"
    return ""


def _service_capacity(comparison: Comparison, service: str) -> int | None:
    """A service's ``concurrency`` cap, or None when it has none (an infinite-server delay)."""
    settings = (comparison._data.get("services") or {}).get(service) or {}
    concurrency = settings.get("concurrency")
    return None if concurrency is None else int(concurrency)


def _dependency_columns(comparison: Comparison, result: Result) -> tuple[dict[str, Any], dict[str, float]]:
    """The frame's columns for the comparison's databases and services, and the
    busy fraction of each dependency resource, labelled as ``saturated`` names
    them, for :func:`_saturated_resource`.

    A pool counts as busy in the share of checkouts that had to wait for a
    connection: with arrivals that see the time average, that is the share of
    time the pool had none left. A service without a concurrency cap never
    saturates.
    """
    columns: dict[str, Any] = {}
    databases_busy: dict[str, float] = {}
    pools_busy: dict[str, float] = {}
    services_busy: dict[str, float] = {}
    if comparison.databases:
        databases = result.databases_frame().set_index("database")
        for name in comparison.databases:
            row = databases.loc[name] if name in databases.index else None
            utilization = float(row["utilization"]) if row is not None else 0.0
            waited = float(row["pool_wait_fraction"]) if row is not None else 0.0
            columns[f"database_busy_{name}"] = utilization
            columns[f"pool_waited_{name}"] = waited
            columns[f"mean_pool_wait_s_{name}"] = float(row["mean_pool_wait_s"]) if row is not None else 0.0
            databases_busy[f"database {name}"] = utilization
            pools_busy[f"pool {name}"] = waited
    if comparison.services:
        services = result.services_frame().set_index("service")
        for name in comparison.services:
            in_use = float(services.loc[name, "mean_in_use"]) if name in services.index else 0.0
            capacity = _service_capacity(comparison, name)
            columns[f"service_in_use_{name}"] = in_use
            columns[f"service_busy_{name}"] = math.nan if capacity is None else in_use / capacity
            if capacity is not None:
                services_busy[f"service {name}"] = in_use / capacity
    return columns, {**databases_busy, **pools_busy, **services_busy}


def _value(value: float | None) -> float:
    """A statistic's value, NaN where a run has no data for it."""
    return math.nan if value is None else value


def _row(comparison: Comparison, run: tuple[str, int, str], result: Result) -> dict[str, Any]:
    case, users, deployment = run
    kind = comparison.kind(deployment)
    cpu = _value(result.cpu_utilization[comparison._host_of(deployment)].value)
    workers = _value(result.worker_busy[deployment].value)
    gil = _value(result.gil_busy[deployment].value)
    errors = result.errors
    answered = result.completed > 0
    latency = result.latency
    row: dict[str, Any] = {
        "case": case,
        "users": users,
        "deployment": deployment,
        "kind": kind,
        "throughput_rps": result.throughput,
        "throughput_ci_rps": result.throughput_ci.half_width,
        "latency_mean_s": latency.mean if answered else math.nan,
        "latency_p50_s": latency.p50 if answered else math.nan,
        "latency_p99_s": latency.p99 if answered else math.nan,
        "completed": result.completed,
        "error_rate": result.error_rate,
    }
    error_kinds = [*_ERROR_KINDS, *([_DATABASE_ERROR] if comparison.databases else []),
                   *([_SERVICE_ERROR] if comparison.services else [])]
    row.update({f"errors_{kind_}": int(errors.get(kind_, 0)) for kind_ in error_kinds})
    dependency_columns, dependency_busy = _dependency_columns(comparison, result)
    row.update({"cpu_busy": cpu, "worker_busy": workers, "gil_busy": gil, **dependency_columns,
                "saturated": _saturated_resource(kind, cpu, workers, gil, int(errors.get("refused", 0)),
                                                 dependency_busy)})
    return row


def _ratio(numerator: float, denominator: float) -> float:
    if math.isnan(numerator) or math.isnan(denominator):
        return math.nan
    if denominator == 0.0:
        return math.nan if numerator == 0.0 else math.inf
    return numerator / denominator


def _verdict(speedup: float, *, factor: float, tolerance: float) -> str:
    """The verdict on "the challenger is ``factor`` x faster" for one speed-up
    (> 1: the challenger is faster; NaN: neither side answered)."""
    if math.isnan(speedup):
        return "neither answers"
    if speedup >= factor:
        return "holds"
    if speedup >= 1.0 + tolerance:
        return f"faster but < {factor:g}x"
    if speedup <= 1.0 / (1.0 + tolerance):
        return "baseline faster"
    return "no real difference"


def _dependency_note(bottlenecks: Mapping[str, str]) -> str:
    """`` (both limited by database pg)`` or `` (flask limited by pool pg)``: the
    sides (deployment -> saturated resource) limited by a database, a pool or
    a service, which the verdict is then as much about as about the servers;
    empty when neither is."""
    limited = {side: resource for side, resource in bottlenecks.items()
               if resource.startswith(_DEPENDENCY_RESOURCES)}
    if not limited:
        return ""
    if len(limited) == len(bottlenecks) and len(set(limited.values())) == 1:
        return f" (both limited by {next(iter(limited.values()))})"
    return " (" + "; ".join(f"{side} limited by {resource}" for side, resource in limited.items()) + ")"


class ComparisonResult:
    """The outcome of :func:`compare`: a frame of results and verdicts on a claim.

    Built by :func:`compare`; ``ComparisonResult(comparison, results)`` wraps
    results obtained otherwise (one per run of ``comparison.runs``).

    Attributes
    ----------
    comparison
        What was simulated.
    results
        The full :class:`Result` of every run, by ``(case, users, deployment)``.
    """

    __slots__ = ("_frame", "comparison", "results")

    def __init__(self, comparison: Comparison,
                 results: Mapping[tuple[str, int, str], Result]) -> None:
        import pandas as pd

        self.comparison = comparison
        self.results = dict(results)
        self._frame = pd.DataFrame([_row(comparison, run, result) for run, result in self.results.items()])

    @property
    def frame(self) -> pd.DataFrame:
        """One row per case x users x deployment, in file order.

        Columns: ``case``, ``users``, ``deployment``, ``kind`` (server kind),
        ``throughput_rps`` (answers per second, mean over replications) and
        ``throughput_ci_rps`` (its 95 % half-width), ``latency_mean_s``,
        ``latency_p50_s``, ``latency_p99_s`` (seconds; NaN without answers),
        ``completed``, ``error_rate`` (errors / requests, in [0, 1]),
        ``errors_refused``, ``errors_client_timeout``, ``errors_unavailable``,
        ``errors_worker_killed`` (counts over the replications; with databases
        also ``errors_pool_timeout``, with services ``errors_downstream``),
        ``cpu_busy`` (the host's cores), ``worker_busy`` (worker threads, or
        event loops), ``gil_busy`` (fractions in [0, 1]); per database ``<db>``
        ``database_busy_<db>`` (its connections executing queries),
        ``pool_waited_<db>`` (share of connection checkouts that waited) and
        ``mean_pool_wait_s_<db>``; per service ``<svc>``
        ``service_in_use_<svc>`` (calls in progress, time average) and
        ``service_busy_<svc>`` (that over its ``concurrency``, NaN without a
        cap); and ``saturated``: ``'cpu'``, ``'database <db>'``, ``'pool
        <db>'``, ``'service <svc>'``, ``'event loop'``, ``'GIL'``,
        ``'workers'`` when that resource is busy at least 95 % of the time (a
        pool: when at least 95 % of checkouts waited), checked in that order,
        ``'backlog'`` when none is but connections were refused, else ``''``.
        """
        return self._frame.copy()

    def _pair(self, baseline: str | None, challenger: str | None) -> tuple[str, str]:
        deployments = self.comparison.deployments
        if len(deployments) < 2:
            raise ValueError("a verdict needs two deployments; the comparison has one")
        baseline = deployments[0] if baseline is None else baseline
        challenger = deployments[1] if challenger is None else challenger
        for name in (baseline, challenger):
            if name not in deployments:
                raise KeyError(f"no deployment named {name!r} (known: {', '.join(deployments)})")
        if baseline == challenger:
            raise ValueError(f"baseline and challenger are both {baseline!r}")
        return baseline, challenger

    def verdicts(self, baseline: str | None = None, challenger: str | None = None, *,
                 factor: float = 3.0, tolerance: float = 0.1) -> pd.DataFrame:
        """Whether ``challenger`` is ``factor`` times faster than ``baseline``, per case x users.

        The rule: a deployment is *saturated* when a resource limits it (the
        ``saturated`` column is set) or more than 1 % of its requests fail.
        When either side is saturated, speed is capacity: the speed-up is the
        throughput ratio challenger / baseline (a closed workload's unsaturated
        side serves all that its users ask, so the ratio is what the saturated
        side loses). Otherwise both serve the same load and speed is latency:
        the speed-up is the median ratio, baseline p50 / challenger p50.
        The speed-up then gives the verdict : ``holds``
        at ``factor`` or more (ten times or more holds too: the claim is at
        least 3x), ``faster but < 3x`` from ``1 + tolerance``, ``baseline
        faster`` at ``1 / (1 + tolerance)`` or less, else ``no real difference``;
        ``neither answers`` when both sides answered nothing (every request
        refused or timed out), so there is no ratio. When a side's bottleneck
        is a database, a connection pool or a service, the verdict says so:
        ``no real difference (both limited by database pg)``, ``holds (flask
        limited by pool pg)``; the servers are then compared through what
        they share, not on their own.

        Parameters
        ----------
        baseline, challenger
            Deployment names; default the comparison's first and second
            (``flask`` and ``fastapi`` in ``scenarios/flask_vs_fastapi.yaml``).
        factor
            The claimed speed-up, > 1; 3 for "3-10x faster".
        tolerance
            Relative differences smaller than this are "no real difference", in [0, 1).

        Returns
        -------
        pandas.DataFrame
            One row per case x users: ``case``, ``users``, ``baseline_rps``,
            ``challenger_rps``, ``throughput_ratio`` (challenger / baseline),
            ``p50_ratio`` and ``p99_ratio`` (baseline / challenger: > 1 when the
            challenger answers sooner), ``baseline_saturated``,
            ``challenger_saturated`` (bool), ``baseline_bottleneck``,
            ``challenger_bottleneck`` (each side's ``saturated`` resource, ``''``
            for none), ``basis`` (``throughput`` or ``latency``), ``speedup``
            (the ratio the verdict is based on) and ``verdict``.

        Raises
        ------
        KeyError
            For an unknown deployment.
        ValueError
            For a bad ``factor`` or ``tolerance``.
        """
        import pandas as pd

        if not (isinstance(factor, (int, float)) and factor > 1.0):
            raise ValueError(f"factor must be a number > 1, got {factor!r}")
        if not (isinstance(tolerance, (int, float)) and 0.0 <= tolerance < 1.0):
            raise ValueError(f"tolerance must be a number in [0, 1), got {tolerance!r}")
        baseline, challenger = self._pair(baseline, challenger)
        frame = self._frame.set_index(["case", "users", "deployment"])
        rows = []
        for case in self.comparison.cases:
            for users in self.comparison.users:
                base = frame.loc[(case, users, baseline)]
                chal = frame.loc[(case, users, challenger)]
                saturated = [bool(side["saturated"]) or side["error_rate"] > ERROR_RATE_THRESHOLD
                             for side in (base, chal)]
                throughput_ratio = _ratio(chal["throughput_rps"], base["throughput_rps"])
                p50_ratio = _ratio(base["latency_p50_s"], chal["latency_p50_s"])
                basis = "throughput" if any(saturated) else "latency"
                speedup = throughput_ratio if basis == "throughput" else p50_ratio
                bottlenecks = {baseline: str(base["saturated"]), challenger: str(chal["saturated"])}
                rows.append({
                    "case": case,
                    "users": users,
                    "baseline_rps": base["throughput_rps"],
                    "challenger_rps": chal["throughput_rps"],
                    "throughput_ratio": throughput_ratio,
                    "p50_ratio": p50_ratio,
                    "p99_ratio": _ratio(base["latency_p99_s"], chal["latency_p99_s"]),
                    "baseline_saturated": saturated[0],
                    "challenger_saturated": saturated[1],
                    "baseline_bottleneck": bottlenecks[baseline],
                    "challenger_bottleneck": bottlenecks[challenger],
                    "basis": basis,
                    "speedup": speedup,
                    "verdict": _verdict(speedup, factor=factor, tolerance=tolerance)
                               + _dependency_note(bottlenecks),
                })
        result = pd.DataFrame(rows)
        result.attrs.update(baseline=baseline, challenger=challenger, factor=factor)
        return result

    # -- display -------------------------------------------------------------------------

    def table(self, baseline: str | None = None, challenger: str | None = None) -> str:
        """The results and (with two deployments or more) the verdicts, as text for
        a terminal: latencies in ms, busy fractions and errors in percent.

        Parameters
        ----------
        baseline, challenger
            As for :meth:`verdicts`.
        """
        lines = [_headline(self.comparison), "", _format_table(_result_cells(self.comparison, self._frame)),
                 _busy_note(self.comparison)]
        if len(self.comparison.deployments) >= 2:
            verdicts = self.verdicts(baseline, challenger)
            lines += ["", _verdict_title(verdicts), "", _format_table(_verdict_cells(verdicts))]
        return "\n".join(lines)

    def report(self, baseline: str | None = None, challenger: str | None = None) -> str:
        """A Markdown report: the question, deployments, cases, results, verdicts and
        the assumptions behind them.

        Parameters
        ----------
        baseline, challenger
            As for :meth:`verdicts`.
        """
        return _markdown_report(self, baseline, challenger)

    def to_dict(self, baseline: str | None = None, challenger: str | None = None) -> dict[str, Any]:
        """Plain data (the document of ``servesim compare --json``): ``name``,
        ``question``, ``rows`` (the frame's records) and ``verdicts`` (the
        verdict frame's records, with two deployments or more). NaN becomes None."""
        document: dict[str, Any] = {"name": self.comparison.name, "question": self.comparison.question,
                                    "rows": _records(self._frame)}
        if len(self.comparison.deployments) >= 2:
            verdicts = self.verdicts(baseline, challenger)
            document.update(baseline=verdicts.attrs["baseline"], challenger=verdicts.attrs["challenger"],
                            verdicts=_records(verdicts))
        return document

    def __repr__(self) -> str:
        return (f"<ComparisonResult {self.comparison.name!r}: {len(self.results)} runs, "
                f"{len(self.comparison.cases)} cases x {len(self.comparison.users)} user counts x "
                f"{len(self.comparison.deployments)} deployments>")


# -- formatting ------------------------------------------------------------------------

def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as plain dicts; NaN and infinite numbers (which JSON lacks) become None."""
    def plain(value: Any) -> Any:
        value = value.item() if hasattr(value, "item") else value
        return None if isinstance(value, float) and not math.isfinite(value) else value

    return [{key: plain(value) for key, value in record.items()}
            for record in frame.to_dict(orient="records")]


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1e3:,.1f}"


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.1f}"


def _times(ratio: float) -> str:
    if math.isnan(ratio):
        return "-"
    return "inf" if math.isinf(ratio) else f"{ratio:.2f}x"


def _result_cells(comparison: Comparison, frame: pd.DataFrame) -> list[list[str]]:
    capped = [name for name in comparison.services if _service_capacity(comparison, name) is not None]
    header = ["case", "users", "deployment", "req/s", "p50 ms", "p99 ms", "errors %",
              "cpu %", "workers %", "GIL %"]
    header += [text for name in comparison.databases for text in (f"db {name} %", f"pool {name} waits %")]
    header += [f"svc {name} %" for name in capped]
    rows = [[*header, "saturated"]]
    previous: tuple[str, int] | None = None
    for row in frame.to_dict(orient="records"):
        first = (row["case"], row["users"]) != previous
        previous = (row["case"], row["users"])
        cells = [row["case"] if first else "", f"{row['users']:,}" if first else "", row["deployment"],
                 f"{row['throughput_rps']:,.1f}", _ms(row["latency_p50_s"]), _ms(row["latency_p99_s"]),
                 _percent(row["error_rate"]), _percent(row["cpu_busy"]), _percent(row["worker_busy"]),
                 _percent(row["gil_busy"])]
        cells += [_percent(row[column]) for name in comparison.databases
                  for column in (f"database_busy_{name}", f"pool_waited_{name}")]
        cells += [_percent(row[f"service_busy_{name}"]) for name in capped]
        rows.append([*cells, row["saturated"] or "-"])
    return rows


def _verdict_cells(verdicts: pd.DataFrame) -> list[list[str]]:
    rows = [["case", "users", "throughput", "p50", "p99", "basis", "verdict"]]
    for row in verdicts.itertuples(index=False):
        rows.append([row.case, f"{row.users:,}", _times(row.throughput_ratio), _times(row.p50_ratio),
                     _times(row.p99_ratio), row.basis, row.verdict])
    return rows


def _format_table(cells: list[list[str]]) -> str:
    """Left-aligned text columns, numbers right-aligned."""
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]

    def numeric(text: str) -> bool:
        return text[:1].isdigit() or text in ("-", "inf")

    lines = []
    for index, row in enumerate(cells):
        parts = [cell.rjust(width) if index and numeric(cell) and column not in (0, 2) else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _claim(verdicts: pd.DataFrame) -> str:
    return (f'"{verdicts.attrs["challenger"]} is at least {verdicts.attrs["factor"]:g}x faster than '
            f'{verdicts.attrs["baseline"]}"')


def _verdict_title(verdicts: pd.DataFrame) -> str:
    return (f"Verdict on {_claim(verdicts)} (ratios > 1 favour {verdicts.attrs['challenger']}; "
            "judged on throughput where either side saturates, else on p50):")


def _headline(comparison: Comparison) -> str:
    sample = comparison.scenario(comparison.deployments[0], comparison.cases[0], comparison.users[0])
    warmup = "automatic warm-up" if sample.warmup == "auto" else f"{sample.warmup:g} s warm-up"
    lines = [comparison.name + (f": {comparison.question}" if comparison.question else "")]
    lines += [f"  {name}: {comparison.describe(name)}" for name in comparison.deployments]
    lines += [f"  {line}" for line in _dependency_lines(comparison)]
    lines.append(f"  {sample.duration:g} s per run ({warmup}), "
                 f"{_plural(sample.replications, 'replication')}, seed {sample.seed}")
    return "\n".join(lines)


def _busy_note(comparison: Comparison) -> str:
    """What the busy columns of :func:`_result_cells` measure."""
    parts = ["cpu = the host's cores", "workers = Gunicorn worker threads or Uvicorn event loops",
             "GIL = held time per process"]
    if comparison.databases:
        parts += ["db = the database's connections executing queries",
                  "pool waits = checkouts that waited for a pooled connection"]
    if any(_service_capacity(comparison, name) is not None for name in comparison.services):
        parts.append("svc = a service's calls in progress over its concurrency")
    return "busy: " + ", ".join(parts)


def _markdown_table(cells: list[list[str]]) -> str:
    lines = ["| " + " | ".join(cells[0]) + " |", "|" + "|".join("---" for _ in cells[0]) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in cells[1:]]
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _duration_text(value: Any) -> str:
    """``50ms``, or ``lognormal (mean 50ms, cv 0.5)`` for a distribution."""
    if isinstance(value, Mapping):
        parameters = ", ".join(f"{key} {item}" for key, item in value.items() if key != "dist")
        return f"{value.get('dist', 'constant')} ({parameters})"
    return str(value)


def _settings_text(settings: Mapping[str, Any]) -> str:
    """``connections 20, query_time 5ms, pool (size 5, max_overflow 10)``."""
    def value_text(value: Any) -> str:
        if isinstance(value, Mapping) and "dist" not in value:
            return f"({_settings_text(value)})"
        return _duration_text(value)

    return ", ".join(f"{key} {value_text(value)}" for key, value in settings.items())


def _phase_text(phase: Any) -> str:
    """``cpu 1ms``, ``query on pg (8ms)``, ``call to payments``, ``cache (hit ratio 0.9: ...)``."""
    if not (isinstance(phase, Mapping) and len(phase) == 1):
        return str(phase)
    ((kind, value),) = phase.items()
    if kind == "db":
        if isinstance(value, Mapping):
            query = f" ({_duration_text(value['query'])})" if "query" in value else ""
            return f"query on {value.get('database')}{query}"
        return f"query on {value}"
    if kind == "call":
        return f"call to {value.get('service') if isinstance(value, Mapping) else value}"
    if kind == "cache" and isinstance(value, Mapping):
        def branch(key: str) -> str:
            return ", then ".join(_phase_text(item) for item in value.get(key) or []) or "nothing"
        return f"cache (hit ratio {value.get('hit_ratio')}: {branch('hit')}; miss: {branch('miss')})"
    return f"{kind} {_duration_text(value)}"


def _dependency_lines(comparison: Comparison) -> list[str]:
    """``pg: database, connections 20, query_time 5ms`` per database and service."""
    data = comparison._data
    lines = [f"{name}: database, {_settings_text(data['databases'][name] or {}) or 'defaults'}"
             for name in comparison.databases]
    lines += [f"{name}: service, {_settings_text(data['services'][name] or {}) or 'defaults'}"
              for name in comparison.services]
    return lines


def _markdown_report(result: ComparisonResult, baseline: str | None, challenger: str | None) -> str:
    comparison = result.comparison
    data = comparison.to_dict()
    sample = comparison.scenario(comparison.deployments[0], comparison.cases[0], comparison.users[0])
    lines = [f"# {comparison.name}", ""]
    if comparison.question:
        lines += [f"**Question:** {comparison.question}", ""]
    lines += ["## Deployments", ""]
    lines += [f"- **{name}**: {comparison.describe(name)}" for name in comparison.deployments]
    if comparison.databases or comparison.services:
        lines += ["", "## Databases and services", "",
                  "Shared by every deployment; each server process has its own connection pool "
                  "for each database.", ""]
        lines += [f"- **{name}**:{rest}" for name, rest in
                  (line.split(":", 1) for line in _dependency_lines(comparison))]
    lines += ["", "## Cases", "",
              "Each case is one endpoint, run alone on every deployment.", ""]
    for case, settings in data["cases"].items():
        settings = settings or {}
        phases = ", then ".join(_phase_text(phase) for phase in settings.get("phases", []))
        style = f" (`{settings['style']} def`)" if settings.get("style") == "async" else (
            " (plain `def`)" if settings.get("style") == "sync" else "")
        lines.append(f"- **{case}**{style}: {phases}")
    think = data.get("think_time", 0)
    timeout = data.get("client_timeout")
    lines += ["", "## Load", "",
              f"{', '.join(f'{users:,}' for users in comparison.users)} concurrent users, each "
              f"thinking {_duration_text(think)} between an answer and its next request"
              + (f", giving up after {timeout}" if timeout is not None else "") + ". "
              f"{sample.duration:g} s simulated per run, "
              f"{'an automatic' if sample.warmup == 'auto' else f'{sample.warmup:g} s of'} warm-up "
              f"discarded, {_plural(sample.replications, 'replication')}, seed {sample.seed}.", ""]
    lines += ["## Results", "",
              "Throughput counts answers the users received (a request the client gave up on "
              "does not count); latencies in ms; busy columns in percent of capacity "
              f"({_busy_note(comparison)[len('busy: '):]}).", "",
              _markdown_table(_result_cells(comparison, result.frame)), ""]
    if len(comparison.deployments) >= 2:
        verdicts = result.verdicts(baseline, challenger)
        lines += ["## Verdicts", "", _verdict_title(verdicts), "",
                  _markdown_table(_verdict_cells(verdicts)), ""]
    lines += ["## Assumptions", "",
              "- Each case runs alone on each deployment: a closed workload of the given users "
              "(think time, then a request, then wait for the answer).",
              "- Only Uvicorn runs `async def`: elsewhere a case's `style` is dropped, and where an "
              "endpoint runs on a thread (Gunicorn sync and gthread workers, `def` endpoints in "
              "Uvicorn's thread pool) `blocking_io` is an ordinary `io` wait, since it blocks only "
              "that thread. In an `async def` on Uvicorn it stalls the event loop.",
              "- `cpu` phases need their process's GIL and a core; `io` waits use neither. "
              "Framework overheads are the presets named by `framework`.",
              "- Database queries and service calls are waits like `io`: a thread's (a blocking "
              "driver) where the endpoint runs on one, awaited (an async driver) on an event loop. "
              "A sync worker has one query in flight at most, threads one each, an event loop "
              "one per request, and beyond its process's connection pool they wait for a connection.",
              f"- A resource is *saturated* when busy at least {SATURATION_THRESHOLD:.0%} of the "
              "time; cores first, then databases (connections executing queries), connection "
              f"pools (at least {SATURATION_THRESHOLD:.0%} of checkouts waited), services "
              "(calls in progress against their concurrency), the event loop, the GIL, worker "
              "threads; `backlog` when connections were refused and nothing else saturated. A "
              "verdict names a database, pool or service that limits a side.",
              "- Verdicts: with either side saturated (or more than "
              f"{ERROR_RATE_THRESHOLD:.0%} of its requests failing) the speed-up is the throughput "
              "ratio; otherwise the ratio of medians (p50). At least 3x: *holds*; at least 1.1x: "
              "*faster but < 3x*; within 10 %: *no real difference*; else *baseline faster*; "
              "*neither answers* when no request of either side got an answer in time.",
              "- Numbers are means over independent replications; see the frame's "
              "`throughput_ci_rps` column for 95 % confidence half-widths.", ""]
    return "\n".join(lines)

