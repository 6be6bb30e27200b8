"""Where the commands write: stdout and the files named by options such as ``--csv``.

Output paths are checked before any simulation (:func:`check_output`), so a typo costs
nothing; a write that fails anyway (a full disk, ``/dev/full``) is one line and exit 2,
not a traceback."""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from servesim.cli.common import PROG, CliError


def check_output(path: str, option: str) -> Path:
    """The path ``option`` names, if it can be written: not a folder, and either a writable
    file or a new file in a folder that exists or can be created (missing folders are
    created when writing). Raises :class:`CliError` naming the option and the path."""
    target = Path(path)
    where = f"{option} {path}"
    if target.is_dir():
        raise CliError(f"{where}: is a folder, expected a file name")
    if target.exists():
        if not os.access(target, os.W_OK):
            raise CliError(f"{where}: permission denied")
        return target
    folder = target.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise CliError(f"{where}: {folder} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CliError(f"{where}: cannot create files in {folder}: permission denied")
    return target


def json_text(data: Any) -> str:
    """``data`` as one line of strict JSON: NaN and infinities (no data, a candidate no
    simulation measured) become null, which JSON readers other than Python's accept."""
    def finite(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, Mapping):
            return {key: finite(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [finite(item) for item in value]
        return value

    return json.dumps(finite(data), separators=(",", ":"), allow_nan=False) + "\n"


def write_output(target: Path, option: str, write: Callable[[Path], object]) -> None:
    """Creates missing folders, calls ``write(target)`` and says so on stderr."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write(target)
    except OSError as error:
        raise CliError(f"{option} {target}: cannot write: {error.strerror or error}") from None
    print(f"{PROG}: wrote {target}", file=sys.stderr)


def write_stdout(text: str) -> None:
    """Writes and flushes now, so a failing stdout (``> /dev/full``) is reported here
    rather than as a traceback at exit. A closed pipe propagates as BrokenPipeError."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as error:
        discard_stdout()
        raise CliError(f"stdout: cannot write: {error.strerror or error}") from None


def discard_stdout() -> None:
    """Points stdout at /dev/null, so the interpreter's final flush of what could not be
    written does not fail again."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
