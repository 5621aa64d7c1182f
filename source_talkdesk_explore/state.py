"""Per-stream state: where the next sync of a stream starts.

Our state is `{"<cursor field>": "<UTC end of the last fully emitted window>Z"}`: the same key and
meaning as 0.1.0's `{"end_at": "YYYY-MM-DDTHH:MM:SS"}` ("everything up to here was read"), so both
versions' states are continued. Values are parsed as datetimes, never compared as strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import Any

from connector_common.datetimes import format_utc, parse_datetime
from connector_common.state_values import usable_cursor


def read_watermark(
    state: Mapping[str, Any] | None, keys: Iterable[str], naive_zone: tzinfo, stream: str
) -> datetime | None:
    """The latest instant among the saved state's known cursor keys; None for an empty state.

    Naive values (0.1.0 wrote them) are read in the configured timezone, the zone 0.1.0 sent its
    own naive timespans in. A value that cannot be used is warned about and left out, so the
    stream falls back to start_date: that re-reads data but never loses it
    (connector_common/state_values.py states the rule).
    """
    parse = partial(parse_datetime, naive_zone=naive_zone)
    moments = [usable_cursor(stream, key, (state or {}).get(key), parse) for key in keys]
    return max((moment for moment in moments if moment is not None), default=None)


def sync_start(start_date: datetime, watermark: datetime | None, lookback: timedelta) -> datetime:
    """Continue from the watermark minus the lookback overlap, never before start_date."""
    if watermark is None:
        return start_date
    return max(start_date, watermark - lookback)


def state_for(cursor_field: str, watermark: datetime) -> dict[str, str]:
    return {cursor_field: format_utc(watermark)}


def later_state(
    current: Mapping[str, Any] | None, cursor_field: str, candidate: datetime, naive_zone: tzinfo
) -> dict[str, Any]:
    """The state after a window: never moves backwards (a lookback re-read ends before it)."""
    # The saved value was warned about when the stream read it; an unreadable one is replaced.
    try:
        previous = parse_datetime((current or {}).get(cursor_field), naive_zone=naive_zone)
    except ValueError:
        previous = None
    if previous is not None and previous >= candidate:
        return dict(current or {})
    return state_for(cursor_field, candidate)
