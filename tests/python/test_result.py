"""Result: typed records, confidence intervals, frames, summary table."""

from __future__ import annotations

import json
import math

import pytest
import servesim as ss


@pytest.fixture(scope="module")
def result(make_scenario) -> ss.Result:
    return ss.simulate(make_scenario(workers=2, rate=120, duration_s=120, replications=3))


def test_latency_is_a_read_only_record_in_seconds(result: ss.Result) -> None:
    latency = result.latency
    assert isinstance(latency, ss.LatencyStats)
    with pytest.raises(AttributeError):
        latency.p99 = 0.0  # type: ignore[misc]
    # 10 ms exponential service at rho = 0.6: response times of tens of ms, not ms or s.
    assert 0.01 < latency.mean < 0.1
    assert latency.p50 <= latency.p90 <= latency.p95 <= latency.p99 <= latency.p999 <= latency.max
    raw = result.to_dict()["latency"]
    assert ss.records.as_dict(latency) == raw


def test_estimates(result: ss.Result) -> None:
    estimate = result.ci("throughput")
    assert isinstance(estimate, ss.ConfidenceInterval)
    assert estimate == result.throughput_ci
    assert estimate.value == result.throughput
    assert estimate.samples == 3
    assert estimate.lower == estimate.value - estimate.half_width
    assert estimate.value in estimate
    assert result.ci("worker_busy.web") == result.worker_busy["web"]
    assert result.ci("cpu_utilization.app") == result.cpu_utilization["app"]
    assert result.ci("latency.mean").value == result.latency.mean
    # No SLO: every answer is goodput.
    assert result.ci("goodput") == result.ci("goodput.work") == result.goodput_ci
    assert result.goodput == result.throughput
    with pytest.raises(KeyError, match="known: throughput"):
        result.ci("latency.p42")


def test_counts_and_errors(result: ss.Result) -> None:
    frame = result.to_frame()
    assert result.completed == frame["completed"].sum()
    assert set(result.errors) == {"refused", "client_timeout", "unavailable", "worker_killed",
                                 "pool_timeout", "downstream", "out_of_memory"}
    assert 0.0 <= result.error_rate <= 1.0


def test_to_frame_has_one_named_row_per_replication(result: ss.Result) -> None:
    frame = result.to_frame()
    assert len(frame) == 3
    assert list(frame["replication"]) == [0, 1, 2]
    for column in ("warmup_s", "measured_duration_s", "arrivals", "completed", "throughput_rps",
                   "errors_refused", "errors_client_timeout", "errors_total",
                   "latency_mean_s", "latency_p50_s", "latency_p90_s", "latency_p95_s",
                   "latency_p99_s", "latency_p999_s", "latency_max_s",
                   "little_mean_in_system", "little_relative_error",
                   "cpu_utilization_app", "worker_busy_web", "mean_queue_length_web", "events"):
        assert column in frame.columns, column
    assert (frame["throughput_rps"] * frame["measured_duration_s"]).round().tolist() == \
        frame["completed"].tolist()


def test_timeline_frame_covers_every_replication(result: ss.Result) -> None:
    timeline = result.timeline_frame()
    assert set(timeline["replication"]) == {0, 1, 2}
    assert list(timeline.columns) == ["replication", "start_s", "end_s", "arrivals", "retries",
                                      "completed", "errors", "arrival_rps", "throughput_rps",
                                      "goodput_rps", "mean_latency_s", "p50_latency_s",
                                      "p99_latency_s", "queue_web", "busy_web", "cpu_app"]
    first = timeline[timeline["replication"] == 0]
    assert first["start_s"].iloc[0] == 0.0
    assert first["end_s"].iloc[-1] == pytest.approx(120.0)
    assert (first["end_s"] > first["start_s"]).all()


def test_endpoints_frame(result: ss.Result) -> None:
    endpoints = result.endpoints_frame()
    assert list(endpoints["endpoint"]) == ["work"]
    row = endpoints.iloc[0]
    assert row["completed"] == result.completed
    assert row["throughput_rps"] == pytest.approx(result.throughput)
    assert row["latency_p99_s"] == pytest.approx(result.latency.p99)


def test_summary_shows_the_numbers(result: ss.Result) -> None:
    text = result.summary()
    assert text.splitlines()[0].startswith("small: 3 replications")
    assert f"{result.throughput:,.2f}" in text
    assert f"± {result.throughput_ci.half_width:.2f}" in text
    for value in (result.latency.mean, result.latency.p50, result.latency.p99,
                  result.latency.p999, result.latency.max):
        assert f"{value * 1e3:,.3f}" in text
    assert f"{result.completed:,}" in text
    errors_line = next(line for line in text.splitlines() if line.split()[0] == "errors")
    assert errors_line.split() == ["errors", "0"]  # kinds are listed only when they occur
    assert f"{result.cpu_utilization['app'].value * 100:.1f}" in text
    assert f"{result.worker_busy['web'].value * 100:.1f}" in text
    assert "Little's law" in text
    # Aligned: every value ends in the same column.
    value_rows = [line for line in text.splitlines()[1:] if "ms" in line]
    assert len({line.index(" ms") for line in value_rows}) == 1


def test_to_dict_is_plain_json_and_rebuilds_the_result(result: ss.Result) -> None:
    data = json.loads(result.to_json())
    assert data == result.to_dict()
    assert ss.Result(data) == result
    data["completed"] = -1  # a copy
    assert result.completed >= 0


def test_repr_is_short(result: ss.Result) -> None:
    assert repr(result).startswith("<Result 'small': ")
    assert len(repr(result)) < 200


def test_queued_fraction_is_erlang_c_territory(make_scenario) -> None:
    # Two workers at 80 % load: Erlang C gives P(wait) = 32/45 = 0.711; a short
    # run lands within a few hundredths, far from 0 and 1.
    result = ss.simulate(make_scenario(rate=160, duration_s=300, replications=4, seed=4))
    queued = result.queued_fraction["web"]
    assert abs(queued.value - 32 / 45) < 0.05
    assert result.ci("queued_fraction.web") == queued
    assert "queued web" in result.summary()


def test_timeline_latency_is_nan_for_intervals_without_completions(make_scenario) -> None:
    # 1 request per second on average, 100 intervals of 0.2 s: most intervals are empty.
    frame = ss.simulate(make_scenario(rate=1, duration_s=20, warmup_s=0)).timeline_frame()
    empty = frame[frame["completed"] == 0]
    assert len(empty) > 0
    assert empty["mean_latency_s"].isna().all()
    assert frame.loc[frame["completed"] > 0, "mean_latency_s"].notna().all()


def test_records_are_the_bound_cpp_records(result: ss.Result) -> None:
    # One field list: the record's attributes are the JSON's keys.
    data = result.to_dict()
    server = result.record.servers[0]
    assert isinstance(server, ss.records.ServerSummary)
    assert server.worker_busy_fraction.value == data["servers"][0]["worker_busy_fraction"]
    replication = result.record.replications[0]
    assert set(type(replication).fields) == set(data["replications"][0])
    assert "fields" in dir(ss.records.IntervalStats)


def test_result_from_a_dict_is_strict(result: ss.Result) -> None:
    data = result.to_dict()
    del data["servers"][0]["gil_busy_fraction_ci"]
    with pytest.raises(ss.EngineError, match=r"result\.servers\[0\]\.gil_busy_fraction_ci is missing"):
        ss.Result(data)
    data = result.to_dict()
    data["latency"]["p42"] = 0.1
    with pytest.raises(ss.EngineError, match=r"result\.latency\.p42 is not a known field"):
        ss.Result(data)


def test_a_run_that_completes_nothing_has_no_data(make_scenario) -> None:
    # 100 s of CPU per request in a 5 s run: nothing completes (issue 13.6). No
    # latency exists: None on records, null in JSON, NaN in frames, "no data" in
    # the table; never 0.000 ms.
    scenario = make_scenario(rate=1, mean_service_ms=100_000, duration_s=5, warmup_s=0, replications=2)
    scenario["endpoints"]["work"]["phases"] = [{"cpu": {"dist": "constant", "value": "100s"}}]
    result = ss.simulate(scenario)
    assert result.completed == 0
    assert result.latency.mean is None and result.latency.p99 is None and result.latency.max is None
    assert result.latency_ci["p99"].value is None and result.latency_ci["p99"].samples == 0
    assert str(result.latency_ci["mean"]) == "no data"
    assert result.record.replications[0].latency.p50 is None
    assert result.throughput == 0.0
    data = result.to_dict()
    assert data["latency"]["mean"] is None and data["latency_ci"]["mean"] is None
    assert json.loads(result.to_json())["replications"][0]["timeline"][0]["mean_latency"] is None
    assert ss.Result(data) == result
    assert math.isnan(result.to_frame()["latency_mean_s"].iloc[0])
    assert result.endpoints_frame()["latency_p99_s"].isna().all()
    assert result.timeline_frame()["mean_latency_s"].isna().all()
    text = result.summary()
    latency_rows = [line for line in text.splitlines() if line.strip().startswith("latency")]
    assert latency_rows and all(line.split()[-2:] == ["no", "data"] for line in latency_rows)
    assert "mean no data" in repr(result)


def test_a_prediction_is_its_own_record(make_scenario) -> None:
    # M/M/2 at 120 req/s, 10 ms: the estimate is exact (Erlang C), and it is a
    # Prediction with its own fields, not a Result with zero counts.
    prediction = ss.estimate(make_scenario(workers=2, rate=120))
    assert isinstance(prediction, ss.Prediction) and not hasattr(prediction, "completed")
    document = json.loads(prediction.to_json())
    assert set(document) == set(ss.Prediction.fields)
    assert document["saturation_rate"] == pytest.approx(200.0)
    assert document["latency"]["max"] is None and prediction.latency.max == math.inf
    assert document["saturation_population"] is None and prediction.saturation_population is None
    assert (prediction.server, prediction.host) == ("web", "app")
    assert prediction.summary().splitlines()[0] == "small: analytic estimate"
