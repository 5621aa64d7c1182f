"""Property-based tests of the pure parts of both sources: Link header parsing, cursor parsing and
comparison, Talkdesk's window slicing, and state conversion and cleaning."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector_common.datetimes import format_utc
from connector_common.datetimes import parse_datetime as talkdesk_parse
from connector_common.input_files import legacy_state_messages, read_state_file
from connector_common.state_values import MILLIS_THRESHOLD, unusable_reason
from source_freshdesk.pagination import next_page_params
from source_freshdesk.state import cursor_from_state, format_datetime, read_cursor
from source_freshdesk.state import parse_datetime as freshdesk_parse
from source_talkdesk_explore.config import MAX_WINDOW_DAYS
from source_talkdesk_explore.state import later_state
from source_talkdesk_explore.windows import plan_windows

UTC = timezone.utc
# Second-precision instants in the years both APIs and their states use.
instants = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timedelta(minutes=m))
# Values a hand-edited or foreign state file may hold under a cursor key.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
param_names = st.text(
    alphabet=st.characters(whitelist_categories=("Ll", "Lu", "Nd"), whitelist_characters="_"),
    min_size=1,
    max_size=12,
)
param_values = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=20)


def link_response(header: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    if header is not None:
        response.headers["Link"] = header
    return response


# -- Link header (Freshdesk pagination) ----------------------------------------------------------


@given(
    st.dictionaries(param_names, param_values, min_size=1, max_size=5),
    st.sampled_from(
        ["https://acme.freshdesk.com/api/v2/tickets", "https://evil.example.com/steal", "/relative"]
    ),
)
def test_the_next_link_gives_back_exactly_its_query_whatever_host_it_names(
    query: dict[str, str], base: str
) -> None:
    header = f'<{base}?{urlencode(query)}>; rel="next"'
    assert next_page_params(link_response(header)) == query


@given(st.sampled_from(["prev", "last", "first", "nextpage"]), param_values)
def test_a_link_header_without_rel_next_means_the_last_page(rel: str, value: str) -> None:
    header = f'<https://acme.freshdesk.com/api/v2/x?{urlencode({"page": value})}>; rel="{rel}"'
    assert next_page_params(link_response(header)) is None


@given(st.text(max_size=80))
def test_any_link_header_text_parses_without_raising(header: str) -> None:
    result = next_page_params(link_response(header.replace("\n", " ").replace("\r", " ")))
    assert result is None or isinstance(result, dict)


# -- cursor parsing and comparison ---------------------------------------------------------------


@given(instants, offsets)
def test_freshdesk_reads_the_same_instant_from_z_and_offset_forms(
    moment: datetime, offset: timedelta
) -> None:
    local = moment.astimezone(timezone(offset))
    assert freshdesk_parse(local.isoformat()) == moment
    assert freshdesk_parse(format_datetime(moment)) == moment


@given(instants, instants, offsets, offsets)
def test_freshdesk_cursors_compare_as_instants_not_as_strings(
    a: datetime, b: datetime, offset_a: timedelta, offset_b: timedelta
) -> None:
    text_a = a.astimezone(timezone(offset_a)).isoformat()
    text_b = b.astimezone(timezone(offset_b)).isoformat()
    parsed_a, parsed_b = freshdesk_parse(text_a), freshdesk_parse(text_b)
    assert parsed_a is not None and parsed_b is not None
    assert (parsed_a < parsed_b) == (a < b) and (parsed_a == parsed_b) == (a == b)


# Milliseconds before March 1973 are below MILLIS_THRESHOLD and read as seconds, by design.
@given(instants.filter(lambda moment: moment.year >= 1974))
def test_both_sources_read_epoch_seconds_and_milliseconds_as_the_same_instant(
    moment: datetime,
) -> None:
    seconds = int(moment.timestamp())
    for value in (seconds, seconds * 1000, str(seconds), float(seconds)):
        assert read_cursor(value) == moment
        assert talkdesk_parse(value) == moment


@given(instants, offsets)
def test_talkdesk_round_trips_its_own_state_format_and_reads_offsets(
    moment: datetime, offset: timedelta
) -> None:
    assert talkdesk_parse(format_utc(moment)) == moment
    assert talkdesk_parse(moment.astimezone(timezone(offset)).isoformat()) == moment


# The forms of one instant that both sources meet (API values, states, configs, other tools).
def _iso_forms(moment: datetime, offset: timedelta) -> list[str]:
    shifted = moment.astimezone(timezone(offset))
    return [
        format_utc(moment),
        shifted.isoformat(),
        shifted.strftime("%Y%m%dT%H%M%S%z"),
        moment.strftime("%Y-%m-%d %H:%M:%S"),
        moment.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    ]


@given(instants, offsets)
def test_the_shared_parser_reads_every_iso_form_as_freshdesk_did(
    moment: datetime, offset: timedelta
) -> None:
    for text in _iso_forms(moment, offset):
        assert talkdesk_parse(text) == moment, text
        assert freshdesk_parse(text) == moment, text


@given(st.dates(min_value=datetime(1971, 1, 1).date(), max_value=datetime(2100, 1, 1).date()))
def test_the_shared_parser_reads_calendar_dates_as_freshdesk_did(day: Any) -> None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ordinal = f"{day.year:04d}-{day.timetuple().tm_yday:03d}"
    for text in (day.isoformat(), day.strftime("%Y%m%d"), ordinal):
        assert talkdesk_parse(text) == freshdesk_parse(text) == midnight, text
    first = midnight.replace(day=1)
    assert talkdesk_parse(day.strftime("%Y-%m")) == freshdesk_parse(day.strftime("%Y-%m")) == first


@given(json_values)
def test_any_json_value_under_a_cursor_is_read_or_refused_never_crashing(value: Any) -> None:
    for parse in (read_cursor, talkdesk_parse):
        moment, reason = unusable_reason(value, parse)
        assert (moment is None) or (reason is None)
        if value is not None and moment is None:
            assert reason  # nothing unusable goes by without a reason to warn with


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers())
def test_talkdesk_epoch_numbers_parse_or_raise_value_error_only(number: float) -> None:
    try:
        moment = talkdesk_parse(number)
    except ValueError:
        return
    assert moment is not None and moment.tzinfo is not None
    assert math.isfinite(number)


@given(instants, instants)
def test_talkdesk_state_never_moves_backwards(current: datetime, candidate: datetime) -> None:
    state = later_state({"end_at": format_utc(current)}, "end_at", candidate, UTC)
    assert talkdesk_parse(state["end_at"]) == max(current, candidate)


# -- Talkdesk window slicing ---------------------------------------------------------------------


@given(
    instants,
    st.integers(min_value=0, max_value=90 * 24 * 3600),
    st.integers(min_value=3600, max_value=60 * 24 * 3600),
    st.integers(min_value=0, max_value=24 * 3600),
)
def test_windows_tile_start_to_the_horizon_without_gaps_overlaps_or_oversize(
    start: datetime, span_s: int, size_s: int, lag_s: int
) -> None:
    now = start + timedelta(seconds=span_s)
    size, lag = timedelta(seconds=size_s), timedelta(seconds=lag_s)
    windows = plan_windows(start, now, size=size, freshness_lag=lag)
    horizon = now - lag
    if horizon <= start:
        assert windows == []
        return
    assert windows[0].start == start and windows[-1].end == horizon
    for before, after in zip(windows, windows[1:], strict=False):
        assert before.end == after.start
    for window in windows:
        assert (
            timedelta(0) < window.end - window.start <= min(size, timedelta(days=MAX_WINDOW_DAYS))
        )


# -- state conversion and cleaning ---------------------------------------------------------------

stream_names = st.text(
    alphabet=st.characters(whitelist_categories=("Ll",), whitelist_characters="_"),
    min_size=1,
    max_size=10,
)
cursor_states = st.dictionaries(
    st.sampled_from(["updated_at", "end_at", "other"]),
    instants.map(format_utc) | st.none(),
    max_size=3,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(stream_names, cursor_states, max_size=4))
def test_legacy_bare_wrapped_and_per_stream_files_read_as_the_same_state(
    tmp_path: Path, legacy: dict[str, dict[str, Any]]
) -> None:
    per_stream = legacy_state_messages(legacy)
    forms = [legacy, [{"type": "LEGACY", "data": legacy}], per_stream]
    read = []
    for number, form in enumerate(forms):
        path = tmp_path / f"state-{number}.json"
        path.write_text(json.dumps(form))
        messages = read_state_file(str(path))
        read.append(
            {m.stream.stream_descriptor.name: m.stream.stream_state.__dict__ for m in messages}
        )
    assert read[0] == read[1] == read[2] == legacy


@given(st.dictionaries(st.sampled_from(["updated_at", "deleted", "note"]), json_values, max_size=3))
def test_a_saved_tickets_cursor_is_used_exactly_when_the_rule_accepts_it(
    state: dict[str, Any],
) -> None:
    for key in ("updated_at", "deleted.updated_at"):
        *views, field = key.split(".")
        holder: Any = state.get(views[0]) if views else state
        value = holder.get(field) if isinstance(holder, dict) else None
        expected, _ = unusable_reason(value, read_cursor)
        assert cursor_from_state(state, key, "tickets") == expected


def test_the_millisecond_threshold_reads_far_future_seconds_as_milliseconds() -> None:
    # The boundary both sources share: 1e11 seconds would be the year 5138.
    assert read_cursor(MILLIS_THRESHOLD) == datetime.fromtimestamp(MILLIS_THRESHOLD / 1000, UTC)
    assert read_cursor(MILLIS_THRESHOLD - 1).year > 5000
