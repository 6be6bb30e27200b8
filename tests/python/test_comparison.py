"""Comparisons: the scenarios a comparison file builds, the errors bad files raise,
the verdict rules, the ``servesim compare`` command, and a real run checked
against throughputs that follow from the bottleneck alone."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

import servesim as ss

REPO_ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = REPO_ROOT / "scenarios" / "flask_vs_fastapi.yaml"


def small_comparison(**changes: Any) -> dict[str, Any]:
    """Gunicorn sync (3 workers) against Uvicorn (2 loops) on 8 cores, one case of
    2 ms of Python then an 18 ms wait, constant, no framework overhead, so the
    bottlenecks are exact: 3 workers / 20 ms = 150 req/s, 2 loops / 2 ms = 1000 req/s."""
    data: dict[str, Any] = {
        "name": "small",
        "hosts": {"app": {"cores": 8}},
        "deployments": {
            "sync": {"kind": "gunicorn-sync", "workers": 3, "framework": "none"},
            "async": {"kind": "uvicorn", "workers": 2, "framework": "none"},
        },
        "cases": {"db": {"style": "async", "phases": [{"cpu": "2ms"}, {"io": "18ms"}]}},
        "users": [400],
        "run": {"duration": 60, "warmup": 10, "replications": 2, "seed": 3},
    }
    data.update(changes)
    return data


# -- the scenarios a comparison builds -----------------------------------------------------

def test_the_flagship_file_builds_every_run() -> None:
    comparison = ss.Comparison.from_yaml(FLAGSHIP)
    assert comparison.name == "flask-vs-fastapi"
    assert comparison.question.startswith("Is \"FastAPI is 3-10x faster")
    assert comparison.deployments == ["flask", "fastapi"]
    assert comparison.cases == ["io-bound", "cpu-bound", "mixed", "blocking-call", "chat", "offload"]
    assert comparison.connection_groups("chat") == ["room"] and comparison.connection_groups("offload") == []
    assert comparison.task_workers == ["celery"]
    assert comparison.users == [100, 1000, 10000]
    assert len(comparison.runs) == 6 * 3 * 2
    assert comparison.kind("flask") == "gunicorn-sync"
    assert comparison.kind("fastapi") == "uvicorn"
    assert comparison.describe("flask") == "gunicorn-sync, 9 workers, flask on app (4 cores)"


def test_gunicorn_drops_style_and_turns_blocking_io_into_io() -> None:
    # A run is built in C++; its dict is the C++ writer's, every setting
    # explicit and times in seconds.
    comparison = ss.Comparison.from_yaml(FLAGSHIP)
    flask = comparison.scenario("flask", "blocking-call", 100).to_dict()
    endpoint = flask["endpoints"]["blocking-call"]
    assert "style" not in endpoint
    assert endpoint["server"] == "flask"
    assert [list(phase) for phase in endpoint["phases"]] == [["cpu"], ["io"]]
    assert endpoint["phases"][1]["io"] == {"dist": "lognormal", "mean": 0.05, "cv": 0.5}
    assert list(flask["servers"]) == ["flask"]
    server = flask["servers"]["flask"]
    assert (server["host"], server["kind"], server["workers"]) == ("app", "gunicorn-sync", 9)
    assert flask["workload"]["closed"] == {"users": 100, "think_time": {"dist": "exponential", "mean": 1.0}}
    assert flask["workload"]["client_timeout"] == 10.0
    assert flask["run"]["duration"] == 60.0 and flask["run"]["warmup"] == 20.0
    # The writer's form is a scenario like any other.
    assert ss.Scenario.from_dict(flask).to_dict() == flask

    fastapi = comparison.scenario("fastapi", "blocking-call", 100).to_dict()["endpoints"]["blocking-call"]
    assert fastapi["style"] == "async"
    assert [list(phase) for phase in fastapi["phases"]] == [["cpu"], ["blocking_io"]]


@pytest.mark.parametrize(("kind", "style", "expected"), [
    ("gunicorn-gthread", "async", (None, "io")),
    ("gunicorn-gevent", "async", (None, "blocking_io")),  # an unpatched call stalls gevent's loop
    ("uvicorn", "sync", ("sync", "io")),  # a def endpoint blocks a pool thread only
    ("uvicorn", "async", ("async", "blocking_io")),
])
def test_where_the_endpoint_runs_decides_blocking_io(kind: str, style: str,
                                                     expected: tuple[str | None, str]) -> None:
    data = small_comparison(
        deployments={"one": {"kind": kind}},
        cases={"call": {"style": style, "phases": [{"cpu": "1ms"}, {"blocking_io": "10ms"}]}})
    endpoint = ss.Comparison.from_dict(data).scenario("one", "call", 10).to_dict()["endpoints"]["call"]
    assert (endpoint.get("style"), list(endpoint["phases"][1])[0]) == expected


def test_a_blocking_call_on_gunicorn_is_the_same_run_as_an_awaited_one() -> None:
    # The rule made concrete: on sync workers the two cases build the same
    # endpoint, so with one seed they give identical results.
    comparison = ss.Comparison.from_yaml(FLAGSHIP).replace(run={"duration": 30, "warmup": 5,
                                                                "replications": 1})
    awaited = ss.simulate(comparison.scenario("flask", "io-bound", 100))
    blocking = ss.simulate(comparison.scenario("flask", "blocking-call", 100))
    assert awaited.completed == blocking.completed
    assert awaited.latency == blocking.latency


def test_replace_merges_sections_and_keeps_the_rest() -> None:
    comparison = ss.Comparison.from_yaml(FLAGSHIP)
    quick = comparison.replace(users=[50], run={"duration": 30})
    assert quick.users == [50]
    assert quick.to_dict()["run"] == {"duration": 30, "warmup": "20s", "replications": 3, "seed": 1}
    assert quick.name == comparison.name
    assert comparison.users == [100, 1000, 10000]  # the original is untouched


def test_a_single_number_of_users_is_accepted() -> None:
    assert ss.Comparison.from_dict(small_comparison(users=25)).users == [25]


def test_unknown_names_raise_key_error_listing_the_known_ones() -> None:
    comparison = ss.Comparison.from_dict(small_comparison())
    with pytest.raises(KeyError, match="no deployment named 'flask' \\(known: sync, async\\)"):
        comparison.scenario("flask", "db", 10)
    with pytest.raises(KeyError, match="no case named 'io'"):
        comparison.scenario("sync", "io", 10)


# -- bad input --------------------------------------------------------------------------

def _without(key: str) -> dict[str, Any]:
    data = small_comparison()
    del data[key]
    return data


def _with_case(**case: Any) -> dict[str, Any]:
    return small_comparison(cases={"db": case})


def _with_deployment(**settings: Any) -> dict[str, Any]:
    data = small_comparison()
    data["deployments"]["sync"].update(settings)
    return data


BAD_COMPARISONS = [
    (_with_deployment(workers=0), "deployments.sync.workers", "must be an integer >= 1, got 0"),
    (_with_deployment(kind="gunicorn-synk"), "deployments.sync.kind",
     "unknown server kind 'gunicorn-synk'; did you mean 'gunicorn-sync'?"),
    (_with_deployment(threads=4), "deployments.sync.threads", "gunicorn-sync servers have no 'threads'"),
    (_with_deployment(host="ap"), "deployments.sync.host", "no host named 'ap'; did you mean 'app'?"),
    (small_comparison(hosts={"app": {"cores": 0}}), "hosts.app.cores", "must be an integer >= 1, got 0"),
    (_with_case(phases=[{"cpuu": "1ms"}]), "cases.db.phases[0].cpuu", "unknown phase kind; did you mean 'cpu'?"),
    (_with_case(phases=[]), "cases.db.phases", "must list at least one phase"),
    (_with_case(phases=[{"cpu": "1ms"}, {"background": "5ms"}]), "cases.db.phases[1].background",
     "work after the response needs uvicorn (FastAPI BackgroundTasks); deployment 'sync' is gunicorn-sync"),
    (_with_case(style="asynk", phases=[{"cpu": "1ms"}]), "cases.db.style",
     "must be 'sync' (a plain def) or 'async' (an async def), got 'asynk'"),
    (_with_case(server="sync", phases=[{"cpu": "1ms"}]), "cases.db.server",
     "a case runs on every deployment; remove 'server'"),
    (_with_case(phase=[{"cpu": "1ms"}]), "cases.db.phase", "unknown key; did you mean 'phases'?"),
    (small_comparison(cases={}), "cases", "must name at least one case"),
    (small_comparison(deployments=["sync"]), "deployments", "must be a map of deployment names to their settings"),
    (_without("cases"), "cases", "required field is missing"),
    (_without("hosts"), "hosts", "required field is missing"),
    (_without("users"), "users", "required field is missing"),
    (small_comparison(users=0), "users", "must be an integer >= 1, got 0"),
    (small_comparison(users=[100, "many"]), "users[1]", "must be an integer >= 1, got 'many'"),
    (small_comparison(users=[100, 100]), "users[1]", "100 is listed twice"),
    (small_comparison(users=[]), "users", "must list at least one number of users"),
    (small_comparison(users=[10, 20_000_000]), "cases.db", "20000000 users: workload.closed.users: must be <="),
    (small_comparison(think_time="soon"), "think_time", "'soon'"),
    (small_comparison(client_timeout="-1s"), "client_timeout", "-1s"),
    (small_comparison(run={"duration": 10, "warmup": 20}), "run.warmup", "must be shorter than run.duration"),
    (small_comparison(deployment={}), "deployment", "unknown key; did you mean 'deployments'?"),
    (small_comparison(name=""), "name", "must be a non-empty string"),
    (small_comparison(question=3), "question", "must be a string"),
]


@pytest.mark.parametrize(("data", "path", "detail"), BAD_COMPARISONS,
                         ids=[f"{path}:{detail[:30]}" for _, path, detail in BAD_COMPARISONS])
def test_bad_fields_are_named(data: dict[str, Any], path: str, detail: str) -> None:
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Comparison.from_dict(data)
    assert caught.value.path == path
    assert detail in caught.value.detail
    assert str(caught.value) == f"{path}: {caught.value.detail}"


def test_bad_files_are_named(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ss.ScenarioError, match="missing.yaml: no such file"):
        ss.Comparison.from_yaml(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("hosts: {app: {cores: 4}\n")
    with pytest.raises(ss.ScenarioError, match="broken.yaml: not valid YAML") as caught:
        ss.Comparison.from_yaml(broken)
    assert caught.value.path == str(broken)
    listed = tmp_path / "listed.yaml"
    listed.write_text("- flask\n- fastapi\n")
    with pytest.raises(ss.ScenarioError, match="a comparison must be a map"):
        ss.Comparison.from_yaml(listed)
    with pytest.raises(TypeError, match="expects a mapping"):
        ss.Comparison.from_dict(["flask"])  # type: ignore[arg-type]


def test_the_file_name_is_the_default_name(tmp_path: Path) -> None:
    path = tmp_path / "my-comparison.yaml"
    data = small_comparison()
    del data["name"]
    path.write_text(yaml.safe_dump(data))
    assert ss.Comparison.from_yaml(path).name == "my-comparison"


# -- verdicts on synthetic results ------------------------------------------------------

def fake_result(throughput: float, p50: float, *, cpu: float = 0.1, workers: float = 0.1,
                gil: float = 0.1, error_rate: float = 0.0, refused: int = 0,
                server: str = "sync", databases: dict[str, tuple[float, float]] | None = None,
                services: dict[str, float] | None = None, out_of_memory: int = 0) -> ss.Result:
    """A complete result document (Result reads it strictly) with what a comparison reads
    set, no replications; p99 is 2 x p50, NaN p50 is no data.
    ``databases``: name -> (utilization, share of checkouts that waited);
    ``services``: name -> mean calls in progress."""
    def ci(value: float | None) -> dict[str, Any] | None:
        return None if value is None else {"mean": value, "half_width": 0.0, "samples": 1}

    def with_ci(**values: float) -> dict[str, Any]:
        return {**values, **{f"{key}_ci": ci(value) for key, value in values.items()}}

    completed = int(throughput * 100)
    p50_s = None if math.isnan(p50) else p50
    p99_s = None if p50_s is None else 2 * p50_s
    latency = {"mean": p50_s, "p50": p50_s, "p90": p50_s, "p95": p50_s, "p99": p99_s, "p999": p99_s}
    return ss.Result({
        "scenario": "fake", "seed": 1, "completed": completed, **with_ci(throughput=throughput),
        **with_ci(goodput=throughput), "retries": 0, "failed": refused + out_of_memory,
        "errors": {"refused": refused, "client_timeout": 0, "unavailable": 0, "worker_killed": 0,
                   "pool_timeout": 0, "downstream": 0, "out_of_memory": out_of_memory,
                   "total": refused + out_of_memory},
        "error_rate": error_rate, "failure_rate": error_rate,
        "latency": {**latency, "max": p99_s}, "latency_ci": {key: ci(value) for key, value in latency.items()},
        "endpoints": [], "balancers": [], "replications": [],
        "hosts": [{"name": "app", **with_ci(cpu_utilization=cpu), "static_memory": 0.0, "memory": 0.0}],
        "servers": [{"name": server, **with_ci(worker_busy_fraction=workers, gil_busy_fraction=gil,
                                               mean_queue_length=0.0, queued_fraction=0.0,
                                               restart_rate=0.0),
                     "recycled": 0, "memory_killed": 0, "peak_memory": 0.0,
                     **with_ci(busiest_process_share=1.0)}],
        "little": {"mean_in_system": 0.0, "throughput": throughput, "mean_response": p50_s,
                   "relative_error": 0.0},
        "stability": {"stable": True, "resource": "", "capacity": 0.0, "excess_rate": 0.0},
        "databases": [{"name": name, **with_ci(utilization=busy, mean_queue_length=0.0,
                                               mean_pool_wait=0.001 * waited, pool_wait_fraction=waited),
                       "queries": completed, "pool_timeouts": 0}
                      for name, (busy, waited) in (databases or {}).items()],
        "services": [{"name": name, **with_ci(mean_in_use=in_use, mean_queue_length=0.0), "calls": completed,
                      "errors": 0} for name, in_use in (services or {}).items()],
        "caches": [],
        "connections": [],
        "brokers": [],
        "task_workers": [],
        "model_servers": [],
        "histogram": {"relative_error": 0.0039, "count": 0, "buckets": []},
    })


def judge(baseline: ss.Result, challenger: ss.Result) -> dict[str, Any]:
    """The verdict row for one synthetic pair (sync = baseline, async = challenger)."""
    comparison = ss.Comparison.from_dict(small_comparison())
    result = ss.ComparisonResult(comparison, {("db", 400, "sync"): baseline,
                                              ("db", 400, "async"): challenger})
    verdicts = result.verdicts()
    assert verdicts.attrs == {"baseline": "sync", "challenger": "async", "factor": 3.0}
    return verdicts.iloc[0].to_dict()


def test_unsaturated_sides_are_judged_on_median_latency() -> None:
    row = judge(fake_result(100, 0.050), fake_result(100, 0.010, server="async"))
    assert (row["basis"], row["speedup"], row["verdict"]) == ("latency", pytest.approx(5.0), "holds")
    assert row["throughput_ratio"] == pytest.approx(1.0)
    assert row["p99_ratio"] == pytest.approx(5.0)
    row = judge(fake_result(100, 0.050), fake_result(100, 0.048, server="async"))
    assert (row["basis"], row["verdict"]) == ("latency", "no real difference")


@pytest.mark.parametrize(("challenger_rps", "expected"), [
    (300.0, "holds"),                        # exactly 3x
    (299.0, "faster but < 3x"),
    (110.0, "faster but < 3x"),              # exactly 1 + tolerance
    (109.0, "no real difference"),
    (92.0, "no real difference"),
    (100.0 / 1.1, "baseline faster"),        # exactly 1 / (1 + tolerance)
    (0.0, "baseline faster"),
])
def test_a_saturated_side_is_judged_on_throughput(challenger_rps: float, expected: str) -> None:
    row = judge(fake_result(100, 0.5, workers=1.0), fake_result(challenger_rps, 0.5, server="async"))
    assert row["basis"] == "throughput"
    assert row["baseline_saturated"] and not row["challenger_saturated"]
    assert row["speedup"] == pytest.approx(challenger_rps / 100)
    assert row["verdict"] == expected


def test_errors_alone_make_a_side_saturated() -> None:
    row = judge(fake_result(100, 0.05), fake_result(80, 0.01, error_rate=0.05, server="async"))
    assert (row["challenger_saturated"], row["basis"], row["verdict"]) == (True, "throughput", "baseline faster")
    row = judge(fake_result(100, 0.05), fake_result(100, 0.01, error_rate=0.005, server="async"))
    assert row["basis"] == "latency"  # 0.5 % is below the 1 % threshold


def test_every_error_kind_the_total_counts_has_a_column() -> None:
    # A process killed past its memory_limit fails its requests with out_of_memory:
    # the frame's error columns sum to the total the error rate counts.
    comparison = ss.Comparison.from_dict(small_comparison())
    killed = fake_result(100, 0.05, refused=2, out_of_memory=5, error_rate=0.07)
    frame = ss.ComparisonResult(comparison, {("db", 400, "sync"): killed,
                                             ("db", 400, "async"): fake_result(400, 0.1, server="async")}).frame
    row = frame.iloc[0]
    assert (row["errors_out_of_memory"], row["errors_refused"]) == (5, 2)
    columns = [column for column in frame.columns if column.startswith("errors_")]
    assert sum(int(row[column]) for column in columns) == killed.record.errors.total == 7


def test_no_answers_on_one_or_both_sides() -> None:
    row = judge(fake_result(0, math.nan, workers=1.0, error_rate=1.0), fake_result(500, 0.1, server="async"))
    assert (math.isinf(row["speedup"]), row["verdict"]) == (True, "holds")
    row = judge(fake_result(0, math.nan, cpu=1.0, error_rate=1.0),
                fake_result(0, math.nan, cpu=1.0, error_rate=1.0, server="async"))
    assert math.isnan(row["speedup"])
    assert row["verdict"] == "neither answers"


def test_swapping_the_sides_inverts_the_ratios() -> None:
    comparison = ss.Comparison.from_dict(small_comparison())
    result = ss.ComparisonResult(comparison, {("db", 400, "sync"): fake_result(100, 0.5, workers=1.0),
                                              ("db", 400, "async"): fake_result(400, 0.1, server="async")})
    forward = result.verdicts().iloc[0]
    backward = result.verdicts(baseline="async", challenger="sync").iloc[0]
    assert backward["throughput_ratio"] == pytest.approx(1 / forward["throughput_ratio"])
    assert (forward["verdict"], backward["verdict"]) == ("holds", "baseline faster")
    assert result.verdicts(factor=5).iloc[0]["verdict"] == "faster but < 5x"
    with pytest.raises(KeyError, match="no deployment named 'flask'"):
        result.verdicts(baseline="flask")
    with pytest.raises(ValueError, match="factor must be a number > 1"):
        result.verdicts(factor=1)
    with pytest.raises(ValueError, match="tolerance must be"):
        result.verdicts(tolerance=1.5)
    with pytest.raises(ValueError, match="both 'sync'"):
        result.verdicts(baseline="sync", challenger="sync")


@pytest.mark.parametrize(("server", "busy", "refused", "expected"), [
    ("sync", {"cpu": 0.99, "workers": 1.0, "gil": 1.0}, 0, "cpu"),  # the cores come first
    ("async", {"cpu": 0.5, "workers": 1.0, "gil": 0.5}, 0, "event loop"),
    ("sync", {"cpu": 0.3, "workers": 1.0, "gil": 0.97}, 0, "GIL"),  # threads waiting for one GIL
    ("sync", {"cpu": 0.3, "workers": 0.99, "gil": 0.3}, 0, "workers"),
    ("sync", {"cpu": 0.3, "workers": 0.9, "gil": 0.3}, 12, "backlog"),
    ("sync", {"cpu": 0.94, "workers": 0.94, "gil": 0.94}, 0, ""),
])
def test_the_saturated_resource(server: str, busy: dict[str, float], refused: int, expected: str) -> None:
    comparison = ss.Comparison.from_dict(small_comparison())
    other = "async" if server == "sync" else "sync"
    result = ss.ComparisonResult(comparison, {
        ("db", 400, server): fake_result(100, 0.1, refused=refused, server=server, **busy),
        ("db", 400, other): fake_result(100, 0.1, server=other)})
    frame = result.frame.set_index("deployment")
    assert frame.loc[server, "saturated"] == expected
    assert frame.loc[other, "saturated"] == ""


# -- a real run, against the bottlenecks ------------------------------------------------

@pytest.fixture(scope="module")
def small_result() -> ss.ComparisonResult:
    return ss.compare(ss.Comparison.from_dict(small_comparison(users=[2, 400])), threads=2)


def test_saturated_throughputs_are_the_bottleneck_rates(small_result: ss.ComparisonResult) -> None:
    # 400 users without think time saturate both deployments. 3 sync workers
    # each hold a request for 2 + 18 ms: 3 / 20 ms = 150 req/s. Each of 2
    # event loops spends only the 2 ms of Python per request (the 18 ms wait
    # is awaited): 2 / 2 ms = 1000 req/s, on 2 of the 8 cores. Completions
    # are paced by the bottleneck, so over 2 x 50 s (15,000 and 100,000 of
    # them) only the few in service at the window's edges blur the count: 1 %.
    # The mean response follows from the response-time law: N / X - Z.
    frame = small_result.frame.set_index(["users", "deployment"])
    sync, loops = frame.loc[(400, "sync")], frame.loc[(400, "async")]
    assert sync["throughput_rps"] == pytest.approx(150.0, rel=0.01)
    assert sync["saturated"] == "workers"
    assert sync["latency_mean_s"] == pytest.approx(400 / 150.0, rel=0.02)
    assert loops["throughput_rps"] == pytest.approx(1000.0, rel=0.01)
    assert loops["saturated"] == "event loop"
    assert loops["cpu_busy"] == pytest.approx(2 / 8, rel=0.01)
    assert loops["latency_mean_s"] == pytest.approx(400 / 1000.0, rel=0.02)
    verdict = small_result.verdicts().set_index("users").loc[400]
    assert verdict["throughput_ratio"] == pytest.approx(1000 / 150, rel=0.02)
    assert verdict["verdict"] == "holds"


def test_an_idle_pair_shows_no_real_difference(small_result: ss.ComparisonResult) -> None:
    # 2 users without think time on 3 workers or 2 loops never queue: every
    # answer takes the endpoint's 20 ms on either server.
    frame = small_result.frame.set_index(["users", "deployment"])
    for deployment in ("sync", "async"):
        assert frame.loc[(2, deployment), "latency_p50_s"] == pytest.approx(0.020, rel=0.01)
    verdict = small_result.verdicts().set_index("users").loc[2]
    assert (verdict["basis"], verdict["verdict"]) == ("latency", "no real difference")


def test_results_do_not_depend_on_threads(small_result: ss.ComparisonResult) -> None:
    again = ss.compare(small_result.comparison, threads=1)
    assert again.frame.equals(small_result.frame)
    assert list(small_result.results) == small_result.comparison.runs


def test_output_formats(small_result: ss.ComparisonResult) -> None:
    table = small_result.table()
    assert table.splitlines()[0] == "small"
    assert "Verdict on \"async is at least 3x faster than sync\"" in table
    report = small_result.report()
    for heading in ("# small", "## Deployments", "## Cases", "## Results", "## Verdicts", "## Assumptions"):
        assert f"\n{heading}\n" in f"\n{report}"
    document = json.loads(json.dumps(small_result.to_dict(), allow_nan=False))
    assert len(document["rows"]) == 4 and len(document["verdicts"]) == 2
    assert document["baseline"] == "sync"


def test_compare_checks_its_options() -> None:
    comparison = ss.Comparison.from_dict(small_comparison())
    with pytest.raises(ValueError, match="threads must be >= 1"):
        ss.compare(comparison, threads=0)
    with pytest.raises(TypeError, match="progress must be a bool"):
        ss.compare(comparison, progress="yes")  # type: ignore[arg-type]


def test_progress_bar_counts_runs(capsys: pytest.CaptureFixture[str]) -> None:
    comparison = ss.Comparison.from_dict(small_comparison(run={"duration": 5, "replications": 1}))
    ss.compare(comparison, progress=True)
    assert "2/2" in capsys.readouterr().err


# -- the command line -------------------------------------------------------------------

@pytest.fixture
def comparison_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(small_comparison(run={"duration": 20, "warmup": 5}), sort_keys=False))
    return path


def test_cli_compare_prints_table_and_writes_files(run_cli, comparison_file: Path, tmp_path: Path) -> None:
    report, csv = tmp_path / "out" / "report.md", tmp_path / "out" / "rows.csv"
    completed = run_cli("compare", comparison_file, "--report", report, "--csv", csv, "--threads", "2",
                        "--no-progress")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("small\n")
    assert "holds" in completed.stdout
    assert report.read_text().startswith("# small\n")
    assert csv.read_text().splitlines()[0].startswith("case,users,deployment,kind,throughput_rps")


def test_cli_compare_json(run_cli, comparison_file: Path) -> None:
    completed = run_cli("compare", comparison_file, "--json")
    assert completed.returncode == 0, completed.stderr
    document = json.loads(completed.stdout)
    assert [row["deployment"] for row in document["rows"]] == ["sync", "async"]
    assert document["verdicts"][0]["verdict"] == "holds"


def test_cli_compare_bad_file_exits_2_with_one_line(run_cli, tmp_path: Path) -> None:
    data = copy.deepcopy(small_comparison())
    data["deployments"]["async"]["workers"] = 0
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data))
    completed = run_cli("compare", path)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr == f"servesim: {path}: deployments.async.workers: must be an integer >= 1, got 0\n"
    missing = tmp_path / "missing.yaml"
    completed = run_cli("compare", missing)
    assert (completed.returncode, completed.stderr) == (2, f"servesim: {missing}: no such file\n")


# -- databases and services -------------------------------------------------------------

def dependency_comparison(**changes: Any) -> dict[str, Any]:
    """Flask on 4 sync workers against FastAPI on 2 Uvicorn processes, no framework
    overhead, 100 users without think time, for three cases that each only wait
    on a dependency (constant 10 ms queries, 20 ms calls):

    - ``read`` queries ``pg``, which runs 2 queries at once: 2 / 10 ms = 200 req/s
      on either server, whatever its pools (15 connections per process);
    - ``pooled`` queries ``replica`` (50 connections) through pools of one
      connection per process: a sync worker needs no more (one request at a
      time), 4 / 10 ms = 400 req/s; FastAPI's 2 processes have 2 connections in
      all: 2 / 10 ms = 200 req/s, whatever its loops could await;
    - ``pay`` calls ``payments``, which serves 4 calls at once: 4 / 20 ms =
      200 req/s on either server.

    The users think 1 ms, so they connect at distinct instants and their
    keep-alive connections spread evenly over FastAPI's processes (a burst of
    connects at one instant may all stay in one: docs/scenario-format.md,
    Connections); the response-time law's N / X - Z moves by 1 ms of 500.
    """
    data: dict[str, Any] = {
        "name": "same-database",
        "hosts": {"app": {"cores": 8}},
        "deployments": {
            "flask": {"kind": "gunicorn-sync", "workers": 4, "framework": "none"},
            "fastapi": {"kind": "uvicorn", "workers": 2, "framework": "none"},
        },
        "databases": {
            "pg": {"connections": 2, "query_time": "10ms"},
            "replica": {"connections": 50, "query_time": "10ms", "pool": {"size": 1, "max_overflow": 0}},
        },
        "services": {"payments": {"latency": "20ms", "concurrency": 4}},
        "cases": {
            "read": {"style": "async", "phases": [{"db": "pg"}]},
            "pooled": {"style": "async", "phases": [{"db": "replica"}]},
            "pay": {"style": "async", "phases": [{"call": "payments"}]},
        },
        "users": [100],
        "think_time": "1ms",
        "run": {"duration": 30, "warmup": 5, "replications": 2, "seed": 4},
    }
    data.update(changes)
    return data


def test_databases_and_services_go_verbatim_into_every_scenario() -> None:
    data = dependency_comparison()
    comparison = ss.Comparison.from_dict(data)
    assert comparison.databases == ["pg", "replica"] and comparison.services == ["payments"]
    for deployment, case, users in [("flask", "read", 100), ("fastapi", "pay", 7)]:
        scenario = comparison.scenario(deployment, case, users)
        assert scenario.databases == ["pg", "replica"] and scenario.services == ["payments"]
        document = scenario.to_dict()
        assert document["databases"]["pg"]["connections"] == 2
        assert document["databases"]["replica"]["pool"]["size"] == 1
        assert document["databases"]["replica"]["query_time"] == {"dist": "constant", "value": 0.01}
        assert document["services"]["payments"]["concurrency"] == 4
    # A db or call phase is a wait the engine places itself (held thread,
    # awaited on a loop), so the case's phases reach each server unchanged.
    flask = comparison.scenario("flask", "read", 100).to_dict()["endpoints"]["read"]
    fastapi = comparison.scenario("fastapi", "read", 100).to_dict()["endpoints"]["read"]
    assert (flask["phases"], flask["server"], "style" in flask) == ([{"db": {"database": "pg"}}], "flask", False)
    assert (fastapi["phases"], fastapi["server"], fastapi["style"]) == ([{"db": {"database": "pg"}}], "fastapi",
                                                                        "async")
    plain = ss.Comparison.from_dict(small_comparison())
    assert (plain.databases, plain.services) == ([], [])
    assert plain.scenario("sync", "db", 10).to_dict()["databases"] == {}


@pytest.mark.parametrize(("kind", "style", "expected"), [
    ("gunicorn-sync", "async", "io"),
    ("uvicorn", "sync", "io"),
    ("uvicorn", "async", "blocking_io"),
    ("gunicorn-gevent", "async", "blocking_io"),
])
def test_blocking_io_in_a_cache_follows_the_same_rule(kind: str, style: str, expected: str) -> None:
    # The lookup is a blocking client (redis-py) in both branches; a miss
    # then queries the database, which stays a db phase everywhere.
    lookup = {"blocking_io": "1ms"}
    data = dependency_comparison(
        deployments={"one": {"kind": kind}},
        cases={"cached": {"style": style, "phases": [
            {"cpu": "1ms"}, {"cache": {"hit_ratio": 0.8, "hit": [lookup], "miss": [lookup, {"db": "pg"}]}}]}})
    endpoint = ss.Comparison.from_dict(data).scenario("one", "cached", 10).to_dict()["endpoints"]["cached"]
    cache = endpoint["phases"][1]["cache"]
    assert cache["hit_ratio"] == 0.8
    wait = {"dist": "constant", "value": 0.001}
    assert cache["hit"] == [{expected: wait}]
    assert cache["miss"] == [{expected: wait}, {"db": {"database": "pg"}}]
    assert data["cases"]["cached"]["phases"][1]["cache"]["hit"] == [lookup]  # the input is untouched


def _with_dependency_case(*phases: dict[str, Any]) -> dict[str, Any]:
    return dependency_comparison(cases={"read": {"phases": list(phases)}})


BAD_DEPENDENCIES = [
    (_with_dependency_case({"db": "mysql"}), "cases.read.phases[0].db", "no database named 'mysql'"),
    (_with_dependency_case({"db": "pgg"}), "cases.read.phases[0].db", "did you mean 'pg'?"),
    (_with_dependency_case({"cache": {"hit_ratio": 0.5, "miss": [{"call": "billing"}]}}),
     "cases.read.phases[0].cache.miss[0].call", "no service named 'billing'"),
    (small_comparison(cases={"db": {"phases": [{"db": "pg"}]}}), "cases.db.phases[0].db",
     "no database named 'pg'"),
    (dependency_comparison(databases={"pg": {"pool": {"size": 0}}}), "databases.pg.pool.size",
     "must be an integer >= 1, got 0"),
    (dependency_comparison(services={"payments": {"latency": "20ms", "concurency": 4}}),
     "services.payments.concurency", "did you mean 'concurrency'?"),
    (small_comparison(database={}), "database", "unknown key; did you mean 'databases'?"),
]


@pytest.mark.parametrize(("data", "path", "detail"), BAD_DEPENDENCIES,
                         ids=[f"{path}:{detail[:30]}" for _, path, detail in BAD_DEPENDENCIES])
def test_bad_dependencies_are_named(data: dict[str, Any], path: str, detail: str) -> None:
    with pytest.raises(ss.ScenarioError) as caught:
        ss.Comparison.from_dict(data)
    assert caught.value.path == path
    assert detail in caught.value.detail
    assert str(caught.value) == f"{path}: {caught.value.detail}"


@pytest.mark.parametrize(("busy", "databases", "services", "expected"), [
    # A worker held by a saturated database is a symptom: the database is named.
    ({"workers": 1.0}, {"pg": (0.99, 1.0), "replica": (0.1, 0.0)}, {}, "database pg"),
    ({"workers": 1.0}, {"pg": (0.3, 0.0), "replica": (0.99, 0.0)}, {}, "database replica"),
    # A full database also fills the pools in front of it; the database is the cause.
    ({"workers": 1.0}, {"pg": (0.97, 0.99), "replica": (0.0, 0.0)}, {}, "database pg"),
    ({"workers": 0.5}, {"pg": (0.1, 0.0), "replica": (0.2, 0.96)}, {}, "pool replica"),
    ({"workers": 1.0}, {"pg": (0.1, 0.94)}, {"payments": 3.9}, "service payments"),  # 3.9 of 4
    ({"workers": 1.0}, {}, {"payments": 3.7}, "workers"),                            # 93 %
    ({"cpu": 0.99, "workers": 1.0}, {"pg": (1.0, 1.0)}, {"payments": 4.0}, "cpu"),   # cores first
])
def test_the_saturated_dependency(busy: dict[str, float], databases: dict[str, tuple[float, float]],
                                  services: dict[str, float], expected: str) -> None:
    comparison = ss.Comparison.from_dict(dependency_comparison(users=[400]))
    runs = {run: fake_result(100, 0.1, server=run[2]) for run in comparison.runs}
    runs[("read", 400, "flask")] = fake_result(100, 0.1, server="flask", databases=databases,
                                               services=services, **busy)
    frame = ss.ComparisonResult(comparison, runs).frame.set_index(["case", "deployment"])
    assert frame.loc[("read", "flask"), "saturated"] == expected
    assert frame.loc[("read", "fastapi"), "saturated"] == ""
    if "payments" in services:
        assert frame.loc[("read", "flask"), "service_busy_payments"] == pytest.approx(services["payments"] / 4)


@pytest.mark.parametrize(("baseline", "challenger", "note"), [
    ("database pg", "database pg", " (both limited by database pg)"),
    ("workers", "pool replica", " (fastapi limited by pool replica)"),
    ("database pg", "service payments", " (flask limited by database pg; fastapi limited by service payments)"),
    ("workers", "event loop", ""),
])
def test_verdicts_name_a_limiting_dependency(baseline: str, challenger: str, note: str) -> None:
    comparison = ss.Comparison.from_dict(dependency_comparison())

    def saturated_on(resource: str, server: str, throughput: float) -> ss.Result:
        kind, _, name = resource.partition(" ")
        if kind == "database":
            return fake_result(throughput, 0.5, server=server, workers=1.0, databases={name: (1.0, 1.0)})
        if kind == "pool":
            return fake_result(throughput, 0.5, server=server, databases={name: (0.1, 1.0)})
        if kind == "service":
            return fake_result(throughput, 0.5, server=server, services={name: 4.0})
        return fake_result(throughput, 0.5, server=server, workers=1.0)

    runs = {run: fake_result(100, 0.1, server=run[2]) for run in comparison.runs}
    runs[("read", 100, "flask")] = saturated_on(baseline, "flask", 200.0)
    runs[("read", 100, "fastapi")] = saturated_on(challenger, "fastapi", 202.0)
    row = ss.ComparisonResult(comparison, runs).verdicts().set_index("case").loc["read"]
    assert (row["baseline_bottleneck"], row["challenger_bottleneck"]) == (baseline, challenger)
    assert row["verdict"] == "no real difference" + note


@pytest.fixture(scope="module")
def dependency_result() -> ss.ComparisonResult:
    return ss.compare(ss.Comparison.from_dict(dependency_comparison()), threads=2)


def test_a_shared_bottleneck_caps_both_servers(dependency_result: ss.ComparisonResult) -> None:
    # The bounds of dependency_comparison's docstring, from the bottleneck
    # alone: a station of c servers busy all the time completes c / S per
    # second. 100 users keep every bottleneck busy, so the throughput is the
    # bound; only the requests in service at each window edge (at most c per
    # replication, against c / S x 25 s = 5,000 or more completions) blur the
    # count: c / (c / S x 25 s) = 0.04 %, so 0.5 % is ample. The response-time
    # law gives the mean response: N / X with no think time.
    frame = dependency_result.frame.set_index(["case", "deployment"])
    window = 30 - 5
    bounds = {("read", "flask"): (2 / 0.010, "database pg"), ("read", "fastapi"): (2 / 0.010, "database pg"),
              ("pooled", "flask"): (4 / 0.010, "workers"), ("pooled", "fastapi"): (2 / 0.010, "pool replica"),
              ("pay", "flask"): (4 / 0.020, "service payments"),
              ("pay", "fastapi"): (4 / 0.020, "service payments")}
    for (case, deployment), (bound, bottleneck) in bounds.items():
        row = frame.loc[(case, deployment)]
        edge = 4 / (bound * window)
        assert row["throughput_rps"] <= bound * (1 + edge), (case, deployment)
        assert row["throughput_rps"] == pytest.approx(bound, rel=0.005), (case, deployment)
        assert row["latency_mean_s"] == pytest.approx(100 / bound, rel=0.01), (case, deployment)
        assert row["saturated"] == bottleneck, (case, deployment)
        assert row["error_rate"] == 0.0
    # The database runs its 2 connections flat out; the pool of one connection
    # per process is checked out by each request of a sync worker, never waited
    # for, while FastAPI's 100 requests queue for its 2 connections.
    assert frame.loc[("read", "flask"), "database_busy_pg"] == pytest.approx(1.0, abs=1e-3)
    assert frame.loc[("pooled", "flask"), "pool_waited_replica"] == 0.0
    assert frame.loc[("pooled", "fastapi"), "pool_waited_replica"] == pytest.approx(1.0, abs=0.01)
    assert frame.loc[("pooled", "fastapi"), "database_busy_replica"] == pytest.approx(2 / 50, rel=0.01)
    # Little's law at FastAPI's pools: 98 requests wait for 2 connections
    # each 10 ms, so a checkout waits 98 / 200 req/s = 490 ms.
    assert frame.loc[("pooled", "fastapi"), "mean_pool_wait_s_replica"] == pytest.approx(0.490, rel=0.01)
    assert frame.loc[("pay", "fastapi"), "service_busy_payments"] == pytest.approx(1.0, abs=1e-3)


def test_the_verdict_names_the_database(dependency_result: ss.ComparisonResult) -> None:
    verdicts = dependency_result.verdicts().set_index("case")
    assert verdicts.loc["read", "verdict"] == "no real difference (both limited by database pg)"
    assert verdicts.loc["pay", "verdict"] == "no real difference (both limited by service payments)"
    # A sync worker needs one connection; an event loop is limited by its pool.
    assert verdicts.loc["pooled", "throughput_ratio"] == pytest.approx(0.5, rel=0.01)
    assert verdicts.loc["pooled", "verdict"] == "baseline faster (fastapi limited by pool replica)"
    table = dependency_result.table()
    assert "db pg %" in table and "pool replica waits %" in table and "svc payments %" in table
    assert "pg: database, connections 2, query_time 10ms" in table
    report = dependency_result.report()
    assert "\n## Databases and services\n" in report
    assert "- **read** (`async def`): query on pg" in report
    assert "both limited by database pg" in report
    rows = dependency_result.to_dict()["rows"]
    assert {"errors_pool_timeout", "errors_downstream", "database_busy_pg"} <= set(rows[0])


# -- three deployments, and files of either kind (issue 13.8) --------------------------------

def test_verdicts_cover_every_challenger_against_the_baseline() -> None:
    # Three deployments: the first is the baseline and each other one is judged
    # against it on its own rows, none left out silently.
    data = small_comparison()
    data["deployments"]["threads"] = {"kind": "gunicorn-gthread", "workers": 2, "threads": 4, "framework": "none"}
    comparison = ss.Comparison.from_dict(data)
    result = ss.ComparisonResult(comparison, {
        ("db", 400, "sync"): fake_result(100, 0.5, workers=1.0),
        ("db", 400, "async"): fake_result(400, 0.1, server="async"),
        ("db", 400, "threads"): fake_result(200, 0.2, server="threads")})
    verdicts = result.verdicts()
    assert verdicts.attrs == {"baseline": "sync", "challenger": None, "factor": 3.0}
    assert list(verdicts["challenger"]) == ["async", "threads"]
    assert list(verdicts["throughput_ratio"]) == pytest.approx([4.0, 2.0])
    assert list(verdicts["verdict"]) == ["holds", "faster but < 3x"]
    # One pair when asked for one.
    pair = result.verdicts(challenger="threads")
    assert (pair.attrs["challenger"], list(pair["challenger"])) == ("threads", ["threads"])
    table = result.table()
    assert 'Verdict on "each of async, threads is at least 3x faster than sync"' in table
    assert "challenger" in table.splitlines()[-3]
    document = result.to_dict()
    assert (document["challenger"], document["challengers"]) == (None, ["async", "threads"])
    assert [row["challenger"] for row in document["verdicts"]] == ["async", "threads"]
    assert "| threads |" in result.report()


def test_a_scenario_file_is_not_a_comparison(tmp_path: Path) -> None:
    scenario = REPO_ROOT / "scenarios" / "two-sync-workers.yaml"
    with pytest.raises(ss.ScenarioError, match="this is a scenario file") as caught:
        ss.Comparison.from_yaml(scenario)
    assert caught.value.path == str(scenario)


def test_cli_compare_on_a_scenario_file_says_so(run_cli) -> None:
    scenario = REPO_ROOT / "scenarios" / "two-sync-workers.yaml"
    completed = run_cli("compare", scenario)
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"servesim: {scenario}: this is a scenario file")
    assert "servesim run" in completed.stderr and len(completed.stderr.splitlines()) == 1


def test_cli_validate_takes_both_kinds_and_several_files(run_cli, comparison_file: Path, tmp_path: Path) -> None:
    scenario = REPO_ROOT / "scenarios" / "two-sync-workers.yaml"
    completed = run_cli("validate", FLAGSHIP, scenario, comparison_file)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines() == [
        f"{FLAGSHIP}: ok (comparison flask-vs-fastapi: 2 deployment(s), 6 case(s), 3 user count(s), 36 runs)",
        f"{scenario}: ok (two-sync-workers: 1 server(s), 1 endpoint(s))",
        f"{comparison_file}: ok (comparison small: 2 deployment(s), 1 case(s), 1 user count(s), 2 runs)"]
    # A bad file is reported on its own line; the others are still checked.
    bad = tmp_path / "bad.yaml"
    bad.write_text(comparison_file.read_text().replace("workers: 3", "workers: 0"))
    completed = run_cli("validate", bad, scenario)
    assert completed.returncode == 2
    assert completed.stderr == f"servesim: {bad}: deployments.sync.workers: must be an integer >= 1, got 0\n"
    assert completed.stdout == f"{scenario}: ok (two-sync-workers: 1 server(s), 1 endpoint(s))\n"
