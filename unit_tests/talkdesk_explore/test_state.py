from __future__ import annotations

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from connector_common.datetimes import UTC, parse_datetime
from source_talkdesk_explore import SourceTalkdeskExplore
from source_talkdesk_explore.state import (
    later_state,
    read_watermark,
    sync_start,
)

from .factories import utc

LISBON = ZoneInfo("Europe/Lisbon")


@pytest.mark.parametrize(
    "value",
    [
        "2026-07-01 10:00:00",
        "2026-07-01T10:00:00Z",
        "2026-07-01T10:00:00.000Z",
        "2026-07-01 10:00:00.000",
        "2026-07-01T12:00:00+02:00",
        1782900000000,
        1782900000,
        "1782900000000",
    ],
)
def test_every_format_talkdesk_mixes_parses_to_the_same_instant(value: object) -> None:
    assert parse_datetime(value) == utc(2026, 7, 1, 10)


@pytest.mark.parametrize("value", [None, "", "None", "null", "  "])
def test_null_like_cursor_values_parse_to_none(value: object) -> None:
    assert parse_datetime(value) is None


def test_unparseable_values_raise_instead_of_passing_through() -> None:
    with pytest.raises(ValueError):
        parse_datetime("yesterday")


def test_instants_compare_correctly_where_strings_do_not() -> None:
    space, zulu = "2026-01-01 10:00:00", "2026-01-01T09:00:00Z"
    assert space < zulu  # the 0.1.0 bug: ' ' sorts before 'T'
    assert parse_datetime(space) > parse_datetime(zulu)


def test_0_1_0_naive_state_is_read_in_the_configured_timezone() -> None:
    state = {"end_at": "2026-07-01T10:00:00"}
    assert read_watermark(state, ["end_at"], LISBON, "calls") == utc(2026, 7, 1, 9)


def test_watermark_takes_the_latest_of_current_and_legacy_keys() -> None:
    state = {"new": "2026-01-02 00:00:00", "legacy.key": "2026-01-03T00:00:00Z"}
    assert read_watermark(state, ["new", "legacy.key"], UTC, "calls") == utc(2026, 1, 3)


@pytest.mark.parametrize("state", [None, {}, {"end_at": None}, {"end_at": ""}, {"other": "x"}])
def test_empty_or_null_state_has_no_watermark(state) -> None:
    assert read_watermark(state, ["end_at"], UTC, "calls") is None


def test_garbage_state_value_is_ignored_not_fatal() -> None:
    assert read_watermark({"end_at": "not a date"}, ["end_at"], UTC, "calls") is None


def test_sync_start_subtracts_the_lookback_but_never_goes_before_start_date() -> None:
    start_date = utc(2026, 1, 1)
    assert sync_start(start_date, None, timedelta(hours=1)) == start_date
    assert sync_start(start_date, utc(2026, 2, 1), timedelta(hours=1)) == utc(2026, 1, 31, 23)
    assert sync_start(start_date, utc(2026, 1, 1, 0, 30), timedelta(hours=1)) == start_date


def test_state_is_written_as_utc_z_under_the_cursor_field() -> None:
    assert later_state({}, "end_at", utc(2026, 1, 8), UTC) == {"end_at": "2026-01-08T00:00:00Z"}


def test_state_never_moves_backwards_after_a_lookback_window() -> None:
    current = {"end_at": "2026-01-08 00:00:00"}
    assert later_state(current, "end_at", utc(2026, 1, 7, 23), UTC) == current


LEGACY_FILE = {"calls": {"end_at": "2026-01-01T10:00:00"}, "contacts": {"finished_at": None}}


def stream_states(path) -> dict:
    return {
        m.stream.stream_descriptor.name: m.stream.stream_state.__dict__
        for m in SourceTalkdeskExplore.read_state(str(path))
    }


def test_0_1_0_legacy_state_file_becomes_per_stream_state(tmp_path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps(LEGACY_FILE))
    assert stream_states(path) == LEGACY_FILE


def test_0_1_0_state_wrapped_as_legacy_messages_becomes_per_stream_state(tmp_path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps([{"type": "LEGACY", "data": LEGACY_FILE}]))
    assert stream_states(path) == LEGACY_FILE


def test_per_stream_state_files_pass_through_unchanged(tmp_path) -> None:
    path = tmp_path / "state.json"
    messages = [
        {
            "type": "STREAM",
            "stream": {
                "stream_descriptor": {"name": "calls"},
                "stream_state": {"end_at": "2026-01-01T10:00:00Z"},
            },
        }
    ]
    path.write_text(json.dumps(messages))
    assert stream_states(path) == {"calls": {"end_at": "2026-01-01T10:00:00Z"}}
