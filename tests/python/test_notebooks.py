"""Examples are tests: every notebook executes without error and prints what it shows
(its saved text outputs), every scenario file in scenarios/ parses, simulates and
satisfies Little's law, and every comparison file there (one with ``deployments``)
runs and gives verdicts."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import yaml
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = REPO_ROOT / "scenarios"
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))

def _is_comparison(path: Path) -> bool:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return isinstance(data, dict) and "deployments" in data


COMPARISON_FILES = [path for path in sorted(SCENARIOS.glob("*.yaml")) if _is_comparison(path)]
SCENARIO_FILES = [path for path in sorted(SCENARIOS.glob("*.yaml")) if not _is_comparison(path)]
CELL_TIMEOUT_S = 120


def test_the_examples_exist() -> None:
    # A glob that finds nothing would make the parametrized tests below vanish silently.
    assert len(NOTEBOOKS) >= 2
    assert (SCENARIOS / "two-sync-workers.yaml") in SCENARIO_FILES
    assert (SCENARIOS / "flask_vs_fastapi.yaml") in COMPARISON_FILES


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_runs(path: Path) -> None:
    """Runs every cell in a fresh kernel started from this interpreter, in
    notebooks/ as Jupyter would; any cell error fails the test."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            allow_errors=False,
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name}: a cell failed:\n{error}", pytrace=False)
    executed = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert executed and all(cell.get("execution_count") for cell in executed)
    saved = [cell for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"]
    for number, (before, now) in enumerate(zip(saved, executed, strict=True), start=1):
        if _text_outputs(before) != _text_outputs(now):
            pytest.fail(f"{path.name}: code cell {number} prints something else than the notebook "
                        f"shows (re-run and save it):\n--- saved\n{_text_outputs(before)}\n"
                        f"--- now\n{_text_outputs(now)}", pytrace=False)


def _text_outputs(cell: nbformat.NotebookNode) -> str:
    """What a reader sees of a cell's results as text: printed lines and the plain-text
    form of its values (stderr, such as progress bars, and images left out)."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream" and output.name == "stdout":
            parts.append(output.text)
        elif output.output_type in ("execute_result", "display_data"):
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.name)
def test_scenario_file_simulates(path: Path) -> None:
    """A short run of each example: it completes requests, and L = λW holds
    within 5 % (Little's law holds for any stable system; a bigger gap means
    the engine's bookkeeping is wrong, or the example is overloaded)."""
    scenario = ss.Scenario.from_yaml(path)
    short = scenario.replace(run={"duration": 120, "warmup": 20, "replications": 2, "seed": 5})
    result = ss.simulate(short)
    assert result.completed > 0
    assert result.throughput > 0
    assert result.little.relative_error < 0.05, result.little
    for replication in result.to_frame().itertuples():
        assert replication.little_relative_error < 0.05, replication


@pytest.mark.parametrize("path", COMPARISON_FILES, ids=lambda path: path.name)
def test_comparison_file_runs(path: Path) -> None:
    """A short run of every deployment x case at the file's smallest load:
    each answers (requests or messages), Little's law holds, and a verdict comes out for each case."""
    comparison = ss.Comparison.from_yaml(path)
    short = comparison.replace(users=[min(comparison.users)],
                               run={"duration": 60, "warmup": 10, "replications": 2, "seed": 5})
    result = ss.compare(short)
    # Each run answers: requests, or in a case with WebSockets the messages
    # (Gunicorn sync workers held by sockets answer no HTTP, as with flask-sock).
    frame = result.frame
    answered = frame["throughput_rps"] > 0
    if "messages_per_s" in frame:
        answered |= frame["messages_per_s"] > 0
    assert answered.all()
    for run in result.results.values():
        if run.completed:  # a run that answered nothing (sync workers held by sockets) has no W to check
            assert run.little.relative_error < 0.05, run.little
    if len(comparison.deployments) >= 2:
        # The first deployment against each other one.
        assert len(result.verdicts()) == len(comparison.cases) * (len(comparison.deployments) - 1)
