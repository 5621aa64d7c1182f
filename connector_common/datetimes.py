"""The one datetime reader of both sources, for the forms their APIs, users and old states mix.

Every value becomes a timezone-aware UTC datetime so values are compared as instants: comparing
strings puts `"2024-01-01 10:00:00"` before `"2024-01-01T09:00:00Z"` (' ' < 'T').
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector_common.state_values import epoch_datetime

UTC = timezone.utc

_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
# ISO 8601 calendar forms the standard library does not read: a year, a year and month, an
# ordinal date. A bare number of any other length is epoch seconds or milliseconds.
_YEAR = re.compile(r"^(\d{4})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_ORDINAL = re.compile(r"^(\d{4})-(\d{3})$")
_NULL_STRINGS = {"", "none", "null", "nan"}


def to_zone(name: str) -> tzinfo:
    """The IANA zone `name`; raises ValueError with the offending name when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA timezone {name!r}") from error


def parse_datetime(value: object, naive_zone: tzinfo = UTC) -> datetime | None:
    """Read a cursor, state or config value as an aware UTC datetime; None for empty values.

    Accepts ISO 8601 (`YYYY-MM-DD[( |T)HH[:MM[:SS[.ffffff]]]][Z|±HH[:MM]]`, basic and week forms,
    a year, a year-month, an ordinal date), and epoch seconds or milliseconds (int, float or a
    numeric string that is not an ISO form: `"20240101"` is that day). `""`, `"None"`, `"null"`
    and `"NaN"` are empty. Values without an offset are read in `naive_zone`. Anything else
    raises ValueError, so a bad value is never silently skipped.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)):
        return epoch_datetime(float(value))
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in _NULL_STRINGS:
            return None
        parsed = _iso(text) or _calendar(text) or _epoch(text, value)
    else:
        raise ValueError(f"unrecognised datetime {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    return parsed.astimezone(UTC)


def _iso(text: str) -> datetime | None:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _calendar(text: str) -> datetime | None:
    try:
        if match := _YEAR.match(text):
            return datetime(int(match[1]), 1, 1)
        if match := _YEAR_MONTH.match(text):
            return datetime(int(match[1]), int(match[2]), 1)
        if match := _ORDINAL.match(text):
            day = date(int(match[1]), 1, 1) + timedelta(days=int(match[2]) - 1)
            if not 1 <= int(match[2]) <= 366 or day.year != int(match[1]):
                return None
            return datetime(day.year, day.month, day.day)
    except ValueError:
        return None
    return None


def _epoch(text: str, original: str) -> datetime:
    if _NUMERIC.match(text):
        # Seconds or milliseconds, and a ValueError (not OverflowError or OSError) for years no
        # datetime holds.
        return epoch_datetime(float(text))
    raise ValueError(f"unrecognised datetime {original!r}")


def format_utc(moment: datetime) -> str:
    """RFC 3339 UTC with a `Z` suffix, second precision: what both APIs accept and states carry."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime:
    return datetime.now(tz=UTC)


def floor_to_second(moment: datetime) -> datetime:
    return moment - timedelta(microseconds=moment.microsecond)
