"""The reports beyond 0.1.0's five, custom reports, the Calls layout switch and progress traces,
read against the sandbox by the console script."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from importlib import resources
from typing import Any

import jsonschema

from integration_tests.connector_runner import SyncOutput, run_source
from integration_tests.talkdesk_sandbox import TalkdeskSandbox, TalkdeskSandboxSettings
from integration_tests.talkdesk_sandbox.reports import DOCUMENTED_FRESHNESS_S
from source_talkdesk_explore.streams import STREAM_CLASSES

from .sync_helpers import SCRIPT, STREAMS, days_ago, iso, keys, read, truth, watermark

SCHEMAS = {
    name: json.loads(
        resources.files("source_talkdesk_explore").joinpath(f"schemas/{name}.json").read_text()
    )
    for name in STREAMS
}
DEFAULT_LAGS = {stream.report_type: stream.freshness_lag for stream in STREAM_CLASSES}
CUSTOM = {
    "name": "csat_answers",
    "report_type": "csat_survey_answers",
    "cursor_field": "answered_at",
    "primary_key": ["record_id"],
}


def estimates(output: SyncOutput, stream: str) -> list[int]:
    return [
        message["trace"]["estimate"]["row_estimate"]
        for message in output.of_type("TRACE")
        if message["trace"]["type"] == "ESTIMATE" and message["trace"]["estimate"]["name"] == stream
    ]


def assert_valid(schema: dict[str, Any], records: list[dict[str, Any]]) -> None:
    validator = jsonschema.Draft7Validator(schema)
    for record in records:
        problems = [error.message for error in validator.iter_errors(record)]
        assert not problems, (problems, json.dumps(record)[:300])


def test_every_stream_delayed_by_its_documented_freshness_is_continued_without_loss() -> None:
    settings = TalkdeskSandboxSettings(job_duration_s=0.1, freshness_by_type=DOCUMENTED_FRESHNESS_S)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 3)
        first = read(sandbox.config(start_date=iso(start), freshness_lag_minutes=240))
        # The next sync uses each report's own lag, shorter than four hours for every one.
        second = read(sandbox.config(start_date=iso(start)), state=first.final_states())
        now = sandbox.now
    assert first.returncode == second.returncode == 0, second.errors()
    for stream in STREAMS:
        middle, end = watermark(first, stream), watermark(second, stream)
        assert keys(stream, first.records(stream)) == truth(sandbox, stream, start, middle), stream
        # Exactly the new part: no row lost to the report's delay, none read twice.
        assert keys(stream, second.records(stream)) == truth(sandbox, stream, middle, end), stream
        assert timedelta(0) <= (now - end) - DEFAULT_LAGS[stream] < timedelta(minutes=1), stream
        assert_valid(SCHEMAS[stream], first.records(stream) + second.records(stream))
        # The last estimate of a read is its row count, known once its last window is read.
        assert estimates(second, stream)[-1] == len(second.records(stream)), stream
        assert second.summaries()[stream]["records"] == str(len(second.records(stream)))


def test_calls_are_read_in_both_layouts_when_the_payload_changes_mid_history() -> None:
    # The first three jobs are answered in the layout of requests before 2026-05-11.
    settings = TalkdeskSandboxSettings(job_duration_s=0.05, legacy_calls_jobs=3)
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 60)
        config = sandbox.config(start_date=iso(start), window_in_days=7, max_concurrent_jobs=1)
        output = read(config, ["calls"])
    assert output.returncode == 0, output.errors()
    records = output.records("calls")
    assert keys("calls", records) == truth(sandbox, "calls", start, watermark(output, "calls"))
    layouts = Counter("call_type" in record for record in records)
    assert layouts[True] > 0 and layouts[False] > 0
    legacy = [record for record in records if "call_type" in record]
    # Key and cursor are found in either layout; the legacy columns stay as Talkdesk sent them.
    assert all(r["call_id"] == r["interaction_id"] and r["end_at"] == r["end_time"] for r in legacy)
    assert {r["in_business_hours?"] for r in legacy} <= {"TRUE", "FALSE", None}
    assert records.index(legacy[-1]) < len(legacy)  # the early windows, then the switch
    assert_valid(SCHEMAS["calls"], records)


def test_a_custom_report_is_read_with_the_same_job_cycle_and_continued() -> None:
    settings = TalkdeskSandboxSettings(
        job_duration_s=0.05, custom_report_types={"csat_survey_answers": "answered_at"}
    )
    with TalkdeskSandbox(settings) as sandbox:
        start = days_ago(sandbox, 20)
        config = sandbox.config(start_date=iso(start), custom_reports=[CUSTOM])
        first = read({**config, "freshness_lag_minutes": 600}, ["csat_answers"])
        second = read(config, ["csat_answers"], first.final_states())
        discovered = _discover_schema(config, "csat_answers")
    assert first.returncode == second.returncode == 0, second.errors()
    middle, end = watermark(first, "csat_answers"), watermark(second, "csat_answers")

    def ids(rows: list[dict[str, Any]]) -> Counter[str]:
        return Counter(row["record_id"] for row in rows)

    assert ids(first.records()) == ids(sandbox.rows("csat_survey_answers", start, middle))
    assert ids(second.records()) == ids(sandbox.rows("csat_survey_answers", middle, end))
    assert first.summaries()["csat_answers"]["windows"] == "3/3"
    assert_valid(discovered, first.records() + second.records())
    assert not [w for w in second.logs("WARN") if "csat_answers" in w]


def _discover_schema(config: dict[str, Any], stream: str) -> dict[str, Any]:
    catalog = run_source(SCRIPT, "discover", config).of_type("CATALOG")
    (found,) = [s for s in catalog[0]["catalog"]["streams"] if s["name"] == stream]
    assert found["source_defined_primary_key"] == [["record_id"]]
    assert found["default_cursor_field"] == ["answered_at"]
    return dict(found["json_schema"])
