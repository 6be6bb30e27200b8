"""``--set path=value[,value...]``: scenario overrides on the command line, shared by
``run`` (one value per path) and ``sweep`` (a list per path)."""

from __future__ import annotations

import argparse
from typing import Any

from servesim.cli.common import CliError

_OPENING = {"[": "]", "{": "}"}


def setting(text: str) -> tuple[str, list[Any]]:
    """The argparse type of ``--set``: ``path=v1,v2`` as ``(path, [v1, v2])``, each value
    read as in a scenario file (``8``, ``5ms``, ``uvicorn``, ``{dist: exponential, mean: 5ms}``);
    commas inside brackets or quotes do not split."""
    import yaml

    path, equals, values = text.partition("=")
    path = path.strip()
    if not equals or not path:
        raise argparse.ArgumentTypeError(f"expected PATH=VALUE[,VALUE...], got {text!r}")
    parsed: list[Any] = []
    for part in _split(values):
        try:
            parsed.append(yaml.safe_load(part) if part.strip() else None)
        except yaml.YAMLError as error:
            raise argparse.ArgumentTypeError(
                f"{path}: cannot read {part!r}: {' '.join(str(error).split())}") from None
        if parsed[-1] is None:
            raise argparse.ArgumentTypeError(f"{path}: empty value in {text!r}")
    return path, parsed


def _split(text: str) -> list[str]:
    """``text`` split at the commas outside brackets, braces and quotes."""
    parts: list[str] = []
    closers: list[str] = []
    quote = ""
    start = 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in _OPENING:
            closers.append(_OPENING[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "," and not closers:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def add_set_option(parser: argparse.ArgumentParser, help_text: str, metavar: str = "PATH=VALUE") -> None:
    parser.add_argument("--set", type=setting, action="append", default=[], dest="settings",
                        metavar=metavar, help=help_text)


def settings_by_path(settings: list[tuple[str, list[Any]]]) -> dict[str, list[Any]]:
    """The ``--set`` options as ``{path: values}``; a path given twice is an error."""
    merged: dict[str, list[Any]] = {}
    for path, values in settings:
        if path in merged:
            raise CliError(f"--set {path}: given twice; list its values in one --set {path}=A,B")
        merged[path] = values
    return merged
