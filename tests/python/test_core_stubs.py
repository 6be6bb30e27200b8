"""The hand-written stubs (_core.pyi) describe the compiled module as it is."""

from __future__ import annotations

import ast
from pathlib import Path

import servesim
from servesim import _core

STUBS = Path(servesim.__file__).with_name("_core.pyi")


def stub_names() -> dict[str, set[str]]:
    """Top-level names of the stubs, each with the names defined in its body. A submodule
    is stubbed as ``name: _Class``, the private class listing its functions."""
    tree = ast.parse(STUBS.read_text())
    names: dict[str, set[str]] = {}
    private: dict[str, set[str]] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            members = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
            members |= {item.target.id for item in node.body
                        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
            (private if node.name.startswith("_") else names)[node.name] = members
        elif isinstance(node, ast.FunctionDef):
            names[node.name] = set()
        elif isinstance(node, ast.AnnAssign) and isinstance(node.annotation, ast.Name):
            names[node.target.id] = private[node.annotation.id]
    return names


def test_stubs_and_module_define_the_same_names() -> None:
    stubbed = stub_names()
    public = {name for name in dir(_core) if not name.startswith("_")}
    assert set(stubbed) == public


def test_stubbed_members_exist() -> None:
    for name, members in stub_names().items():
        for member in members:
            assert hasattr(getattr(_core, name), member), f"{name}.{member}"


def test_scenario_members_are_all_stubbed() -> None:
    public = {name for name in dir(_core.Scenario) if not name.startswith("_")}
    assert public == stub_names()["Scenario"]


def test_analytic_functions_are_all_stubbed() -> None:
    public = {name for name in dir(_core.analytic) if not name.startswith("_")}
    assert public == stub_names()["analytic"]
