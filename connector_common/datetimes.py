"""The one datetime reader of both sources, for the forms their APIs, users and old states mix.

Every value becomes a timezone-aware UTC datetime so values are compared as instants: comparing
strings puts `"2024-01-01 10:00:00"` before `"2024-01-01T09:00:00Z"` (' ' < 'T').
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connector_common.state_values import epoch_datetime

UTC = timezone.utc

_NUMERIC = re.compile(r"^-?\d+(\.\d+)?$")
_NULL_STRINGS = {"", "none", "null", "nan"}

# The ISO 8601 forms read, spelled out here rather than left to datetime.fromisoformat, which reads
# far fewer on Python 3.10 (no `Z`, no basic `20240101`, 3 or 6 fraction digits only) than on 3.11+
# (which also takes any separator character and fractional hours): the same text must give the same
# instant on every Python setup.py allows. A date is calendar, basic, week or ordinal; a time, in
# extended or basic form, may follow after `T`, `t` or a space; seconds may carry a fraction after
# `.` or `,` (digits past microseconds are dropped); an offset is `Z` or `±HH[[:]MM[[:]SS[.ffffff]]]`.
_DATE = (
    r"(?P<year>\d{4})(?:"
    r"-(?P<month>\d{2})-(?P<day>\d{2})|(?P<bmonth>\d{2})(?P<bday>\d{2})"
    r"|-W(?P<week>\d{2})(?:-(?P<weekday>\d))?|W(?P<bweek>\d{2})(?P<bweekday>\d)?"
    r"|-(?P<yearday>\d{3}))"
)
_TIME = (
    r"(?P<hour>\d{2})(?:(?P<colon>:?)(?P<minute>\d{2})"
    r"(?:(?P=colon)(?P<second>\d{2})(?:[.,](?P<fraction>\d+))?)?)?"
)
_OFFSET = (
    r"(?P<utc>[Zz])|(?P<sign>[+-])(?P<off_hour>\d{2})(?:(?P<off_colon>:?)(?P<off_minute>\d{2})"
    r"(?:(?P=off_colon)(?P<off_second>\d{2})(?:\.(?P<off_fraction>\d{1,6}))?)?)?"
)
_ISO = re.compile(rf"{_DATE}(?:[Tt ]{_TIME}(?:{_OFFSET})?)?", re.ASCII)
# Reduced precision: a year, or a year and month, read as their first day.
_REDUCED = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2}))?", re.ASCII)


def to_zone(name: str) -> tzinfo:
    """The IANA zone `name`; raises ValueError with the offending name when it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA timezone {name!r}") from error


def parse_datetime(value: object, naive_zone: tzinfo = UTC) -> datetime | None:
    """Read a cursor, state or config value as an aware UTC datetime; None for empty values.

    Accepts the ISO 8601 forms described at `_DATE` (`2024-01-01`, `20240101T103000Z`,
    `2024-01-01 10:00:00.12345+05:30`, `2024-W01-1`, `2024-001`, `2024-01`, `2024`) and epoch
    seconds or milliseconds (int, float or a numeric string that is not an ISO form: `"20240101"`
    is that day, `"1704067200"` that second). `""`, `"None"`, `"null"` and `"NaN"` are empty.
    Values without an offset are read in `naive_zone`. Anything else raises ValueError, so a bad
    value is never silently skipped.
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
        parsed = _iso(text) or _epoch(text, value)
    else:
        raise ValueError(f"unrecognised datetime {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_zone)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is in the year 10000 in UTC
        raise ValueError(f"datetime {value!r} is outside the years a datetime holds") from None


def _iso(text: str) -> datetime | None:
    """The instant an ISO 8601 form names; None when `text` is not one or names no real instant."""
    try:
        if match := _ISO.fullmatch(text):
            return datetime.combine(_date_of(match), _time_of(match), _offset_of(match))
        if match := _REDUCED.fullmatch(text):
            return datetime(int(match["year"]), int(match["month"] or 1), 1)
    except ValueError:  # a month, day, week, hour or offset out of range
        return None
    return None


def _date_of(match: re.Match[str]) -> date:
    year = int(match["year"])
    if (month := match["month"] or match["bmonth"]) is not None:
        return date(year, int(month), int(match["day"] or match["bday"]))
    if (week := match["week"] or match["bweek"]) is not None:
        return date.fromisocalendar(
            year, int(week), int(match["weekday"] or match["bweekday"] or 1)
        )
    day_of_year = int(match["yearday"])
    if not 1 <= day_of_year <= (366 if calendar.isleap(year) else 365):
        raise ValueError(f"day {day_of_year} of {year}")
    return date(year, 1, 1) + timedelta(days=day_of_year - 1)


def _time_of(match: re.Match[str]) -> time:
    if match["hour"] is None:
        return time()
    fraction = match["fraction"] or ""
    return time(
        int(match["hour"]),
        int(match["minute"] or 0),
        int(match["second"] or 0),
        int(fraction[:6].ljust(6, "0")),
    )


def _offset_of(match: re.Match[str]) -> tzinfo | None:
    if match["utc"]:
        return UTC
    if match["sign"] is None:
        return None
    offset = timedelta(
        hours=int(match["off_hour"]),
        minutes=int(match["off_minute"] or 0),
        seconds=int(match["off_second"] or 0),
        microseconds=int((match["off_fraction"] or "").ljust(6, "0")),
    )
    # timezone() refuses offsets of a day or more with ValueError, as for any other bad field.
    return timezone(-offset if match["sign"] == "-" else offset)


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
