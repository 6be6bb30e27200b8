"""Scenario dicts as JSON text for the C++ parser, checked on the way.

The walk is iterative, so a document nested thousands of levels deep gets the
parser's nesting limit in a ScenarioError rather than a RecursionError, and a
value that is not JSON-like is reported at its field path.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

from servesim._core import ScenarioError

__all__ = ["MAX_NESTING", "scenario_json"]

#: Maps and lists nest at most this deep, the document being level 1
#: (``kMaxNesting`` in libsim/src/io/yaml_document.hpp).
MAX_NESTING = 64


def _error(path: str, detail: str) -> ScenarioError:
    """A ScenarioError shaped like the C++ parser's: ``<path>: <detail>``."""
    error = ScenarioError(f"{path}: {detail}" if path else detail)
    error.path = path
    error.detail = detail
    return error


def _child_path(path: str, key: object) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)


def _scalar(value: Any, path: str) -> Any:
    """A JSON scalar for ``value``: numpy scalars and paths become Python values."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0:  # a numpy scalar
        return item()
    raise _error(path, f"must be a number, text, list or map, got {type(value).__name__}")


def scenario_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON text, numpy arrays as lists and numpy scalars as numbers.

    Raises
    ------
    ScenarioError
        Naming the path of a value nested deeper than MAX_NESTING or of one
        that is not JSON-like.

    Examples
    --------
    >>> scenario_json({"run": {"seed": 7}})
    '{"run": {"seed": 7}}'
    """
    root: dict[str, Any] = {}
    # (source container, its copy, its path, its depth): filled without recursion.
    pending: list[tuple[Any, Any, str, int]] = [(data, root, "", 1)]
    while pending:
        source, target, path, depth = pending.pop()
        items: Iterable[tuple[Any, Any]] = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in items:
            if isinstance(target, dict) and not isinstance(key, str):
                raise _error(path, f"keys must be text, got {type(key).__name__} {key!r}")
            child_path = _child_path(path, key)
            tolist = getattr(value, "tolist", None)
            if callable(tolist) and getattr(value, "ndim", 0) > 0:  # a numpy array
                value = tolist()
            if isinstance(value, (Mapping, list, tuple)):
                if depth + 1 > MAX_NESTING:
                    raise _error(child_path, f"maps and lists nest {depth + 1} levels deep here; "
                                             f"the limit is {MAX_NESTING}")
                copy: Any = {} if isinstance(value, Mapping) else [None] * len(value)
                pending.append((value, copy, child_path, depth + 1))
                value = copy
            else:
                value = _scalar(value, child_path)
            target[key] = value
    return json.dumps(root)
