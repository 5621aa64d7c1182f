"""The sandbox's seeded report rows: windows partition them exactly and keys are unique."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from integration_tests.talkdesk_sandbox import (
    REPORT_TYPES,
    TalkdeskSandbox,
    TalkdeskSandboxSettings,
)
from integration_tests.talkdesk_sandbox.data import (
    CURSOR_FIELDS,
    FALLBACK_CURSOR_FIELDS,
    PRIMARY_KEYS,
)
from integration_tests.talkdesk_sandbox.probe import bearer, run_job
from integration_tests.talkdesk_sandbox.settings import DEFAULT_ROWS_PER_DAY
from integration_tests.talkdesk_sandbox.timestamps import parse_entry_time

UTC = timezone.utc
PINNED_NOW = datetime(2026, 3, 20, 15, 30, 0, tzinfo=UTC)


def _settings(**overrides: object) -> TalkdeskSandboxSettings:
    return TalkdeskSandboxSettings(**{"now": PINNED_NOW, "job_duration_s": 0.02, **overrides})


@pytest.fixture
def sandbox() -> Iterator[TalkdeskSandbox]:
    with TalkdeskSandbox(_settings()) as running:
        yield running


def _filter_time(report_type: str, entry: dict) -> datetime:
    value = entry[CURSOR_FIELDS[report_type]]
    if value is None:
        value = entry[FALLBACK_CURSOR_FIELDS[report_type]]
    return parse_entry_time(value)


def _key(report_type: str, entry: dict) -> tuple:
    return tuple(entry[field] for field in PRIMARY_KEYS[report_type])


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_adjacent_windows_partition_the_history_exactly(
    sandbox: TalkdeskSandbox, report_type: str
) -> None:
    # Odd boundaries (not midnight) so rows near every kind of boundary are exercised.
    edges = [sandbox.history_start + timedelta(days=3 * i, hours=5, seconds=7) for i in range(11)]

    windows = [sandbox.rows(report_type, a, b) for a, b in zip(edges, edges[1:], strict=False)]
    whole = sandbox.rows(report_type, edges[0], edges[-1])

    assert [entry for window in windows for entry in window] == whole
    for (start, end), window in zip(zip(edges, edges[1:], strict=False), windows, strict=True):
        assert window, "every 3-day window has rows"
        assert all(start <= _filter_time(report_type, entry) < end for entry in window)


def test_jobs_over_adjacent_windows_return_exactly_the_rows_of_the_whole_span(
    sandbox: TalkdeskSandbox,
) -> None:
    headers = bearer(sandbox)
    edges = [PINNED_NOW - timedelta(days=40) + timedelta(days=10 * i, minutes=17) for i in range(4)]
    pairs = list(zip(edges, edges[1:], strict=False))

    served = [run_job(sandbox, headers, "calls", a, b)["entries"] for a, b in pairs]

    assert [entry for window in served for entry in window] == sandbox.rows(
        "calls", edges[0], edges[-1]
    )
    assert served == [sandbox.rows("calls", a, b) for a, b in pairs]


@pytest.mark.parametrize("report_type", REPORT_TYPES)
def test_primary_keys_are_unique_over_the_whole_history(
    sandbox: TalkdeskSandbox, report_type: str
) -> None:
    entries = sandbox.rows(report_type, sandbox.history_start, sandbox.clock_start)

    duplicates = [k for k, n in Counter(_key(report_type, e) for e in entries).items() if n > 1]

    assert duplicates == []


def test_user_id_and_flow_id_alone_are_not_unique(sandbox: TalkdeskSandbox) -> None:
    # The reason 0.1.0's primary keys were wrong must stay visible in the data.
    day = (sandbox.history_start, sandbox.history_start + timedelta(days=1))
    users = Counter(e["user_id"] for e in sandbox.rows("user_status", *day))
    flows = Counter(e["flow_id"] for e in sandbox.rows("studio_flow_execution", *day))

    assert max(users.values()) > 1
    assert max(flows.values()) > 1


def test_row_on_from_is_included_and_row_on_to_is_excluded(sandbox: TalkdeskSandbox) -> None:
    midnight = sandbox.history_start + timedelta(days=10)
    on_boundary = sandbox.rows("calls", midnight, midnight + timedelta(seconds=1))
    assert on_boundary and _filter_time("calls", on_boundary[0]) == midnight

    before = sandbox.rows("calls", midnight - timedelta(hours=6), midnight)
    after = sandbox.rows("calls", midnight, midnight + timedelta(hours=6))

    assert on_boundary[0] in after
    assert on_boundary[0] not in before


def test_naive_timespan_is_read_in_the_job_timezone(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 1, 0, 0, tzinfo=new_york)
    end = datetime(2026, 3, 3, 0, 0, tzinfo=new_york)

    report = run_job(
        sandbox,
        headers,
        "contacts",
        "2026-03-01T00:00:00",
        "2026-03-03T00:00:00",
        timezone="America/New_York",
    )

    assert report["entries"] == sandbox.rows("contacts", start, end)
    utc_reading = sandbox.rows("contacts", start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
    assert report["entries"] != utc_reading


def test_offset_timespan_is_absolute_whatever_the_job_timezone(sandbox: TalkdeskSandbox) -> None:
    headers = bearer(sandbox)
    start, end = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)

    report = run_job(
        sandbox,
        headers,
        "calls",
        "2026-03-01T00:00:00Z",
        "2026-03-01T19:00:00-05:00",
        timezone="Asia/Tokyo",
    )

    assert report["entries"] == sandbox.rows("calls", start, end)


def test_same_seed_gives_the_same_rows_and_another_seed_does_not(sandbox: TalkdeskSandbox) -> None:
    day = (PINNED_NOW - timedelta(days=2), PINNED_NOW - timedelta(days=1))
    with TalkdeskSandbox(_settings()) as twin, TalkdeskSandbox(_settings(seed=8)) as other:
        assert twin.rows("ring_attempts", *day) == sandbox.rows("ring_attempts", *day)
        assert other.rows("ring_attempts", *day) != sandbox.rows("ring_attempts", *day)


def test_rows_per_day_follow_the_settings_on_average(sandbox: TalkdeskSandbox) -> None:
    month = (sandbox.history_start, sandbox.history_start + timedelta(days=30))

    for report_type, per_day in DEFAULT_ROWS_PER_DAY.items():
        average = len(sandbox.rows(report_type, *month)) / 30
        assert 0.75 * per_day <= average <= 1.25 * per_day, report_type


def test_no_row_lies_outside_the_history(sandbox: TalkdeskSandbox) -> None:
    far = timedelta(days=400)

    for report_type in REPORT_TYPES:
        entries = sandbox.rows(report_type, sandbox.history_start - far, sandbox.clock_start + far)
        times = [_filter_time(report_type, entry) for entry in entries]
        assert sandbox.history_start <= min(times)
        assert max(times) < sandbox.now


def test_history_starts_at_midnight_150_days_back(sandbox: TalkdeskSandbox) -> None:
    assert sandbox.history_start == datetime(2025, 10, 21, tzinfo=UTC)


@pytest.mark.parametrize("report_type", ["contacts", "ring_attempts"])
def test_some_cursors_are_null_and_those_rows_are_placed_by_their_start(
    sandbox: TalkdeskSandbox, report_type: str
) -> None:
    start, end = sandbox.history_start, sandbox.history_start + timedelta(days=20)

    open_rows = [
        e for e in sandbox.rows(report_type, start, end) if not e[CURSOR_FIELDS[report_type]]
    ]

    assert open_rows
    assert all(start <= _filter_time(report_type, e) < end for e in open_rows)


def test_entries_mix_the_timestamp_styles_seen_in_talkdesk_payloads(
    sandbox: TalkdeskSandbox,
) -> None:
    week = (sandbox.history_start, sandbox.history_start + timedelta(days=7))
    stamps = [e["end_at"] for e in sandbox.rows("calls", *week)]
    stamps += [e["status_end_at"] for e in sandbox.rows("user_status", *week)]

    assert any(" " in s and "." not in s for s in stamps)
    assert any(s.endswith("Z") and "." not in s for s in stamps)
    assert any(s.endswith("Z") and "." in s for s in stamps)
    assert any(" " in s and "." in s for s in stamps)


def test_fields_the_reference_connector_missed_are_present(sandbox: TalkdeskSandbox) -> None:
    day = (sandbox.history_start, sandbox.history_start + timedelta(days=1))

    call = sandbox.rows("calls", *day)[0]
    status = sandbox.rows("user_status", *day)[0]
    attempt = sandbox.rows("ring_attempts", *day)[0]

    assert {"rating_reason", "agent_disconnected", "data_status", "text_custom_field_n4"} <= set(
        call
    )
    assert {"int_custom_field_n2", "float_custom_field_n1", "nested_disposition"} <= set(call)
    assert "ring_groups" in status
    assert "dial_attempts_queues" in attempt


def test_rows_requires_timezone_aware_bounds(sandbox: TalkdeskSandbox) -> None:
    with pytest.raises(ValueError):
        sandbox.rows("calls", datetime(2026, 3, 1), datetime(2026, 3, 2))


def test_rows_keep_arriving_as_the_clock_moves(sandbox: TalkdeskSandbox) -> None:
    before = sandbox.rows("calls", PINNED_NOW - timedelta(days=1), PINNED_NOW + timedelta(days=3))

    sandbox.advance_clock(2 * 86_400)
    after = sandbox.rows("calls", PINNED_NOW - timedelta(days=1), PINNED_NOW + timedelta(days=3))

    assert sandbox.now >= PINNED_NOW + timedelta(days=2)
    assert after[: len(before)] == before
    assert len(after) > len(before) + 40


def test_job_misses_rows_that_arrive_late_and_a_later_job_gets_them(
    sandbox: TalkdeskSandbox,
) -> None:
    headers = bearer(sandbox)
    start, end = PINNED_NOW - timedelta(hours=6), PINNED_NOW
    sandbox.set_visibility_delay(3600)

    early = run_job(sandbox, headers, "user_status", start, end)["entries"]
    sandbox.advance_clock(3600)
    late = run_job(sandbox, headers, "user_status", start, end)["entries"]

    truth = sandbox.rows("user_status", start, end)
    assert late == truth
    assert early == sandbox.rows("user_status", start, end - timedelta(hours=1))
    assert len(early) < len(truth)
