"""Changing a scenario by the dotted paths of its fields (``servers.web.workers``,
``workload.open.rate``, ``run.duration``): what sweeps and ``servesim run --set`` do.

Private: the C++ ``with_overrides`` (plan/overrides.hpp, bound by the saturation work)
is to replace it; until then it works on the scenario's dict form."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from servesim._core import ScenarioError

# Sections whose keys are names the user chose: a path through a missing name is a typo,
# not a section to create.
_NAMED_SECTIONS = {"hosts": "host", "servers": "server", "endpoints": "endpoint",
                   "databases": "database", "services": "service", "balancers": "balancer"}


def with_overrides(data: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the scenario dict ``data`` with each value set at its dotted path.

    Missing sections are created (``run.duration`` in a file without ``run``), but not
    missing names (``servers.api`` when there is no server ``api``). Values are checked
    when the result is parsed, as a file's would be.

    Raises
    ------
    ScenarioError
        Naming the path, for one that leads nowhere.

    Examples
    --------
    >>> from servesim._overrides import with_overrides
    >>> with_overrides({"run": {"duration": 60}}, {"run.duration": "5s"})
    {'run': {'duration': '5s'}}
    """
    changed = copy.deepcopy(dict(data))
    for path, value in overrides.items():
        _set(changed, path, copy.deepcopy(value))
    return changed


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    keys = re.sub(r"\[(\d+)\]", r".\1", path).split(".")
    if not all(keys):
        raise _scenario_error(path, "not a path: expected names separated by dots, such as "
                                    "'servers.web.workers'")
    node: Any = data
    for depth, key in enumerate(keys[:-1]):
        where = ".".join(keys[:depth + 1])
        node = _child(node, key, where, named=keys[0] if depth == 1 else None)
    last = keys[-1]
    if isinstance(node, list):
        node[_index(node, last, path)] = value
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise _scenario_error(".".join(keys[:-1]), f"is a value ({node!r}), not a section with '{last}'")


def _child(node: Any, key: str, where: str, named: str | None) -> Any:
    if isinstance(node, list):
        return node[_index(node, key, where)]
    if not isinstance(node, dict):
        parent = where.rpartition(".")[0]
        raise _scenario_error(parent, f"is a value ({node!r}), not a section with '{key}'")
    if key not in node:
        if named in _NAMED_SECTIONS:
            known = ", ".join(map(str, node)) or "none"
            raise _scenario_error(where, f"no {_NAMED_SECTIONS[named]} named '{key}' ({named}: {known})")
        node[key] = {}
    return node[key]


def _index(items: list[Any], key: str, where: str) -> int:
    if not key.isdigit() or int(key) >= len(items):
        raise _scenario_error(where, f"expected an item number from 0 to {len(items) - 1}, got '{key}'")
    return int(key)


def _scenario_error(path: str, detail: str) -> ScenarioError:
    """A ScenarioError shaped like the C++ parser's: ``<path>: <detail>``."""
    error = ScenarioError(f"{path}: {detail}" if path else detail)
    error.path = path
    error.detail = detail
    return error
