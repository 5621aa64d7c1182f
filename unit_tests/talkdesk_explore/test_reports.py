"""The shipped report streams, custom reports, per-report lags, both Calls layouts, ESTIMATE traces."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests_mock
from airbyte_cdk.models import FailureType, SyncMode, TraceType
from airbyte_cdk.test.catalog_builder import CatalogBuilder
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_common.datetimes import format_utc, utc_now
from source_talkdesk_explore import SourceTalkdeskExplore
from source_talkdesk_explore.streams import STREAM_CLASSES, Calls, build_streams
from source_talkdesk_explore.sync_context import SyncContext

from .factories import config, raw_config, utc
from .test_read import FakeExplore

CUSTOM = {"name": "feedback", "report_type": "feedback", "cursor_field": "submitted_at"}


def streams(**overrides: Any) -> dict[str, Any]:
    found = SourceTalkdeskExplore().streams(raw_config(**overrides))
    return {stream.name: stream for stream in found}


def test_the_nine_shipped_streams_declare_their_key_and_cursor_in_their_schema() -> None:
    shipped = streams()
    assert list(shipped) == [stream.report_type for stream in STREAM_CLASSES]
    assert len(shipped) == 9
    for name, stream in shipped.items():
        airbyte = stream.as_airbyte_stream()
        columns = airbyte.json_schema["properties"]
        assert stream.cursor_field in columns, name
        assert all(path[0] in columns for path in airbyte.source_defined_primary_key or []), name
        assert airbyte.json_schema["additionalProperties"] is True, name


def test_a_custom_report_is_a_stream_with_a_permissive_schema_of_its_key_and_cursor() -> None:
    custom = streams(custom_reports=[{**CUSTOM, "primary_key": ["feedback_id", "question"]}])
    airbyte = custom["feedback"].as_airbyte_stream()
    assert airbyte.default_cursor_field == ["submitted_at"]
    assert airbyte.source_defined_primary_key == [["feedback_id"], ["question"]]
    assert set(airbyte.json_schema["properties"]) == {"feedback_id", "question", "submitted_at"}
    assert airbyte.json_schema["additionalProperties"] is True
    assert custom["feedback"].path() == "data/reports/feedback/jobs"


def test_a_custom_report_without_a_key_has_none() -> None:
    airbyte = streams(custom_reports=[CUSTOM])["feedback"].as_airbyte_stream()
    assert airbyte.source_defined_primary_key is None


@pytest.mark.parametrize(
    ("reports", "fragment"),
    [
        pytest.param(
            [{**CUSTOM, "name": "calls"}], "'calls' is a stream the source ships", id="shipped-name"
        ),
        pytest.param(
            [CUSTOM, {**CUSTOM, "report_type": "other"}], "the name is used twice", id="duplicate"
        ),
        pytest.param(
            [{**CUSTOM, "cursor_field": " "}], "'cursor_field' is required", id="no-cursor"
        ),
        pytest.param(
            [{"name": "x", "cursor_field": "t"}], "'report_type' is required", id="no-type"
        ),
        pytest.param(
            [{**CUSTOM, "report_type": "../calls"}], "not an Explore report type", id="bad-slug"
        ),
        pytest.param(
            [{**CUSTOM, "name": "my report"}], "letters, digits and underscores", id="bad-name"
        ),
        pytest.param([{**CUSTOM, "primary_key": [1]}], "primary_key must be a list", id="bad-key"),
        pytest.param({"name": "x"}, "custom_reports must be a list", id="not-a-list"),
    ],
)
def test_a_bad_custom_report_is_a_config_error_that_says_what_to_fix(
    reports: Any, fragment: str
) -> None:
    with pytest.raises(AirbyteTracedException) as raised:
        config(custom_reports=reports)
    assert raised.value.failure_type == FailureType.config_error
    assert fragment in (raised.value.message or "")


def horizons(**overrides: Any) -> dict[str, Any]:
    now = utc(2026, 3, 1, 12)
    context = SyncContext(config(**overrides), now=now)
    try:
        return {
            stream.name: now - stream.plan(SyncMode.full_refresh, None, now)[-1].end
            for stream in build_streams(context)
        }
    finally:
        context.close()


def test_each_report_stops_at_its_own_freshness_lag() -> None:
    lags = horizons(start_date="2026-02-25T00:00:00Z")
    assert lags["user_status"] == timedelta(minutes=2)
    assert lags["studio_flow_execution"] == lags["calls"] == timedelta(minutes=10)
    assert lags["audit_logs"] == timedelta(minutes=75)


def test_freshness_lag_minutes_overrides_every_reports_lag() -> None:
    lags = horizons(start_date="2026-02-25T00:00:00Z", freshness_lag_minutes=30)
    assert set(lags.values()) == {timedelta(minutes=30)}


def test_calls_in_the_pre_2026_05_11_layout_get_their_key_and_cursor_from_its_columns() -> None:
    context = SyncContext(config())
    calls = Calls(context)
    context.close()
    legacy = {"interaction_id": "abc", "end_time": "2026-04-01 10:00:00", "talk_time": 0.0001}
    assert calls.shape(dict(legacy)) == {**legacy, "call_id": "abc", "end_at": legacy["end_time"]}
    current = {"call_id": "def", "end_at": "2026-06-01T10:00:00Z", "interaction_id": None}
    assert calls.shape(dict(current)) == current


def test_an_estimate_follows_each_window_and_ends_at_the_rows_read() -> None:
    # 10 days in 7-day windows: two jobs of three rows each.
    start = (utc_now() - timedelta(days=10)).replace(microsecond=0)
    catalog = CatalogBuilder().with_stream("calls", SyncMode.incremental).build()
    with requests_mock.Mocker() as mock:
        FakeExplore(mock, None)
        output = read(SourceTalkdeskExplore(), raw_config(start_date=format_utc(start)), catalog)
    estimates = [
        message.trace.estimate
        for message in output.trace_messages
        if message.trace.type == TraceType.ESTIMATE
    ]
    assert [(e.name, e.type.value, e.row_estimate) for e in estimates] == [
        ("calls", "STREAM", 6),
        ("calls", "STREAM", 6),
    ]
    assert len(output.records) == 6
