"""Removes files from a wheel in place, and their lines from its RECORD.

Usage: drop_from_wheel.py WHEEL PATH... (paths inside the wheel). `make wheel` drops the
SimGrid engine's executable: it links Debian's SimGrid and Boost, and the engine is optional.
"""

import sys
import zipfile
from pathlib import Path


def main(wheel: Path, dropped: set[str]) -> None:
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist() if info.filename not in dropped]
    record = next(info for info, _ in entries if info.filename.endswith(".dist-info/RECORD"))
    kept = ("".join(line for line in data.decode().splitlines(keepends=True) if line.split(",")[0] not in dropped)
            if info is record else data for info, data in entries)
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as target:
        for (info, _), data in zip(entries, kept):
            target.writestr(info, data)


if __name__ == "__main__":
    main(Path(sys.argv[1]), set(sys.argv[2:]))
