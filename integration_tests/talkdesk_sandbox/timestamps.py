"""How the sandbox writes and reads datetimes.

Report entries mix the styles seen in Talkdesk payloads; the API itself accepts
ISO-8601 timespans with or without an offset (naive values are read in the job's timezone).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UTC = timezone.utc

# Entry styles: "space" is the classic Explore format, "zulu" the newest calls payload,
# the millis variants come from reports that carry sub-second precision.
SPACE = "space"
ZULU = "zulu"
MILLIS_ZULU = "millis_zulu"
MILLIS_SPACE = "millis_space"
MILLIS_STYLES = (MILLIS_ZULU, MILLIS_SPACE)

_API_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$",
)


def format_entry_time(moment: datetime, style: str) -> str:
    """Render an aware UTC datetime the way a report entry would carry it."""
    moment = moment.astimezone(UTC)
    millis = f"{moment.microsecond // 1000:03d}"
    if style == SPACE:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if style == ZULU:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == MILLIS_ZULU:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + millis + "Z"
    if style == MILLIS_SPACE:
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + millis
    raise ValueError(f"unknown timestamp style {style!r}")


def parse_entry_time(value: str | None) -> datetime | None:
    """Inverse of format_entry_time for tests: every style is UTC, naive ones included."""
    if value is None or value == "":
        return None
    parsed = _from_iso(value.replace(" ", "T"))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_api_time(moment: datetime) -> str:
    """Timestamps the API writes itself (job created_at): naive UTC, as in the 0.1.0 docstring."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def resolve_timezone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name`, or None when it is not one (file paths and such included)."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_api_time(value: object, zone: ZoneInfo) -> datetime | None:
    """An aware UTC datetime for a timespan bound, or None when it is not a valid ISO-8601 string.

    Values without an offset are wall-clock times in the job's timezone; Z/offset ones are absolute.
    """
    if not isinstance(value, str) or not _API_DATETIME.match(value):
        return None
    try:
        parsed = _from_iso(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return parsed.astimezone(UTC)


def _from_iso(value: str) -> datetime:
    """datetime.fromisoformat for the shapes above on every Python: 3.10's reads no `Z` and only
    3 or 6 fraction digits."""
    value = re.sub(r"[Zz]$", "+00:00", value)
    value = re.sub(r"\.(\d{1,6})", lambda fraction: "." + fraction[1].ljust(6, "0"), value)
    return datetime.fromisoformat(value)


def floor_to_day(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def days_between(start: datetime, end: datetime) -> list[datetime]:
    """UTC midnights of every day that overlaps [start, end)."""
    day = floor_to_day(start)
    days = []
    while day < end:
        days.append(day)
        day += timedelta(days=1)
    return days
