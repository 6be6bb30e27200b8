"""Names the docstrings' examples assume (pytest --doctest-modules python/servesim)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import servesim as ss

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _doctest_names(doctest_namespace: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # Examples name files relative to the repository, as the README's commands do.
    monkeypatch.chdir(ROOT)
    doctest_namespace["ss"] = ss
    doctest_namespace["scenario"] = ss.Scenario.from_yaml(ROOT / "scenarios" / "two-sync-workers.yaml")
