"""Scenario loading and the errors bad scenarios raise (messages come from the C++ parser)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import servesim as ss
from servesim import _core


def test_from_yaml_reads_the_example(two_sync_path: Path) -> None:
    scenario = ss.Scenario.from_yaml(two_sync_path)
    assert scenario.name == "two-sync-workers"
    assert scenario.hosts == ["app"]
    assert scenario.servers == ["web"]
    assert scenario.endpoints == ["work"]
    assert scenario.duration == 2000.0
    assert scenario.warmup == 100.0
    assert scenario.replications == 4
    assert scenario.seed == 7


def test_name_is_read_only(two_sync_path: Path) -> None:
    scenario = ss.Scenario.from_yaml(two_sync_path)
    with pytest.raises(AttributeError):
        scenario.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        scenario.core.name = "other"  # type: ignore[misc]


def test_from_json_and_from_text_agree_with_from_dict(tmp_path: Path, two_sync_dict: dict) -> None:
    path = tmp_path / "two.json"
    path.write_text(json.dumps(two_sync_dict))
    from_json = ss.Scenario.from_json(path)
    from_text = ss.Scenario.from_text(json.dumps(two_sync_dict))
    from_dict = ss.Scenario.from_dict(two_sync_dict)
    for scenario in (from_json, from_text, from_dict):
        assert (scenario.name, scenario.duration, scenario.seed) == ("two-sync-workers", 2000.0, 7)


def test_to_dict_round_trips(two_sync_path: Path, two_sync_dict: dict) -> None:
    assert ss.Scenario.from_yaml(two_sync_path).to_dict() == two_sync_dict
    scenario = ss.Scenario.from_dict(two_sync_dict)
    copied = scenario.to_dict()
    copied["name"] = "changed"  # a copy: the scenario keeps its source
    assert scenario.to_dict() == two_sync_dict


def test_replace_updates_sections_key_by_key(two_sync_path: Path) -> None:
    short = ss.Scenario.from_yaml(two_sync_path).replace(run={"duration": 300})
    assert short.duration == 300.0
    assert short.replications == 4  # untouched keys of the section stay


def test_from_dict_accepts_numpy_scalars(small_dict: dict) -> None:
    np = pytest.importorskip("numpy")
    small_dict["servers"]["web"]["workers"] = np.int64(3)
    small_dict["workload"]["open"]["rate"] = np.float64(50.0)
    assert ss.Scenario.from_dict(small_dict).name == "small"


def test_from_dict_rejects_non_mappings() -> None:
    with pytest.raises(TypeError, match="mapping"):
        ss.Scenario.from_dict([1, 2])  # type: ignore[arg-type]


def test_exception_hierarchy() -> None:
    assert issubclass(ss.Error, Exception)
    for error in (ss.ScenarioError, ss.UnstableSystemError, ss.EngineError):
        assert issubclass(error, ss.Error)
    assert ss.ScenarioError is _core.ScenarioError
    assert not issubclass(ss.ScenarioError, ss.EngineError)


def _mutated(base: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(base)
    node = data
    for key in path[:-1]:
        node = node[key]
    if value is _DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


_DELETE = object()

# (what is wrong, where, new value, expected error path, words the message must contain)
BAD_FIELDS = [
    ("missing field", ("workload",), _DELETE, "workload", ["required field is missing"]),
    ("wrong type", ("servers", "web", "workers"), "two", "servers.web.workers",
     ["integer", "'two'"]),
    ("out of range", ("servers", "web", "workers"), 0, "servers.web.workers", [">= 1", "got 0"]),
    ("negative rate", ("workload", "open", "rate"), -5, "workload.open.rate", ["> 0", "-5"]),
    ("unknown key", ("servers", "web", "workrs"), 2, "servers.web.workrs",
     ["unknown key", "did you mean 'workers'"]),
    ("unknown distribution", ("endpoints", "work", "phases", 0, "cpu", "dist"), "exponentail",
     "endpoints.work.phases[0].cpu.dist",
     ["unknown distribution 'exponentail'", "did you mean 'exponential'"]),
]


@pytest.mark.parametrize(("case", "where", "value", "path", "words"), BAD_FIELDS,
                         ids=[case[0] for case in BAD_FIELDS])
def test_bad_fields_raise_scenario_error(two_sync_dict: dict, case: str, where: tuple,
                                         value: Any, path: str, words: list[str]) -> None:
    data = _mutated(two_sync_dict, where, value)
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(data)
    error = caught.value
    assert error.path == path
    # The C++ message, unchanged: "<path>: <detail>" (errors.hpp).
    assert str(error) == f"{error.path}: {error.detail}"
    for word in words:
        assert word in error.detail
    # The same text through the core directly gives the same message.
    with pytest.raises(_core.ScenarioError) as direct:
        _core.parse_scenario(json.dumps(data))
    assert str(direct.value) == str(error)


@pytest.mark.parametrize("text", ["{{{: ]", "servers: [unclosed"])
def test_text_that_is_not_yaml_raises_scenario_error(text: str) -> None:
    with pytest.raises(ss.ScenarioError, match="not valid YAML"):
        ss.Scenario.from_text(text)


@pytest.mark.parametrize("text", ["", "hello", "[1, 2]"])
def test_a_document_that_is_not_a_map_raises_scenario_error(text: str) -> None:
    with pytest.raises(ss.ScenarioError, match="a scenario must be a map"):
        ss.Scenario.from_text(text)


def test_origin_names_the_document_in_messages() -> None:
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_text("{{{: ]", origin="mine.yaml")
    assert caught.value.path == "mine.yaml"
    assert str(caught.value).startswith("mine.yaml: not valid YAML")


def test_missing_file_raises_scenario_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ss.ScenarioError, match="no such file") as caught:
        ss.Scenario.from_yaml(missing)
    assert caught.value.path == str(missing)


def test_scenario_error_raised_from_python_has_the_attributes() -> None:
    error = ss.ScenarioError("made up")
    assert (error.path, error.detail, str(error)) == ("", "", "made up")


def test_replace_merges_nested_sections(two_sync_path) -> None:
    scenario = ss.Scenario.from_yaml(two_sync_path)
    changed = scenario.replace(servers={"web": {"workers": 3}}, run={"seed": 99})
    web = changed.to_dict()["servers"]["web"]
    assert web["workers"] == 3
    assert web["host"] == "app"  # fields not named stay
    assert changed.seed == 99 and changed.duration == scenario.duration


def test_warmup_reports_auto_for_mser5(small_dict) -> None:
    fixed = ss.Scenario.from_dict(small_dict)
    assert fixed.warmup == small_dict["run"]["warmup"]
    auto = fixed.replace(run={"warmup": "auto"})
    assert auto.warmup == "auto"


def test_a_key_given_twice_is_an_error_naming_both_lines() -> None:
    # Issue 13.5: yaml-cpp read workers 2, PyYAML (to_dict, replace) 8.
    text = "hosts: {app: {}}\nservers:\n  web: {workers: 2, workers: 8}\n"
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_text(text)
    assert caught.value.path == "servers.web.workers"
    assert "at line 3, column 9 and at line 3, column 21" in caught.value.detail


def test_a_second_document_is_an_error(small_dict: dict) -> None:
    text = json.dumps(small_dict) + "\n---\n" + json.dumps(small_dict)
    with pytest.raises(ss.ScenarioError, match="a second YAML document at line 3"):
        ss.Scenario.from_text(text)


@pytest.mark.parametrize("levels", [65, 150, 5000])
def test_nesting_is_limited_with_a_named_limit(small_dict: dict, levels: int) -> None:
    # Issue 13.8: 5,000 levels from Python raised RecursionError.
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(levels):
        node["a"] = {}
        node = node["a"]
    small_dict["endpoints"]["work"]["phases"] = [deep]
    with pytest.raises(ss.ScenarioError, match="the limit is 64") as caught:
        ss.Scenario.from_dict(small_dict)
    assert caught.value.path.startswith("endpoints.work.phases[0].a.a")
    if levels < 500:  # deeper, Python's own json.dumps cannot write the text
        with pytest.raises(ss.ScenarioError, match="the limit is 64"):
            ss.Scenario.from_text(json.dumps(small_dict))


def test_numpy_arrays_read_as_lists_and_bad_ones_name_the_field(small_dict: dict) -> None:
    np = pytest.importorskip("numpy")
    samples = {"dist": "empirical", "samples": np.array([0.001, 0.002, 0.004])}
    small_dict["endpoints"]["work"]["phases"] = np.array([{"cpu": samples}], dtype=object)
    assert ss.Scenario.from_dict(small_dict).name == "small"
    # Issue 13.8: an array that is not a list of phases names the field.
    small_dict["endpoints"]["work"]["phases"] = np.array([1.0, 2.0])
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(small_dict)
    assert caught.value.path == "endpoints.work.phases[0]"
    small_dict["endpoints"]["work"]["phases"] = object()
    with pytest.raises(ss.ScenarioError, match="must be a number, text, list or map, got object") as caught:
        ss.Scenario.from_dict(small_dict)
    assert caught.value.path == "endpoints.work.phases"


def test_an_integer_past_its_limit_says_the_limit(small_dict: dict) -> None:
    small_dict["servers"]["web"]["backlog"] = 1e12
    with pytest.raises(ss.ScenarioError, match=r"backlog: must be <= 2147483647 \(the largest"):
        ss.Scenario.from_dict(small_dict)


@pytest.mark.parametrize(("name", "shown"), [("web\x1b[31m", "web\\x1B[31m"), ("w\x00eb", "w\\x00eb"),
                                             ("web\u200b", "web\\u{200B}")])
def test_names_must_be_visible_and_messages_escape_them(small_dict: dict, name: str, shown: str) -> None:
    # Issue 13.9: control and zero-width characters made names that print alike.
    small_dict["servers"] = {name: small_dict["servers"]["web"]}
    small_dict["endpoints"]["work"]["server"] = name
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Scenario.from_dict(small_dict)
    assert caught.value.path == "servers[0].name"
    assert f"'{shown}' holds an invisible or control character" in str(caught.value)
    assert name not in str(caught.value)


def test_to_dict_is_the_document_as_the_cpp_parser_read_it(small_dict: dict) -> None:
    # PyYAML reads YAML 1.1 (`no` is False, `1_000` is 1000); the C++ parser,
    # and so to_dict(), read the text as written: a round trip keeps the name.
    text = json.dumps(small_dict).replace(json.dumps(small_dict["name"]), "no", 1)
    scenario = ss.Scenario.from_text(text)
    assert scenario.name == "no"
    assert scenario.to_dict()["name"] == "no"
    assert ss.Scenario.from_dict(scenario.to_dict()).name == "no"


def test_a_scenario_built_in_cpp_has_the_writers_dict() -> None:
    comparison = ss.Comparison.from_yaml(Path(__file__).resolve().parents[2] / "scenarios" / "flask_vs_fastapi.yaml")
    run = comparison.scenario("fastapi", "io-bound", 100)
    document = run.to_dict()
    assert document["servers"]["fastapi"]["kind"] == "uvicorn"
    assert document["servers"]["fastapi"]["thread_pool"] == 40  # the default, written out
    again = ss.Scenario.from_dict(document)
    assert again.to_dict() == document
    assert run.replace(run={"seed": 5}).seed == 5
