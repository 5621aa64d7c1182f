"""Per-stream state: where the next sync of a stream starts.

Our state is `{"<cursor field>": "<UTC end of the last fully emitted window>Z"}`: the same key and
meaning as 0.1.0's `{"end_at": "YYYY-MM-DDTHH:MM:SS"}` ("everything up to here was read"), so both
versions' states are continued. Values are parsed as datetimes, never compared as strings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Any

from connector_common.datetimes import format_utc, parse_datetime

logger = logging.getLogger("airbyte")


def read_watermark(
    state: Mapping[str, Any] | None, keys: Iterable[str], naive_zone: tzinfo
) -> datetime | None:
    """The latest instant among the state's known cursor keys; None for empty/unusable state.

    Naive values (0.1.0 wrote them) are read in the configured timezone, the zone 0.1.0 sent its
    own naive timespans in. An unparseable value is ignored with a warning rather than crashing:
    the stream then falls back to start_date, which re-reads data but never loses it.
    """
    if not state:
        return None
    latest: datetime | None = None
    for key in keys:
        if key not in state:
            continue
        try:
            moment = parse_datetime(state[key], naive_zone=naive_zone)
        except ValueError:
            logger.warning("Ignoring unreadable state value %r for %s.", state[key], key)
            continue
        if moment is not None and (latest is None or moment > latest):
            latest = moment
    return latest


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
    previous = read_watermark(current, [cursor_field], naive_zone)
    if previous is not None and previous >= candidate:
        return dict(current or {})
    return state_for(cursor_field, candidate)
