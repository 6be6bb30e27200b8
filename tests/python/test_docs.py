"""Every example in the documentation is true: the ```python blocks of README.md and
docs/*.md run (in order, one namespace per page, from the repository root), the
``servesim ...`` lines of their ```sh blocks exit with 0, and their complete
```yaml scenarios parse. A block right after ``<!-- not-run -->`` is skipped.

Documented output is what the command prints: a ```text block right after a ```sh block
of one ``servesim`` command, or right after ``<!-- output of: COMMAND -->``, must match
the command's stdout line for line (trailing spaces aside). A line ``...`` stands for any
number of lines (indented or not); ``<!-- output of: COMMAND (excerpt) -->`` marks a block that is a
contiguous part of the output.

Also checks that every public name of the Python package is shown in a docs
example or a notebook."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]
PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
NOT_RUN = "<!-- not-run -->"
FENCE = re.compile(r"^```(\w*)\s*$")
OUTPUT_OF = re.compile(r"^<!--\s*output of:\s*(?P<command>servesim .+?)\s*(?P<excerpt>\(excerpt\))?\s*-->$")
ELISION = "..."


@dataclasses.dataclass(frozen=True)
class Block:
    page: Path
    line: int          # 1-based line of the opening fence
    language: str
    code: str
    before: str        # the last non-blank line before the opening fence

    @property
    def skipped(self) -> bool:
        return self.before == NOT_RUN

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(REPO_ROOT)}:{self.line}"


def code_blocks(page: Path) -> list[Block]:
    """The fenced blocks of a Markdown page (fences at the start of a line)."""
    blocks: list[Block] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and lines[index].rstrip() != "```":
            body.append(lines[index])
            index += 1
        before = next((line.strip() for line in reversed(lines[:start]) if line.strip()), "")
        blocks.append(Block(page, start + 1, match.group(1), "\n".join(body) + "\n", before))
        index += 1
    return blocks


def blocks_of(language: str) -> list[Block]:
    return [block for page in PAGES for block in code_blocks(page)
            if block.language == language and not block.skipped]


def shell_commands() -> list[tuple[Block, str]]:
    return [(block, line.strip()) for block in blocks_of("sh")
            for line in block.code.splitlines() if line.strip().startswith("servesim ")]


def scenario_documents() -> list[Block]:
    """```yaml blocks that are whole scenarios (they have a workload)."""
    documents = [(block, yaml.safe_load(block.code)) for block in blocks_of("yaml")]
    return [block for block, data in documents if isinstance(data, dict) and "workload" in data]


def test_the_pages_have_examples() -> None:
    # An empty selection would make the parametrized tests vanish silently.
    assert (REPO_ROOT / "docs" / "python-api.md") in PAGES
    assert len(blocks_of("python")) >= 20
    assert len(shell_commands()) >= 5
    assert len(documented_outputs()) >= 4
    assert comparison_documents()


@pytest.mark.parametrize("page", [page for page in PAGES
                                  if any(block.language == "python" for block in code_blocks(page))],
                         ids=lambda page: page.name)
def test_python_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in code_blocks(page):
        if block.language != "python" or block.skipped:
            continue
        try:
            exec(compile(block.code, block.where, "exec"), namespace)  # noqa: S102
        except Exception as error:  # report the block, not this line
            pytest.fail(f"the example at {block.where} fails: {type(error).__name__}: {error}\n"
                        f"{block.code}", pytrace=False)


@functools.cache
def run_shell(command: str) -> subprocess.CompletedProcess[str]:
    """Runs a documented command once per session (outputs are checked against it too)."""
    # `servesim` is the console script of the interpreter running the tests.
    environment = {**os.environ,
                   "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=REPO_ROOT,
                          env=environment, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize(("block", "command"), shell_commands(),
                         ids=[f"{block.where}:{command}" for block, command in shell_commands()])
def test_shell_examples_exit_zero(block: Block, command: str) -> None:
    completed = run_shell(command)
    assert completed.returncode == 0, (f"{block.where}: `{command}` exited with "
                                       f"{completed.returncode}\n{completed.stderr}")


@dataclasses.dataclass(frozen=True)
class DocumentedOutput:
    block: Block       # the ```text block
    command: str
    excerpt: bool      # a contiguous part of the output, not all of it


def documented_outputs() -> list[DocumentedOutput]:
    found: list[DocumentedOutput] = []
    for page in PAGES:
        blocks = code_blocks(page)
        for previous, block in zip([None, *blocks], blocks):
            if block.language != "text":
                continue
            marker = OUTPUT_OF.match(block.before)
            if marker:
                found.append(DocumentedOutput(block, marker["command"], bool(marker["excerpt"])))
                continue
            commands = [line.strip() for line in previous.code.splitlines()
                        if line.strip()] if previous is not None and previous.language == "sh" else []
            # Right after the ```sh block's closing fence, with nothing but blank lines between.
            if (block.before == "```" and len(commands) == 1 and commands[0].startswith("servesim ")
                    and not previous.skipped):
                found.append(DocumentedOutput(block, commands[0], excerpt=False))
    return found


def output_matches(documented: list[str], printed: list[str]) -> bool:
    """Whether ``printed`` reads as ``documented``, where a line ``...`` stands for any
    number of lines (zero included)."""
    # matches[i][j]: documented[i:] matches printed[j:]
    rows, columns = len(documented), len(printed)
    matches = [[False] * (columns + 1) for _ in range(rows + 1)]
    matches[rows][columns] = True
    for i in range(rows - 1, -1, -1):
        for j in range(columns, -1, -1):
            if documented[i].strip() == ELISION:
                matches[i][j] = matches[i + 1][j] or (j < columns and matches[i][j + 1])
            else:
                matches[i][j] = j < columns and documented[i] == printed[j] and matches[i + 1][j + 1]
    return matches[0][0]


@pytest.mark.parametrize("output", documented_outputs(), ids=lambda output: output.block.where)
def test_documented_output_is_what_the_command_prints(output: DocumentedOutput) -> None:
    completed = run_shell(output.command)
    assert completed.returncode == 0, completed.stderr
    documented = [line.rstrip() for line in output.block.code.splitlines()]
    printed = [line.rstrip() for line in completed.stdout.splitlines()]
    if output.excerpt:
        documented = [ELISION, *documented, ELISION]
    if not output_matches(documented, printed):
        pytest.fail(f"{output.block.where}: the output documented for `{output.command}` is not what it "
                    f"prints (a line '{ELISION}' may stand for any lines). It prints:\n"
                    + completed.stdout, pytrace=False)


def test_the_output_matcher() -> None:
    assert output_matches(["a", ELISION, "d"], ["a", "b", "c", "d"])
    assert output_matches(["a", ELISION, "b"], ["a", "b"])
    assert not output_matches(["a", ELISION, "d"], ["a", "b", "c"])
    assert not output_matches(["a", "b"], ["a", "b", "c"])
    assert output_matches([ELISION, "b", ELISION], ["a", "b", "c"])


@pytest.mark.parametrize("block", scenario_documents(), ids=lambda block: block.where)
def test_yaml_scenarios_parse(block: Block) -> None:
    scenario = ss.Scenario.from_text(block.code, origin=block.where)
    assert scenario.endpoints


def comparison_documents() -> list[Block]:
    """```yaml blocks that are whole comparison files (they have deployments)."""
    documents = [(block, yaml.safe_load(block.code)) for block in blocks_of("yaml")]
    return [block for block, data in documents if isinstance(data, dict) and "deployments" in data]


@pytest.mark.parametrize("block", comparison_documents(), ids=lambda block: block.where)
def test_yaml_comparisons_build(block: Block) -> None:
    comparison = ss.Comparison.from_dict(yaml.safe_load(block.code))
    assert comparison.runs


@functools.cache
def _documented_code() -> str:
    """The Python shown to readers: docs examples and notebook code cells."""
    parts = [block.code for block in blocks_of("python")]
    for notebook in sorted((REPO_ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        parts += ["".join(cell["source"]) for cell in cells if cell["cell_type"] == "code"]
    return "\n".join(parts)


def _public_names() -> list[str]:
    """Everything `import servesim as ss` exposes, and the public attributes of its classes."""
    names = list(ss.__all__)
    for cls in (ss.Scenario, ss.Result, ss.ConfidenceInterval, ss.LatencyStats, ss.LittleCheck,
                ss.Comparison, ss.ComparisonResult):
        names += [name for name, _ in inspect.getmembers(cls) if not name.startswith("_")]
        if dataclasses.is_dataclass(cls):
            names += [field.name for field in dataclasses.fields(cls)]
    names += ["path", "detail"]  # ScenarioError's attributes
    names += list(ss.analytic.__all__)
    names += [name for name in inspect.signature(ss.simulate).parameters if name != "scenario"]
    names += [name for name in inspect.signature(ss.compare).parameters if name != "comparison"]
    names += [name for name in inspect.signature(ss.sweep).parameters if name != "scenario"]
    names += [name for name in inspect.signature(ss.ComparisonResult.verdicts).parameters
              if name != "self"]
    return sorted(set(names))


@pytest.mark.parametrize("name", _public_names())
def test_public_name_has_an_example(name: str) -> None:
    if not re.search(rf"\b{re.escape(name)}\b", _documented_code()):
        pytest.fail(f"{name} appears in no docs example and no notebook", pytrace=False)


def _cli_options() -> list[str]:
    """Every subcommand and option string of the ``servesim`` parser."""
    import argparse

    from servesim import cli

    found: list[str] = []
    pending = [cli.build_parser()]
    while pending:
        parser = pending.pop()
        for action in parser._actions:  # argparse has no public walk over its options
            found += [option for option in action.option_strings if option not in ("-h", "--help")]
            if isinstance(action, argparse._SubParsersAction):
                found += list(action.choices)
                pending += list(action.choices.values())
    return sorted(set(found))


@pytest.mark.parametrize("option", _cli_options())
def test_cli_option_is_documented(option: str) -> None:
    if option not in (REPO_ROOT / "docs" / "cli.md").read_text(encoding="utf-8"):
        pytest.fail(f"docs/cli.md does not mention {option}", pytrace=False)


def test_analytic_offers_only_its_public_names() -> None:
    # What tab completion and dir() show: the models, not `math`, `Any` or `dataclass`.
    assert [name for name in dir(ss.analytic) if not name.startswith("_")] == sorted(ss.analytic.__all__)


def _pass_rate(text: str) -> tuple[int, ...]:
    """The points meeting every target and the per-metric counts a page states, as numbers."""
    stated = re.search(r"\*\*(\d+) of (?:its |the )?(\d+) points meet every target\*\*[^\n]*?\n?[^\n]*?"
                       r"throughput (\d+) of (\d+), p50 (\d+) of (?:the )?(\d+)", text)
    assert stated, "no '**N of M points meet every target** ... throughput N of M, p50 N of M' statement"
    return tuple(int(number) for number in stated.groups())


@pytest.mark.parametrize("page", ["README.md", "validation/README.md"])
def test_the_readmes_state_the_grids_pass_rate(page: str) -> None:
    # comparison.md is written by validation/compare.py; the pages quote it.
    table = _pass_rate((REPO_ROOT / "validation" / "comparison.md").read_text(encoding="utf-8"))
    assert _pass_rate((REPO_ROOT / page).read_text(encoding="utf-8")) == table
