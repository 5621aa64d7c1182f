"""Datetime parsing for the formats Talkdesk, users and 0.1.0 state mix.

Everything is converted to timezone-aware UTC datetimes so values are compared as instants:
0.1.0 compared raw strings, where `"2024-01-01 10:00:00" < "2024-01-01T09:00:00Z"` (' ' < 'T').
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector_common.state_values import epoch_datetime

UTC = timezone.utc

_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_NULL_STRINGS = {"", "none", "null", "nan"}


def to_zone(name: str) -> tzinfo:
    """The IANA zone `name`; raises ValueError with the offending name when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA timezone {name!r}") from error


def parse_datetime(value: object, naive_zone: tzinfo = UTC) -> datetime | None:
    """Parse a cursor/state/config value into an aware UTC datetime; None for empty values.

    Accepts `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`, a plain date and epoch
    seconds or milliseconds (int, float or numeric string). Values without an offset are read in
    `naive_zone`. Raises ValueError for anything else so a bad value is never silently skipped.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)):
        return _from_epoch(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in _NULL_STRINGS:
            return None
        if _NUMERIC.match(text):
            return _from_epoch(float(text))
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(f"unrecognised datetime {value!r}") from error
    else:
        raise ValueError(f"unrecognised datetime {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(UTC)


def _from_epoch(number: float) -> datetime:
    # The shared reading: seconds or milliseconds, and a ValueError (not OverflowError or
    # OSError, which callers do not expect) for NaN, infinities and years no datetime holds.
    return epoch_datetime(number)


def format_utc(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z` suffix, second precision: what the API and our state carry."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def floor_to_second(moment: datetime) -> datetime:
    return moment - timedelta(microseconds=moment.microsecond)
